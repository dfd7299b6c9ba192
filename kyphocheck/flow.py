"""The nurse's interactive flow: header, sections, live findings, review, finish.

Terminal output goes through rich; questions go through a Prompter, so the same flow runs at a
terminal (questionary) and in tests (scripted). Every answer is saved in the draft at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from kyphocheck.assess import Finding
from kyphocheck.assess.findings import slug
from kyphocheck.checklist import CompiledItem
from kyphocheck.console import out
from kyphocheck.documents import format_answer
from kyphocheck.errors import InputError
from kyphocheck.interview import Change, Interview
from kyphocheck.prompts import Prompter
from kyphocheck.report import SEVERITY_STYLE
from kyphocheck.sources import check_timezone
from kyphocheck.timeparse import describe, parse_date, parse_user_date, parse_user_datetime

SKIP = "__skip__"
FINISH, CHANGE, OVERRIDE, NOT_CLEARED, BACK = "finish", "change", "override", "not_cleared", "back"

HEADER_PROMPTS: dict[tuple[str, str], str] = {
    ("patient", "name"): "Patient's full name",
    ("patient", "mrn"): "MRN",
    ("patient", "dob"): "Date of birth (YYYY-MM-DD)",
    ("patient", "sex"): "Sex",
    ("patient", "weight_kg"): "Weight (kg)",
    ("patient", "language"): "Language of the take-home sheet",
    ("procedure", "scheduled"): "Scheduled start (e.g. 2026-12-01 08:30, or 08:30 for today)",
    ("procedure", "timezone"): "Time zone (IANA, e.g. America/Chicago)",
    ("procedure", "levels"): "Vertebral levels (e.g. T12, L1)",
    ("procedure", "proceduralist"): "Proceduralist",
    ("procedure", "anesthesia"): "Anaesthesia",
}


def say(*renderables: Any) -> None:
    """Print to the results console."""
    out().print(*renderables)


def severity_label(finding: Finding) -> Text:
    """The severity in words, so it reads without colour."""
    return Text(finding.severity.value.upper(), style=SEVERITY_STYLE[finding.severity.value])


def findings_panel(findings: Sequence[Finding], title: str) -> Panel:
    """Findings, one a line, severity first."""
    lines = [severity_label(f) + Text(f"  {f.message}") for f in findings] or [Text("None.")]
    worst = max((f.severity.rank for f in findings), default=-1)
    border = ["cyan", "yellow", "red"][worst] if worst >= 0 else "green"
    return Panel(Group(*lines), title=title, border_style=border, expand=True)


def show_change(change: Change) -> None:
    """Tell the nurse at once what her answer changed."""
    for item_id in change.dropped:
        say(Text(f"  The answer to '{item_id}' no longer applies and was removed.", style="dim"))
    if change.new:
        say(findings_panel(change.new, "New finding" + ("s" if len(change.new) > 1 else "")))
    if change.cleared:
        cleared = [Text("CLEARED", style="green") + Text(f"  {f.message}") for f in change.cleared]
        say(Panel(Group(*cleared), title="Cleared", border_style="green"))


def _validator(check: Callable[[str], Any]) -> Callable[[str], str | None]:
    def validate(text: str) -> str | None:
        try:
            check(text)
        except ValueError as exc:
            return str(exc)
        except InputError as exc:
            return exc.problems[0].split(": ", 1)[-1]
        return None

    return validate


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
        options = [(s, s) for s in ("female", "male", "other", "unknown")]
        return prompter.select(message, options, default=current)
    if key == "anesthesia":
        options = [
            ("local anaesthetic", "local"),
            ("moderate sedation", "moderate_sedation"),
            ("general anaesthesia", "general"),
        ]
        return prompter.select(message, options, default=current)
    if key == "language":
        return prompter.text(message, default=default or "en", validate=_validator(_language))
    if key == "weight_kg":
        return float(prompter.text(message, default=default, validate=_validator(_weight)))
    if key == "dob":
        return prompter.text(message, default=default, validate=_validator(parse_date))
    if key == "timezone":
        answer = prompter.text(
            message, default=default or zone_default or "", validate=_validator(check_timezone)
        )
        return answer
    if key == "scheduled":
        zone = check_timezone(
            interview.header_value("procedure", "timezone") or zone_default or "UTC"
        )
        answer = prompter.text(
            message,
            default=default,
            validate=_validator(lambda t: parse_user_datetime(t, now, zone)),
        )
        moment = parse_user_datetime(answer, now, zone)
        say(Text(f"  = {describe(moment, zone)}", style="bold"))
        return moment.strftime("%Y-%m-%dT%H:%M")
    if key == "levels":
        if isinstance(current, list):
            default = ", ".join(current)
        answer = prompter.text(message, default=default, validate=_validator(_levels))
        return _levels(answer)
    return prompter.text(message, default=default, validate=_validator(_nonempty))


def _nonempty(text: str) -> str:
    if not text.strip():
        raise ValueError("an answer is needed")
    return text.strip()


def _language(text: str) -> str:
    import re

    if not re.match(r"^[a-z]{2}(-[A-Z]{2})?$", text.strip()):
        raise ValueError("a two-letter language code, e.g. en or es")
    return text.strip()


def _weight(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("a weight in kilograms, e.g. 62") from None
    if not 0 < value <= 500:
        raise ValueError("a weight between 1 and 500 kg")
    return value


def _levels(text: str) -> list[str]:
    from kyphocheck.answers import ProcedureFields

    levels = [part.strip().upper() for part in text.replace(";", ",").split(",") if part.strip()]
    if not levels:
        raise ValueError("at least one level, e.g. T12, L1")
    ProcedureFields._levels(tuple(levels))
    return levels


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
        _ask_medications(interview, prompter)
        return
    if item.type == "allergies":
        _ask_allergies(interview, prompter)
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
        return prompter.select(message, options, default=current)
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
    answer = prompter.text(message, default=default, validate=_validator(check))
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
    from datetime import datetime

    if item_type == "datetime":
        return datetime.fromisoformat(current).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if item_type == "number":
        return f"{current:g}"
    return str(current)


def _medication_line(interview: Interview, index: int) -> Text:
    """What the protocol says of one medicine, e.g. "...: hold 3 days; ...: NOT MET, stop"."""
    assessment = interview.assessment()
    entry = assessment.computed["medications"][index]
    zone = interview.encounter().procedure.zone
    if not entry["known"]:
        return Text(f"{entry['name']}: not in the drug table; recorded (info).", style="cyan")
    parts = [entry["display"]]
    if entry["hold"] is None:
        parts.append("no hold" + (f"; {entry['advice']}" if entry["advice"] else ""))
        return Text(": ".join(parts), style="cyan")
    from datetime import datetime

    from kyphocheck.timeparse import format_local

    latest = format_local(datetime.fromisoformat(entry["latest_permitted_dose"]), zone)
    text = f"{entry['display']}: hold {entry['hold']}; last permitted dose {latest}"
    if entry["last_dose"] is None:
        return Text(text + "; last dose not known yet", style="yellow")
    reported = format_local(datetime.fromisoformat(entry["last_dose"]), zone)
    if entry["hold_met"]:
        return Text(f"{text}; reported {reported}: met", style="green")
    key = f"hold_not_met:{slug(entry['generic'])}"
    severity = next(
        (f.severity.value for f in assessment.findings if f.id.startswith(key)), "notify"
    )
    return Text(f"{text}; reported {reported}: NOT MET, {severity}", style=SEVERITY_STYLE[severity])


@dataclass(frozen=True)
class ListWords:
    """How a list item (medicines, allergies) is worded on screen."""

    title: str
    add: str
    remove: str
    none: str


def _ask_list(
    interview: Interview,
    prompter: Prompter,
    item_id: str,
    words: ListWords,
    show: Callable[[int, dict[str, Any]], Text],
    make_entry: Callable[[list[dict[str, Any]]], dict[str, Any]],
) -> None:
    """Add, remove, done: the loop of a list item, saved after every change."""
    while True:
        current: list[dict[str, Any]] = list(interview.answers.get(item_id) or [])
        for index, entry in enumerate(current):
            say(Text(f"  {index + 1}. ") + show(index, entry))
        options = [(words.add, "add")]
        if current:
            options += [(words.remove, "remove"), (f"Done ({len(current)} listed)", "done")]
        else:
            options.append((words.none, "done"))
        if interview.pending_entry(item_id):
            action = "add"  # an entry was being made when the run was interrupted
        else:
            action = prompter.select(words.title, options)
        if action == "done":
            show_change(interview.set_answer(item_id, current))
            return
        if action == "remove":
            labels = [(f"{i + 1}. {show(i, e).plain}", str(i)) for i, e in enumerate(current)]
            current.pop(int(prompter.select("Remove which?", labels)))
        else:
            current.append(make_entry(list(current)))
            interview.draft.pending = None
        show_change(interview.set_answer(item_id, current, done=False))


def _ask_medications(interview: Interview, prompter: Prompter) -> None:
    drugs = interview.protocol.drugs
    names = sorted({name for drug in drugs.drugs for name in drug.names}, key=str.casefold)
    _ask_list(
        interview,
        prompter,
        "medications",
        ListWords("Medicines", "Add a medicine", "Remove a medicine", "No medicines"),
        lambda index, _: _medication_line(interview, index),
        lambda listed: _medication_entry(interview, prompter, names, listed),
    )


class EntryInProgress:
    """A list entry (a medicine, an allergy) being made, kept in the draft field by field."""

    def __init__(self, interview: Interview, item_id: str) -> None:
        self.interview, self.item_id = interview, item_id
        self.fields = interview.pending_entry(item_id)
        self.asked: list[str] = self.fields.pop("_asked", [])

    def needs(self, step: str) -> bool:
        """Whether this step has not been answered yet (before an interruption)."""
        return step not in self.asked

    def keep(self, step: str, **fields: Any) -> None:
        """Record a step's answer and save the draft at once."""
        self.fields.update({k: v for k, v in fields.items() if v is not None})
        self.asked.append(step)
        self.interview.set_pending(self.item_id, {**self.fields, "_asked": self.asked})


