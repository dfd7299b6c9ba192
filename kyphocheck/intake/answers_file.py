"""Answers files (version 1, YAML or JSON): read, validate against the checklist, type.

Every problem is reported at once, one line each, naming the file, the line and the field, so
a nurse or a script can fix them all in one go. Nothing is written when any problem remains.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from kyphocheck.errors import InputError, Problem
from kyphocheck.expressions import ExpressionError
from kyphocheck.header import (
    LANGUAGE_PATTERN,
    WEIGHT_KG_ABOVE,
    WEIGHT_KG_AT_MOST,
    Anesthesia,
    Sex,
)
from kyphocheck.intake.context import encounter_context
from kyphocheck.intake.encounter import Encounter, Override, Patient, Procedure
from kyphocheck.intake.header_checks import check_answer_values, check_header, unknown_items
from kyphocheck.intake.values import Problems, Timing, convert, plain_text
from kyphocheck.schema import Strict, validation_problems
from kyphocheck.site.checklist import Checklist
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import Clock, parse_now
from kyphocheck.yamlio import ANSWERS_FILE, load_data_file

_LEVEL = r"^(C[1-7]|T(1[0-2]|[1-9])|L[1-5]|S1)$"


def check_levels(levels: tuple[str, ...]) -> tuple[str, ...]:
    """Vertebral levels, each real and none twice."""
    for level in levels:
        if not re.match(_LEVEL, level):
            raise ValueError(f"'{level}' is not a vertebral level (C1-C7, T1-T12, L1-L5, S1)")
    if len(set(levels)) != len(levels):
        raise ValueError("a level is listed twice")
    return levels


class PatientFields(Strict):
    """The `patient:` block."""

    name: str = Field(min_length=1, max_length=200)
    mrn: str = Field(min_length=1, max_length=64)
    dob: str
    sex: Sex
    # strict: true is not 1 kg and "1_0" is not 10 kg.
    weight_kg: float = Field(gt=WEIGHT_KG_ABOVE, le=WEIGHT_KG_AT_MOST, strict=True)
    language: str = Field(default="en", pattern=LANGUAGE_PATTERN)
    large_print: bool = False

    @field_validator("name", "mrn", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        if not isinstance(value, str):
            raise ValueError('must be text; quote it ("00482913") so leading zeros are kept')
        return plain_text(value)


class ProcedureFields(Strict):
    """The `procedure:` block."""

    scheduled: str
    timezone: str | None = None
    levels: tuple[str, ...] = Field(min_length=1)
    proceduralist: str = Field(min_length=1, max_length=200)
    anesthesia: Anesthesia

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_levels(value)

    @field_validator("proceduralist", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return plain_text(value) if isinstance(value, str) else value


class OverrideFields(Strict):
    """One entry of `overrides:`."""

    finding: str = Field(max_length=200)
    by: str = Field(min_length=2, max_length=200)
    reason: str = Field(min_length=3, max_length=1000)

    @field_validator("finding", "by", "reason", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return plain_text(value) if isinstance(value, str) else value


class EhrFields(Strict):
    """The `ehr:` block: which values a FHIR bundle filled (run --fhir), and what it could not.

    Written by kyphocheck when it merges a bundle; the record lists `filled` as its `sources`,
    so an auditor tells the EHR's values from those the nurse entered.
    """

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    filled: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # At the terminal: the EHR's values the nurse confirmed or corrected ("patient.dob",
    # "answers.medications[0].last_dose"), so an interrupted run does not ask them again.
    checked: tuple[str, ...] = ()


class AnswersFile(Strict):
    """The whole answers file, before the answers are checked against the checklist.

    `now` is for fixtures: the clock `kyphocheck check` uses for the file, which `run` and
    `sheet` take only from --now (see `refuse_file_clock`).
    """

    version: Literal[1] = 1
    checklist: str
    now: str | None = None
    patient: PatientFields
    procedure: ProcedureFields
    answers: dict[str, Any] = {}
    overrides: tuple[OverrideFields, ...] = ()
    ehr: EhrFields | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        # true == 1 in Python: without this, `version: true` would pass as version 1.
        if value is not True and value is not False and value == 1 and isinstance(value, int):
            return value
        raise ValueError("must be 1")

    @field_validator("now")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None:
            parse_now(value)
        return value

    @property
    def clock(self) -> datetime | None:
        """The fixture's own clock, when the file sets one."""
        return parse_now(self.now) if self.now is not None else None


def refuse_file_clock(data: Any, display: str, clock: Clock) -> None:
    """Refuse an answers file whose `now:` is not the command's --now.

    A record's clock decides which holds and fasting times are met, and the record says who
    fixed it. `now:` is how a fixture carries the clock `check` assesses it at; taken silently
    by `run` it would backdate a clinical record from a file, and ignored silently it would
    assess the answers at a time their author did not mean. So it is accepted only when the
    command line says the same (--now), where the record marks the clock as fixed.
    """
    problems = Problems(display, data)
    check_file_clock(data, clock, problems)
    if problems.found:
        raise problems.error()


