"""A QuestionnaireResponse of a kyphocheck checklist (an export) read back as answers.

A bundle exported by `kyphocheck export` (or made by an EHR against its Questionnaire) holds
every answer by linkId: the header groups, each item, each medicine and allergy as a repeat of
its group. Read through the same table the export writes with (fhir_items), the answers come
back exactly as the record had them.
"""

from __future__ import annotations

from typing import Any

from kyphocheck.errors import InputError, Problem
from kyphocheck.intake.fhir_bundle import Bundle
from kyphocheck.intake.fhir_items import (
    ENTRY_PARTS,
    HEADER_PARTS,
    ITEM_TYPES,
    QUESTIONNAIRE_URL,
    VALUE_FIELDS,
    part_link,
    section_link,
)
from kyphocheck.site.checklist import Checklist


def checklist_response(bundle: Bundle) -> tuple[Any, str] | None:
    """The bundle's QuestionnaireResponse of a kyphocheck checklist and its checklist id."""
    found = [
        (r, str(r.questionnaire).removeprefix(QUESTIONNAIRE_URL).split("|")[0])
        for r in bundle.of("QuestionnaireResponse")
        if r.questionnaire and str(r.questionnaire).startswith(QUESTIONNAIRE_URL)
    ]
    if len(found) > 1:
        raise InputError(
            Problem(
                bundle.display,
                field="QuestionnaireResponse",
                message="more than one of a kyphocheck checklist; a pre-fill is of one",
            )
        )
    return found[0] if found else None


def response_document(response: Any, checklist: Checklist) -> dict[str, Any]:
    """`patient`, `procedure` and `answers` as an answers file gives them."""
    by_link = _by_link(response.item or [])
    document: dict[str, Any] = {"patient": {}, "procedure": {}, "answers": {}}
    for part, fields in HEADER_PARTS.items():
        for group in by_link.get(part, []):
            inside = _by_link(group.item or [])
            for field in fields:
                values = _values(inside.get(part_link(part, field.key), []), field.type)
                if values:
                    document[part][field.key] = values if field.repeats else values[0]
    for compiled in checklist.items:
        item = compiled.item
        if item.type in ("medications", "allergies"):
            entries = _entries(_groups(by_link, compiled.section), item.id, item.type)
            if entries is not None:
                document["answers"][item.id] = entries
            continue
        answered = [
            i for group in _groups(by_link, compiled.section) for i in group.get(item.id, [])
        ]
        fhir_type = "choice" if item.type in ("choice", "multi_choice") else None
        values = _values(answered, fhir_type or _type_of(item.type))
        if values:
            document["answers"][item.id] = values if item.type == "multi_choice" else values[0]
    return document


def _by_link(items: list[Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for item in items:
        found.setdefault(item.linkId, []).append(item)
    return found


def _groups(by_link: dict[str, list[Any]], section: str) -> list[dict[str, list[Any]]]:
    return [_by_link(group.item or []) for group in by_link.get(section_link(section), [])]


def _entries(
    groups: list[dict[str, list[Any]]], item_id: str, kind: str
) -> list[dict[str, Any]] | None:
    repeats = [entry for group in groups for entry in group.get(item_id, [])]
    if not repeats:
        return None
    entries = []
    for repeat in repeats:
        inside = _by_link(repeat.item or [])
        entry: dict[str, Any] = {}
        for part in ENTRY_PARTS[kind]:
            values = _values(inside.get(part_link(item_id, part.key), []), part.type)
            if values:
                entry[part.key] = values[0]
        entries.append(entry)
    return entries


def _type_of(item_type: str) -> str:
    return ITEM_TYPES[item_type]


def _values(items: list[Any], fhir_type: str) -> list[Any]:
    field = VALUE_FIELDS[fhir_type]
    values = []
    for item in items:
        for answer in item.answer or []:
            value = getattr(answer, field, None)
            if value is None:
                raise InputError(
                    Problem(
                        field=f"QuestionnaireResponse item {item.linkId}",
                        message=f"its answer is not a {field}",
                    )
                )
            values.append(_plain(value, fhir_type))
    return values


def _plain(value: Any, fhir_type: str) -> Any:
    if fhir_type == "choice":
        return value.code
    if fhir_type in ("date", "dateTime"):
        return value.isoformat()
    if fhir_type == "decimal":
        return int(value) if value == value.to_integral_value() else float(value)
    return value
