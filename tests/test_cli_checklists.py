"""`kyphocheck checklists` and `--version`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kyphocheck import __version__
from kyphocheck.cli.app import app
from kyphocheck.site.folder import defaults_root

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


def test_a_site_checklist_shows_the_file_it_came_from(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "checklists").mkdir(parents=True)
    own = site / "checklists" / "kyphoplasty.yaml"
    own.write_text(
        (defaults_root() / "checklists" / "kyphoplasty.yaml")
        .read_text()
        .replace('version: "1.0.0"', 'version: "1.1.0-site"')
    )
    result = runner.invoke(app, ["checklists", "--site", str(site), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["kyphoplasty"]["file"] == str(own)
    assert rows["kyphoplasty"]["version"] == "1.1.0-site"
    assert rows["vertebroplasty"]["file"] == "checklists/vertebroplasty.yaml"  # the default
