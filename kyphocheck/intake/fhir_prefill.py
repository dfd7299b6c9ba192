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
from datetime import datetime
from typing import Any

from kyphocheck.errors import InputError, Problem
from kyphocheck.intake.fhir_bundle import Bundle, name_of
from kyphocheck.intake.fhir_medicines import once_each, read_medication
from kyphocheck.intake.fhir_observations import read_observations
from kyphocheck.intake.fhir_response import checklist_response, response_document
from kyphocheck.site.checklist import Checklist
from kyphocheck.site.codes import CodeMaps
from kyphocheck.site.drugs import DrugTable

# The v2 identifier type of a medical record number (HL7 table 0203).
MRN_TYPE = "MR"
NOT_AN_ALLERGY = frozenset({"refuted", "entered-in-error"})
NO_REACTION = "not recorded in the EHR"


@dataclass
class Prefill:
    """The values a bundle gives for an answers document, and what it could not give (`notes`).

    `under` writes them into a document where it has none, and names each it filled
    ("patient.name", "answers.inr") in the document's `ehr` block: the record's `sources`.
    """

    sha256: str
    checklist: str | None = None
    patient: dict[str, Any] = field(default_factory=dict)
    procedure: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def under(self, data: dict[str, Any], drugs: DrugTable, display: str) -> dict[str, Any]:
        """Fill `data` (an answers document, changed in place) where it gives no value.

        The answers file's own values win, but not silently: each value of the EHR set aside
        is a note, and a patient whose name, MRN or date of birth differ is refused (the bundle
        is another patient's). `ehr.filled` names the values that came from the EHR, so the
        record can say so. The document's line numbers stay those of the file.
        """
        _same_patient(data.get("patient"), self.patient, display)
        notes = list(self.notes)
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
                elif key in ("medications", "allergies"):
                    notes += _left_out(key, given[key], value, drugs)
                elif given[key] != value:
                    notes.append(
                        f"{part}.{key}: the answers file gives {given[key]}, the EHR {value}; "
                        "the answers file's is used"
                    )
        data["ehr"] = {"sha256": self.sha256, "filled": filled, "notes": notes}
        return data


IDENTITY = ("mrn", "name", "dob")


def _same_patient(given: Any, ehr: dict[str, Any], display: str) -> None:
    """Refuse a bundle whose Patient is not the answers file's patient."""
    if not isinstance(given, dict):
        return
    problems = []
    for key in IDENTITY:
        mine, theirs = given.get(key), ehr.get(key)
        if mine is None or theirs is None:
            continue
        if " ".join(str(mine).casefold().split()) != " ".join(str(theirs).casefold().split()):
            problems.append(
                Problem(
                    display,
                    field=f"Patient: {key}",
                    message=f"the answers file says '{mine}' but the bundle's Patient says "
                    f"'{theirs}': the bundle is of another patient",
                )
            )
    if problems:
        raise InputError(problems)


def _left_out(key: str, given: Any, ehr: list[dict[str, Any]], drugs: DrugTable) -> list[str]:
    """The EHR's medicines or allergies that the answers file's own list leaves out."""
    if not isinstance(given, list):
        return []
    field = "name" if key == "medications" else "substance"

    def same(entry: Any) -> Any:
        name = str(entry.get(field, "")) if isinstance(entry, dict) else ""
        drug = drugs.find(name) if key == "medications" else None
        return id(drug) if drug is not None else " ".join(name.casefold().split())

    listed = {same(entry) for entry in given}
    return [
        f"answers.{key}: the EHR lists {entry[field]}, which the answers file's list does not: "
        "check with the patient"
        for entry in ehr
        if same(entry) not in listed
    ]


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
    medications = once_each(
        [
            (resource, m)
            for kind in ("MedicationStatement", "MedicationRequest")
            for resource in bundle.of(kind)
            if (m := read_medication(bundle, resource, codes, drugs, now, result.notes, problems))
            is not None
        ],
        drugs,
        result.notes,
    )
    if medications:
        result.answers.setdefault("medications", medications)
    allergies = [
        a
        for r in bundle.of("AllergyIntolerance")
        if (a := _allergy(r, bundle.display, result, problems)) is not None
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


# Names that are not the patient's name today, in FHIR's HumanName.use.
NOT_THE_NAME = frozenset({"old", "maiden", "anonymous", "temp"})


def _human_name(names: list[Any]) -> str:
    """The official name, else the usual one, else any that is not old, maiden or temporary."""
    current = [n for n in names if n.use not in NOT_THE_NAME]
    chosen = next(
        (n for use in ("official", "usual") for n in current if n.use == use),
        current[0] if current else None,
    )
    if chosen is None:
        return ""
    if chosen.text:
        return str(chosen.text).strip()
    return " ".join([*(chosen.given or []), chosen.family or ""]).strip()


# -- allergies --------------------------------------------------------------------------------


def _allergy(
    resource: Any, display: str, result: Prefill, problems: list[Problem]
) -> dict[str, Any] | None:
    status = resource.verificationStatus
    if status is not None and any(c.code in NOT_AN_ALLERGY for c in status.coding or []):
        result.notes.append(f"{name_of(resource)}: marked not an allergy in the EHR; not entered")
        return None
    code = resource.code
    substance = None
    if code is not None:
        substance = code.text or next((c.display for c in code.coding or [] if c.display), None)
    if not substance:
        problems.append(
            Problem(
                display,
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
