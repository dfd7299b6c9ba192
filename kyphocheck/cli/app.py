"""The command line. Each command turns options into one call of the core and prints the result.

Heavy modules (pydantic models, Jinja, the engine) are imported inside the commands, so that
`kyphocheck --help` stays fast.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from kyphocheck import __version__

if TYPE_CHECKING:
    from kyphocheck.record.pipeline import RecordResult
    from kyphocheck.record.workers import WorkerPool
    from kyphocheck.signatures.identity import Identity
    from kyphocheck.site.folder import Site
    from kyphocheck.times import Clock

app = typer.Typer(
    name="kyphocheck",
    help="Pre-procedure checklist for kyphoplasty and vertebroplasty.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain help and one-line usage errors: typer's rich formatter loads a Markdown renderer
    # and doubles start-up time (make bench), for boxes a nurse does not need.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_FINDINGS = 3
_state = {"debug": bool(os.environ.get("KYPHOCHECK_DEBUG"))}

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
            if _state["debug"]:
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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kyphocheck {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for errors (for bug reports).")
    ] = False,
) -> None:
    """Pre-procedure checklist for kyphoplasty and vertebroplasty (vertebral augmentation)."""
    # Set on every invocation: in-process callers (tests, scripts) run several commands.
    _state["debug"] = debug or bool(os.environ.get("KYPHOCHECK_DEBUG"))


SiteOption = Annotated[
    Path | None,
    typer.Option(
        "--site",
        envvar="KYPHOCHECK_SITE",
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
NowOption = Annotated[
    str | None,
    typer.Option(
        "--now",
        envvar="KYPHOCHECK_NOW",
        help="Use this clock (ISO 8601 with offset) for reproducible runs; the record says so.",
    ),
]


def _clock(now: str | None) -> Clock:
    from datetime import datetime

    from kyphocheck.errors import UsageError
    from kyphocheck.times import Clock, parse_now

    if now is None:
        return Clock(datetime.now().astimezone(), fixed=False)
    try:
        return Clock(parse_now(now), fixed=True)
    except ValueError as exc:
        raise UsageError(f"--now: {exc}") from None


def _site(site: Path | None) -> Site:
    from kyphocheck.site.folder import Site

    return Site.open(site)


class FailOn(StrEnum):
    """Severities that make `run` exit with code 3."""

    stop = "stop"
    notify = "notify"


PassphraseOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="Read the signing passphrase from this file (or set KYPHOCHECK_SIGNER_PASSPHRASE).",
        dir_okay=False,
    ),
]
FailOnOption = Annotated[
    FailOn | None,
    typer.Option(
        "--fail-on", help="Exit 3 when the record holds a finding of this severity or worse."
    ),
]


class OutputFormat(StrEnum):
    """Output formats of listing commands."""

    text = "text"
    json = "json"


@app.command()
@reports_errors
def run(
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="Answers file (YAML or JSON) to fill the checklist from."),
    ] = None,
    non_interactive: Annotated[
        bool,
        typer.Option("--non-interactive", help="Never prompt; fail on missing required answers."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for record folders (default: site.yaml or ./records)."),
    ] = None,
    no_sign: Annotated[
        bool, typer.Option("--no-sign", help="Write an UNSIGNED draft record.")
    ] = False,
    fail_on: FailOnOption = None,
    checklist: Annotated[
        str | None,
        typer.Option("--checklist", help="Checklist to use (default: the answers file's, or ask)."),
    ] = None,
    passphrase_file: PassphraseOption = None,
    large_print: LargePrintOption = False,
    site: SiteOption = None,
    now: NowOption = None,
) -> None:
    """Go through the checklist for one patient and write the record folder.

    At a terminal it asks every question (only the missing or invalid ones with --answers);
    with --non-interactive it never asks and fails on missing answers.
    """
    from kyphocheck.errors import UsageError

    clock = _clock(now)
    the_site = _site(site)
    if non_interactive:
        if answers is None:
            raise UsageError("--non-interactive needs --answers FILE")
        from kyphocheck.intake.prepare import prepare
        from kyphocheck.record.pipeline import write_record

        out_dir = out or Path(the_site.config.output_folder or "records")
        with _pdf_workers() as workers:
            prepared = prepare(the_site, answers, clock)  # bad input is reported before signing
            if large_print:
                prepared = prepared.in_large_print()
            identity = _identity(no_sign, passphrase_file, clock)
            result = write_record(the_site, prepared, out_dir, clock, identity, workers)
        _report(result, no_sign, fail_on)
        return
    from kyphocheck.cli.interactive import session as interactive
    from kyphocheck.cli.interactive.prompts import QuestionaryPrompter
    from kyphocheck.interview.drafts import DraftStore

    interactive.require_terminal()
    with _pdf_workers() as workers:
        identity = _identity(no_sign, passphrase_file, clock)  # before the first question
        options = interactive.Options(
            the_site, clock, out, no_sign, identity, workers, large_print=large_print
        )
        prompter = QuestionaryPrompter()
        result = interactive.start(options, prompter, answers, checklist, DraftStore())
    _report(result, no_sign, fail_on)


@app.command()
@reports_errors
def resume(
    draft: Annotated[
        str | None, typer.Argument(help="Draft id (default: the latest; see kyphocheck drafts).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the record (default: as started).")
    ] = None,
    no_sign: Annotated[
        bool, typer.Option("--no-sign", help="Write an UNSIGNED draft record.")
    ] = False,
    fail_on: FailOnOption = None,
    passphrase_file: PassphraseOption = None,
    site: SiteOption = None,
    now: NowOption = None,
) -> None:
    """Continue an interrupted run exactly where it stopped."""
    from kyphocheck.cli.interactive import session as interactive
    from kyphocheck.cli.interactive.prompts import QuestionaryPrompter
    from kyphocheck.interview.drafts import DraftStore

    interactive.require_terminal()
    store = DraftStore()
    saved = store.load(draft) if draft else store.latest()
    the_site = _site(site if site is not None else (Path(saved.site) if saved.site else None))
    clock = _clock(now)
    unsigned = no_sign or saved.no_sign
    with _pdf_workers() as workers:
        identity = _identity(unsigned, passphrase_file, clock)
        options = interactive.Options(the_site, clock, out, unsigned, identity, workers)
        result = interactive.resume(options, QuestionaryPrompter(), saved.id, store)
    _report(result, options.no_sign, fail_on)


@app.command()
@reports_errors
def drafts(
    discard: Annotated[
        str | None, typer.Option("--discard", help="Remove the draft with this id.")
    ] = None,
) -> None:
    """List interrupted runs that can be resumed, or remove one."""
    from kyphocheck.cli.output import print_drafts
    from kyphocheck.interview.drafts import DraftStore

    store = DraftStore()
    if discard is not None:
        store.discard(discard)
        typer.echo(f"Draft {discard} removed.")
        return
    print_drafts(store.all())


def _pdf_workers() -> WorkerPool:
    """The PDF workers of a command, forked first.

    They load WeasyPrint while the command checks its input (and the nurse answers), and they
    are forked before the signing key is loaded.
    """
    from kyphocheck.record.pdf import start_pdf_workers

    return start_pdf_workers()


def _identity(no_sign: bool, passphrase_file: Path | None, clock: Clock) -> Identity | None:
    if no_sign:
        return None
    from kyphocheck.signatures.identity import load_identity, read_passphrase

    identity = load_identity(read_passphrase(passphrase_file))
    identity.check_usable(clock.real_now())
    return identity


@app.command()
@reports_errors
def verify(
    paths: Annotated[list[Path], typer.Argument(help="Record folders or single files.")],
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            "--trust", help="Trust this signer or CA certificate (PEM or DER).", dir_okay=False
        ),
    ] = None,
    site: SiteOption = None,
) -> None:
    """Check a record: signatures, hashes, and that each PDF signature covers the whole file.

    Signers are trusted from --trust, the site's trust anchors, and the local identity.
    """
    from kyphocheck.cli.output import print_verification
    from kyphocheck.signatures.identity import certificate_path
    from kyphocheck.signatures.verify import load_certificates, verify_paths

    the_site = _site(site)
    anchors = list(trust or [])
    if the_site.root is not None:
        anchors += [the_site.root / anchor for anchor in the_site.config.trust_anchors]
    if certificate_path().is_file():
        anchors.append(certificate_path())
    from kyphocheck.errors import InputError

    try:
        trusted = load_certificates(anchors)
    except (OSError, ValueError) as exc:
        raise InputError(f"--trust: cannot read a certificate ({exc})") from None
    results = verify_paths(paths, trusted)
    print_verification(results)
    if not results or not all(r.ok for r in results):
        raise typer.Exit(1)


def _report(result: RecordResult, no_sign: bool, fail_on: FailOn | None) -> None:
    from kyphocheck.cli.console import warn
    from kyphocheck.cli.output import print_run_result

    for message in result.warnings:
        warn(message)
    if no_sign:
        warn("--no-sign: the record is an UNSIGNED draft")
    print_run_result(result)
    if fail_on is not None and result_fails(result.record, fail_on.value):
        raise typer.Exit(EXIT_FINDINGS)


def result_fails(record: dict[str, Any], fail_on: str) -> bool:
    """Whether the record holds a finding at or above `fail_on` that is not overridden."""
    levels = {"stop": {"stop"}, "notify": {"stop", "notify"}}[fail_on]
    overridden = {o["finding"] for o in record["overrides"]}
    return any(f["severity"] in levels and f["id"] not in overridden for f in record["findings"])


@app.command()
@reports_errors
def checklists(
    site: SiteOption = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text (a table) or json.")
    ] = OutputFormat.text,
) -> None:
    """List the available checklists with their versions, hashes and files."""
    from kyphocheck.cli.output import print_checklists
    from kyphocheck.site.checklist import list_checklists

    print_checklists(list_checklists(_site(site)), as_json=output_format is OutputFormat.json)


@app.command()
@reports_errors
def sheet(
    answers: Annotated[
        list[Path] | None,
        typer.Option(
            "--answers",
            help="Answers files; after one --answers, more files may follow (a shell glob).",
            dir_okay=False,
        ),
    ] = None,
    more_answers: Annotated[
        list[Path] | None, typer.Argument(hidden=True, dir_okay=False, show_default=False)
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the sheet folders (required).")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Processes to lay out PDFs (default: cores)."),
    ] = None,
    large_print: LargePrintOption = False,
    no_sign: Annotated[
        bool, typer.Option("--no-sign", help="Write UNSIGNED draft sheets.")
    ] = False,
    passphrase_file: PassphraseOption = None,
    site: SiteOption = None,
    now: NowOption = None,
) -> None:
    """Make take-home sheets only, for many patients at once: Markdown and signed PDF each.

    A bad answers file does not stop the others: it is listed at the end and the exit code is
    1. Ctrl-C stops cleanly; the sheets already written are complete.
    """
    import time

    from kyphocheck.cli.output import SheetTally, follow_sheets
    from kyphocheck.errors import Interrupted, UsageError
    from kyphocheck.record.pdf import start_pdf_workers
    from kyphocheck.record.sheets import make_sheets
    from kyphocheck.record.workers import default_processes

    files = [*(answers or []), *(more_answers or [])]
    if not files:
        raise UsageError("give the answers files: kyphocheck sheet --answers FILE... --out DIR")
    if out is None:
        raise UsageError("give the folder for the sheets: --out DIR")
    clock = _clock(now)
    the_site = _site(site)
    started = time.monotonic()
    tally = SheetTally()
    try:
        with start_pdf_workers(jobs or default_processes()) as workers:
            identity = _identity(no_sign, passphrase_file, clock)
            results = make_sheets(the_site, files, out, clock, identity, workers, large_print)
            follow_sheets(results, len(files), tally)
    except KeyboardInterrupt:
        raise Interrupted(
            f"Interrupted: {tally.written} sheet(s) written to {out}, each complete; "
            f"{len(files) - tally.written - len(tally.failures)} not made"
        ) from None
    from kyphocheck.cli.console import error, warn

    seconds = time.monotonic() - started
    if no_sign:
        warn("--no-sign: the sheets are UNSIGNED drafts")
    typer.echo(
        f"{tally.written} of {len(files)} sheets written to {out} in {seconds:.1f} s"
        f" ({tally.written / max(seconds, 1e-6):.1f} per second)"
    )
    for failure in tally.failures:
        error(str(failure.problem))
    if tally.failures:
        raise typer.Exit(1)


@app.command("init-site")
@reports_errors
def init_site(
    folder: Annotated[
        Path, typer.Argument(help="New (or empty) folder for the site.", file_okay=False)
    ],
) -> None:
    """Make a site folder: site.yaml, editable copies of the defaults, fixtures, a CI workflow."""
    from kyphocheck.site.scaffold import init_site as scaffold

    files = scaffold(folder)
    typer.echo(f"Site folder made: {folder} ({len(files)} files)")
    typer.echo("Next: edit site.yaml, have the pharmacist confirm the rows marked confirm: true,")
    typer.echo(f"commit the folder, and run: kyphocheck check {folder}")


class CheckFormat(StrEnum):
    """Output formats of `check`."""

    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


@app.command()
@reports_errors
def check(
    site_folder: Annotated[
        Path | None,
        typer.Argument(
            help="Site folder to check (default: --site, KYPHOCHECK_SITE, or the defaults).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        CheckFormat,
        typer.Option("--format", help="text (tables), json, junit (JUnit XML) or github."),
    ] = CheckFormat.text,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings fail too (unconfirmed rows, coverage).")
    ] = False,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print every rendered document as a PDF.")
    ] = False,
    site: SiteOption = None,
    now: NowOption = None,
) -> None:
    """Check a site's checklists, protocol and templates before they reach a nurse (for CI).

    Renders every template against every fixture (the site's fixtures/ and the built-in
    ones, checked as one hour before their procedure unless --now is given). Exit 0 when
    clean, 1 when problems were found.
    """
    from kyphocheck.errors import UsageError, WriteError
    from kyphocheck.sitecheck.checks import check_site

    if site_folder is not None and site is not None and site_folder != site:
        raise UsageError("give the site folder once: as SITE_FOLDER or with --site")
    the_site = _site(site_folder or site)
    report = check_site(the_site, _clock(now).now if now else None, pdf=pdf)
    if output_format is CheckFormat.text and output is None:
        from kyphocheck.cli.output import print_check

        print_check(report, strict)
    else:
        from kyphocheck.sitecheck import formats as checkformats

        render = {
            CheckFormat.text: checkformats.to_json,  # text to a file: the JSON is more useful
            CheckFormat.json: checkformats.to_json,
            CheckFormat.junit: checkformats.to_junit,
            CheckFormat.github: checkformats.to_github,
        }[output_format]
        text = render(report, strict)
        if output is None:
            typer.echo(text, nl=False)
        else:
            try:
                output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise WriteError(f"{output}: cannot write the report ({exc.strerror})") from None
    if report.failed(strict):
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the `kyphocheck` console script."""
    app(prog_name="kyphocheck")


# The signer sub-commands live in their own module; registering them here keeps one app.
from kyphocheck.cli.signer import signer_app  # noqa: E402

app.add_typer(signer_app, name="signer")
