"""`--help` of every command at 80 columns: no Python type names, a whole one-line summary."""

from __future__ import annotations

import re
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from kyphocheck.cli.app import app

ROOT = get_command(app)


def walk(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, group)]
    for name, command in getattr(group, "commands", {}).items():
        found += walk(command, (*path, name))
    return found


COMMANDS = walk(ROOT)
GROUPS = [(path, command) for path, command in COMMANDS if hasattr(command, "commands")]

# What typer shows when a parameter has no proper metavar: `{paths}...` in the usage line,
# `<list[Path]>`, `<str>`, `<int range>` beside names, `[x>=1]` for a range.
ARTEFACTS = {
    "braces": re.compile(r"[{}]"),
    "a Python type": re.compile(r"<[^>\s]*>"),
    "a number range": re.compile(r"\bx\s*[<>]=?|[<>]=?\s*x\b"),
}


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_help_shows_no_internal_names(path: tuple[str, ...]) -> None:
    text = help_text(path)
    for what, pattern in ARTEFACTS.items():
        assert not pattern.search(text), f"{what} in:\n{text}"
    usage = text.splitlines()[0]
    # Arguments by their metavar (PATH..., [DRAFT]), never a parameter's name (more_answers).
    for word in usage.split()[2 + len(path) :]:
        assert re.fullmatch(r"\[?[A-Z]+\]?(\.\.\.)?|\[OPTIONS\]|COMMAND|\[ARGS\]\.\.\.", word), (
            usage
        )
    assert all(len(line) <= 80 for line in text.splitlines()), text


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_every_argument_is_documented(path: tuple[str, ...]) -> None:
    command = dict(COMMANDS)[path]
    for param in command.params:
        if param.param_type_name == "argument":
            assert not param.hidden and param.help, f"{param.name} of {' '.join(path)}"
            assert param.metavar and param.metavar.rstrip(".").isupper(), param.name


@pytest.mark.parametrize(
    "path", [path for path, _ in GROUPS], ids=lambda p: " ".join(p) or "kyphocheck"
)
def test_every_command_has_a_complete_one_line_summary(path: tuple[str, ...]) -> None:
    text = help_text(path)
    listing = text.split("Commands:\n", 1)[1].splitlines()
    group = dict(COMMANDS)[path]
    rows = [line.split(None, 1) for line in listing if line.strip()]
    # One line each: a wrapped summary would leave a row that is not a command's.
    assert [row[0] for row in rows] == list(group.commands), listing
    for name, summary in rows:
        first_paragraph = " ".join(group.commands[name].help.split("\n\n")[0].split())
        assert summary == first_paragraph, f"{name}: '{summary}' cuts '{first_paragraph}'"
        assert summary.endswith(".") and not summary.endswith("..."), summary
