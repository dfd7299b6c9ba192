"""Observations from a FHIR bundle: the blood tests, the pregnancy test and the weight.

Read by LOINC code through loinc.yaml: the latest final result of each kind, its value
converted only by a factor the file lists (else refused and listed), rounded to the checklist's
decimals; the earliest blood test's date is `labs_date`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from kyphocheck.intake.fhir_bundle import Bundle, name_of
from kyphocheck.site.codes import CodeMaps

RESULT_FINAL = frozenset({"final", "amended", "corrected"})
# States that are no result at all (ordered, cancelled, a mistake): not read.
NOT_A_RESULT = frozenset({"registered", "cancelled", "entered-in-error"})
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
    """The latest result of each kind a bundle's Observations give, when it can be used.

    When the latest of a kind cannot be used (a preliminary result, a unit not converted, a
    comparator such as "> 1.5"), no older one is taken in its place: the nurse enters today's.
    `numbers`: each checklist number item's decimals and unit, to round to and to name.
    """
    result = Observed()
    found: dict[str, list[tuple[Any, Any, Any]]] = {}  # target -> (effective, value, resource)
    loinc = codes.loinc
    for resource in bundle.of("Observation"):
        coded = [c.code for c in resource.code.coding or [] if c.system == loinc.system]
        target, kind = _target(coded, codes)
        if target is None or resource.status in NOT_A_RESULT:
            continue  # not a checklist answer (blood pressure, glucose), or no result at all
        effective = _effective(resource)
        if not isinstance(effective, date):
            result.notes.append(
                f"{name_of(resource)}: no full date of when it was taken; not used: enter the "
                "value by hand"
            )
            found.setdefault(target, []).append((None, None, resource))
            continue
        if _after(effective, now):
            result.notes.append(f"{name_of(resource)}: dated after now; not used")
            continue
        value: Any = None
        if resource.status not in RESULT_FINAL:
            result.notes.append(
                f"{name_of(resource)}: a {resource.status} result, not a final one; not used"
            )
        elif kind is None:
            value = _pregnancy(resource, codes, result)
        else:
            value = _quantity(resource, kind, loinc.units_system, result, numbers)
        found.setdefault(target, []).append((effective, value, resource))
    used: dict[str, Any] = {}
    for target, results in found.items():
        if any(effective is None for effective, _, _ in results):
            continue  # an undated result may be the latest: none is taken
        effective, value, resource = max(results, key=lambda r: _sortable(r[0]))
        if value is None:
            older = len(results) > 1 and any(v is not None for _, v, _ in results)
            if older:
                result.notes.append(
                    f"{name_of(resource)} is the latest {target} and cannot be used; an older "
                    "result is not taken in its place: enter today's by hand"
                )
            continue
        used[target] = effective
        if target.startswith("patient."):
            result.patient[target.removeprefix("patient.")] = value
        else:
            result.answers[target] = value
    dates = sorted({_as_date(used[t]) for t in LAB_DATE_FROM if t in used})
    if dates:
        result.answers["labs_date"] = dates[0].isoformat()
        if len(dates) > 1:
            result.notes.append(
                f"the EHR's blood tests were drawn on {len(dates)} days; labs_date is the "
                f"earliest, {dates[0].isoformat()}"
            )
    return result


def _target(coded: list[str], codes: CodeMaps) -> tuple[str | None, Any]:
    """The answer ("inr", "patient.weight_kg", "pregnancy_status") a LOINC code fills."""
    loinc = codes.loinc
    if set(coded) & set(loinc.pregnancy_tests.codes):
        return loinc.pregnancy_tests.answer, None
    kind = next((k for c in coded if (k := loinc.observation(c)) is not None), None)
    if kind is None:
        return None, None
    return (kind.answer if kind.answer else f"patient.{kind.patient}"), kind


def _effective(resource: Any) -> Any:
    """When the sample was taken: effectiveDateTime, an instant, or a period's start."""
    period = resource.effectivePeriod
    return (
        resource.effectiveDateTime
        or resource.effectiveInstant
        or (period.start if period is not None else None)
    )


def _after(moment: date, now: datetime) -> bool:
    if isinstance(moment, datetime):
        return moment.tzinfo is not None and moment > now
    return moment > now.date()


def _sortable(moment: date) -> datetime:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


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
    label = kind.label or kind.answer or kind.patient
    if quantity.comparator:
        # "> 1.5" is a bound, not a value: taken as 1.5 it sits exactly on a limit.
        result.notes.append(
            f"{name_of(resource)}: {label} is '{quantity.comparator} {quantity.value}', not a "
            "value; not used: enter the measured value by hand"
        )
        return None
    unit = quantity.code if quantity.system == units_system and quantity.code else quantity.unit
    shown = quantity.unit or unit or "(no unit)"  # "lb", as the EHR shows it, not "[lb_av]"
    what = kind.answer or kind.patient
    places, checklist_unit = numbers.get(what, (None, None))
    to_unit = kind.unit or checklist_unit or ""
    if unit not in kind.units:
        where = f" in {to_unit}" if to_unit else ""
        result.notes.append(
            f"{name_of(resource)}: {label} {quantity.value} {shown} is in a unit loinc.yaml "
            f"does not convert; enter the {label} by hand{where}"
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


def _pregnancy(resource: Any, codes: CodeMaps, result: Observed) -> str | None:
    """The test's result, when every code and word it gives says the same; else None."""
    words: list[str] = []
    concept = resource.valueCodeableConcept
    if concept is not None:
        words += [c.code for c in concept.coding or [] if c.code]
        words += [c.display for c in concept.coding or [] if c.display]
        words += [concept.text or ""]
    if resource.valueString:
        words.append(resource.valueString)
    said = [" ".join(w.casefold().split()) for w in words if w]
    results = codes.loinc.pregnancy_tests.results
    meant = {
        answer for word in said for answer, meanings in results.items() if word in _folded(meanings)
    }
    unread = [word for word in said if not any(word in _folded(m) for m in results.values())]
    if len(meant) == 1 and not unread:
        return meant.pop()
    what = "says both" if len(meant) > 1 else "gives a result not understood"
    result.notes.append(
        f"{name_of(resource)}: the pregnancy test {what} ({', '.join(said) or 'nothing'}); "
        "not used: enter it by hand"
    )
    return None


def _folded(meanings: tuple[str, ...]) -> set[str]:
    return {m.casefold() for m in meanings}


def _as_date(moment: Any) -> date:
    return moment.date() if isinstance(moment, datetime) else moment
