"""`kyphocheck verify` and `sheet`: checking records, and take-home sheets in bulk."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kyphocheck.cli.options import (
    FhirOption,
    LargePrintOption,
    NowOption,
    PassphraseOption,
    SiteOption,
    make_clock,
    open_site,
    reports_errors,
    signing_identity,
    warn_sheet_gaps,
)

if TYPE_CHECKING:
    from kyphocheck.site.folder import Site


def trusted_certificates(trust: list[Path] | None, the_site: Site) -> list[Any]:
    """Whom verify trusts: --trust, the site's trust anchors, and the local identity."""
    from kyphocheck.errors import InputError
    from kyphocheck.signatures.identity import certificate_path
    from kyphocheck.signatures.verify import load_certificates

    anchors = list(trust or [])
    if the_site.root is not None:
        anchors += [the_site.root / anchor for anchor in the_site.config.trust_anchors]
    if certificate_path().is_file():
        anchors.append(certificate_path())
    try:
        return load_certificates(anchors)
    except (OSError, ValueError) as exc:
        raise InputError(f"--trust: cannot read a certificate ({exc})") from None


@reports_errors
def verify(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(metavar="PATH...", help="Record folders or single files."),
    ] = None,
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            "--trust",
            metavar="CERT",
            help="Trust this signer or CA certificate (PEM or DER); may be repeated.",
            dir_okay=False,
        ),
    ] = None,
    site: SiteOption = None,
    log: Annotated[
        Path | None,
        typer.Option(
            "--log",
            metavar="DIR",
            help="Check an output folder's log.jsonl: its hash chain, and every record it "
            "names (deleted, replaced or added behind its back).",
            file_okay=False,
        ),
    ] = None,
    deep: Annotated[
        bool,
        typer.Option("--deep", help="With --log: verify every record's signatures too (slower)."),
    ] = False,
) -> None:
    """Check that records are signed and unchanged.

    Checks signatures, hashes, and that each PDF signature covers the whole file; each
    certificate at the time it signed. Signers are trusted from --trust, the site's trust
    anchors, and the local identity.
    """
    from kyphocheck.cli.output import print_verification
    from kyphocheck.errors import InputError
    from kyphocheck.signatures.record_folder import verify_paths

    trusted = trusted_certificates(trust, open_site(site))
    if not paths and log is None:
        raise InputError("verify: give record folders or files, or --log DIR")
    if deep and log is None:
        raise InputError("--deep: only with --log DIR")
    results = verify_paths(paths or [], trusted)
    shown = results
    if log is not None:
        from kyphocheck.record.log.verify import verify_log

        logged = verify_log(log, trusted, deep)
        results = results + logged
        # A log of years holds thousands of records: the rows that failed, and the chain's.
        shown = shown + [r for r in logged if not r.ok or r.check == "hash chain"]
    print_verification(shown, all_passed=bool(results) and all(r.ok for r in results))
    if log is not None:
        from kyphocheck.cli.console import out
        from kyphocheck.record.log.verify import what_was_checked

        records = [r for r in logged if r.check == "logged record"]
        out().print(
            f"{sum(r.ok for r in records)} of {len(records)} logged record(s) as logged. "
            + what_was_checked(deep)
        )
    if not results or not all(r.ok for r in results):
        raise typer.Exit(1)


