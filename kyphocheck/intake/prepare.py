"""An answers file or document read and checked against its checklist and the protocol."""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyphocheck.errors import InputError, Problem, quoted
from kyphocheck.intake.answers_file import (
    build_encounter,
    check_file_clock,
    parse_answers,
    read_answers_data,
)
from kyphocheck.intake.encounter import RUNNING_LATE, Encounter, unexpected_start
from kyphocheck.intake.header_checks import file_problems
from kyphocheck.intake.values import Problems
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
    fhir: Path | None = None,
) -> Prepared:
    """Read an answers file and check it against its checklist and the protocol.

    `checklist`: the --checklist option, which must agree with the file's.
    `partial`: required answers may be missing (a take-home sheet made days ahead, before the
    day-of checks); every answer given is still checked. A fixture's `now:` must be `clock`.
    `fhir`: a FHIR bundle from the EHR fills what the answers file leaves out.
    """
    data = read_answers_data(answers_path)
    problems = Problems(str(answers_path), data)
    if "ehr" in data:
        # Which values came from the EHR is kyphocheck's to say, from a bundle it read.
        problems.add(["ehr"], "only kyphocheck writes this, from a bundle given with --fhir")
        del data["ehr"]
    loaded = loaded or SiteData(site)
    if checklist is not None:
        # The command line first: a wrong option is one line, whatever the file holds.
        try:
            loaded.checklist(checklist)
        except UnknownChecklist as exc:
            [problem] = exc.problems
            raise InputError(Problem(field="--checklist", message=problem.message)) from None
        agree_on_checklist(checklist, data, str(answers_path))
    check_file_clock(data, clock, problems)
    if fhir is None:
        return _check(loaded, problems, clock, partial)
    bundle = fill_from_bundle(loaded, fhir, data, clock)
    try:
        return _check(loaded, problems, clock, partial)
    except InputError as exc:
        raise from_the_bundle(exc, data, bundle) from None


def fill_from_bundle(loaded: SiteData, fhir: Path, data: dict[str, Any], clock: Clock) -> str:
    """Fill an answers document from a FHIR bundle where it gives no value; the bundle's name.

    Imported here, not at the top: fhir.resources is loaded only by a command given --fhir.
    """
    from kyphocheck.intake.fhir_bundle import read_bundle
    from kyphocheck.intake.fhir_prefill import prefill

    bundle = read_bundle(fhir)
    checklist = None
    checklist_id = data.get("checklist")
    if isinstance(checklist_id, str):
        with contextlib.suppress(InputError):
            checklist = loaded.checklist(checklist_id)
    codes = loaded.code_maps()
    drugs = loaded.protocol().drugs
    filled = prefill(bundle, codes, drugs, clock.now, checklist, loaded.checklist)
    filled.under(data, drugs, bundle.display)
    return bundle.display


def from_the_bundle(exc: InputError, data: dict[str, Any], bundle: str) -> InputError:
    """The same problems, each about a value the bundle filled saying that it came from there.

    What the bundle could not fill follows, as it often is why an answer is missing.
    """
    ehr = data.get("ehr", {})
    filled = tuple(ehr.get("filled", ()))
    problems = [
        dataclasses.replace(p, message=f"{p.message} (the value came from {bundle})")
        if p.field.startswith(filled) and filled
        else p
        for p in exc.problems
    ]
    problems += [
        Problem(bundle, message=f"about the bundle: {note}") for note in ehr.get("notes", ())
    ]
    return InputError(problems)


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
    return _check(SiteData(site), Problems("answers", document), clock, start_confirmed=True)


def _check(
    loaded: SiteData,
    problems: Problems,
    clock: Clock,
    partial: bool = False,
    start_confirmed: bool = False,
) -> Prepared:
    """Check the answers, raising every problem at once.

    Structure, header and answers are each checked as far as they can be without the others;
    only a checklist that cannot be loaded leaves the answers unchecked.
    """
    data, display = problems.data, problems.display
    parsed = parse_answers(data, problems)
    protocol = loaded.protocol()
    checklist = None
    checklist_id = data.get("checklist")
    if isinstance(checklist_id, str) and not problems.has(["checklist"]):
        try:
            checklist = loaded.checklist(checklist_id)
        except UnknownChecklist as exc:
            problems.add(["checklist"], exc.problems[0].message)
    if checklist is not None and parsed is None:
        file_problems(data, checklist, protocol, clock.now, loaded.site.config.timezone, problems)
    if checklist is None or parsed is None:
        raise problems.error()
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
        problems=problems,
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
