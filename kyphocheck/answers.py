"""Answers files (version 1, YAML or JSON): read, validate against the checklist, type.

Every problem is reported at once, one line each, naming the file, the line and the field, so
a nurse or a script can fix them all in one go. Nothing is written when any problem remains.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from kyphocheck.assess.context import expression_context
from kyphocheck.checklist import Checklist, CompiledItem
from kyphocheck.encounter import Allergy, Encounter, Medication, Override, Patient, Procedure
from kyphocheck.errors import InputError
from kyphocheck.expressions import ExpressionError, suggest
from kyphocheck.models import Strict, validation_problems
from kyphocheck.protocol import Protocol
from kyphocheck.sources import check_timezone
from kyphocheck.timeparse import format_local, parse_date, parse_datetime
from kyphocheck.yamlio import line_of, load_data_file

_LEVEL = r"^(C[1-7]|T(1[0-2]|[1-9])|L[1-5]|S1)$"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
EARLIEST_BIRTH = date(1900, 1, 1)


def _plain_text(value: str) -> str:
    value = value.strip()
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


class PatientFields(Strict):
    """The `patient:` block."""

    name: str = Field(min_length=1, max_length=200)
    mrn: str = Field(min_length=1, max_length=64)
    dob: str
    sex: Literal["female", "male", "other", "unknown"]
    weight_kg: float = Field(gt=0, le=500)
    language: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    large_print: bool = False

    @field_validator("name", "mrn", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        if not isinstance(value, str):
            raise ValueError('must be text; quote it ("00482913") so leading zeros are kept')
        return _plain_text(value)


class ProcedureFields(Strict):
    """The `procedure:` block."""

    scheduled: str
    timezone: str | None = None
    levels: tuple[str, ...] = Field(min_length=1)
    proceduralist: str = Field(min_length=1, max_length=200)
    anesthesia: Literal["local", "moderate_sedation", "general"]

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for level in value:
            if not re.match(_LEVEL, level):
                raise ValueError(f"'{level}' is not a vertebral level (C1-C7, T1-T12, L1-L5, S1)")
        if len(set(value)) != len(value):
            raise ValueError("a level is listed twice")
        return value

    @field_validator("proceduralist", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return _plain_text(value) if isinstance(value, str) else value


class OverrideFields(Strict):
    """One entry of `overrides:`."""

    finding: str
    by: str = Field(min_length=2, max_length=200)
    reason: str = Field(min_length=3, max_length=1000)


class AnswersFile(Strict):
    """The whole answers file, before the answers are checked against the checklist."""

    version: Literal[1] = 1
    checklist: str
    patient: PatientFields
    procedure: ProcedureFields
    answers: dict[str, Any] = {}
    overrides: tuple[OverrideFields, ...] = ()


class _Problems:
    """Collects "file:line: field: reason" lines."""

    def __init__(self, display: str, data: Any) -> None:
        self.display, self.data = display, data
        self.lines: list[str] = []

    def add(self, loc: list[str | int], message: str) -> None:
        line = line_of(self.data, loc)
        where = f"{self.display}:{line}" if line else self.display
        field = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc)
        self.lines.append(f"{where}: {field.replace('.[', '[')}: {message}")


def read_answers_file(path: Path) -> tuple[AnswersFile, Any]:
    """Parse and structurally validate an answers file."""
    display = str(path)
    data = load_data_file(path, display)
    if not isinstance(data, dict):
        raise InputError(f"{display}: an answers file must be a mapping (checklist, patient, ...)")
    try:
        return AnswersFile.model_validate(data), data
    except ValidationError as exc:
        raise InputError(validation_problems(exc, data, display)) from None


def build_encounter(
    parsed: AnswersFile,
    data: Any,
    display: str,
    checklist: Checklist,
    protocol: Protocol,
    now: datetime,
    default_timezone: str | None,
) -> Encounter:
    """Check an answers file's header and answers against the checklist; type every value."""
    problems = _Problems(display, data)
    patient_fields, procedure_fields = parsed.patient, parsed.procedure

    zone_name = procedure_fields.timezone or default_timezone
    if zone_name is None:
        problems.add(["procedure", "timezone"], "missing; give an IANA zone or set it in site.yaml")
        raise InputError(problems.lines)
    try:
        zone = check_timezone(zone_name)
    except ValueError as exc:
        problems.add(["procedure", "timezone"], str(exc))
        raise InputError(problems.lines) from None

    scheduled = dob = None
    try:
        scheduled = parse_datetime(procedure_fields.scheduled, zone)
    except ValueError as exc:
        problems.add(["procedure", "scheduled"], str(exc))
    try:
        dob = parse_date(patient_fields.dob)
        if dob > now.astimezone(zone).date():
            problems.add(["patient", "dob"], f"{dob} is in the future")
        elif dob < EARLIEST_BIRTH:
            problems.add(["patient", "dob"], f"{dob} is not a plausible date of birth")
    except ValueError as exc:
        problems.add(["patient", "dob"], str(exc))
    # The answers' conditions depend on the header (age, sex, start): check them only on a
    # valid header, so one wrong date of birth does not echo as other problems.
    if problems.lines or scheduled is None or dob is None:
        raise InputError(problems.lines)

    patient = Patient(**patient_fields.model_dump(exclude={"dob"}), dob=dob)
    procedure = Procedure(
        scheduled=scheduled,
        zone=zone,
        levels=procedure_fields.levels,
        proceduralist=procedure_fields.proceduralist,
        anesthesia=procedure_fields.anesthesia,
    )
    encounter = Encounter(parsed.checklist, patient, procedure, {})
    answers, notes = _check_answers(parsed.answers, checklist, protocol, encounter, now, problems)
    if problems.lines:
        raise InputError(problems.lines)
    return Encounter(
        checklist=checklist.id,
        patient=patient,
        procedure=procedure,
        answers=answers,
        overrides=tuple(Override(**o.model_dump()) for o in parsed.overrides),
        notes=tuple(notes),
    )


