"""Medicines from a FHIR bundle: MedicationStatement and MedicationRequest, by name or RxNorm.

Each is entered under the name the nurse would give: the EHR's, when it names the drug its
RxNorm code maps to (a brand stays a brand), else the drug table's. A code and a name that say
two drugs are refused; a statement and an order of one drug are one medicine; a last dose is
taken only as a moment already past.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kyphocheck.errors import Problem
from kyphocheck.intake.fhir_bundle import Bundle, name_of
from kyphocheck.site.codes import CodeMaps
from kyphocheck.site.drugs import DrugTable

# Resource states that are not the patient's medicine.
NOT_TAKEN = frozenset({"entered-in-error", "not-taken"})
# An order never started; a stopped or completed one may still have a last dose that matters
# (a blood thinner stopped for the procedure), so it is kept and the nurse asked.
REQUEST_NEVER_TAKEN = frozenset({"entered-in-error", "cancelled", "draft"})
REQUEST_IN_USE = frozenset({"active", "on-hold"})


def read_medication(
    bundle: Bundle,
    resource: Any,
    codes: CodeMaps,
    drugs: DrugTable,
    now: datetime,
    notes: list[str],
    problems: list[Problem],
) -> dict[str, Any] | None:
    """One medicine entry of a MedicationStatement or MedicationRequest, or None if not one.

    A problem (no name at all, a code and a name that disagree) is added to `problems`.
    """
    kind = resource.get_resource_type()
    if kind == "MedicationStatement" and resource.status in NOT_TAKEN:
        notes.append(f"{name_of(resource)}: {resource.status} in the EHR; not entered")
        return None
    if kind == "MedicationRequest" and resource.status in REQUEST_NEVER_TAKEN:
        notes.append(f"{name_of(resource)}: the EHR's order is {resource.status}; not entered")
        return None
    if kind == "MedicationRequest" and resource.status not in REQUEST_IN_USE:
        notes.append(
            f"{name_of(resource)}: the EHR's order is {resource.status}: ask the patient "
            "whether and when they last took it"
        )
    concept = resource.medicationCodeableConcept
    if concept is None and resource.medicationReference is not None:
        medication = bundle.resolve(resource.medicationReference.reference)
        concept = getattr(medication, "code", None)
    try:
        name = _medicine_name(resource, concept, codes, drugs, notes)
    except ValueError as exc:
        problems.append(
            Problem(bundle.display, field=f"{name_of(resource)}: medication", message=str(exc))
        )
        return None
    if name is None:
        problems.append(
            Problem(
                bundle.display,
                field=f"{name_of(resource)}: medication",
                message="no RxNorm code rxnorm.yaml maps and no name: list this medicine "
                "by name under answers.medications",
            )
        )
        return None
    entry: dict[str, Any] = {"name": name}
    dosage = (
        getattr(resource, "dosage", None) or getattr(resource, "dosageInstruction", None)
    ) or []
    if dosage and dosage[0].text:
        entry["dose"] = str(dosage[0].text)[:200]
    last = _last_taken(resource, now, notes)
    if last is not None:
        entry["last_dose"] = last
    return entry


def once_each(
    found: list[tuple[Any, dict[str, Any]]], drugs: DrugTable, notes: list[str]
) -> list[dict[str, Any]]:
    """One entry per medicine: a statement and an order of the same drug are one medicine.

    Two entries would be assessed apart, and the one without a last dose would stop the
    patient for a dose the other gives. The entry with a last dose is kept (the latest).
    """
    kept: dict[Any, tuple[Any, dict[str, Any]]] = {}
    for resource, entry in found:
        drug = drugs.find(entry["name"])
        key = id(drug) if drug is not None else " ".join(entry["name"].casefold().split())
        if key not in kept:
            kept[key] = (resource, entry)
            continue
        first, was = kept[key]
        if _moment(entry) > _moment(was):
            was, entry = entry, was
            first, resource = resource, first
        was.setdefault("dose", entry.get("dose"))
        if was["dose"] is None:
            del was["dose"]
        kept[key] = (first, was)
        notes.append(
            f"{name_of(first)} and {name_of(resource)} are the same medicine "
            f"({was['name']}): entered once"
        )
    return [entry for _, entry in kept.values()]


def _moment(entry: dict[str, Any]) -> datetime:
    """An entry's last dose as a moment (the earliest one when it has none), to compare."""
    last = entry.get("last_dose")
    return datetime.fromisoformat(last) if last else datetime.min.replace(tzinfo=UTC)


def _medicine_name(
    resource: Any, concept: Any, codes: CodeMaps, drugs: DrugTable, notes: list[str]
) -> str | None:
    """The name to enter: the EHR's own, when it names the drug its RxNorm code maps to.

    So a brand stays a brand ("Eliquis" is coded as apixaban), as the nurse would enter it.
    """
    if concept is None:
        return None
    words = concept.text or next((c.display for c in concept.coding or [] if c.display), None)
    words = " ".join(str(words).split())[:200] if words else None
    rxnorm = codes.rxnorm
    coded = [c.code for c in concept.coding or [] if c.system == rxnorm.system and c.code]
    mapped = next((rxnorm.codes[c] for c in coded if c in rxnorm.codes), None)
    if mapped is not None:
        said = drugs.find(words) if words else None
        if said is not None and said is not drugs.find(mapped):
            # The code says one drug, the words another: neither is taken on trust.
            raise ValueError(
                f"its RxNorm code is {mapped} but its name says '{words}': list this medicine "
                "by name under answers.medications"
            )
        return words if said is not None else mapped
    if not words:
        return None
    if drugs.find(words) is None:
        why = f"RxNorm {coded[0]} is not in rxnorm.yaml" if coded else "no RxNorm code"
        notes.append(
            f"{name_of(resource)}: {why}; entered as the EHR names it, '{words}': check the "
            "medicine with the patient"
        )
    return words


def _last_taken(resource: Any, now: datetime, notes: list[str]) -> str | None:
    """The last dose from effectivePeriod.end or effectiveDateTime: a moment, already past."""
    period = getattr(resource, "effectivePeriod", None)
    moment = (period.end if period is not None else None) or getattr(
        resource, "effectiveDateTime", None
    )
    if moment is None:
        return None
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        notes.append(
            f"{name_of(resource)}: the last dose is given as {moment} without a time and zone; "
            "ask the patient when they took it"
        )
        return None
    if moment > now:
        notes.append(
            f"{name_of(resource)}: the EHR's end of this medicine is ahead ({moment.isoformat()}); "
            "it is not a last dose: ask the patient when they took it"
        )
        return None
    return moment.isoformat()
