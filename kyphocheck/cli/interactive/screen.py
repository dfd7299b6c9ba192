"""What the interactive flow shows: findings panels, changes, and prompt validators.

Readable without colour: every severity is also written out (STOP, NOTIFY, INFO).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from kyphocheck.assess import Finding
from kyphocheck.cli.console import out
from kyphocheck.cli.interactive.prompts import Prompter
from kyphocheck.cli.output import SEVERITY_STYLE
from kyphocheck.errors import InputError
from kyphocheck.interview.state import Change

SKIP = "__skip__"
"""The value of a "(skip)" or "not sure" choice."""

BACK = "back"
"""The value of a menu's "Back" entry (and of Esc on a menu): nothing chosen, nothing changed."""


def say(*renderables: Any) -> None:
    """Print to the results console."""
    out().print(*renderables)


def severity_label(finding: Finding) -> Text:
    """The severity in words, so it reads without colour."""
    return Text(finding.severity.value.upper(), style=SEVERITY_STYLE[finding.severity.value])


Overrides = Mapping[str, Mapping[str, str]]
"""The overrides recorded, by finding id: {"by": ..., "reason": ...}."""


def finding_line(finding: Finding, overrides: Overrides | None = None) -> Text:
    """One finding, severity first; an overridden stop says so, with who and why."""
    override = (overrides or {}).get(finding.id)
    line = severity_label(finding) + Text(f"  {finding.message}")
    if override is not None:
        line.stylize("dim")
        line += Text(f" (overridden by {override['by']}: {override['reason']})", style="bold")
    return line


def findings_panel(findings: Sequence[Finding], title: str) -> Panel:
    """Findings, one a line, severity first."""
    lines = [finding_line(f) for f in findings] or [Text("None.")]
    worst = max((f.severity.rank for f in findings), default=-1)
    border = ["cyan", "yellow", "red"][worst] if worst >= 0 else "green"
    return Panel(Group(*lines), title=title, border_style=border, expand=True)


def show_change(change: Change, prompts: Mapping[str, str] | None = None) -> None:
    """Tell the nurse at once what her answer changed (`prompts` words the items by id)."""
    for item_id in change.dropped:
        words = (prompts or {}).get(item_id, item_id)
        say(Text(f"  The answer to '{words}' no longer applies and was removed.", style="dim"))
    if change.new:
        say(findings_panel(change.new, "New finding" + ("s" if len(change.new) > 1 else "")))
    if change.cleared:
        # "CLEARED" is the word for a whole record with no open stop; a finding is resolved.
        lines = [Text("resolved", style="green") + Text(f"  {f.message}") for f in change.cleared]
        say(Panel(Group(*lines), title="Resolved", border_style="green"))


def fit(text: str, width: int) -> str:
    """`text` on one line of at most `width` characters, cut at a word with "..." if longer."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: max(width - 3, 1)]
    if " " in cut[width // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "..."


def menu_width() -> int:
    """How wide a menu label may be on this terminal (questionary indents choices 3 columns)."""
    return max(out().width - 4, 20)


def choose(
    prompter: Prompter,
    message: str,
    choices: Sequence[tuple[str, str]],
    back: str = "Back (change nothing)",
) -> str:
    """A menu with a way back: its last entry, or Esc, gives BACK."""
    return prompter.select(message, [*choices, (back, BACK)], back=BACK)


def validator(check: Callable[[str], Any]) -> Callable[[str], str | None]:
    """A prompt validator from a check that raises: None if fine, else what to type instead."""

    def validate(text: str) -> str | None:
        try:
            check(text)
        except ValueError as exc:
            return str(exc)
        except InputError as exc:
            return exc.problems[0].what
        return None

    return validate


def nonempty(text: str) -> str:
    """The stripped text, refused when empty."""
    if not text.strip():
        raise ValueError("an answer is needed")
    return text.strip()