@reports_errors
def records(
    folder: Annotated[
        Path | None,
        typer.Argument(
            metavar="DIR",
            help="The output folder (default: the site's output_folder, else ./records).",
            file_okay=False,
        ),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every record, not only today's.")] = False,
    day: Annotated[
        str | None,
        typer.Option("--date", metavar="YYYY-MM-DD", help="The records made on this day."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", metavar="text|json", help="text (a table) or json.")
    ] = "text",
    now: NowOption = None,
    site: SiteOption = None,
) -> None:
    """List the records of an output folder from its log.

    Today's by default (--date, --all).

    Time, patient initials and MRN, checklist, cleared or not, signer, and whether a record
    was amended or superseded. `verify --log DIR` checks that the folders agree with the log.
    """
    from datetime import date

    from kyphocheck.cli.output import print_records
    from kyphocheck.errors import InputError
    from kyphocheck.record.log.listing import list_records

    if output_format not in ("text", "json"):
        raise InputError(f"--format: text or json, not {output_format!r}")
    if every and day is not None:
        raise InputError("--all and --date: give one of them")
    clock = make_clock(now)
    wanted: date | None = None if every else clock.now.date()
    if day is not None:
        try:
            wanted = date.fromisoformat(day)
        except ValueError:
            raise InputError(f"--date: a day as YYYY-MM-DD, not {day!r}") from None
    the_site = open_site(site)
    out_dir = folder or Path(the_site.config.output_folder or "records")
    zone = clock.now.tzinfo  # the day and times in the clock's zone (--now's offset too)
    assert zone is not None  # make_clock's clocks are aware
    listing = list_records(out_dir, wanted, zone)
    print_records(listing, wanted, as_json=output_format == "json")


@reports_errors
def sheet(
    answers: Annotated[
        list[Path] | None,
        typer.Option(
            "--answers",
            metavar="FILE",
            help="Answers file (YAML or JSON); more may follow it, e.g. --answers day/*.yaml.",
            dir_okay=False,
        ),
    ] = None,
    more_answers: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="FILE...",
            help="More answers files, as a shell glob gives them after --answers.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Folder for the sheet folders (required)."),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", metavar="N", help="Processes to lay out PDFs (default: the cores)."
        ),
    ] = None,
    large_print: LargePrintOption = False,
    fhir: FhirOption = None,
    no_sign: Annotated[
        bool, typer.Option("--no-sign", help="Write UNSIGNED draft sheets.")
    ] = False,
    passphrase_file: PassphraseOption = None,
    site: SiteOption = None,
    now: NowOption = None,
) -> None:
    """Make take-home sheets only, for many patients at once.

    Each is Markdown and a signed PDF. A bad answers file does not stop the others: it is
    listed at the end and the exit code is 1. Ctrl-C, SIGTERM and SIGHUP stop cleanly; the
    sheets already written are complete.
    """
    import time

    from kyphocheck.cli.output import SheetTally, follow_sheets
    from kyphocheck.cli.signals import interrupt_signals
    from kyphocheck.errors import Interrupted, UsageError
    from kyphocheck.record.folder import committed_folders
    from kyphocheck.record.pdf import start_pdf_workers
    from kyphocheck.record.sheets import make_sheets
    from kyphocheck.record.workers import default_processes

    files = [*(answers or []), *(more_answers or [])]
    if not files:
        raise UsageError("give the answers files: kyphocheck sheet --answers FILE... --out DIR")
    if out is None:
        raise UsageError("give the folder for the sheets: --out DIR")
    if fhir is not None and len(files) != 1:
        raise UsageError("--fhir: a bundle is one patient's; give one answers file with it")
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs: give 1 or more processes, not {jobs}")
    clock = make_clock(now)
    the_site = open_site(site)
    started = time.monotonic()
    tally = SheetTally()
    # SIGTERM (a supervisor stopping it) and SIGHUP end a batch as Ctrl-C does, not at once.
    # The count comes from the writer: a sheet renamed in just before the interrupt counts.
    with committed_folders() as written:
        try:
            with interrupt_signals(), start_pdf_workers(jobs or default_processes()) as workers:
                identity = signing_identity(no_sign, passphrase_file, clock)
                results = make_sheets(
                    the_site, files, out, clock, identity, workers, large_print, fhir
                )
                follow_sheets(results, len(files), tally)
        except KeyboardInterrupt:
            raise Interrupted(
                f"Interrupted: {len(written)} sheet(s) written to {out}, each complete; "
                f"{len(files) - len(written) - len(tally.failures)} not made"
            ) from None
    from kyphocheck.cli.console import error, warn

    seconds = time.monotonic() - started
    if no_sign:
        warn("--no-sign: the sheets are UNSIGNED drafts")
    warn_sheet_gaps(the_site)
    typer.echo(
        f"{tally.written} of {len(files)} sheets written to {out} in {seconds:.1f} s"
        f" ({tally.written / max(seconds, 1e-6):.1f} per second)"
    )
    if identity is not None and tally.written:
        from kyphocheck.cli.output import print_signed_by

        print_signed_by(identity)
    for failure in tally.failures:
        error(str(failure.problem))
    if tally.failures:
        raise typer.Exit(1)
