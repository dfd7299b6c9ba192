"""`kyphocheck export RECORD --format fhir`: a signed record for the hospital's EHR."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kyphocheck.cli.options import SiteOption, open_site, reports_errors


@reports_errors
def export(
    record: Annotated[Path, typer.Argument(metavar="RECORD", help="The signed record folder.")],
    export_format: Annotated[
        str, typer.Option("--format", metavar="fhir", help="fhir: a FHIR R4 Bundle (JSON).")
    ] = "fhir",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE (owner-only; default: stdout)."
        ),
    ] = None,
    trust: Annotated[
        list[Path] | None,
        typer.Option("--trust", metavar="CERT", help="Trust this certificate (PEM), as verify."),
    ] = None,
    site: SiteOption = None,
) -> None:
    """Export a signed record as a FHIR R4 Bundle (for the EHR).

    It holds the checklist, the answers, the findings and the signed PDFs. The record is
    verified first, as `kyphocheck verify` does: a record that does not verify is not
    exported. The checklist must be the one the record was made with.
    """
    import json
    import sys

    from kyphocheck.cli.private_files import write_new_file
    from kyphocheck.cli.record_commands import trusted_certificates
    from kyphocheck.errors import InputError, UsageError
    from kyphocheck.record.fhir.export import export_bundle
    from kyphocheck.record.original import verified_record_json
    from kyphocheck.site.checklist import UnknownChecklist, load_checklist

    if export_format != "fhir":
        raise UsageError(f"--format: 'fhir' is the one export format, not '{export_format}'")
    the_site = open_site(site)
    record_json = verified_record_json(record, trusted_certificates(trust, the_site), "export")
    data = json.loads(record_json)
    made_with = data["checklist"]
    try:
        checklist = load_checklist(the_site, made_with["id"])
    except UnknownChecklist:
        checklist = None
    if checklist is None or checklist.sha256 != made_with["sha256"]:
        raise InputError(
            f"{record}: record.json: checklist: the checklist '{made_with['id']}' "
            f"{'is not in this site' if checklist is None else 'changed since the record was made'}"
            " (its SHA-256 is not the record's); export with the site folder it was made with "
            "(--site)"
        )
    text = export_bundle(record, data, checklist).model_dump_json(indent=2, exclude_none=True)
    if output is None:
        sys.stdout.write(text + "\n")
        return
    write_new_file(output, text + "\n", "--output")
    typer.echo(f"FHIR Bundle of record {data['record_id']} written to {output}", err=True)
