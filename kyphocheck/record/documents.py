"""The record's documents: the clinical summary and the patient's take-home sheet.

Each is a Jinja template (site-overridable) rendered from the record; this module prepares
the values the templates show, so templates stay about wording and layout.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kyphocheck.header import ANESTHESIA_WORDS, HEADER_PROMPTS
from kyphocheck.record.render import make_environment, render, template_hashes
from kyphocheck.record.take_home import sheet_context
from kyphocheck.site.checklist import Checklist
from kyphocheck.site.checklist_files import Item
from kyphocheck.site.drug_names import normalise_name
from kyphocheck.site.folder import Site
from kyphocheck.times import as_local

SUMMARY_TEMPLATE = "summary.md.j2"
TAKE_HOME_TEMPLATE = "take-home.md.j2"


@dataclass(frozen=True)
class Documents:
    """Rendered Markdown documents by file name, the template hashes, and warnings."""

    files: dict[str, str]
    templates: dict[str, str]
    warnings: tuple[str, ...]
    languages: dict[str, str]  # file name -> the language it is written in


def format_answer(item: Item, value: Any, zone: ZoneInfo) -> str:
    """An answer as the summary shows it."""
    if value is None:
        return "not answered"
    if item.type == "yes_no":
        return "yes" if value else "no"
    if item.type in ("choice", "multi_choice"):
        labels = {c.value: c.label for c in item.choices}
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(labels.get(v, v)) for v in values)
    if item.type == "number":
        return f"{value:g} {item.unit}" if item.unit else f"{value:g}"
    if item.type == "datetime":
        return as_local(value, zone).strftime("%a %d %b %Y %H:%M")
    if item.type == "date":
        return date.fromisoformat(value).strftime("%a %d %b %Y")
    if item.type == "medications":
        return f"{len(value)} listed" if value else "none"
    if item.type == "allergies":
        return f"{len(value)} listed" if value else "none known"
    return str(value)


def document_context(record: dict[str, Any], checklist: Checklist, site: Site) -> dict[str, Any]:
    """What the templates see: the record, the checklist's wording, the site, by section."""
    zone = ZoneInfo(record["procedure"]["timezone"])
    answers = record["answers"]
    skipped = set(record.get("not_applicable", ()))
    from_ehr = set(record.get("sources", {}))  # run --fhir: the values the EHR gave unchanged
    sections = []
    for section in checklist.sections:
        rows = [
            {
                "id": item.id,
                "prompt": item.prompt,
                "answer": format_answer(item, answers.get(item.id), zone),
                "answered": item.id in answers,
                "from_ehr": f"answers.{item.id}" in from_ehr,
            }
            for item in section.items
            if item.id not in skipped
        ]
        if rows:
            sections.append({"id": section.id, "title": section.title, "rows": rows})
    not_applicable = [
        item.prompt
        for section in checklist.sections
        for item in section.items
        if item.id in skipped
    ]
    notes_for_patient = [
        item.patient_note
        for section in checklist.sections
        for item in section.items
        if item.patient_note and item.id in answers
    ]
    by_severity = {
        severity: [f for f in record["findings"] if f["severity"] == severity]
        for severity in ("stop", "notify", "info")
    }
    return {
        "record": record,
        "checklist": {
            "title": checklist.title,
            "procedure_name": checklist.procedure_name,
            "patient_description": checklist.patient_description,
        },
        "sections": sections,
        "not_applicable": not_applicable,
        "header_from_ehr": [
            key
            for key in ("name", "mrn", "dob", "sex", "weight_kg")
            if f"patient.{key}" in from_ehr
        ],
        "findings_by_severity": by_severity,
        "overridden": {o["finding"]: o for o in record["overrides"]},
        "anesthesia_words": ANESTHESIA_WORDS[record["procedure"]["anesthesia"]],
        "patient_notes": notes_for_patient,
        "holds": _holds(record),
        "keep_taking": _planned(record, "continue"),
        "ask_first": _planned(record, "ask"),
        "unknown_medicines": _once(
            m["name"] for m in record["computed"]["medications"] if not m.get("known")
        ),
        "unmatched_allergies": _once(
            a["substance"] for a in record["computed"]["allergies"] if not a.get("category")
        ),
        "site": {"name": site.config.name, "clinic_phone": site.config.clinic_phone},
        "sheet": sheet_context(record, site.config),
        "amendment": _amendment(record, checklist, zone),
        "signed": record["signature"] is not None,
    }


def take_home_template(language: str, site: Site) -> tuple[str, str, list[str]]:
    """The take-home template for a language, the language it is written in, and warnings.

    A language without its own template (take-home.LANG.md.j2 beside the others) falls back to
    English, dates included, with a warning.
    """
    if language == "en":
        return TAKE_HOME_TEMPLATE, "en", []
    localised = f"take-home.{language}.md.j2"
    if any((folder / localised).is_file() for folder in site.template_dirs):
        return localised, language, []
    warning = f"no take-home template for language '{language}'; the sheet is in English"
    return TAKE_HOME_TEMPLATE, "en", [warning]


