"""The kyphocheck app: the top-level options and the commands, registered in help order.

Each command turns options into one call of the core and prints the result. Heavy modules
(pydantic models, Jinja, the engine) are imported inside the commands, so that
`kyphocheck --help` stays fast.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from kyphocheck import __version__
from kyphocheck.cli import (
    amend_command,
    export_command,
    record_commands,
    run_commands,
    site_commands,
)
from kyphocheck.cli.help import Command
from kyphocheck.cli.options import state
from kyphocheck.cli.signer import signer_app

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
    state["debug"] = debug or bool(os.environ.get("KYPHOCHECK_DEBUG"))


for command in (run_commands.run, run_commands.resume, run_commands.drafts):
    app.command(cls=Command)(command)
app.command(cls=Command)(record_commands.verify)
app.command(cls=Command)(record_commands.records)
app.command(cls=Command)(amend_command.amend)
app.command(cls=Command)(export_command.export)
app.command(cls=Command)(site_commands.checklists)
app.command(cls=Command)(record_commands.sheet)
app.command("init-site", cls=Command)(site_commands.init_site)
app.command(cls=Command)(site_commands.check)
app.add_typer(signer_app, name="signer")


def main() -> None:
    """Entry point of the `kyphocheck` console script."""
    app(prog_name="kyphocheck")
