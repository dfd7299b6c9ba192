"""How `--help` names arguments: as a user types them (`PATH...`), not as Python types them.

typer shows an argument in the usage line as `{paths}...` and in the Arguments section with its
Python type (`paths... <list[Path]>`), whatever its metavar. Every kyphocheck command is made
with this class, which shows the metavar alone, in the usual form: `PATH...` when it is
required, `[DRAFT]` when it is not.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand


def argument_name(argument: TyperArgument) -> str:
    """`PATH...`: the metavar (or the upper-cased name), with `...` when it takes many."""
    name = argument.metavar or (argument.name or "").upper()
    if argument.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name


class Command(TyperCommand):
    """A command whose help shows each argument by its metavar, without its Python type."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """The usage line: `[OPTIONS] PATH...`, `[OPTIONS] [DRAFT]`."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not isinstance(param, TyperArgument):
                pieces.extend(param.get_usage_pieces(ctx))
            elif not param.hidden:
                name = argument_name(param)
                if not param.required:
                    base = name.removesuffix("...")
                    name = f"[{base}]" + ("..." if base != name else "")
                pieces.append(name)
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """The Arguments and Options sections, each argument under its metavar alone."""
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                arguments.append((argument_name(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
