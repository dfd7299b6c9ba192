"""`kyphocheck checklists` and `--version`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kyphocheck import __version__
from kyphocheck.cli import app

runner = CliRunner()


def test_lists_checklists_with_version_and_hash() -> None:
    result = runner.invoke(app, ["checklists"])
    assert result.exit_code == 0, result.output
    for text in ("kyphoplasty", "vertebroplasty", "1.0.0", "checklists/kyphoplasty.yaml"):
        assert text in result.stdout


def test_json_format() -> None:
    result = runner.invoke(app, ["checklists", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == ["kyphoplasty", "vertebroplasty"]
    assert all(len(r["sha256"]) == 64 for r in rows)


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"kyphocheck {__version__}"
