"""What a run, resume or amend says when its record is written, and its exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from kyphocheck.cli.options import EXIT_FINDINGS, FailOn, warn_sheet_gaps

if TYPE_CHECKING:
    from kyphocheck.record.pipeline import RecordResult
    from kyphocheck.signatures.identity import Identity
    from kyphocheck.site.folder import Site


def report_run(
    result: RecordResult, fail_on: FailOn | None, identity: Identity | None, site: Site
) -> None:
    """Warnings, findings, the folder, and who signed (or that nobody did)."""
    from kyphocheck.cli.console import warn
    from kyphocheck.cli.output import print_run_result, print_signed_by

    for message in result.warnings:
        warn(message)
    ehr = result.record.get("ehr")
    if ehr is not None:
        for note in ehr["notes"]:
            warn(f"EHR bundle: {note}")
        filled = len(result.record.get("sources", {}))
        warn(f"EHR bundle: {filled} values came from the EHR; record.json lists them (sources)")
    warn_sheet_gaps(site)
    if identity is None:
        warn("--no-sign: the record is an UNSIGNED draft")
    print_run_result(result)
    if identity is not None:
        print_signed_by(identity)
    if fail_on is not None and result_fails(result.record, fail_on.value):
        raise typer.Exit(EXIT_FINDINGS)


def result_fails(record: dict[str, Any], fail_on: str) -> bool:
    """Whether the record holds a finding at or above `fail_on` that is not overridden."""
    from kyphocheck.assess.outcome import Outcome
    from kyphocheck.schema import Severity

    return Outcome.of_record(record).fails_at(Severity(fail_on))
