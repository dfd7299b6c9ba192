"""The review's overview: every answer in words, as the menus that change them show it."""

from __future__ import annotations

from kyphocheck.cli.interactive.patient import HEADER_NAMES, header_words
from kyphocheck.cli.interactive.screen import fit
from kyphocheck.header import HEADER_FIELDS
from kyphocheck.interview.state import Interview
from kyphocheck.record.documents import format_answer
from kyphocheck.site.checklist import CompiledItem
from kyphocheck.times import format_local


def answer_words(interview: Interview, compiled: CompiledItem) -> str:
    """An item's current answer as the nurse reads it, from its checked value.

    The checked value, not the saved text: a time from an answers file has no offset, and is
    read in the procedure's zone (never the computer's).
    """
    item = compiled.item
    encounter = interview.encounter()
    value = encounter.answers.get(item.id)
    if value is None:
        return "not answered"
    zone = encounter.procedure.zone
    if item.type == "medications":
        return ", ".join(m.name for m in value) or "none"
    if item.type == "allergies":
        return ", ".join(f"{a.substance} ({a.reaction})" for a in value) or "none known"
    if item.type == "datetime":
        return format_local(value, zone)
    if item.type == "date":
        return f"{value:%a %d %b %Y}"
    return format_answer(item, value, zone)


def menu_label(name: str, value: str, width: int) -> str:
    """`name — value` on one line of `width`: the value kept whole as far as it can be."""
    value = fit(value, max(width // 2, 16))
    return f"{fit(name, max(width - len(value) - 3, 12))} — {value}"


def change_choices(interview: Interview, width: int) -> list[tuple[str, str]]:
    """Everything the review can change, with its current value: the header, then each item."""
    choices = [
        (
            menu_label(HEADER_NAMES[f.key], header_words(interview, f.part, f.key), width),
            f"header:{f.part}.{f.key}",
        )
        for f in HEADER_FIELDS
    ]
    for compiled in interview.applicable():
        label = menu_label(compiled.item.prompt, answer_words(interview, compiled), width)
        choices.append((label, compiled.item.id))
    return choices
