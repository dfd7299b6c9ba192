"""A record's answers as the items of a QuestionnaireResponse, in the checklist's order.

Each answer is written in the value type its Questionnaire item has (intake.fhir_items), an
item without an answer is left out (FHIR has no empty answer), and each entry of a medicines or
allergies list is one repeat of its group.
"""

from __future__ import annotations

from typing import Any

from kyphocheck.intake.fhir_items import (
    ENTRY_PARTS,
    HEADER_PARTS,
    ITEM_TYPES,
    Part,
    part_link,
    section_link,
)
from kyphocheck.site.checklist import Checklist


def response_items(record: dict[str, Any], checklist: Checklist) -> list[Any]:
    """The QuestionnaireResponse's items: the header groups, then each section's answers."""
    items = [
        group
        for part, fields in HEADER_PARTS.items()
        if (group := _group(part, [_part(part, f, record[part].get(f.key)) for f in fields]))
    ]
    answers = record["answers"]
    for section in checklist.sections:
        inside: list[Any] = []
        for compiled in checklist.items:
            item = compiled.item
            if compiled.section != section.id or answers.get(item.id) is None:
                continue
            value = answers[item.id]
            if item.type in ("medications", "allergies"):
                inside += [_entry(item.id, item.type, entry) for entry in value]
            else:
                inside.append(_answered(item.id, ITEM_TYPES[item.type], value, item.choices))
        if inside:
            items.append(_group(section_link(section.id), inside))
    return items


def _group(link_id: str, items: list[Any]) -> Any | None:
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponseItem

    present = [i for i in items if i is not None]
    return QuestionnaireResponseItem(linkId=link_id, item=present) if present else None


def _entry(link_id: str, kind: str, entry: dict[str, Any]) -> Any:
    return _group(link_id, [_part(link_id, p, entry.get(p.key)) for p in ENTRY_PARTS[kind]])


def _part(group: str, part: Part, value: Any) -> Any | None:
    if value is None:
        return None
    return _answered(part_link(group, part.key), part.type, value)


def _answered(link_id: str, fhir_type: str, value: Any, choices: tuple[Any, ...] = ()) -> Any:
    from fhir.resources.R4B.coding import Coding
    from fhir.resources.R4B.questionnaireresponse import (
        QuestionnaireResponseItem,
        QuestionnaireResponseItemAnswer,
    )

    values = value if isinstance(value, list | tuple) else [value]
    labels = {c.value: c.label for c in choices}
    answers = []
    for one in values:
        if fhir_type == "choice":
            typed: dict[str, Any] = {"valueCoding": Coding(code=one, display=labels.get(one))}
        elif fhir_type == "boolean":
            typed = {"valueBoolean": one}
        elif fhir_type == "decimal":
            typed = {"valueDecimal": one}
        elif fhir_type == "date":
            typed = {"valueDate": one}
        elif fhir_type == "dateTime":
            typed = {"valueDateTime": one}
        else:
            typed = {"valueString": str(one)}
        answers.append(QuestionnaireResponseItemAnswer(**typed))
    return QuestionnaireResponseItem(linkId=link_id, answer=answers)
