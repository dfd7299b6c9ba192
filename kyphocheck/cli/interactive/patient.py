"""The patient and the procedure: asked first, kept in view, and changeable from the review.

The panel is what the nurse checks the wristband against before "Identity verified?": name,
MRN, date of birth with age, and what is planned, when, in the procedure's own zone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from kyphocheck.cli.interactive.hints import other_unit
from kyphocheck.cli.interactive.prompts import Prompter
from kyphocheck.cli.interactive.screen import nonempty, say, validator
from kyphocheck.errors import InputError
from kyphocheck.header import (
    ANESTHESIA_WORDS,
    HEADER_PROMPTS,
    SEXES,
    WEIGHT_DECIMALS,
    check_language,
    check_weight,
)
from kyphocheck.intake.answers_file import check_levels
from kyphocheck.intake.encounter import unexpected_start
from kyphocheck.interview.ehr import header_to_confirm, mark_checked
from kyphocheck.interview.state import Change, Interview
from kyphocheck.site.folder import check_timezone
from kyphocheck.times import describe, parse_date, parse_user_datetime, zone_named, zone_names

# How the review's "Change which answer?" names each header field.
HEADER_NAMES: dict[str, str] = {
    "name": "Patient's name",
    "mrn": "MRN",
    "dob": "Date of birth",
    "sex": "Sex",
    "weight_kg": "Weight",
    "language": "Language of the take-home sheet",
    "timezone": "Time zone",
    "scheduled": "Scheduled start",
    "levels": "Vertebral levels",
    "proceduralist": "Proceduralist",
    "anesthesia": "Anaesthesia",
}

Accept = Callable[[Any], None]
"""Raises ValueError when a field's new value does not fit the rest of the record."""


def ask_header(interview: Interview, prompter: Prompter) -> None:
    """Ask every header field that is missing or invalid, each checked as it is typed.

    A field the EHR filled is asked too, its value offered, until the nurse has confirmed it.
    """
    for part, key in header_to_confirm(interview.document):
        current = interview.header_value(part, key)
        say(Text("  From the EHR: press Enter to keep it, or correct it.", style="dim"))
        interview.set_header(part, key, ask_header_field(interview, prompter, part, key, current))
        mark_checked(interview.document, f"{part}.{key}")
        interview.save()
    for part, key in interview.invalid_header_fields():
        current = interview.header_value(part, key)
        interview.set_header(part, key, ask_header_field(interview, prompter, part, key, current))
    # Problems that need two fields together (a date of birth after the clock, say).
    while fields := interview.invalid_header_fields():
        part, key = fields[0]
        say(Text(f"  Please check {part} {key}.", style="yellow"))
        interview.set_header(part, key, ask_header_field(interview, prompter, part, key, None))


def confirm_start(interview: Interview, prompter: Prompter) -> None:
    """A start in the past or over a year ahead is checked with the nurse, or asked again."""
    while True:
        try:
            scheduled = interview.encounter().procedure.scheduled
        except InputError:
            return  # the header is not complete yet: ask_header comes first
        why = unexpected_start(scheduled, interview.clock.now)
        if why is None or prompter.yes_no(f"{why[:1].upper()}{why[1:]}. Is that right?"):
            return
        key = ("procedure", "scheduled")
        value = ask_header_field(interview, prompter, *key, interview.header_value(*key))
        interview.set_header(*key, value)


