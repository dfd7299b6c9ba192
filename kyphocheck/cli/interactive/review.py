"""The whole run and its review: the patient in view, every answer changeable, then finish.

Every menu of the review has a way back (its Back entry, or Esc). A change to the patient or
the procedure is handled as any other answer: items that stop applying are dropped and said
so, items that start applying are asked next, and the findings follow.
"""

from __future__ import annotations

from rich.text import Text

from kyphocheck.assess import Finding
from kyphocheck.cli.interactive.flow import ask_item, fill_in, show_position
from kyphocheck.cli.interactive.overview import (
    EVERY_SECTION,
    change_choices,
    folded_sections,
    review_view,
)
from kyphocheck.cli.interactive.patient import (
    ask_header,
    change_header_field,
    confirm_start,
    patient_panel,
)
from kyphocheck.cli.interactive.prompts import Prompter
from kyphocheck.cli.interactive.screen import (
    BACK,
    choose,
    fit,
    menu_width,
    nonempty,
    say,
    show_change,
    validator,
)
from kyphocheck.interview.state import Interview
from kyphocheck.schema import Severity

FINISH, CHANGE, OVERRIDE, UNDO, SHOW, NOT_CLEARED = (
    "finish",
    "change",
    "override",
    "undo",
    "show",
    "not_cleared",
)
TO_REVIEW = "Back to the review"


def review(interview: Interview, prompter: Prompter) -> None:
    """Show every answer and finding; change any answer; finish only when she says so."""
    interview.draft.phase = "review"
    interview.save()
    shown: set[str] = set()  # sections opened from the menu
    seen: dict[str, str] = {}  # finding id -> message, to name an override whose finding went
    while True:
        fill_in(interview, prompter)
        findings = interview.refresh_findings()
        seen |= {f.id: f.message for f in findings}
        for stale in interview.drop_stale_overrides():
            words = seen.get(stale["finding"], stale["finding"])
            say(Text(f"  The override of '{words}' was removed: that finding is gone.", "yellow"))
        overrides = interview.overrides
        open_stops = [f for f in findings if f.severity is Severity.STOP and f.id not in overrides]
        say(patient_panel(interview))
        say(review_view(interview, findings, overrides, shown))
        folded = folded_sections(interview, findings, shown)
        options = [("Finish and write the record", FINISH), ("Change an answer", CHANGE)]
        if open_stops:
            options.append(("Record an override for a stop finding", OVERRIDE))
        if overrides:
            options.append(("Undo an override", UNDO))
        options.append(
            ("Show a section in full", SHOW) if folded else ("Fold the sections again", SHOW)
        )
        # With a stop open, Enter must not be the way to a record that says NOT CLEARED.
        action = prompter.select("Review", options, default=CHANGE if open_stops else FINISH)
        if action == CHANGE:
            _change(interview, prompter)
        elif action == OVERRIDE:
            _ask_override(interview, prompter, open_stops)
        elif action == UNDO:
            _undo_override(interview, prompter, findings)
        elif action == SHOW:
            if not folded:
                shown.clear()
                continue
            every = ("Every section", EVERY_SECTION)
            chosen = choose(prompter, "Show which section?", [every, *folded], TO_REVIEW)
            if chosen != BACK:
                shown.add(chosen)
        elif not open_stops or _finish_not_cleared(interview, prompter, open_stops):
            return


def _finish_not_cleared(interview: Interview, prompter: Prompter, stops: list[Finding]) -> bool:
    """Whether she finishes with stops open (an override recorded here returns to the review)."""
    choice = prompter.select(
        f"{len(stops)} stop finding(s) have no override",
        [
            ("Finish: the record will say NOT CLEARED", NOT_CLEARED),
            ("Record an override", OVERRIDE),
            (TO_REVIEW, BACK),
        ],
        back=BACK,
    )
    if choice == OVERRIDE:
        _ask_override(interview, prompter, stops)
    return choice == NOT_CLEARED


def _change(interview: Interview, prompter: Prompter) -> None:
    """Change one answer, or the patient and procedure, then ask what it made apply."""
    target = choose(
        prompter, "Change which answer?", change_choices(interview, menu_width()), TO_REVIEW
    )
    if target == BACK:
        return
    prompts = {c.item.id: c.item.prompt for c in interview.checklist.items}
    if target.startswith("header:"):
        part, key = target.removeprefix("header:").split(".")
        show_change(change_header_field(interview, prompter, part, key), prompts)
    else:
        compiled = interview.checklist.by_id[target]
        show_position(interview, compiled)
        ask_item(interview, prompter, compiled)
    if (coming := interview.next_item()) is not None:
        say(Text(f"  Now asked because of the change: {coming.item.prompt}", style="yellow"))


def _stop_choices(stops: list[Finding]) -> list[tuple[str, str]]:
    width = menu_width()
    return [(fit(f.message, width), f.id) for f in stops]


def _ask_override(interview: Interview, prompter: Prompter, stops: list[Finding]) -> None:
    finding_id = choose(prompter, "Override which stop finding?", _stop_choices(stops), TO_REVIEW)
    if finding_id == BACK:
        return
    proceduralist = str(interview.header_value("procedure", "proceduralist") or "")
    by = prompter.text(
        "Proceduralist who overrides it", default=proceduralist, validate=validator(nonempty)
    )

    def reason_check(text: str) -> None:
        if len(text.strip()) < 3:
            raise ValueError("give the proceduralist's reason")

    reason = prompter.text("Reason", validate=validator(reason_check))
    interview.add_override(finding_id, by.strip(), reason.strip())
    message = next(f.message for f in stops if f.id == finding_id)
    say(Text(f"  Override recorded: {message} — by {by.strip()}: {reason.strip()}", "bold"))


def _undo_override(interview: Interview, prompter: Prompter, findings: tuple[Finding, ...]) -> None:
    overridden = [f for f in findings if f.id in interview.overrides]
    finding_id = choose(prompter, "Undo which override?", _stop_choices(overridden), TO_REVIEW)
    if finding_id == BACK:
        return
    interview.remove_override(finding_id)
    message = next(f.message for f in overridden if f.id == finding_id)
    say(Text(f"  Override removed: {message} It is an open stop again.", style="bold red"))


def run_flow(interview: Interview, prompter: Prompter) -> None:
    """Header, every item, then the review until she finishes."""
    if interview.draft.phase == "header" or interview.invalid_header_fields():
        say(Text(interview.checklist.title, style="bold"))
        ask_header(interview, prompter)
        interview.draft.phase = "items"
        interview.save()
    confirm_start(interview, prompter)
    interview.refresh_findings()
    pending = interview.draft.pending
    if interview.next_item() is not None or pending:
        # Before the first question (fresh, pre-filled or resumed): who this is, in full.
        say(patient_panel(interview))
    if pending:
        # A medicine or allergy was being added or changed (from the review, too): finish it.
        compiled = interview.checklist.by_id[str(pending["item"])]
        show_position(interview, compiled)
        ask_item(interview, prompter, compiled)
    fill_in(interview, prompter)
    review(interview, prompter)
