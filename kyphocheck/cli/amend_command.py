"""`kyphocheck amend`: a corrected new version of a signed record; the original is never touched."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:
    from kyphocheck.record.amendment import Amends


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

    The record must verify. Its answers are corrected in a file (--export-answers writes them
    out), then `amend RECORD --reason TEXT --answers FILE --non-interactive` writes the new
    record beside the original, whose folder is never touched.
    """
    from kyphocheck.cli.record_commands import trusted_certificates
    from kyphocheck.cli.run_commands import _report
    from kyphocheck.errors import UsageError
    from kyphocheck.intake.prepare import prepare
    from kyphocheck.record.pipeline import write_record

    the_site = open_site(site)
    amends = _verified_original(record, reason, trusted_certificates(trust, the_site))
    if export_answers is not None:
        _export(amends.answers_document(), export_answers)
        typer.echo(f"Answers of record {amends.original['record_id']} written to {export_answers}")
        return
    if not reason.strip():
        raise UsageError("--reason: say why the record is amended")
    if answers is None or not non_interactive:
        raise UsageError(
            "amend needs the corrected answers: --answers FILE --non-interactive "
            "(--export-answers FILE writes the record's answers to correct)"
        )
    clock = make_clock(now)
    out_dir = out or record.resolve().parent
    with pdf_workers() as workers:
        prepared = prepare(the_site, answers, clock)
        identity = signing_identity(False, passphrase_file, clock)
        result = write_record(the_site, prepared, out_dir, clock, identity, workers, amends)
    _report(result, fail_on, identity, the_site)
    typer.echo(f"Amends record {amends.original['record_id']} ({record}), left as it was.")


def _verified_original(record: Path, reason: str, trusted: list[Any]) -> Amends:
    """The record to amend, once it verifies whole: an amendment of a forgery is none."""
    import json

    from kyphocheck.errors import InputError
    from kyphocheck.record.amendment import Amends
    from kyphocheck.signatures.record_folder import MAX_RECORD_BYTES, RECORD, verify_paths

    record_path = record / RECORD
    if not record.is_dir() or not record_path.is_file():
        raise InputError(f"{record}: not a record folder (no {RECORD})")
    if record_path.stat().st_size > MAX_RECORD_BYTES:
        raise InputError(f"{record_path}: too large to be a kyphocheck record")
    failed = [c for c in verify_paths([record], trusted) if not c.ok]
    if failed:
        first = failed[0]
        raise InputError(
            f"{record}: does not verify, so it cannot be amended ({first.file}: {first.check}: "
            f"{first.detail}; see kyphocheck verify {record})"
        )
    record_json = record_path.read_bytes()
    return Amends(record_json, json.loads(record_json), reason.strip())


def _export(document: dict[str, Any], path: Path) -> None:
    """The original's answers as an answers file, owner-only, never over an existing file."""
    import os

    import yaml

    from kyphocheck.errors import InputError

    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"--export-answers: {path} exists; it is never overwritten") from None
    except OSError as exc:
        raise InputError(f"--export-answers: cannot write {path} ({exc.strerror})") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
