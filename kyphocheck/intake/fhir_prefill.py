"""What a FHIR bundle fills of an answers document, and what it could not, in the nurse's words.

The bundle gives values, never decisions: each is written into the document exactly as an
answers file would give it, and then checked by the same code. What cannot be mapped (a code
not in rxnorm.yaml, a lab in a unit loinc.yaml does not convert, a last dose given only as a
date) is not guessed: it is left out, or entered under the EHR's own words, and listed with
what to do. Where an answers file gives a value too, the file wins (`under`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kyphocheck.errors import InputError, Problem
from kyphocheck.intake.fhir_bundle import Bundle, name_of
from kyphocheck.intake.fhir_observations import read_observations
from kyphocheck.intake.fhir_response import checklist_response, response_document
from kyphocheck.site.checklist import Checklist
from kyphocheck.site.codes import CodeMaps
from kyphocheck.site.drugs import DrugTable

# The v2 identifier type of a medical record number (HL7 table 0203).
MRN_TYPE = "MR"
# Resource states that are not the patient's medicine, allergy or result.
NOT_TAKEN = frozenset({"entered-in-error", "not-taken"})
# An order never started; a stopped or completed one may still have a last dose that matters
# (a blood thinner stopped for the procedure), so it is kept and the nurse asked.
REQUEST_NEVER_TAKEN = frozenset({"entered-in-error", "cancelled", "draft"})
REQUEST_IN_USE = frozenset({"active", "on-hold"})
NOT_AN_ALLERGY = frozenset({"refuted", "entered-in-error"})
NO_REACTION = "not recorded in the EHR"


@dataclass
class Prefill:
    """An answers document's values from the EHR, which of them it filled, and what it could not.

    `filled`: each key the bundle gave ("patient.name", "answers.inr"), as the record's
    `sources` lists them. `confirm`: last doses the nurse is asked again, by medicine.
    """

    sha256: str
    checklist: str | None = None
    patient: dict[str, Any] = field(default_factory=dict)
    procedure: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def under(self, data: dict[str, Any]) -> dict[str, Any]:
        """Fill `data` (an answers document, changed in place) where it gives no value.

        The answers file's own values win; `ehr.filled` names those that came from the EHR, so
        the record can say so. The document's line numbers stay those of the file.
        """
        filled: list[str] = []
        if self.checklist is not None and "checklist" not in data:
            data["checklist"] = self.checklist
        parts = (
            ("patient", self.patient),
            ("procedure", self.procedure),
            ("answers", self.answers),
        )
        for part, values in parts:
            given = data.get(part)
            if not isinstance(given, dict):
                if given is not None:
                    continue  # the file's own problem, reported as such
                given = data[part] = {}
            for key, value in values.items():
                if key not in given:
                    given[key] = value
                    filled.append(f"{part}.{key}")
        data["ehr"] = {"sha256": self.sha256, "filled": filled, "notes": list(self.notes)}
        return data


def prefill(
    bundle: Bundle,
    codes: CodeMaps,
    drugs: DrugTable,
    now: datetime,
    checklist: Checklist | None = None,
    checklist_for: Callable[[str], Checklist] | None = None,
) -> Prefill:
    """The values a bundle gives, read through the site's code mappings.

    `checklist`: the one the answers are for: its number items' decimals and units, to round
    converted values to and name them in the notes.
    `checklist_for`: loads a checklist by id, to read a QuestionnaireResponse of one (an
    export); its answers come first, the other resources fill what it leaves out.
    """
    result = Prefill(bundle.sha256)
    problems: list[Problem] = []
    response = checklist_response(bundle)
    if response is not None and checklist_for is not None:
        resource, checklist_id = response
        document = response_document(resource, checklist_for(checklist_id))
        result.checklist = checklist_id
        result.patient, result.procedure = document["patient"], document["procedure"]
        result.answers = document["answers"]
    _patient(bundle, result)
    medications = _once_each(
        [
            (resource, m)
            for kind in ("MedicationStatement", "MedicationRequest")
            for resource in bundle.of(kind)
            if (m := _medication(bundle, resource, codes, drugs, now, result, problems)) is not None
        ],
        drugs,
        result,
    )
    if medications:
        result.answers.setdefault("medications", medications)
    allergies = [
        a
        for r in bundle.of("AllergyIntolerance")
        if (a := _allergy(r, result, problems)) is not None
    ]
    if allergies:
        result.answers.setdefault("allergies", allergies)
    numbers = {
        c.item.id: (c.item.decimals, c.item.unit) for c in (checklist.items if checklist else ())
    }
    observed = read_observations(bundle, codes, now, numbers)
    for key, value in observed.patient.items():
        result.patient.setdefault(key, value)
    for key, value in observed.answers.items():
        result.answers.setdefault(key, value)
    result.notes += observed.notes
    if problems:
        raise InputError(problems)
    return result


# -- the patient ------------------------------------------------------------------------------


def _patient(bundle: Bundle, result: Prefill) -> None:
    patients = bundle.of("Patient")
    if not patients:
        result.notes.append(
            f"{bundle.display}: no Patient: the patient's details are entered by hand"
        )
        return
    patient = patients[0]
    name = _human_name(patient.name or [])
    if name:
        result.patient.setdefault("name", name)
    mrns = [
        i.value
        for i in patient.identifier or []
        if i.value and i.type and any(c.code == MRN_TYPE for c in i.type.coding or [])
    ]
    if len(set(mrns)) == 1:
        result.patient.setdefault("mrn", mrns[0])
    else:
        why = "no identifier of type MR" if not mrns else "more than one MR identifier"
        result.notes.append(f"{name_of(patient)}: {why}: enter the MRN from the wristband")
    if patient.birthDate is not None:
        result.patient.setdefault("dob", patient.birthDate.isoformat())
    if patient.gender is not None:
        result.patient.setdefault("sex", patient.gender)


def _human_name(names: list[Any]) -> str:
    chosen = next((n for n in names if n.use == "official"), names[0] if names else None)
    if chosen is None:
        return ""
    if chosen.text:
        return str(chosen.text).strip()
    return " ".join([*(chosen.given or []), chosen.family or ""]).strip()


# -- medicines --------------------------------------------------------------------------------


def _medication(
    bundle: Bundle,
    resource: Any,
    codes: CodeMaps,
    drugs: DrugTable,
    now: datetime,
    result: Prefill,
    problems: list[Problem],
) -> dict[str, Any] | None:
    kind = resource.get_resource_type()
    if kind == "MedicationStatement" and resource.status in NOT_TAKEN:
        return None
    if kind == "MedicationRequest" and resource.status in REQUEST_NEVER_TAKEN:
        return None
    if kind == "MedicationRequest" and resource.status not in REQUEST_IN_USE:
        result.notes.append(
            f"{name_of(resource)}: the EHR's order is {resource.status}: ask the patient "
            "whether and when they last took it"
        )
    concept = resource.medicationCodeableConcept
    if concept is None and resource.medicationReference is not None:
        medication = bundle.resolve(resource.medicationReference.reference)
        concept = getattr(medication, "code", None)
    name = _medicine_name(resource, concept, codes, drugs, result)
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
    last = _last_taken(resource, now, result)
    if last is not None:
        entry["last_dose"] = last
    return entry


def _once_each(
    found: list[tuple[Any, dict[str, Any]]], drugs: DrugTable, result: Prefill
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
        result.notes.append(
            f"{name_of(first)} and {name_of(resource)} are the same medicine "
            f"({was['name']}): entered once"
        )
    return [entry for _, entry in kept.values()]


def _moment(entry: dict[str, Any]) -> datetime:
    """An entry's last dose as a moment (the earliest one when it has none), to compare."""
    last = entry.get("last_dose")
    return datetime.fromisoformat(last) if last else datetime.min.replace(tzinfo=UTC)