def ask_header_field(
    interview: Interview,
    prompter: Prompter,
    part: str,
    key: str,
    current: Any,
    accept: Accept | None = None,
) -> Any:
    """One header field, as the value the answers file holds; `accept` checks it in context."""
    message = HEADER_PROMPTS[(part, key)]
    zone_default = interview.site.config.timezone
    now = interview.clock.now
    default = "" if current is None else str(current)

    def ask_text(
        convert: Callable[[str], Any],
        default: str = default,
        suggest: Any = None,
        completions: Sequence[str] = (),
    ) -> Any:
        def check(text: str) -> None:
            value = convert(text)
            if accept is not None:
                accept(value)

        typed = prompter.text(
            message,
            default=default,
            validate=validator(check),
            suggest=suggest,
            completions=completions,
        )
        return convert(typed)

    if key in ("sex", "anesthesia"):
        if key == "sex":
            options = [(s, s) for s in SEXES]
        else:
            options = [(words, value) for value, words in ANESTHESIA_WORDS.items()]
        while True:
            chosen = prompter.select(message, options, default=current)
            problem = validator(accept)(chosen) if accept is not None else None
            if problem is None:
                return chosen
            say(Text(f"  {problem}", style="yellow"))
    if key == "language":
        return ask_text(check_language, default or "en")
    if key == "weight_kg":
        return ask_text(_weight, suggest=other_unit("kg", WEIGHT_DECIMALS, validator(_weight)))
    if key == "dob":
        return ask_text(lambda text: parse_date(text).isoformat())
    if key == "timezone":
        known = validator(lambda text: check_timezone(zone_named(text)))
        # A zone that was refused is not offered again: the site's zone is, when it has one.
        offered = default if default and known(default) is None else zone_default or default
        answer = ask_text(
            lambda text: check_timezone(zone_named(text)).key, offered, completions=zone_names()
        )
        if answer != default:
            say(Text(f"  = {answer}", style="bold"))
        return answer
    if key == "scheduled":
        zone = check_timezone(
            interview.header_value("procedure", "timezone") or zone_default or "UTC"
        )
        value = ask_text(
            lambda text: parse_user_datetime(text, now, zone).strftime("%Y-%m-%dT%H:%M"),
            default.replace("T", " "),
        )
        moment = parse_user_datetime(value, now, zone)
        say(Text(f"  = {describe(moment, zone)}", style="bold"))
        return value
    if key == "levels":
        return ask_text(_levels, ", ".join(current) if isinstance(current, list) else default)
    return ask_text(nonempty)


def _weight(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("a weight in kilograms, e.g. 62") from None
    return check_weight(value)


def _levels(text: str) -> list[str]:
    levels = [part.strip().upper() for part in text.replace(";", ",").split(",") if part.strip()]
    if not levels:
        raise ValueError("at least one level, e.g. T12, L1")
    return list(check_levels(tuple(levels)))


def change_header_field(interview: Interview, prompter: Prompter, part: str, key: str) -> Change:
    """Change one header field from the review, refused while it contradicts an answer."""

    def accept(value: Any) -> None:
        problem = interview.header_problem(part, key, value)
        if problem is not None:
            raise ValueError(problem)

    current = interview.header_value(part, key)
    value = ask_header_field(interview, prompter, part, key, current, accept)
    return interview.change_header(part, key, value)


# -- in words --------------------------------------------------------------------------------


def header_words(interview: Interview, part: str, key: str) -> str:
    """A header field's value as the nurse reads it ("Tuesday 1 December 2026, 08:30 CST")."""
    value = interview.header_value(part, key)
    if value is None or value == "":
        if key == "timezone" and interview.site.config.timezone:
            return f"{interview.site.config.timezone} (the site's)"
        return "not given"
    try:
        encounter = interview.encounter()
    except InputError:
        encounter = None
    if key == "dob" and encounter is not None:
        return f"{_day(encounter.patient.dob)} ({encounter.age_years} years)"
    if key == "scheduled" and encounter is not None:
        return describe(encounter.procedure.scheduled, encounter.procedure.zone)
    if key == "levels" and isinstance(value, list):
        return ", ".join(map(str, value))
    if key == "anesthesia":
        return ANESTHESIA_WORDS.get(str(value), str(value))
    if key == "weight_kg":
        return f"{value:g} kg" if isinstance(value, int | float) else str(value)
    return str(value)


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def patient_panel(interview: Interview) -> Panel:
    """Who this is and what is planned: to check against the wristband and the schedule."""
    name = interview.header_value("patient", "name") or "name not given"
    mrn = interview.header_value("patient", "mrn") or "not given"

    def patient(key: str) -> str:
        return header_words(interview, "patient", key)

    def procedure(key: str) -> str:
        return header_words(interview, "procedure", key)

    lines = [
        Text.assemble((str(name), "bold"), "   MRN ", (str(mrn), "bold")),
        Text(
            f"Born {patient('dob')} · {patient('sex')} · {patient('weight_kg')}"
            f" · sheet in {patient('language')}"
        ),
        Text(
            f"{interview.checklist.procedure_name.capitalize()} at {procedure('levels')}"
            f" · {procedure('anesthesia')} · {procedure('proceduralist')}"
        ),
        Text(f"Scheduled {procedure('scheduled')}", style="bold"),
    ]
    title = "Patient: check against the wristband"
    return Panel(Group(*lines), title=title, title_align="left", expand=True)
