"""What the commands share: options, the error handler, the clock, the site, workers, identity.

Every command module imports from here and nothing imports a command module but `app`, so
the command line has no import cycle.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from kyphocheck.record.workers import WorkerPool
    from kyphocheck.signatures.identity import Identity
    from kyphocheck.site.folder import Site
    from kyphocheck.times import Clock

EXIT_FINDINGS = 3
NOW_ENV = "KYPHOCHECK_NOW"
# Per invocation: --debug, and where --now came from (the option or KYPHOCHECK_NOW).
state: dict[str, Any] = {"debug": bool(os.environ.get("KYPHOCHECK_DEBUG")), "now_from": "--now"}

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Turn kyphocheck's errors into one line each on stderr and their exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kyphocheck.cli.console import err, error
        from kyphocheck.errors import EXIT_INTERRUPTED, KyphocheckError

        try:
            return command(*args, **kwargs)
        except KyphocheckError as exc:
            if state["debug"]:
                raise
            for line in exc.lines():
                if exc.exit_code == EXIT_INTERRUPTED:
                    err().print(line, markup=False)
                else:
                    error(line)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            error("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


SiteOption = Annotated[
    Path | None,
    typer.Option(
        "--site",
        envvar="KYPHOCHECK_SITE",
        metavar="DIR",
        help="Site folder whose checklists/, templates/ and site.yaml override the defaults.",
        file_okay=False,
    ),
]
LargePrintOption = Annotated[
    bool,
    typer.Option(
        "--large-print",
        help="Print the take-home sheet in large type (16 pt), as patient.large_print: true does.",
    ),
]


FhirOption = Annotated[
    Path | None,
    typer.Option(
        "--fhir",
        metavar="BUNDLE",
        help="FHIR R4 Bundle (JSON) from the EHR: fills the patient, medicines, allergies and "
        "labs that the answers leave out.",
        dir_okay=False,
    ),
]


def _note_now_source(context: typer.Context, value: str | None) -> str | None:
    """Remember whether the clock came from KYPHOCHECK_NOW, to name it in an error."""
    source = context.get_parameter_source("now")
    state["now_from"] = NOW_ENV if source is not None and source.name == "ENVIRONMENT" else "--now"
    return value


NowOption = Annotated[
    str | None,
    typer.Option(
        "--now",
        envvar=NOW_ENV,
        metavar="TIMESTAMP",
        callback=_note_now_source,
        help="Use this clock (ISO 8601 with offset) for reproducible runs; the record says so.",
    ),
]


def make_clock(now: str | None) -> Clock:
    """The clock of a command: fixed by --now (or KYPHOCHECK_NOW), else the system's.

    A bad value is reported under the name the user set: a variable exported in a shell
    profile is not found by looking for a --now that was never typed.
    """
    from datetime import datetime

    from kyphocheck.errors import UsageError
    from kyphocheck.times import Clock, parse_now

    if now is None:
        return Clock(datetime.now().astimezone(), fixed=False)
    try:
        return Clock(parse_now(now), fixed=True)
    except ValueError as exc:
        raise UsageError(f"{state['now_from']}: {exc}") from None


def open_site(site: Path | None) -> Site:
    """The site folder of a command (--site, KYPHOCHECK_SITE), or the defaults."""
    from kyphocheck.site.folder import Site

    return Site.open(site)


def warn_sheet_gaps(site: Site) -> None:
    """Say once, however many sheets were made, what site.yaml leaves them without.

    A sheet with no phone number to call or no arrival time is one a patient cannot act on.
    """
    missing = site.sheet_warning()
    if missing is not None:
        from kyphocheck.cli.console import warn

        warn(missing)


class FailOn(StrEnum):
    """Severities that make `run` exit with code 3."""

    stop = "stop"
    notify = "notify"


PassphraseOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        metavar="FILE",
        help="Read the signing passphrase from this file (or set KYPHOCHECK_SIGNER_PASSPHRASE).",
        dir_okay=False,
    ),
]
FailOnOption = Annotated[
    FailOn | None,
    typer.Option(
        "--fail-on",
        metavar="SEVERITY",
        help="Exit 3 when the record holds a finding of this severity (stop or notify) or worse.",
    ),
]


class OutputFormat(StrEnum):
    """Output formats of listing commands."""

    text = "text"
    json = "json"


def pdf_workers() -> WorkerPool:
    """The PDF workers of a command, forked first.

    They load WeasyPrint while the command checks its input (and the nurse answers), and they
    are forked before the signing key is loaded.
    """
    from kyphocheck.record.pdf import start_pdf_workers

    return start_pdf_workers()


def signing_identity(no_sign: bool, passphrase_file: Path | None, clock: Clock) -> Identity | None:
    """The signing identity, unlocked and checked against the real clock; None with --no-sign.

    A missing identity is said before the passphrase is asked for.
    """
    if no_sign:
        return None
    from kyphocheck.signatures.identity import require_identity

    identity = unlock_identity(require_identity(), passphrase_file)
    identity.check_usable(clock.real_now())
    return identity


def unlock_identity(path: Path, passphrase_file: Path | None) -> Identity:
    """Decrypt a PKCS#12 identity; at a terminal a mistyped passphrase is asked again.

    Three tries, then one line and exit 1: a slip of the finger must not end a nurse's run.
    A passphrase from --passphrase-file or KYPHOCHECK_SIGNER_PASSPHRASE fails at once, since
    asking again would read the same one.
    """
    from kyphocheck.cli.console import err
    from kyphocheck.signatures.identity import (
        PASSPHRASE_TRIES,
        SignerError,
        WrongPassphrase,
        passphrase_is_asked,
        read_identity,
        read_passphrase,
    )

    tries = PASSPHRASE_TRIES if passphrase_is_asked(passphrase_file) else 1
    attempt = 1
    while True:
        try:
            return read_identity(path, read_passphrase(passphrase_file))
        except WrongPassphrase:
            if tries == 1:
                raise
            if attempt == tries:
                raise SignerError(
                    f"{path}: wrong passphrase {tries} times; nothing was signed"
                ) from None
            left = tries - attempt
            err().print(
                f"Wrong passphrase; try again ({left} {'try' if left == 1 else 'tries'} left).",
                markup=False,
            )
            attempt += 1
