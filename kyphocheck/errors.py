"""Errors that carry their exit code, so one handler in the CLI can report any of them.

Library code raises these; the CLI prints each as one line on stderr and exits with the code.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Characters that would end the line, move the cursor, change the terminal (ESC), hide text or
# reverse it (bidirectional controls): shown escaped in every message, never printed raw.
UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]"
)
MAX_MESSAGE = 400  # characters of one problem's line
MAX_QUOTED = 60  # characters of a value quoted back in a message


def escaped(text: str) -> str:
    r"""`text` with every unsafe character written as an escape (\x1b, \u202e)."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return UNSAFE_CHARACTERS.sub(escape, text)


def quoted(value: object, limit: int = MAX_QUOTED) -> str:
    """A value quoted back to the user: a short prefix, control characters escaped."""
    text = escaped(str(value))
    if len(text) > limit:
        text = text[:limit] + f"... ({len(str(value))} characters)"
    return f"'{text}'"


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message as one safe line of at most `limit` characters."""
    text = escaped(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where: file, line and field path, as values.

    `str()` gives the one line a user reads (`answers.yaml:12: patient.dob: not a date`); code
    reads the parts, never the text.
    """

    file: str = ""
    line: int | None = None
    field: str = ""
    message: str = ""
    # The field's path as keys and indexes (("answers", "inr")), for prompts that re-ask it.
    loc: tuple[str | int, ...] = dataclasses.field(default=(), compare=False)

    @property
    def where(self) -> str:
        """`file:line`, `file`, or nothing."""
        return f"{self.file}:{self.line}" if self.file and self.line else self.file

    @property
    def what(self) -> str:
        """The field and the message, without the file: what a prompt shows."""
        return one_line(f"{self.field}: {self.message}" if self.field else self.message)

    def __str__(self) -> str:
        return one_line(": ".join(p for p in (self.where, self.field, self.message) if p))


class KyphocheckError(Exception):
    """Base of every error kyphocheck reports to its user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        """The lines to print, one problem a line."""
        return [one_line(self.message)]


class InputError(KyphocheckError):
    """Bad input: an invalid answers, checklist or protocol file. Nothing is written."""

    exit_code = 2

    def __init__(
        self,
        problems: str | Problem | Iterable[str | Problem],
        more_fields: Iterable[tuple[str | int, ...]] = (),
    ) -> None:
        if isinstance(problems, str | Problem):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem(message=p) for p in problems]
        # The answers-file fields the problems are about, where known (the prompts re-ask them):
        # each problem's own, and those of a problem about many ("missing: a, b").
        self._more_fields = tuple(more_fields)
        self.fields = [p.loc for p in self.problems if p.loc] + list(self._more_fields)
        super().__init__("; ".join(self.lines()))

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent back by a PDF worker, the problems stay values (file, line), not one text.
        return (type(self), (self.problems, self._more_fields))

    def lines(self) -> list[str]:
        """One line for each problem found, so a user can fix them all at once."""
        return [str(p) for p in self.problems]


class UsageError(KyphocheckError):
    """Bad usage: options that cannot work together, a missing argument."""

    exit_code = 2


class WriteError(KyphocheckError):
    """The record could not be written (I/O)."""

    exit_code = 1


EXIT_INTERRUPTED = 130


class Interrupted(KyphocheckError):
    """The run was interrupted (Ctrl-C, SIGTERM, SIGHUP); the draft is saved."""

    exit_code = EXIT_INTERRUPTED