def check_file_clock(data: Any, clock: Clock, problems: Problems) -> None:
    """Add the problem `refuse_file_clock` raises, to be reported with the file's others."""
    written = data.get("now") if isinstance(data, dict) else None
    if written is None:
        return
    try:
        moment = parse_now(str(written))
    except ValueError as exc:
        problems.add(["now"], str(exc))
        return
    if clock.fixed and clock.now == moment:
        return
    given = f"--now is {clock.now.isoformat()}" if clock.fixed else "no --now is given"
    problems.add(
        ["now"],
        f"the file sets the clock to {written} for 'kyphocheck check', but {given}; "
        f"give --now {written} to run it at that time, or remove now:",
    )


def read_answers_file(path: Path) -> tuple[AnswersFile, Any]:
    """Parse and structurally validate an answers file."""
    data = read_answers_data(path)
    problems = Problems(str(path), data)
    parsed = parse_answers(data, problems)
    if parsed is None:
        raise problems.error()
    return parsed, data


def read_answers_data(path: Path) -> Any:
    """An answers file's data, with line numbers: a mapping, not yet validated."""
    display = str(path)
    data = load_data_file(path, display, ANSWERS_FILE)
    if not isinstance(data, dict):
        raise InputError(
            Problem(display, message="an answers file must be a mapping (checklist, patient, ...)")
        )
    return data


def parse_answers(data: Any, problems: Problems) -> AnswersFile | None:
    """The answers file's model, or None with each problem pydantic found added."""
    try:
        return AnswersFile.model_validate(data)
    except ValidationError as exc:
        problems.found.extend(validation_problems(exc, data, problems.display))
        return None


def build_encounter(
    parsed: AnswersFile,
    data: Any,
    display: str,
    checklist: Checklist,
    protocol: Protocol,
    now: datetime,
    default_timezone: str | None,
    *,
    partial: bool = False,
    made_ahead: bool = False,
    problems: Problems | None = None,
) -> Encounter:
    """Check an answers file's header and answers against the checklist; type every value.

    With `partial`, missing answers are not a problem: the interactive flow assesses the
    checklist as it is filled in. `problems` holds any found before (they are raised too).
    """
    if problems is None:
        problems = Problems(display, data)
    patient_fields, procedure_fields = parsed.patient, parsed.procedure
    zone, scheduled, dob = check_header(
        procedure_fields.timezone or default_timezone,
        procedure_fields.scheduled,
        patient_fields.dob,
        now,
        problems,
    )
    # The answers' conditions depend on the header (age, sex, start): on a header with a
    # problem only each answer's own form is checked, so one wrong date of birth neither
    # hides a wrong INR nor echoes as other problems.
    if zone is None or scheduled is None or dob is None:
        check_answer_values(
            parsed.answers, checklist, protocol, Timing(zone, scheduled), now, problems
        )
        raise problems.error()

    patient = Patient(**patient_fields.model_dump(exclude={"dob"}), dob=dob)
    procedure = Procedure(
        scheduled=scheduled,
        zone=zone,
        levels=procedure_fields.levels,
        proceduralist=procedure_fields.proceduralist,
        anesthesia=procedure_fields.anesthesia,
    )
    encounter = Encounter(parsed.checklist, patient, procedure, {})
    answers, notes, not_applicable = _check_answers(
        parsed.answers, checklist, protocol, encounter, now, problems, partial=partial
    )
    if problems.found:
        raise problems.error()
    return Encounter(
        checklist=checklist.id,
        patient=patient,
        procedure=procedure,
        answers=answers,
        overrides=tuple(Override(**o.model_dump()) for o in parsed.overrides),
        notes=tuple(notes),
        not_applicable=tuple(not_applicable),
        made_ahead=made_ahead,
        ehr=parsed.ehr.model_dump(mode="json") if parsed.ehr is not None else None,
    )


def _check_answers(
    raw: dict[str, Any],
    checklist: Checklist,
    protocol: Protocol,
    encounter: Encounter,
    now: datetime,
    problems: Problems,
    *,
    partial: bool = False,
) -> tuple[dict[str, Any], list[str], list[str]]:
    """The typed answers, notes on ignored ones, and the items whose `when` was false."""
    item_ids = [c.item.id for c in checklist.items]
    unknown_items(raw, checklist, problems)

    answers: dict[str, Any] = {}
    notes: list[str] = []
    not_applicable: list[str] = []
    missing: list[str] = []
    for compiled in checklist.items:
        item = compiled.item
        context = encounter_context(protocol, encounter, answers, now, item_ids)
        try:
            applies = compiled.applies(context)
            required = compiled.required_in(context)
        except ExpressionError as exc:
            problems.add(["answers", item.id], f"the checklist's condition failed: {exc}")
            continue
        value = raw.get(item.id)
        if not applies:
            not_applicable.append(item.id)
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
        try:
            refused = compiled.check(typed, context)
        except ExpressionError as exc:
            refused = f"the checklist's check failed: {exc}"
        if refused is None:
            answers[item.id] = typed
        else:
            problems.add(["answers", item.id], refused)
    if missing and not partial:
        message = f"missing required answers: {', '.join(missing)}"
        problems.found.append(Problem(problems.display, None, "answers", message))
        # One line for all, but each missing item is a field the prompts re-ask.
        problems.more_fields.extend(("answers", item_id) for item_id in missing)
    return answers, notes, not_applicable
