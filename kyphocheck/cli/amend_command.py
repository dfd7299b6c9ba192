"""`kyphocheck amend`: a corrected new version of a signed record; the original is never touched."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kyphocheck.cli.options import (
    FailOnOption,
    NowOption,
    PassphraseOption,
    SiteOption,
    make_clock,
    open_site,
    pdf_workers,
    reports_errors,
    signing_identity,
)


@reports_errors
def amend(
    record: Annotated[
        Path, typer.Argument(metavar="RECORD", help="The signed record folder to amend.")
    ],
    reason: Annotated[
        str,
        typer.Option("--reason", metavar="TEXT", help="Why the record is amended (required)."),
    ] = "",
    answers: Annotated[
        Path | None,
        typer.Option("--answers", metavar="FILE", help="The corrected answers file (as for run)."),
    ] = None,
    non_interactive: Annotated[
        bool, typer.Option("--non-interactive", help="Never prompt (needs --answers).")
    ] = False,
    export_answers: Annotated[
        Path | None,
        typer.Option(
            "--export-answers",
            metavar="FILE",
            help="Write the record's answers to FILE (owner-only) to correct, then stop.",
            dir_okay=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="DIR", help="Folder for the amended record (default: the original's)."
        ),
    ] = None,
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            "--trust", metavar="CERT", help="Trust this signer or CA certificate.", dir_okay=False
        ),
    ] = None,
    fail_on: FailOnOption = None,
    passphrase_file: PassphraseOption = None,
    site: SiteOption = None,
    now: NowOption = None,
) -> None:
    """Correct a signed record with a new signed version that names it.

    The record must verify. At a terminal the run's review opens with the record's answers
    filled in, to change what was wrong; in scripts `--answers FILE --non-interactive` gives
    the corrected answers (--export-answers writes the record's own to start from). The new
    record is written beside the original, whose folder is never touched.
    """
    from kyphocheck.cli.record_commands import trusted_certificates
    from kyphocheck.cli.run_report import report_run
    from kyphocheck.errors import UsageError
    from kyphocheck.record.original import verified_original

    # The cheap refusals first: a missing reason is said before a record is read or verified.
    if export_answers is None:
        if not reason.strip():
            raise UsageError("--reason: say why the record is amended (it is required)")
        if answers is not None and not non_interactive:
            raise UsageError(
                "--answers: give --non-interactive with it (at a terminal, amend starts "
                "from the record's own answers)"
            )
        if non_interactive and answers is None:
            raise UsageError("--non-interactive needs --answers FILE (the corrected answers)")
        if not non_interactive:
            from kyphocheck.cli.interactive.session import AMEND_ADVICE, require_terminal

            require_terminal(AMEND_ADVICE)
    the_site = open_site(site)
    amends = verified_original(record, reason, trusted_certificates(trust, the_site))
    if export_answers is not None:
        _export(amends.answers_document(), export_answers)
        typer.echo(f"Answers of record {amends.original['record_id']} written to {export_answers}")
        return
    clock = make_clock(now)
    out_dir = out or record.resolve().parent
    with pdf_workers() as workers:
        if answers is not None:
            from kyphocheck.intake.prepare import prepare
            from kyphocheck.record.pipeline import write_record

            prepared = prepare(the_site, answers, clock)  # bad input is reported before signing
            identity = signing_identity(False, passphrase_file, clock)
            result = write_record(the_site, prepared, out_dir, clock, identity, workers, amends)
        else:
            from kyphocheck.cli.interactive import session as interactive
            from kyphocheck.cli.interactive.prompts import QuestionaryPrompter
            from kyphocheck.interview.drafts import DraftStore

            identity = signing_identity(False, passphrase_file, clock)  # before the first question
            options = interactive.Options(
                the_site, clock, out_dir, False, identity, workers, amends=amends
            )
            result = interactive.amend(options, QuestionaryPrompter(), record, DraftStore())
    report_run(result, fail_on, identity, the_site)
    typer.echo(f"Amends record {amends.original['record_id']} ({record}), left as it was.")


def _export(document: dict[str, Any], path: Path) -> None:
    """The original's answers as an answers file, owner-only, never over an existing file."""
    import yaml

    from kyphocheck.cli.private_files import write_new_file

    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    write_new_file(path, text, "--export-answers")
