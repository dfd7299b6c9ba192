"""Errors that carry their exit code, so one handler in the CLI can report any of them.

Library code raises these; the CLI prints each as one line on stderr and exits with the code.
"""

from __future__ import annotations

from collections.abc import Iterable


class KyphocheckError(Exception):
    """Base of every error kyphocheck reports to its user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        """The lines to print, one problem a line."""
        return [self.message]


class InputError(KyphocheckError):
    """Bad input: an invalid answers, checklist or protocol file. Nothing is written."""

    exit_code = 2

    def __init__(
        self, problems: str | Iterable[str], fields: Iterable[tuple[str | int, ...]] = ()
    ) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        # The answers-file fields the problems are about, where known (the prompts re-ask them).
        self.fields = list(fields)
        super().__init__("; ".join(self.problems))

    def lines(self) -> list[str]:
        """One line for each problem found, so a user can fix them all at once."""
        return self.problems


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