def _medicine_name(
    resource: Any, concept: Any, codes: CodeMaps, drugs: DrugTable, result: Prefill
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
        return words if said is not None and said is drugs.find(mapped) else mapped
    if not words:
        return None
    if drugs.find(words) is None:
        why = f"RxNorm {coded[0]} is not in rxnorm.yaml" if coded else "no RxNorm code"
        result.notes.append(
            f"{name_of(resource)}: {why}; entered as the EHR names it, '{words}': check the "
            "medicine with the patient"
        )
    return words


def _last_taken(resource: Any, now: datetime, result: Prefill) -> str | None:
    """The last dose from effectivePeriod.end or effectiveDateTime: a moment, already past."""
    period = getattr(resource, "effectivePeriod", None)
    moment = (period.end if period is not None else None) or getattr(
        resource, "effectiveDateTime", None
    )
    if moment is None:
        return None
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        result.notes.append(
            f"{name_of(resource)}: the last dose is given as {moment} without a time and zone; "
            "ask the patient when they took it"
        )
        return None
    if moment > now:
        result.notes.append(
            f"{name_of(resource)}: the EHR's end of this medicine is ahead ({moment.isoformat()}); "
            "it is not a last dose: ask the patient when they took it"
        )
        return None
    return moment.isoformat()


# -- allergies --------------------------------------------------------------------------------


def _allergy(resource: Any, result: Prefill, problems: list[Problem]) -> dict[str, Any] | None:
    status = resource.verificationStatus
    if status is not None and any(c.code in NOT_AN_ALLERGY for c in status.coding or []):
        return None
    code = resource.code
    substance = None
    if code is not None:
        substance = code.text or next((c.display for c in code.coding or [] if c.display), None)
    if not substance:
        problems.append(
            Problem(
                field=f"{name_of(resource)}: code",
                message="an allergy with no substance named: list it under answers.allergies",
            )
        )
        return None
    manifestations = [
        m.text or next((c.display for c in m.coding or [] if c.display), "")
        for reaction in resource.reaction or []
        for m in reaction.manifestation or []
    ]
    reaction = ", ".join(m for m in manifestations if m)
    if not reaction:
        reaction = NO_REACTION
        result.notes.append(
            f"{name_of(resource)}: no reaction recorded: ask the patient what happened"
        )
    return {"substance": " ".join(str(substance).split())[:200], "reaction": reaction[:200]}
