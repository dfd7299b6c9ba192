"""Observations from a FHIR bundle: the blood tests, the pregnancy test and the weight.

Read by LOINC code through loinc.yaml: the latest final result of each kind, its value
converted only by a factor the file lists (else refused and listed), rounded to the checklist's
decimals; the earliest blood test's date is `labs_date`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kyphocheck.intake.fhir_bundle import Bundle, name_of
from kyphocheck.site.codes import CodeMaps

RESULT_FINAL = frozenset({"final", "amended", "corrected"})
LAB_DATE_FROM = ("inr", "platelets", "hemoglobin", "creatinine")


@dataclass
class Observed:
    """What the observations fill: header fields, answers, and what could not be used."""

    patient: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_observations(
    bundle: Bundle,
    codes: CodeMaps,
    now: datetime,
    numbers: dict[str, tuple[int | None, str | None]],
) -> Observed:
    """The latest final value of each kind a bundle's Observations give.

    `numbers`: each checklist number item's decimals and unit, to round to and to name.
    """
    result = Observed()
    latest: dict[str, tuple[Any, Any]] = {}  # target -> (effective, value)
    loinc = codes.loinc
    value: str | float | None
    for resource in bundle.of("Observation"):
        if resource.status not in RESULT_FINAL:
            result.notes.append(
                f"{name_of(resource)}: a {resource.status} result, not a final one; not used"
            )
            continue
        coded = [c.code for c in resource.code.coding or [] if c.system == loinc.system]
        if not coded:
            continue
        effective = resource.effectiveDateTime
        if effective is not None and _as_date(effective) > now.date():
            result.notes.append(f"{name_of(resource)}: dated after now; not used")
            continue
        if set(coded) & set(loinc.pregnancy_tests.codes):
            value = _pregnancy(resource, codes)
            target = loinc.pregnancy_tests.answer
        else:
            kind = next((k for c in coded if (k := loinc.observation(c)) is not None), None)
            if kind is None:
                continue  # not a checklist answer: blood pressure, glucose...
            value = _quantity(resource, kind, loinc.units_system, result, numbers)
            target = f"answers.{kind.answer}" if kind.answer else f"patient.{kind.patient}"
            target = target.removeprefix("answers.")
        if value is None:
            continue
        if target not in latest or _later(effective, latest[target][0]):
            latest[target] = (effective, value)
    for target, (_, value) in latest.items():
        if target.startswith("patient."):
            result.patient[target.removeprefix("patient.")] = value
        else:
            result.answers[target] = value
    dates = sorted(
        {_as_date(latest[t][0]) for t in LAB_DATE_FROM if t in latest and latest[t][0] is not None}
    )
    if dates:
        result.answers["labs_date"] = dates[0].isoformat()
        if len(dates) > 1:
            result.notes.append(
                f"the EHR's blood tests were drawn on {len(dates)} days; labs_date is the "
                f"earliest, {dates[0].isoformat()}"
            )
    return result


def _quantity(
    resource: Any,
    kind: Any,
    units_system: str,
    result: Observed,
    numbers: dict[str, tuple[int | None, str | None]],
) -> float | None:
    quantity = resource.valueQuantity
    if quantity is None or quantity.value is None:
        result.notes.append(f"{name_of(resource)}: no numeric value; enter it by hand")
        return None
    unit = quantity.code if quantity.system == units_system and quantity.code else quantity.unit
    shown = quantity.unit or unit or "(no unit)"  # "lb", as the EHR shows it, not "[lb_av]"
    what = kind.answer or kind.patient
    places, checklist_unit = numbers.get(what, (None, None))
    to_unit = kind.unit or checklist_unit or ""
    label = kind.label or what
    if unit not in kind.units:
        result.notes.append(
            f"{name_of(resource)}: {label} {quantity.value} {shown} is in a unit loinc.yaml "
            f"does not convert; enter it by hand in {to_unit or 'the checklist unit'}"
        )
        return None
    factor = Decimal(str(kind.units[unit]))
    value = Decimal(quantity.value) * factor
    if kind.decimals is not None:
        places = kind.decimals
    if factor != 1:
        if places is not None:
            value = round(value, places)
        converted = f"{value.normalize():f} {to_unit}".strip()
        result.notes.append(
            f"{name_of(resource)}: {label} {quantity.value} {shown} taken as {converted}"
        )
    return int(value) if value == value.to_integral_value() else float(value)


def _pregnancy(resource: Any, codes: CodeMaps) -> str | None:
    words: list[str] = []
    concept = resource.valueCodeableConcept
    if concept is not None:
        words += [c.code for c in concept.coding or [] if c.code]
        words += [concept.text or ""]
    if resource.valueString:
        words.append(resource.valueString)
    said = {" ".join(w.casefold().split()) for w in words if w}
    for answer, meanings in codes.loinc.pregnancy_tests.results.items():
        if said & {m.casefold() for m in meanings}:
            return answer
    return None


def _as_date(moment: Any) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _later(effective: Any, than: Any) -> bool:
    if than is None:
        return effective is not None
    if effective is None:
        return False
    if isinstance(effective, datetime) and isinstance(than, datetime):
        return bool(effective > than)
    return _as_date(effective) > _as_date(than)
