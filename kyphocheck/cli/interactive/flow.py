"""The nurse's interactive flow: header, sections, live findings, review, finish.

Terminal output goes through rich; questions go through a Prompter, so the same flow runs at a
terminal (questionary) and in tests (scripted). Every answer is saved in the draft at once.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from kyphocheck.assess import Finding, Outcome
from kyphocheck.cli.interactive.hints import day_before, other_unit, planned_choice
from kyphocheck.cli.interactive.lists import ask_allergies, ask_medications
from kyphocheck.cli.interactive.prompts import Prompter
from kyphocheck.cli.interactive.screen import (
    SKIP,
    findings_panel,
    nonempty,
    say,
    show_change,
    validator,
)
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
from kyphocheck.interview.state import Interview
from kyphocheck.record.documents import format_answer
from kyphocheck.site.checklist import CompiledItem
from kyphocheck.site.folder import check_timezone
from kyphocheck.times import (
    as_local,
    describe,
    parse_date,
    parse_user_date,
    parse_user_datetime,
    zone_named,
    zone_names,
)

FINISH, CHANGE, OVERRIDE, NOT_CLEARED, BACK = "finish", "change", "override", "not_cleared", "back"

# -- the header ------------------------------------------------------------------------------


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
        value = _ask_header_field(
            interview,
            prompter,
            *key,
            HEADER_PROMPTS[key],
            interview.header_value(*key),
            interview.site.config.timezone,
        )
        interview.set_header(*key, value)


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
        weight = validator(_weight)
        suggest = other_unit("kg", WEIGHT_DECIMALS, weight)
        return float(prompter.text(message, default=default, validate=weight, suggest=suggest))
    if key == "dob":
        return prompter.text(message, default=default, validate=validator(parse_date))
    if key == "timezone":
        known = validator(lambda text: check_timezone(zone_named(text)))
        # A zone that was refused is not offered again: the site's zone is, when it has one.
        offered = default if known(default) is None else zone_default or default
        answer = prompter.text(message, default=offered, validate=known, completions=zone_names())
        if zone_named(answer) != answer.strip():
            say(Text(f"  = {zone_named(answer)}", style="bold"))
        return zone_named(answer)
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


# -- the items -------------------------------------------------------------------------------


def show_position(interview: Interview, compiled: CompiledItem) -> None:
    """Where she is: section k of n and how much is answered."""
    k, n, title = interview.section_position(compiled)
    answered, total = interview.progress()
    say(Text(f"── Section {k} of {n}: {title} · {answered} of {total} answered", style="bold blue"))


def ask_item(interview: Interview, prompter: Prompter, compiled: CompiledItem) -> None:
    """Ask one item in the way its type needs, save it, and show what it changed."""
    item = compiled.item
    if item.help:
        say(Text(f"  {item.help}", style="dim"))
    if item.type == "medications":
        ask_medications(interview, prompter)
        return
    if item.type == "allergies":
        ask_allergies(interview, prompter)
        return
    raw = _ask_value(interview, prompter, compiled)
    show_change(interview.set_answer(item.id, None if raw is SKIP else raw))


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
        return as_local(current, zone).strftime("%Y-%m-%d %H:%M")
    if item_type == "number":
        return f"{current:g}"
    return str(current)


# -- the whole run ---------------------------------------------------------------------------


def fill_in(interview: Interview, prompter: Prompter) -> None:
    """Ask every item that applies and has not been asked, in checklist order."""
    while (compiled := interview.next_item()) is not None:
        show_position(interview, compiled)
        ask_item(interview, prompter, compiled)


def review_table(interview: Interview) -> Table:
    """Every answer, by section."""
    encounter = interview.encounter()
    zone = encounter.procedure.zone
    table = Table("#", "question", "answer", title="Review", expand=True, show_lines=False)
    applicable = {c.item.id for c in interview.applicable()}
    number = 0
    for section in interview.checklist.sections:
        table.add_row("", Text(section.title or section.id, style="bold"), "")
        for item in section.items:
            if item.id not in applicable:
                continue
            number += 1
            raw = interview.answers.get(item.id)
            answer = format_answer(item, raw, zone) if raw is not None else "-"
            if item.type == "medications" and raw:
                answer = ", ".join(m["name"] for m in raw)
            if item.type == "allergies" and raw:
                answer = ", ".join(f"{a['substance']} ({a['reaction']})" for a in raw)
            table.add_row(str(number), Text(item.prompt), Text(answer))
    return table


def review(interview: Interview, prompter: Prompter) -> None:
    """Show every answer and finding; change any answer; finish only when she says so."""
    interview.draft.phase = "review"
    interview.save()
    while True:
        fill_in(interview, prompter)
        findings = interview.refresh_findings()
        overridden = [o["finding"] for o in interview.document.get("overrides", [])]
        open_stops = list(Outcome(tuple(findings), frozenset(overridden)).open_stops)
        say(review_table(interview))
        say(findings_panel(findings, "Findings"))
        options = [("Finish and write the record", FINISH), ("Change an answer", CHANGE)]
        if open_stops:
            options.insert(1, ("Record an override for a stop finding", OVERRIDE))
        action = prompter.select("Review", options)
        if action == CHANGE:
            items = [(f"{c.item.prompt[:60]}", c.item.id) for c in interview.applicable()]
            item_id = prompter.select("Change which answer?", items)
            compiled = interview.checklist.by_id[item_id]
            show_position(interview, compiled)
            ask_item(interview, prompter, compiled)
            continue
        if action == OVERRIDE:
            _ask_override(interview, prompter, open_stops)
            continue
        if open_stops:
            choice = prompter.select(
                f"{len(open_stops)} stop finding(s) have no override",
                [
                    ("Finish: the record will say NOT CLEARED", NOT_CLEARED),
                    ("Record an override", OVERRIDE),
                    ("Back to the review", BACK),
                ],
            )
            if choice == OVERRIDE:
                _ask_override(interview, prompter, open_stops)
                continue
            if choice == BACK:
                continue
        return


def _ask_override(interview: Interview, prompter: Prompter, stops: list[Finding]) -> None:
    finding_id = prompter.select(
        "Override which stop finding?", [(f.message[:70], f.id) for f in stops]
    )
    proceduralist = str(interview.header_value("procedure", "proceduralist") or "")
    by = prompter.text(
        "Proceduralist who overrides it", default=proceduralist, validate=validator(nonempty)
    )

    def reason_check(text: str) -> None:
        if len(text.strip()) < 3:
            raise ValueError("give the proceduralist's reason")

    reason = prompter.text("Reason", validate=validator(reason_check))
    interview.add_override(finding_id, by.strip(), reason.strip())
    say(Text(f"  Override recorded for {finding_id}.", style="bold"))


def run_flow(interview: Interview, prompter: Prompter) -> None:
    """Header, every item, then the review until she finishes."""
    if interview.draft.phase == "header" or interview.invalid_header_fields():
        say(Text(interview.checklist.title, style="bold"))
        ask_header(interview, prompter)
        interview.draft.phase = "items"
        interview.save()
    confirm_start(interview, prompter)
    interview.refresh_findings()
    fill_in(interview, prompter)
    review(interview, prompter)