def _medication_entry(
    interview: Interview, prompter: Prompter, names: list[str], listed: list[dict[str, Any]]
) -> dict[str, Any]:
    """One medicine, field by field; each field is saved in the draft as it is given."""
    drugs = interview.protocol.drugs
    zone = interview.encounter().procedure.zone
    now = interview.clock.now
    making = EntryInProgress(interview, "medications")
    entry, keep = making.fields, making.keep

    if making.needs("name"):
        typed = prompter.text(
            "Medicine (brand or generic name)", completions=names, validate=_validator(_nonempty)
        ).strip()
        keep("name", name=_known_name(prompter, drugs, names, typed))
    name = entry["name"]
    drug = drugs.find(name)
    if making.needs("regimen") and drug is not None and drug.variants:
        options = [(v.label, v.id) for v in drug.variants]
        options.append(("not sure (the longer hold applies)", SKIP))
        regimen = prompter.select(f"How is {name} taken?", options)
        keep("regimen", regimen=None if regimen == SKIP else regimen)

    def check_dose(text: str) -> None:
        if text.strip():
            candidate = {**entry, "last_dose": parse_user_datetime(text, now, zone).isoformat()}
            interview.check_value("medications", [*listed, candidate])

    if making.needs("last_dose"):
        last = prompter.text(
            "Last dose taken (e.g. yesterday 20:00; Enter if not known yet)",
            validate=_validator(check_dose),
        )
        moment = parse_user_datetime(last, now, zone) if last.strip() else None
        if moment is not None:
            say(Text(f"  = {describe(moment, zone)}", style="bold"))
        keep("last_dose", last_dose=moment.isoformat() if moment else None)
    if making.needs("dose"):
        dose = prompter.text("Dose and how often (optional, e.g. 5 mg twice a day)")
        keep("dose", dose=dose.strip() or None)
    needs_approval = drug is not None and drugs.classes[drug.drug_class].prescriber_approval
    if making.needs("prescriber_approved") and needs_approval:
        approved = prompter.yes_no(f"Did the prescriber approve holding {name}?")
        keep("prescriber_approved", prescriber_approved=approved)
    return entry