def _holds(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The medicines to hold, each marked `started` when its last permitted dose is past.

    A sheet made after that moment tells the patient to take no more, instead of giving a
    deadline that has gone by.
    """
    made = datetime.fromisoformat(record["created_at"])
    return [
        {**m, "started": datetime.fromisoformat(m["latest_permitted_dose"]) <= made}
        for m in record["computed"]["medications"]
        if m.get("known") and m.get("latest_permitted_dose")
    ]


def _amendment(
    record: dict[str, Any], checklist: Checklist, zone: ZoneInfo
) -> dict[str, Any] | None:
    """What an amended record changed, worded for the summary (None for an original record).

    Answers by their prompt, formatted as the summary formats them; patient and procedure
    fields by the name the nurse was asked them by. A list (medicines, allergies) shows only
    the entries that changed: a new last dose of the same medicine must not read "Eliquis ->
    Eliquis".
    """
    changes = record.get("amendment")
    if not isinstance(changes, dict):
        return None
    items = {item.id: item for section in checklist.sections for item in section.items}
    rows = []
    for change in changes.get("answers_changed", []):
        key, old, new = str(change["item"]), change["old"], change["new"]
        item = items.get(key)
        if isinstance(old, list) or isinstance(new, list):
            old, new = _changed_entries(old or [], new or [])
            words = [_entries(old, zone), _entries(new, zone)]
        elif item is not None:
            words = [format_answer(item, v, zone) for v in (old, new)]
        else:
            words = [_header_words(key, v, zone) for v in (old, new)]
        label = item.prompt if item is not None else _header_label(key)
        rows.append({"label": label, "old": words[0], "new": words[1]})
    return {
        "amends": record["amends"],
        "reason": record.get("amendment_reason", ""),
        "rows": rows,
        "added": changes.get("findings_added", []),
        "resolved": changes.get("findings_resolved", []),
        "cleared_before": changes.get("cleared_before"),
    }


def _changed_entries(old: list[Any], new: list[Any]) -> tuple[list[Any], list[Any]]:
    """The entries of two lists that are not in both (compared whole)."""
    old_keys = [_canonical(e) for e in old]
    new_keys = [_canonical(e) for e in new]
    return (
        [e for e, k in zip(old, old_keys, strict=True) if k not in new_keys],
        [e for e, k in zip(new, new_keys, strict=True) if k not in old_keys],
    )


def _entries(entries: list[Any], zone: ZoneInfo) -> str:
    """Medicines or allergies in a line: "Eliquis 5 mg twice a day, last dose Fri 27 Nov ..."."""
    if not entries:
        return "none"
    worded = []
    for entry in entries:
        if not isinstance(entry, dict):
            worded.append(str(entry))
        elif "substance" in entry:
            reaction = f" ({entry['reaction']})" if entry.get("reaction") else ""
            worded.append(f"{entry['substance']}{reaction}")
        else:
            parts = [str(entry.get("name")), *([str(entry["dose"])] if entry.get("dose") else [])]
            last = entry.get("last_dose")
            when = as_local(last, zone).strftime("%a %d %b %Y %H:%M") if last else "not known"
            worded.append(f"{' '.join(parts)}, last dose {when}")
    return "; ".join(worded)


def _header_label(key: str) -> str:
    """patient.weight_kg -> "Weight": the header prompt without its hint in brackets."""
    part, _, field = key.partition(".")
    prompt = HEADER_PROMPTS.get((part, field))
    return prompt.split(" (")[0] if prompt else key


def _header_words(key: str, value: Any, zone: ZoneInfo) -> str:
    """A patient or procedure field as the summary's header table shows it."""
    if value is None:
        return "not given"
    if key == "patient.weight_kg" and isinstance(value, int | float):
        return f"{value:g} kg"
    if key == "procedure.scheduled":
        return as_local(value, zone).strftime("%a %d %b %Y %H:%M")
    if key == "procedure.levels" and isinstance(value, list):
        return ", ".join(map(str, value))
    if key == "procedure.anesthesia":
        return ANESTHESIA_WORDS.get(str(value), str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _planned(record: dict[str, Any], plan: str) -> list[dict[str, Any]]:
    """The medicines without a hold that the sheet lists under `plan` (continue or ask).

    "Keep taking" is only for what the protocol continues: a medicine not in the table, or in
    a record made before entries carried a plan, is one to ask about.
    """
    return [
        {"display": m["name"], **m}
        for m in record["computed"]["medications"]
        if not m.get("latest_permitted_dose")
        and (m.get("plan", "ask") if m.get("known") else "ask") == plan
    ]


def _once(names: Iterable[str]) -> list[str]:
    """Names in order, each once however it is written ("Zorblax", "zorblax")."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(normalise_name(name), name)
    return list(seen.values())


def render_documents(
    record: dict[str, Any],
    checklist: Checklist,
    site: Site,
    kinds: tuple[str, ...] = ("summary", "take-home"),
) -> Documents:
    """Render the summary (in English) and the take-home sheet (in the patient's language)."""
    zone = ZoneInfo(record["procedure"]["timezone"])
    context = document_context(record, checklist, site)
    files: dict[str, str] = {}
    hashes: dict[str, str] = {}
    warnings: list[str] = []
    languages = {"summary.md": "en"}
    if "summary" in kinds:
        env = make_environment(site.template_dirs, zone)
        files["summary.md"] = render(env, SUMMARY_TEMPLATE, context)
        hashes.update(template_hashes(env))
    if "take-home" in kinds:
        name, language, warnings = take_home_template(record["patient"]["language"], site)
        env = make_environment(site.template_dirs, zone, language)
        files["take-home.md"] = render(env, name, context)
        hashes.update(template_hashes(env))
        languages["take-home.md"] = language
    return Documents(files, dict(sorted(hashes.items())), tuple(warnings), languages)
