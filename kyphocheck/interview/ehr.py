"""The values a FHIR bundle filled in an interactive run, and which the nurse has confirmed.

They sit in the answers document's `ehr:` block (see intake.answers_file.EhrFields), so a draft
interrupted and resumed keeps them. A value the nurse changes is no longer the EHR's: the
record then lists it as entered at the terminal, not under `sources`.
"""

from __future__ import annotations

from typing import Any

from kyphocheck.header import HEADER_PROMPTS


def filled_by_ehr(document: dict[str, Any]) -> set[str]:
    """The document keys ("answers.inr", "patient.dob") whose values came from the bundle."""
    ehr = document.get("ehr")
    return set(ehr.get("filled", ())) if isinstance(ehr, dict) else set()


def forget_source(document: dict[str, Any], key: str) -> None:
    """The nurse changed this value: it is hers, not the EHR's."""
    ehr = document.get("ehr")
    if isinstance(ehr, dict) and key in ehr.get("filled", ()):
        ehr["filled"] = [k for k in ehr["filled"] if k != key]


def header_to_confirm(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The (part, key) of each header field the EHR filled that the nurse has not confirmed.

    In asking order; a field the nurse is never asked for (large print) is not among them.
    """
    ehr = document.get("ehr")
    if not isinstance(ehr, dict):
        return []
    checked = set(ehr.get("checked", ()))
    filled = set(ehr.get("filled", ()))
    return [
        (part, key)
        for part, key in HEADER_PROMPTS
        if f"{part}.{key}" in filled and f"{part}.{key}" not in checked
    ]


def last_doses_to_confirm(document: dict[str, Any]) -> list[int]:
    """Indexes of the medicines whose last dose the EHR gave and the nurse has not confirmed."""
    ehr = document.get("ehr")
    if not isinstance(ehr, dict) or "answers.medications" not in ehr.get("filled", ()):
        return []
    checked = set(ehr.get("checked", ()))
    medications = document.get("answers", {}).get("medications") or []
    return [
        index
        for index, entry in enumerate(medications)
        if isinstance(entry, dict)
        and entry.get("last_dose")
        and f"answers.medications[{index}].last_dose" not in checked
    ]


def mark_checked(document: dict[str, Any], key: str) -> None:
    """The nurse confirmed (or corrected) the EHR's value at `key`; it is not asked again."""
    ehr = document["ehr"]
    ehr["checked"] = sorted({*ehr.get("checked", ()), key})
