"""Medicines and allergies: list items asked one entry at a time.

Each entry is kept in the draft field by field, so an interruption in the middle of one loses
nothing; the protocol's verdict on a medicine is shown as soon as it is entered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text

from kyphocheck.cli.interactive.hints import day_before
from kyphocheck.cli.interactive.prompts import Prompter
from kyphocheck.cli.interactive.screen import (
    BACK,
    SKIP,
    choose,
    fit,
    menu_width,
    nonempty,
    say,
    show_change,
    validator,
)
from kyphocheck.cli.output import SEVERITY_STYLE
from kyphocheck.interview.ehr import last_doses_to_confirm, mark_checked
from kyphocheck.interview.state import Interview
from kyphocheck.times import as_local, describe, format_local, parse_user_datetime


def medication_line(interview: Interview, index: int) -> Text:
    """A medicine's last dose and the protocol's verdict on its hold: met, not met, not known.

    Read from the assessment's computed medicines (`hold_met`, `hold_finding`,
    `latest_permitted_dose`), so the screen says what the record will.
    """
    assessment = interview.assessment()
    entry = assessment.computed["medications"][index]
    zone = interview.encounter().procedure.zone
    last = entry.get("last_dose")
    taken = (
        f"last dose {format_local(datetime.fromisoformat(last), zone)}"
        if last
        else "last dose not known"
    )
    if not entry["known"]:
        return Text(f"{entry['name']}: not in the drug table, recorded (info); {taken}", "cyan")
    if entry["hold"] is None:
        advice = f"; {entry['advice']}" if entry["advice"] else ""
        return Text(f"{entry['display']}: no hold; {taken}{advice}", style="cyan")
    latest = format_local(datetime.fromisoformat(entry["latest_permitted_dose"]), zone)
    hold = f"{taken}; latest permitted {latest} (hold {entry['hold']})"
    if entry["hold_met"]:
        return Text(f"{entry['display']}: hold met; {hold}", style="green")
    finding = entry["hold_finding"]
    severity = finding["severity"]
    verdict = "hold NOT MET" if last else "hold not known"
    overridden = ", overridden" if finding["id"] in interview.overrides else ""
    return Text(
        f"{entry['display']}: {verdict} ({severity.upper()}{overridden}); {hold}",
        style=SEVERITY_STYLE[severity],
    )


@dataclass(frozen=True)
class ListWords:
    """How a list item (medicines, allergies) is worded on screen."""

    title: str
    add: str
    edit: str
    remove: str
    none: str


def _ask_list(
    interview: Interview,
    prompter: Prompter,
    item_id: str,
    words: ListWords,
    show: Callable[[int, dict[str, Any]], Text],
    make_entry: Callable[[list[dict[str, Any]], dict[str, Any]], dict[str, Any]],
) -> None:
    """Add, change, remove, done: the loop of a list item, saved after every change.

    `make_entry(others, was)` asks one entry, pre-filled from `was` (empty for a new one).
    """
    prompts = {c.item.id: c.item.prompt for c in interview.checklist.items}
    while True:
        current: list[dict[str, Any]] = list(interview.answers.get(item_id) or [])
        for index, entry in enumerate(current):
            say(Text(f"  {index + 1}. ") + show(index, entry))
        options = [(words.add, "add")]
        if current:
            options += [
                (words.edit, "edit"),
                (words.remove, "remove"),
                (f"Done ({len(current)} listed)", "done"),
            ]
        else:
            options.append((words.none, "done"))
        pending = interview.pending_entry(item_id)
        if pending:  # an entry was being made or changed when the run was interrupted
            action = "edit" if "_replaces" in pending else "add"
        else:
            action = prompter.select(words.title, options)
        if action == "done":
            show_change(interview.set_answer(item_id, current), prompts)
            return
        if action in ("remove", "edit") and not pending:
            width = menu_width()
            labels = [
                (fit(f"{i + 1}. {show(i, e).plain}", width), str(i)) for i, e in enumerate(current)
            ]
            which = "Remove which?" if action == "remove" else "Change which?"
            chosen = choose(prompter, which, labels)
            if chosen == BACK:
                continue
            if action == "remove":
                current.pop(int(chosen))
                show_change(interview.set_answer(item_id, current, done=False), prompts)
                continue
            interview.set_pending(item_id, {"_replaces": int(chosen)})
        if action == "edit":
            index = int(interview.pending_entry(item_id)["_replaces"])
            others = current[:index] + current[index + 1 :]
            current[index] = make_entry(others, current[index])
        else:
            current.append(make_entry(list(current), {}))
        interview.draft.pending = None
        show_change(interview.set_answer(item_id, current, done=False), prompts)


def ask_medications(interview: Interview, prompter: Prompter) -> None:
    """The medication list, with completion over every generic and brand name.

    Each last dose an EHR bundle gave is asked again first: the EHR records what was
    prescribed or charted, not what the patient took last night.
    """
    confirm_ehr_last_doses(interview, prompter)
    drugs = interview.protocol.drugs
    names = sorted({name for drug in drugs.drugs for name in drug.names}, key=str.casefold)
    _ask_list(
        interview,
        prompter,
        "medications",
        ListWords(
            "Medicines", "Add a medicine", "Change a medicine", "Remove a medicine", "No medicines"
        ),
        lambda index, _: medication_line(interview, index),
        lambda others, was: _medication_entry(interview, prompter, names, others, was),
    )


class EntryInProgress:
    """A list entry (a medicine, an allergy) being made, kept in the draft field by field."""

    def __init__(self, interview: Interview, item_id: str) -> None:
        self.interview, self.item_id = interview, item_id
        self.fields = interview.pending_entry(item_id)
        self.asked: list[str] = self.fields.pop("_asked", [])
        # The index of the entry this one replaces, when an entry is being changed.
        self.replaces: int | None = self.fields.pop("_replaces", None)

    def needs(self, step: str) -> bool:
        """Whether this step has not been answered yet (before an interruption)."""
        return step not in self.asked

    def keep(self, step: str, **fields: Any) -> None:
        """Record a step's answer and save the draft at once."""
        self.fields.update({k: v for k, v in fields.items() if v is not None})
        self.asked.append(step)
        kept = {**self.fields, "_asked": self.asked}
        if self.replaces is not None:
            kept["_replaces"] = self.replaces
        self.interview.set_pending(self.item_id, kept)


