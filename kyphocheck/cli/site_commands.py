"""`kyphocheck checklists`, `check` and `init-site`: a site's checklists and their CI check."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kyphocheck.cli.options import (
    NowOption,
    OutputFormat,
    SiteOption,
    make_clock,
    open_site,
    reports_errors,
)


@reports_errors
def checklists(
    site: SiteOption = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", metavar="FORMAT", help="text (a table) or json."),
    ] = OutputFormat.text,
) -> None:
    """List the checklists and their versions.

    With each one's hash and file: the site's own, or the default it falls back to.
    """
    from kyphocheck.cli.output import print_checklists
    from kyphocheck.site.checklist import list_checklists

    print_checklists(list_checklists(open_site(site)), as_json=output_format is OutputFormat.json)


@reports_errors
def init_site(
    folder: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="New (or empty) folder for the site.", file_okay=False),
    ],
) -> None:
    """Make a new site folder to edit and check in CI.

    It holds site.yaml, editable copies of the defaults, fixtures and a CI workflow.
    """
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


@reports_errors
def check(
    site_folder: Annotated[
        Path | None,
        typer.Argument(
            metavar="SITE",
            help="Site folder to check (default: --site, KYPHOCHECK_SITE, or the defaults).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="text (tables), json, junit (JUnit XML) or github.",
        ),
    ] = CheckFormat.text,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the report to this file instead of stdout.",
        ),
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
    """Check a site's checklists and templates (for CI).

    Lints the checklists and protocol data before they reach a nurse, and renders every
    template against every fixture (the site's fixtures/ and the built-in ones, checked at
    their own now:, or else one hour before their procedure unless --now is given). Exit 0
    when clean, 1 when problems were found.
    """
    from kyphocheck.errors import UsageError, WriteError
    from kyphocheck.sitecheck.checks import check_site

    if site_folder is not None and site is not None and site_folder != site:
        raise UsageError("give the site folder once: as SITE or with --site")
    the_site = open_site(site_folder or site)
    report = check_site(the_site, make_clock(now).now if now else None, pdf=pdf)
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
