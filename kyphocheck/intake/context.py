"""The values expressions and rules see: answers, the patient, and what is derived from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kyphocheck.intake.encounter import Allergy, Encounter, Medication, Patient, Procedure
from kyphocheck.site.protocol import Protocol


def creatinine_clearance(
    protocol: Protocol, patient: Patient, age_years: int, creatinine_mg_dl: float | None
) -> float | None:
    """Cockcroft-Gault creatinine clearance in mL/min, or None without a creatinine."""
    if creatinine_mg_dl is None or creatinine_mg_dl <= 0:
        return None
    cg = protocol.thresholds.cockcroft_gault
    clearance = (cg.age_from - age_years) * patient.weight_kg / (cg.divisor * creatinine_mg_dl)
    if patient.sex != "male":
        clearance *= cg.female_factor
    return round(max(clearance, 0.0), 1)


def derive(
    protocol: Protocol, patient: Patient, age_years: int, answers: dict[str, Any]
) -> dict[str, Any]:
    """Values computed from the answers that expressions may read as `computed`."""
    medications: list[Medication] = answers.get("medications") or []
    allergies: list[Allergy] = answers.get("allergies") or []
    classes = []
    for medication in medications:
        drug = protocol.drugs.match(medication.name).drug
        if drug is not None and drug.drug_class not in classes:
            classes.append(drug.drug_class)
    categories = []
    for allergy in allergies:
        category = (
            protocol.allergies.category(allergy.category)
            if allergy.category
            else protocol.allergies.classify(allergy.substance)
        )
        if category is not None and category.id not in categories:
            categories.append(category.id)
    return {
        "crcl_ml_min": creatinine_clearance(
            protocol, patient, age_years, answers.get("creatinine")
        ),
        "drug_classes": classes,
        "allergy_categories": categories,
    }


def encounter_context(
    protocol: Protocol,
    encounter: Encounter,
    answers: dict[str, Any],
    now: datetime,
    item_ids: list[str],
) -> dict[str, Any]:
    """The expression context of an encounter, with `answers` (those given so far)."""
    return expression_context(
        protocol,
        encounter.patient,
        encounter.procedure,
        encounter.age_years,
        answers,
        now,
        item_ids,
    )


def expression_context(
    protocol: Protocol,
    patient: Patient,
    procedure: Procedure,
    age_years: int,
    answers: dict[str, Any],
    now: datetime,
    item_ids: list[str],
) -> dict[str, Any]:
    """The names an expression can read: every item (None when unanswered) and the rest."""
    context: dict[str, Any] = {item_id: answers.get(item_id) for item_id in item_ids}
    context.update(
        patient=patient.as_dict(),
        procedure={**procedure.as_dict(), "scheduled": procedure.scheduled},
        age_years=age_years,
        computed=derive(protocol, patient, age_years, answers),
        protocol=protocol.as_context(),
        now=now,
    )
    return context