def _medication_entry(
    interview: Interview,
    prompter: Prompter,
    names: list[str],
    others: list[dict[str, Any]],
    was: dict[str, Any],
) -> dict[str, Any]:
    """One medicine, field by field, pre-filled from `was`; each field is saved as it is given."""
    drugs = interview.protocol.drugs
    zone = interview.encounter().procedure.zone
    now = interview.clock.now
    making = EntryInProgress(interview, "medications")
    entry, keep = making.fields, making.keep

    if making.needs("name"):
        typed = prompter.text(
            "Medicine (brand or generic name)",
            default=str(was.get("name") or ""),
            completions=names,
            validate=validator(nonempty),
        ).strip()
        keep("name", name=_known_name(prompter, drugs, names, typed))
    name = entry["name"]
    drug = drugs.match(name).drug
    same_drug = drug is not None and was.get("name") and drugs.match(was["name"]).drug == drug
    if making.needs("regimen") and drug is not None and drug.variants:
        default = next(v for v in drug.variants if v.default)
        # The variant for an unknown answer is what "not sure" means, not a choice of its own.
        options = [(v.label, v.id) for v in drug.variants if not v.unknown]
        unsure = default.label if default.unknown else "the longer hold applies"
        options.append((f"not sure ({unsure})", SKIP))
        current = (was.get("regimen") or SKIP) if same_drug else None
        regimen = prompter.select(f"How is {name} taken?", options, default=current)
        keep("regimen", regimen=None if regimen == SKIP else regimen)

    def check_dose(text: str) -> None:
        if text.strip():
            candidate = {**entry, "last_dose": parse_user_datetime(text, now, zone).isoformat()}
            interview.check_value("medications", [*others, candidate])

    if making.needs("last_dose"):
        previous = was.get("last_dose")
        hint = "Enter keeps it; clear it if not known" if previous else "Enter if not known yet"
        dose_ok = validator(check_dose)
        last = prompter.text(
            f"Last dose taken (e.g. yesterday 20:00; {hint})",
            default=typed_moment(previous, zone) if previous else "",
            validate=dose_ok,
            suggest=day_before(dose_ok, now, zone),
        )
        moment = parse_user_datetime(last, now, zone) if last.strip() else None
        if moment is not None:
            say(Text(f"  = {describe(moment, zone)}", style="bold"))
        keep("last_dose", last_dose=moment.isoformat() if moment else None)
    if making.needs("dose"):
        dose = prompter.text(
            "Dose and how often (optional, e.g. 5 mg twice a day)",
            default=str(was.get("dose") or ""),
        )
        keep("dose", dose=dose.strip() or None)
    needs_approval = drug is not None and drugs.classes[drug.drug_class].prescriber_approval
    if making.needs("prescriber_approved") and needs_approval:
        approved = prompter.yes_no(
            f"Did the prescriber approve holding {name}?",
            default=was.get("prescriber_approved") if same_drug else None,
        )
        keep("prescriber_approved", prescriber_approved=approved)
    return entry