def _check_answers(
    raw: dict[str, Any],
    checklist: Checklist,
    protocol: Protocol,
    encounter: Encounter,
    now: datetime,
    problems: _Problems,
) -> tuple[dict[str, Any], list[str]]:
    item_ids = [c.item.id for c in checklist.items]
    for key in raw:
        if key not in checklist.by_id:
            problems.add(["answers", key], f"unknown item '{key}'{suggest(key, item_ids)}")

    answers: dict[str, Any] = {}
    notes: list[str] = []
    missing: list[str] = []
    for compiled in checklist.items:
        item = compiled.item
        context = expression_context(
            protocol,
            encounter.patient,
            encounter.procedure,
            encounter.age_years,
            answers,
            now,
            item_ids,
        )
        try:
            applies = compiled.when is None or bool(compiled.when.evaluate(context))
            required = (
                compiled.required
                if isinstance(compiled.required, bool)
                else bool(compiled.required.evaluate(context))
            )
        except ExpressionError as exc:
            problems.add(["answers", item.id], f"the checklist's condition failed: {exc}")
            continue
        value = raw.get(item.id)
        if not applies:
            if value is not None:
                notes.append(f"answers.{item.id}: ignored, it does not apply here")
            continue
        if value is None or value == "":
            if required:
                missing.append(item.id)
            continue
        try:
            typed = convert(
                compiled, value, encounter, protocol, now, ["answers", item.id], problems
            )
        except ValueError as exc:
            problems.add(["answers", item.id], str(exc))
            continue
        if typed is None:
            continue
        for expression, message in compiled.validators:
            try:
                ok = expression.evaluate({**context, "value": typed})
            except ExpressionError as exc:
                problems.add(["answers", item.id], f"the checklist's check failed: {exc}")
                break
            if not ok:
                problems.add(["answers", item.id], message)
                break
        else:
            answers[item.id] = typed
    if missing:
        problems.lines.append(
            f"{problems.display}: answers: missing required answers: {', '.join(missing)}"
        )
    return answers, notes


def _past_event(
    moment: datetime, encounter: Encounter, now: datetime, what: str = "this time"
) -> None:
    zone = encounter.procedure.zone
    if moment > now:
        raise ValueError(
            f"{what} {format_local(moment, zone)} is after the clock ({format_local(now, zone)})"
        )
    if moment > encounter.procedure.scheduled:
        raise ValueError(
            f"{what} {format_local(moment, zone)} is after the scheduled start "
            f"({format_local(encounter.procedure.scheduled, zone)})"
        )


