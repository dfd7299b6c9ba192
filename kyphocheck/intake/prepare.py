"""An answers file or document read and checked against its checklist and the protocol."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kyphocheck.errors import InputError, Problem, quoted
from kyphocheck.intake.answers_file import (
    AnswersFile,
    build_encounter,
    read_answers_file,
    refuse_file_clock,
)
from kyphocheck.intake.encounter import RUNNING_LATE, Encounter, unexpected_start
from kyphocheck.schema import validation_problems
from kyphocheck.site.checklist import Checklist, UnknownChecklist
from kyphocheck.site.data import SiteData
from kyphocheck.site.folder import Site
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import Clock
from kyphocheck.yamlio import line_of


@dataclass(frozen=True)
class Prepared:
    """An encounter read and checked, with the checklist and protocol it was checked against."""

    checklist: Checklist
    protocol: Protocol
    encounter: Encounter
    # Where the answers came from (a file's name) and their raw data, for problems found later
    # (an override naming no finding) to name the file and line.
    source: str = "answers"
    data: Any = None

    def in_large_print(self) -> Prepared:
        """The same encounter with the take-home sheet in large print (--large-print)."""
        patient = dataclasses.replace(self.encounter.patient, large_print=True)
        return dataclasses.replace(
            self, encounter=dataclasses.replace(self.encounter, patient=patient)
        )


def prepare(
    site: Site,
    answers_path: Path,
    clock: Clock,
    loaded: SiteData | None = None,
    *,
    partial: bool = False,
    checklist: str | None = None,
) -> Prepared:
    """Read an answers file and check it against its checklist and the protocol.

    `checklist`: the --checklist option, which must agree with the file's.
    `partial`: required answers may be missing (a take-home sheet made days ahead, before the
    day-of checks); every answer given is still checked. A fixture's `now:` must be `clock`.
    """
    parsed, data = read_answers_file(answers_path)
    refuse_file_clock(data, str(answers_path), clock)
    loaded = loaded or SiteData(site)
    if checklist is not None:
        try:
            loaded.checklist(checklist)
        except UnknownChecklist as exc:
            [problem] = exc.problems
            raise InputError(Problem(field="--checklist", message=problem.message)) from None
        agree_on_checklist(checklist, data, str(answers_path))
    return _check(loaded, parsed, data, str(answers_path), clock, partial)


def agree_on_checklist(option: str, data: Any, display: str) -> None:
    """Refuse `--checklist` naming another checklist than the answers file does.

    Answers are written for one checklist: run against another, some are dropped and others
    asked again under the other procedure's name. Neither silently wins.
    """
    named = data.get("checklist") if isinstance(data, dict) else None
    if named is not None and named != option:
        raise InputError(
            Problem(
                display,
                line_of(data, ["checklist"]),
                "checklist",
                f"the file is for {quoted(named)} but --checklist says {quoted(option)}; "
                "leave out --checklist or change the file",
            )
        )


def prepare_document(site: Site, document: dict[str, Any], clock: Clock) -> Prepared:
    """Check an answers document made in memory (by the interactive flow).

    Its scheduled start, if unexpected, was confirmed by the nurse at the terminal.
    """
    try:
        parsed = AnswersFile.model_validate(document)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, document, "answers")) from None
    return _check(SiteData(site), parsed, document, "answers", clock, start_confirmed=True)


def _check(
    loaded: SiteData,
    parsed: AnswersFile,
    data: Any,
    display: str,
    clock: Clock,
    partial: bool = False,
    start_confirmed: bool = False,
) -> Prepared:
    protocol = loaded.protocol()
    try:
        checklist = loaded.checklist(parsed.checklist)
    except UnknownChecklist as exc:
        [problem] = exc.problems
        line = line_of(data, ["checklist"])
        raise InputError(Problem(display, line, "checklist", problem.message)) from None
    encounter = build_encounter(
        parsed,
        data,
        display,
        checklist,
        protocol,
        clock.now,
        loaded.site.config.timezone,
        partial=partial,
        made_ahead=partial,  # only take-home sheets are prepared with answers still to come
    )
    if not clock.fixed:
        encounter = _check_start(encounter, clock, display, data, start_confirmed)
    return Prepared(checklist, protocol, encounter, display, data)


def _check_start(
    encounter: Encounter, clock: Clock, display: str, data: Any, confirmed: bool
) -> Encounter:
    """A start in the past or over a year ahead: a wrong date, unless running a little late.

    With a fixed clock (--now) the moment is the user's to set: a record made after the event.
    At the terminal the nurse confirms it (`confirmed`). Either way the record's notes say so.
    """
    scheduled = encounter.procedure.scheduled
    why = unexpected_start(scheduled, clock.now)
    if why is None:
        return encounter
    late = clock.now - RUNNING_LATE <= scheduled <= clock.now
    if confirmed or late:
        note = f"{why}: confirmed at the terminal" if confirmed else f"{why}: running late"
        return dataclasses.replace(encounter, notes=(*encounter.notes, note))
    raise InputError(
        Problem(
            display,
            line_of(data, ["procedure", "scheduled"]),
            "procedure.scheduled",
            f"{why}; correct the date, or give --now for a record made after the event",
        )
    )
