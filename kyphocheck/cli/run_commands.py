"""`kyphocheck run`, `resume` and `drafts`: one patient's checklist, start to record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kyphocheck.cli.options import (
    FailOnOption,
    FhirOption,
    LargePrintOption,
    NowOption,
    PassphraseOption,
    SiteOption,
    make_clock,
    open_site,
    pdf_workers,
    reports_errors,
    signing_identity,
)
from kyphocheck.cli.run_report import report_run


@reports_errors
def run(
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            metavar="FILE",
            help="Answers file (YAML or JSON) to fill the checklist from.",
        ),
    ] = None,
    non_interactive: Annotated[
        bool,
        typer.Option("--non-interactive", help="Never prompt; fail on missing required answers."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Folder for record folders (default: site.yaml or ./records).",
        ),
    ] = None,
    no_sign: Annotated[
        bool, typer.Option("--no-sign", help="Write an UNSIGNED draft record.")
    ] = False,
    fail_on: FailOnOption = None,
    checklist: Annotated[
        str | None,
        typer.Option(
            "--checklist",
            metavar="ID",
            help="Checklist to use (default: the answers file's, or ask).",
        ),
    ] = None,
    passphrase_file: PassphraseOption = None,
    large_print: LargePrintOption = False,
    fhir: FhirOption = None,
    site: SiteOption = None,
    now: NowOption = None,
) -> None:
    """Go through one patient's checklist and write the record.

    At a terminal it asks every question (only the missing or invalid ones with --answers);
    with --non-interactive it never asks and fails on missing answers. With --fhir the
    EHR's values are offered at the prompts to confirm, never taken silently; in scripts the
    answers file wins where both give a value, and the record marks the EHR's.
    """
    from kyphocheck.errors import UsageError

    clock = make_clock(now)
    the_site = open_site(site)
    if non_interactive:
        if answers is None:
            raise UsageError(
                "--non-interactive needs --answers FILE"
                + (" (a FHIR bundle gives no checklist or procedure)" if fhir else "")
            )
        from kyphocheck.intake.prepare import prepare
        from kyphocheck.record.pipeline import write_record

        out_dir = out or Path(the_site.config.output_folder or "records")
        with pdf_workers() as workers:
            # Bad input is reported before signing.
            prepared = prepare(the_site, answers, clock, checklist=checklist, fhir=fhir)
            if large_print:
                prepared = prepared.in_large_print()
            identity = signing_identity(no_sign, passphrase_file, clock)
            result = write_record(the_site, prepared, out_dir, clock, identity, workers)
        report_run(result, fail_on, identity, the_site)
        return
    from kyphocheck.cli.interactive import session as interactive
    from kyphocheck.cli.interactive.prompts import QuestionaryPrompter
    from kyphocheck.interview.drafts import DraftStore

    interactive.require_terminal()
    with pdf_workers() as workers:
        identity = signing_identity(no_sign, passphrase_file, clock)  # before the first question
        options = interactive.Options(
            the_site, clock, out, no_sign, identity, workers, large_print=large_print
        )
        prompter = QuestionaryPrompter()
        result = interactive.start(options, prompter, answers, checklist, DraftStore(), fhir)
    report_run(result, fail_on, identity, the_site)


@reports_errors
def resume(
    draft: Annotated[
        str | None,
        typer.Argument(
            metavar="DRAFT", help="Draft id (default: the latest; see kyphocheck drafts)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Folder for the record (default: as started)."),
    ] = None,
    no_sign: Annotated[
        bool, typer.Option("--no-sign", help="Write an UNSIGNED draft record.")
    ] = False,
    fail_on: FailOnOption = None,
    passphrase_file: PassphraseOption = None,
    site: SiteOption = None,
    now: NowOption = None,
) -> None:
    """Continue an interrupted run where it stopped.

    The draft is finished at the prompts, so resume needs a terminal.
    """
    from kyphocheck.cli.interactive import session as interactive
    from kyphocheck.cli.interactive.prompts import QuestionaryPrompter
    from kyphocheck.interview.drafts import DraftStore

    interactive.require_terminal(interactive.RESUME_ADVICE)
    store = DraftStore()
    saved = store.load(draft) if draft else store.latest()
    the_site = open_site(site if site is not None else (Path(saved.site) if saved.site else None))
    clock = make_clock(now)
    unsigned = no_sign or saved.no_sign
    amends = None
    if saved.amends is not None:  # an interrupted `amend`: it is finished as an amendment
        from kyphocheck.cli.record_commands import trusted_certificates
        from kyphocheck.errors import UsageError
        from kyphocheck.record.original import resumed_original

        if unsigned:
            raise UsageError("--no-sign: an amendment is always signed")
        amends = resumed_original(saved.amends, trusted_certificates(None, the_site))
    with pdf_workers() as workers:
        identity = signing_identity(unsigned, passphrase_file, clock)
        options = interactive.Options(
            the_site, clock, out, unsigned, identity, workers, amends=amends
        )
        result = interactive.resume(options, QuestionaryPrompter(), saved.id, store)
    report_run(result, fail_on, identity, the_site)


@reports_errors
def drafts(
    discard: Annotated[
        str | None,
        typer.Option("--discard", metavar="DRAFT", help="Remove the draft with this id."),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Remove it without asking (at a terminal it asks)."),
    ] = False,
) -> None:
    """List interrupted runs to resume, or discard one.

    A draft holds answers typed at the bedside that cannot be had back, so at a terminal
    --discard asks first; in scripts (no terminal) it removes the draft as asked.
    """
    import sys

    from kyphocheck.cli.output import describe_draft, print_drafts
    from kyphocheck.interview.drafts import DraftStore

    store = DraftStore()
    if discard is not None:
        draft = store.load(discard)  # a wrong id is said before anything is asked
        if not yes and sys.stdin.isatty() and not _confirm(f"Discard {describe_draft(draft)}?"):
            typer.echo(f"Draft {discard} kept.")
            return
        store.discard(discard)
        typer.echo(f"Draft {discard} removed.")
        return
    print_drafts(store.all())


def _confirm(question: str) -> bool:
    """Yes only if the user says so; Ctrl-C or the end of input is a no."""
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:
        typer.echo()
        return False