def _known_name(prompter: Prompter, drugs: Any, names: list[str], typed: str) -> str:
    """Offer the known names a typed beginning matches (Enter does not take a suggestion)."""
    if drugs.find(typed) is not None:
        return typed
    start = typed.casefold()
    candidates = [n for n in names if n.casefold().startswith(start)]
    candidates += [n for n in names if start in n.casefold() and n not in candidates]
    if not candidates:
        return typed
    options = [(name, name) for name in candidates[:8]]
    options.append((f"No: record '{typed}' as typed", SKIP))
    chosen = prompter.select(f"'{typed}' is not in the drug table. Did you mean", options)
    return typed if chosen == SKIP else chosen


def _ask_allergies(interview: Interview, prompter: Prompter) -> None:
    _ask_list(
        interview,
        prompter,
        "allergies",
        ListWords("Allergies", "Add an allergy", "Remove an allergy", "No known allergies"),
        lambda _, entry: Text(f"{entry['substance']}: {entry['reaction']}"),
        lambda _: _allergy_entry(interview, prompter),
    )


def _allergy_entry(interview: Interview, prompter: Prompter) -> dict[str, Any]:
    """One allergy, field by field; each field is saved in the draft as it is given."""
    categories = interview.protocol.allergies.categories
    making = EntryInProgress(interview, "allergies")
    entry, keep = making.fields, making.keep

    if making.needs("category"):
        kinds = [(c.label, c.id) for c in categories] + [("something else", SKIP)]
        category = prompter.select("What kind of allergy?", kinds)
        keep("category", category=None if category == SKIP else category)
    if making.needs("substance"):
        label = next((c.label for c in categories if c.id == entry.get("category")), "")
        substance = prompter.text(
            "Substance (the real agent, e.g. iohexol, penicillin)",
            default=label.strip('"'),
            validate=_validator(_nonempty),
        )
        keep("substance", substance=substance.strip())
    if making.needs("reaction"):
        reaction = prompter.text(
            "Reaction (e.g. hives, anaphylaxis, rash)", validate=_validator(_nonempty)
        )
        keep("reaction", reaction=reaction.strip())
    return entry


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
        overridden = {o["finding"] for o in interview.document.get("overrides", [])}
        open_stops = [f for f in findings if f.severity.value == "stop" and f.id not in overridden]
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
        "Proceduralist who overrides it", default=proceduralist, validate=_validator(_nonempty)
    )

    def reason_check(text: str) -> None:
        if len(text.strip()) < 3:
            raise ValueError("give the proceduralist's reason")

    reason = prompter.text("Reason", validate=_validator(reason_check))
    interview.add_override(finding_id, by.strip(), reason.strip())
    say(Text(f"  Override recorded for {finding_id}.", style="bold"))


def run_flow(interview: Interview, prompter: Prompter) -> None:
    """Header, every item, then the review until she finishes."""
    if interview.draft.phase == "header" or interview.invalid_header_fields():
        say(Text(interview.checklist.title, style="bold"))
        ask_header(interview, prompter)
        interview.draft.phase = "items"
        interview.save()
    interview.refresh_findings()
    fill_in(interview, prompter)
    review(interview, prompter)