def _text(value: Any, max_length: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {type(value).__name__}; put it in quotes")
    text = _plain_text(value)
    if not text:
        raise ValueError("must not be empty")
    if len(text) > max_length:
        raise ValueError(f"is longer than {max_length} characters")
    return text


def convert(
    compiled: CompiledItem,
    value: Any,
    encounter: Encounter,
    protocol: Protocol,
    now: datetime,
    loc: list[str | int],
    problems: _Problems,
) -> Any:
    """An answer as its item's type, or ValueError saying what to write instead."""
    item = compiled.item
    zone = encounter.procedure.zone
    if item.type == "yes_no":
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not '{value}'")
        return value
    if item.type == "choice":
        if value not in item.choice_values:
            raise ValueError(
                f"'{value}' is not one of {', '.join(item.choice_values)}"
                + suggest(str(value), item.choice_values)
            )
        return value
    if item.type == "multi_choice":
        if not isinstance(value, list) or len(set(map(str, value))) != len(value):
            raise ValueError("must be a list of distinct choices")
        for choice in value:
            if choice not in item.choice_values:
                raise ValueError(f"'{choice}' is not one of {', '.join(item.choice_values)}")
        return list(value)
    if item.type == "text":
        return _text(value, item.max_length)
    if item.type == "number":
        return _number(compiled, value)
    if item.type == "date":
        day = parse_date(value)
        if item.past_event and day > now.astimezone(zone).date():
            raise ValueError(f"{day} is after today")
        if item.past_event and day > encounter.procedure.scheduled.date():
            raise ValueError(f"{day} is after the scheduled start")
        return day
    if item.type == "datetime":
        moment = parse_datetime(value, zone)
        if item.past_event:
            _past_event(moment, encounter, now)
        return moment
    if item.type == "medications":
        return _medications(value, encounter, protocol, now, loc, problems)
    if item.type == "allergies":
        return _allergies(value, protocol, loc, problems)
    raise AssertionError(item.type)


def _number(compiled: CompiledItem, value: Any) -> float:
    item = compiled.item
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not '{value}'")
    unit = f" {item.unit}" if item.unit else ""
    if item.min is not None and value < item.min:
        raise ValueError(f"{value:g}{unit} is below the allowed {item.min:g}{unit}")
    if item.max is not None and value > item.max:
        raise ValueError(f"{value:g}{unit} is above the allowed {item.max:g}{unit}")
    if item.decimals is not None and round(value, item.decimals) != value:
        raise ValueError(f"{value:g} has more than {item.decimals} decimal places")
    return value


_MEDICATION_FIELDS = {"name", "last_dose", "dose", "prescriber_approved", "regimen"}
_ALLERGY_FIELDS = {"substance", "reaction", "category"}


def _entries(
    value: Any, fields: set[str], loc: list[str | int], problems: _Problems
) -> list[tuple[int, dict[str, Any]]] | None:
    if not isinstance(value, list):
        problems.add(loc, "must be a list (write [] for none)")
        return None
    good = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            problems.add([*loc, index], "must be a mapping")
            continue
        unknown = sorted(set(entry) - fields)
        for key in unknown:
            problems.add([*loc, index, key], f"unknown field{suggest(key, fields)}")
        if not unknown:
            good.append((index, entry))
    return good


def _medications(
    value: Any,
    encounter: Encounter,
    protocol: Protocol,
    now: datetime,
    loc: list[str | int],
    problems: _Problems,
) -> list[Medication] | None:
    entries = _entries(value, _MEDICATION_FIELDS, loc, problems)
    if entries is None:
        return None
    result = []
    before = len(problems.lines)
    for index, entry in entries:
        here = [*loc, index]
        try:
            name = _text(entry.get("name"), 200) if "name" in entry else None
            if name is None:
                raise ValueError("name: missing")
        except ValueError as exc:
            problems.add([*here, "name"], str(exc))
            continue
        last_dose = None
        if entry.get("last_dose") is not None:
            try:
                last_dose = parse_datetime(entry["last_dose"], encounter.procedure.zone)
                _past_event(last_dose, encounter, now, "the last dose")
            except ValueError as exc:
                problems.add([*here, "last_dose"], str(exc))
        approved = entry.get("prescriber_approved")
        if approved is not None and not isinstance(approved, bool):
            problems.add([*here, "prescriber_approved"], "must be true or false")
        dose = entry.get("dose")
        if dose is not None and not isinstance(dose, str):
            problems.add([*here, "dose"], 'must be text, e.g. "5 mg twice a day"')
        regimen = entry.get("regimen")
        if regimen is not None:
            drug = protocol.drugs.find(name)
            variants = [v.id for v in drug.variants] if drug else []
            if regimen not in variants:
                allowed = ", ".join(variants) if variants else "none for this medicine"
                hint = suggest(str(regimen), variants)
                problems.add(
                    [*here, "regimen"], f"'{regimen}' is not a regimen of {name} ({allowed}){hint}"
                )
        result.append(Medication(name, last_dose, dose, approved, regimen))
    return result if len(problems.lines) == before else None


def _allergies(
    value: Any, protocol: Protocol, loc: list[str | int], problems: _Problems
) -> list[Allergy] | None:
    entries = _entries(value, _ALLERGY_FIELDS, loc, problems)
    if entries is None:
        return None
    categories = [c.id for c in protocol.allergies.categories]
    result = []
    before = len(problems.lines)
    for index, entry in entries:
        here = [*loc, index]
        fields = {}
        for key in ("substance", "reaction"):
            try:
                fields[key] = _text(entry.get(key), 200)
            except ValueError as exc:
                problems.add([*here, key], "missing" if key not in entry else str(exc))
        category = entry.get("category")
        if category is not None and category not in categories:
            problems.add(
                [*here, "category"],
                f"unknown category '{category}'{suggest(str(category), categories)}",
            )
        if len(fields) == 2:
            result.append(Allergy(fields["substance"], fields["reaction"], category))
    return result if len(problems.lines) == before else None
