"""The terminal: one console for results (stdout) and one for messages (stderr)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@cache
def out() -> Console:
    """Results: what a command produced."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


@cache
def err() -> Console:
    """Messages: warnings and errors, one line each."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """Print one error line on stderr, with no markup interpretation of its text."""
    err().print(f"error: {message}", markup=False, style="bold red")


def warn(message: str) -> None:
    """Print one warning line on stderr."""
    err().print(f"warning: {message}", markup=False, style="yellow")