def confirm_ehr_last_doses(interview: Interview, prompter: Prompter) -> None:
    """Ask again each last dose from the EHR: "the EHR says the last Eliquis was ...; right?"."""
    zone = interview.encounter().procedure.zone
    for index in last_doses_to_confirm(interview.document):
        medications = [dict(e) for e in interview.answers["medications"]]
        entry = medications[index]
        when = format_local(datetime.fromisoformat(entry["last_dose"]), zone)
        right = prompter.yes_no(
            f"The EHR says the last {entry['name']} was {when}; is that right?", default=None
        )
        if not right:
            others = medications[:index] + medications[index + 1 :]
            medications[index] = _corrected_last_dose(interview, prompter, entry, others, zone)
        mark_checked(interview.document, f"answers.medications[{index}].last_dose")
        interview.set_answer("medications", medications, done=False)


def _corrected_last_dose(
    interview: Interview,
    prompter: Prompter,
    entry: dict[str, Any],
    others: list[dict[str, Any]],
    zone: ZoneInfo,
) -> dict[str, Any]:
    """The entry with the last dose the nurse gives instead of the EHR's (none if not known)."""
    now = interview.clock.now
    without = {k: v for k, v in entry.items() if k != "last_dose"}

    def check_dose(text: str) -> None:
        if text.strip():
            moment = parse_user_datetime(text, now, zone).isoformat()
            interview.check_value("medications", [*others, {**without, "last_dose": moment}])

    dose_ok = validator(check_dose)
    typed = prompter.text(
        f"When did the patient last take {entry['name']}? (Enter if not known)",
        validate=dose_ok,
        suggest=day_before(dose_ok, now, zone),
    )
    if not typed.strip():
        return without
    moment = parse_user_datetime(typed, now, zone)
    say(Text(f"  = {describe(moment, zone)}", style="bold"))
    return {**without, "last_dose": moment.isoformat()}


def typed_moment(raw: str, zone: ZoneInfo) -> str:
    """A saved time as she would type it, in the procedure's zone (not the computer's).

    A time from an answers file has no offset: it is a wall-clock time in that zone.
    """
    return as_local(raw, zone).strftime("%Y-%m-%d %H:%M")


def _known_name(prompter: Prompter, drugs: Any, names: list[str], typed: str) -> str:
    """Offer the known names a typed beginning matches (Enter does not take a suggestion)."""
    matched = drugs.match(typed)
    if matched.drug is not None and not matched.near_miss:
        return typed
    if matched.near_miss:
        # Asked before the entry is kept: a typo of a blood thinner is a safety question.
        named = matched.named
        options = [(f"Yes: {named}", matched.known_as), (f"No: keep '{typed}' as typed", SKIP)]
        chosen = prompter.select(f"'{typed}': did you mean {named}?", options)
        return typed if chosen == SKIP else str(chosen)
    start = typed.casefold()
    candidates = [n for n in names if n.casefold().startswith(start)]
    candidates += [n for n in names if start in n.casefold() and n not in candidates]
    if not candidates:
        return typed
    options = [(name, name) for name in candidates[:8]]
    options.append((f"No: record '{typed}' as typed", SKIP))
    chosen = prompter.select(f"'{typed}' is not in the drug table. Did you mean", options)
    return typed if chosen == SKIP else chosen


def ask_allergies(interview: Interview, prompter: Prompter) -> None:
    """The allergy list: a category, the real substance and the reaction for each."""
    _ask_list(
        interview,
        prompter,
        "allergies",
        ListWords(
            "Allergies",
            "Add an allergy",
            "Change an allergy",
            "Remove an allergy",
            "No known allergies",
        ),
        lambda _, entry: Text(f"{entry['substance']}: {entry['reaction']}"),
        lambda _, was: _allergy_entry(interview, prompter, was),
    )


def _allergy_entry(interview: Interview, prompter: Prompter, was: dict[str, Any]) -> dict[str, Any]:
    """One allergy, field by field, pre-filled from `was`; each field is saved as it is given."""
    categories = interview.protocol.allergies.categories
    making = EntryInProgress(interview, "allergies")
    entry, keep = making.fields, making.keep

    if making.needs("category"):
        kinds = [(c.label, c.id) for c in categories] + [("something else", SKIP)]
        current = (was.get("category") or SKIP) if was else None
        category = prompter.select("What kind of allergy?", kinds, default=current)
        keep("category", category=None if category == SKIP else category)
    if making.needs("substance"):
        # The category's words are offered as she types, never filled in: its label
        # ("beta-lactam antibiotic") is not the agent, and Enter would have recorded it as one.
        words = next((c.match for c in categories if c.id == entry.get("category")), ())
        substance = prompter.text(
            "Substance (the real agent, e.g. iohexol, penicillin)",
            default=str(was.get("substance") or ""),
            validate=validator(nonempty),
            completions=words,
        )
        keep("substance", substance=substance.strip())
    if making.needs("reaction"):
        reaction = prompter.text(
            "Reaction (e.g. hives, anaphylaxis, rash)",
            default=str(was.get("reaction") or ""),
            validate=validator(nonempty),
        )
        keep("reaction", reaction=reaction.strip())
    return entry
