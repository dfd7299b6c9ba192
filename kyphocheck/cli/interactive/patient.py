"""The patient and the procedure: asked first, each field checked as it is typed, kept in view.

The panel is what the nurse checks the wristband against before "Identity verified?": name,
MRN, date of birth with age, and what is planned, when, in the procedure's own zone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from kyphocheck.cli.interactive.prompts import Prompter
from kyphocheck.cli.interactive.screen import nonempty, say, validator
from kyphocheck.errors import InputError
from kyphocheck.header import (
    ANESTHESIA_WORDS,
    HEADER_PROMPTS,
    SEXES,
    check_language,
    check_weight,
)
from kyphocheck.intake.answers_file import check_levels
from kyphocheck.interview.state import Interview
from kyphocheck.site.folder import check_timezone
from kyphocheck.times import describe, parse_date, parse_user_datetime


def ask_header(interview: Interview, prompter: Prompter) -> None:
    """Ask every header field that is missing or invalid, each checked as it is typed."""
    zone_default = interview.site.config.timezone
    for part, key in interview.invalid_header_fields():
        message = HEADER_PROMPTS[(part, key)]
        current = interview.header_value(part, key)
        value = _ask_header_field(interview, prompter, part, key, message, current, zone_default)
        interview.set_header(part, key, value)
    # Problems that need two fields together (a date of birth after the clock, say).
    while fields := interview.invalid_header_fields():
        part, key = fields[0]
        say(Text(f"  Please check {part} {key}.", style="yellow"))
        value = _ask_header_field(
            interview, prompter, part, key, HEADER_PROMPTS[(part, key)], None, zone_default
        )
        interview.set_header(part, key, value)


def _ask_header_field(
    interview: Interview,
    prompter: Prompter,
    part: str,
    key: str,
    message: str,
    current: Any,
    zone_default: str | None,
) -> Any:
    now = interview.clock.now
    default = "" if current is None else str(current)
    if key == "sex":
        options = [(s, s) for s in SEXES]
        return prompter.select(message, options, default=current)
    if key == "anesthesia":
        options = [(words, value) for value, words in ANESTHESIA_WORDS.items()]
        return prompter.select(message, options, default=current)
    if key == "language":
        return prompter.text(message, default=default or "en", validate=validator(check_language))
    if key == "weight_kg":
        return float(prompter.text(message, default=default, validate=validator(_weight)))
    if key == "dob":
        return prompter.text(message, default=default, validate=validator(parse_date))
    if key == "timezone":
        answer = prompter.text(
            message, default=default or zone_default or "", validate=validator(check_timezone)
        )
        return answer
    if key == "scheduled":
        zone = check_timezone(
            interview.header_value("procedure", "timezone") or zone_default or "UTC"
        )
        answer = prompter.text(
            message,
            default=default,
            validate=validator(lambda t: parse_user_datetime(t, now, zone)),
        )
        moment = parse_user_datetime(answer, now, zone)
        say(Text(f"  = {describe(moment, zone)}", style="bold"))
        return moment.strftime("%Y-%m-%dT%H:%M")
    if key == "levels":
        if isinstance(current, list):
            default = ", ".join(current)
        answer = prompter.text(message, default=default, validate=validator(_levels))
        return _levels(answer)
    return prompter.text(message, default=default, validate=validator(nonempty))


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
