"""Every command has help text and appears in the README (as sqlite-utils checks its docs)."""

from __future__ import annotations

import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_readme_starts_with_the_two_commands() -> None:
    first_commands = re.findall(r"^(make \w+)$", README[:600], flags=re.MULTILINE)
    assert first_commands[:2] == ["make demo", "make test"]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_help_and_is_documented(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert len(get_command(app).commands[command].help or "") > 10  # type: ignore[attr-defined]
    assert f"kyphocheck {command}" in README


@pytest.mark.parametrize("code", ["0", "1", "2", "3", "130"])
def test_exit_codes_documented(code: str) -> None:
    assert re.search(rf"\|\s*`{code}`\s*\|", README)
