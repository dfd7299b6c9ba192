"""The review's overview: every answer in words, by section, folded where nothing was found.

A section without findings is one line, so the review of a whole checklist fits an 80 x 24
terminal; a section with findings (and the medicines, whose holds are the point) is shown in
full, and any other one can be opened from the review's menu.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from kyphocheck.assess import Finding
from kyphocheck.cli.interactive.lists import medication_line
from kyphocheck.cli.interactive.patient import HEADER_NAMES, header_words
from kyphocheck.cli.interactive.screen import Overrides, finding_line, fit, severity_label
from kyphocheck.header import HEADER_FIELDS
from kyphocheck.interview.state import Interview
from kyphocheck.record.documents import format_answer
from kyphocheck.schema import Severity
from kyphocheck.site.checklist import CompiledItem
from kyphocheck.site.checklist_files import Section
from kyphocheck.times import format_local

EVERY_SECTION = "__every__"
"""Opens every section."""


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


def _sections(interview: Interview) -> list[tuple[Section, list[CompiledItem]]]:
    applicable = interview.applicable()
    return [
        (section, [c for c in applicable if c.section == section.id])
        for section in interview.checklist.sections
        if any(c.section == section.id for c in applicable)
    ]


def _is_open(
    interview: Interview,
    section: Section,
    items: list[CompiledItem],
    found: list[Finding],
    shown: Collection[str],
) -> bool:
    """Open when something was found, when it lists medicines (their holds), or when asked."""
    answers = interview.encounter().answers
    medicines = any(c.item.type == "medications" and answers.get(c.item.id) for c in items)
    return bool(found) or medicines or EVERY_SECTION in shown or section.id in shown


def folded_sections(
    interview: Interview, findings: Sequence[Finding], shown: Collection[str]
) -> list[tuple[str, str]]:
    """(title, id) of the sections shown as one line."""
    result = []
    for section, items in _sections(interview):
        ids = {c.item.id for c in items}
        if not _is_open(interview, section, items, [f for f in findings if f.item in ids], shown):
            result.append((section.title or section.id, section.id))
    return result


def review_view(
    interview: Interview,
    findings: Sequence[Finding],
    overrides: Overrides,
    shown: Collection[str] = (),
) -> RenderableType:
    """Each section: one line when nothing was found in it, else its answers and findings."""
    answers = interview.encounter().answers
    parts: list[RenderableType] = []
    placed: set[str] = set()
    for section, items in _sections(interview):
        ids = {c.item.id for c in items}
        found = [f for f in findings if f.item in ids]
        placed |= {f.id for f in found}
        title = section.title or section.id
        if not _is_open(interview, section, items, found, shown):
            answered = sum(1 for c in items if c.item.id in answers)
            parts.append(Text(f"▸ {title}: {answered} of {len(items)} answered, nothing found"))
            continue
        parts.append(Text(f"▾ {title}", style="bold"))
        parts.append(Padding(_answers(interview, items), (0, 0, 0, 2)))
        if found:
            parts.append(Padding(_findings(found, overrides), (0, 0, 0, 2)))
    rest = [f for f in findings if f.id not in placed]
    if rest:
        parts.append(Text("▾ Other findings", style="bold"))
        parts.append(Padding(_findings(rest, overrides), (0, 0, 0, 2)))
    parts.append(status_line(findings, overrides))
    return Group(*parts)


def _hanging(rows: list[tuple[Text, Text]]) -> Table:
    """Rows of a mark and a text that wraps under itself, not under the mark."""
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for mark, text in rows:
        table.add_row(mark, text)
    return table


def _findings(found: list[Finding], overrides: Overrides) -> Table:
    rows = []
    for finding in found:
        line = finding_line(finding, overrides)
        label = severity_label(finding)
        rows.append((label, line[len(label.plain) + 2 :]))
    return _hanging(rows)


def _answers(interview: Interview, items: list[CompiledItem]) -> RenderableType:
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column("question", ratio=3)
    table.add_column("answer", ratio=2)
    entries: list[tuple[Text, Text]] = []
    for compiled in items:
        item = compiled.item
        listed = interview.encounter().answers.get(item.id)
        if item.type == "medications" and listed:
            entries += [(Text("•"), medication_line(interview, i)) for i in range(len(listed))]
        elif item.type == "allergies" and listed:
            entries += [(Text("•"), Text(f"{a.substance}: {a.reaction}")) for a in listed]
        else:
            table.add_row(Text(item.prompt, style="dim"), Text(answer_words(interview, compiled)))
    parts: list[RenderableType] = [_hanging(entries)] if entries else []
    if table.row_count:
        parts.append(table)
    return Group(*parts)


def status_line(findings: Sequence[Finding], overrides: Overrides) -> Text:
    """What the findings add up to so far, in words (NOT CLEARED is decided by open stops)."""
    open_stops = [f for f in findings if f.severity is Severity.STOP and f.id not in overrides]
    counts = [
        f"{n} {severity.value}"
        for severity in (Severity.STOP, Severity.NOTIFY, Severity.INFO)
        if (n := sum(1 for f in findings if f.severity is severity))
    ]
    if overridden := sum(1 for f in findings if f.id in overrides):
        counts.insert(1, f"{overridden} overridden")
    summary = ", ".join(counts) or "no findings"
    if open_stops:
        return Text(
            f"Status: {len(open_stops)} stop finding(s) without an override ({summary})",
            style="bold red",
        )
    return Text(f"Status: no open stop finding ({summary})", style="bold green")
