"""The checklist's items, asked in order: each in the way its type needs, with live findings.

Terminal output goes through rich; questions go through a Prompter, so the same flow runs at a
terminal (questionary) and in tests (scripted). Every answer is saved in the draft at once.
The patient and procedure are asked in patient.py; the review is review.py.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from kyphocheck.cli.interactive.hints import day_before, other_unit, planned_choice
from kyphocheck.cli.interactive.lists import ask_allergies, ask_medications, typed_moment
from kyphocheck.cli.interactive.prompts import Prompter
from kyphocheck.cli.interactive.screen import SKIP, say, show_change, validator
from kyphocheck.interview.ehr import filled_by_ehr
from kyphocheck.interview.state import Interview
from kyphocheck.site.checklist import CompiledItem
from kyphocheck.times import describe, parse_user_date, parse_user_datetime


def show_position(interview: Interview, compiled: CompiledItem) -> None:
    """Where she is: section k of n and how much is answered."""
    k, n, title = interview.section_position(compiled)
    answered, total = interview.progress()
    say(Text(f"── Section {k} of {n}: {title} · {answered} of {total} answered", style="bold blue"))


LISTS = ("medications", "allergies")


def ask_item(interview: Interview, prompter: Prompter, compiled: CompiledItem) -> None:
    """Ask one item in the way its type needs, save it, and show what it changed."""
    item = compiled.item
    if item.help:
        say(Text(f"  {item.help}", style="dim"))
    if f"answers.{item.id}" in filled_by_ehr(interview.document):
        kept = "check each with the patient" if item.type in LISTS else "press Enter to keep it"
        say(Text(f"  From the EHR: {kept}, or correct it.", style="dim"))
    if item.type == "medications":
        ask_medications(interview, prompter)
        return
    if item.type == "allergies":
        ask_allergies(interview, prompter)
        return
    raw = _ask_value(interview, prompter, compiled)
    prompts = {c.item.id: c.item.prompt for c in interview.checklist.items}
    show_change(interview.set_answer(item.id, None if raw is SKIP else raw), prompts)


def _ask_value(interview: Interview, prompter: Prompter, compiled: CompiledItem) -> Any:
    item = compiled.item
    current = interview.answers.get(item.id)
    required = interview.is_required(compiled)
    message = item.prompt + (f" ({item.unit})" if item.unit else "")
    if not required:
        message += " (optional)"
    if item.type == "yes_no":
        return prompter.yes_no(message, default=current)
    if item.type == "choice":
        options = [(c.label, c.value) for c in item.choices]
        if not required:
            options.append(("(skip)", SKIP))
        chosen = current if current is not None else planned_choice(interview, compiled)
        return prompter.select(message, options, default=chosen)
    if item.type == "multi_choice":
        options = [(c.label, c.value) for c in item.choices]
        return prompter.checkbox(message, options, checked=current or [])
    zone = interview.encounter().procedure.zone
    now = interview.clock.now

    def to_raw(text: str) -> Any:
        text = text.strip()
        if item.type == "number":
            try:
                return float(text) if "." in text else int(text)
            except ValueError:
                raise ValueError(
                    "type a number" + (f" in {item.unit}" if item.unit else "")
                ) from None
        if item.type == "datetime":
            return parse_user_datetime(text, now, zone).isoformat()
        if item.type == "date":
            return parse_user_date(text, now, zone).isoformat()
        return text

    def check(text: str) -> None:
        if not text.strip():
            if required:
                raise ValueError("an answer is needed")
            return
        interview.check_value(item.id, to_raw(text))

    default = ""
    if current is not None:
        default = _typed_default(item.type, current, zone)
    validate = validator(check)
    suggest = None
    if item.type == "number":
        suggest = other_unit(item.unit, item.decimals, validate)
    elif item.type == "datetime" and item.past_event:
        suggest = day_before(validate, now, zone)
    answer = prompter.text(message, default=default, validate=validate, suggest=suggest)
    if not answer.strip():
        return SKIP
    raw = to_raw(answer)
    if item.type in ("datetime", "date"):
        from datetime import date, datetime

        if item.type == "datetime":
            say(Text(f"  = {describe(datetime.fromisoformat(raw), zone)}", style="bold"))
        else:
            say(Text(f"  = {date.fromisoformat(raw):%A %d %B %Y}", style="bold"))
    return raw


def _typed_default(item_type: str, current: Any, zone: Any) -> str:
    if item_type == "datetime":
        # In the procedure's zone: a time from an answers file has no offset of its own.
        return typed_moment(current, zone)
    if item_type == "number":
        return f"{current:g}"
    return str(current)


# -- the whole run ---------------------------------------------------------------------------


def fill_in(interview: Interview, prompter: Prompter) -> None:
    """Ask every item that applies and has not been asked, in checklist order."""
    while (compiled := interview.next_item()) is not None:
        show_position(interview, compiled)
        ask_item(interview, prompter, compiled)
