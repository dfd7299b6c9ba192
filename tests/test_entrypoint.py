"""The installed program, run as a user or a script runs it: subprocesses, no terminal."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, NOW_TEXT, ROOT
from tests.helpers import record_folders

KYPHOCHECK = shutil.which("kyphocheck", path=str(Path(sys.executable).parent))


def call(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.skipif(KYPHOCHECK is None, reason="kyphocheck is not installed in this environment")
def test_console_script_help_and_version() -> None:
    result = call(KYPHOCHECK, "--help")
    assert result.returncode == 0
    assert "run" in result.stdout and "checklists" in result.stdout
    assert call(KYPHOCHECK, "--version").stdout.startswith("kyphocheck ")


def test_python_dash_m() -> None:
    result = call(sys.executable, "-m", "kyphocheck", "--version")
    assert result.returncode == 0 and result.stdout.startswith("kyphocheck ")


@pytest.mark.skipif(KYPHOCHECK is None, reason="kyphocheck is not installed in this environment")
def test_full_scripted_run_without_a_terminal(tmp_path: Path) -> None:
    result = call(
        KYPHOCHECK,
        "run",
        "--answers",
        str(EXAMPLE),
        "--non-interactive",
        "--no-sign",
        "--now",
        NOW_TEXT,
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "2026-12-01_kyphoplasty_00482913"
    assert json.loads((folder / "record.json").read_text())["cleared"] is True


@pytest.mark.skipif(KYPHOCHECK is None, reason="kyphocheck is not installed in this environment")
def test_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("inr: 1.1", "inr: high"))
    result = call(
        KYPHOCHECK,
        "run",
        "--answers",
        str(bad),
        "--non-interactive",
        "--now",
        NOW_TEXT,
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "answers.inr: must be a number, not 'high'" in result.stderr


def test_wheel_carries_the_defaults_and_runs_outside_the_source_tree(tmp_path: Path) -> None:
    """A non-editable install must find checklists and templates inside the package."""
    built = call(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--quiet",
        "-w",
        str(tmp_path / "dist"),
        str(ROOT),
    )
    if built.returncode != 0 and "hatchling" in built.stderr:
        pytest.skip("hatchling is not installed for a no-isolation build")
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("kyphocheck-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for packaged in (
        "kyphocheck/_defaults/checklists/kyphoplasty.yaml",
        "kyphocheck/_defaults/checklists/parts/common.yaml",
        "kyphocheck/_defaults/checklists/protocol/drugs.yaml",
        "kyphocheck/_defaults/templates/take-home.md.j2",
        "kyphocheck/_defaults/examples/example-patient.yaml",
        "kyphocheck/_defaults/examples/fixtures/every-stop-kyphoplasty.yaml",
        "kyphocheck/_defaults/examples/site/site.yaml",
        "kyphocheck/_defaults/examples/site/.github/workflows/kyphocheck.yml",
    ):
        assert packaged in names
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(wheel).extractall(unpacked)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    answers = unpacked / "kyphocheck/_defaults/examples/example-patient.yaml"
    result = call(
        sys.executable,
        "-m",
        "kyphocheck",
        "run",
        "--answers",
        str(answers),
        "--non-interactive",
        "--no-sign",
        "--now",
        NOW_TEXT,
        "--out",
        "out",
        cwd=elsewhere,
        env={"PYTHONPATH": str(unpacked)},
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(record_folders(elsewhere / "out")[0].joinpath("record.json").read_text())
    assert record["checklist"]["id"] == "kyphoplasty"
    # A site folder made from the installed defaults passes its own check.
    environment = {"PYTHONPATH": str(unpacked)}
    for command in (("init-site", "site"), ("check", "site", "--format", "json")):
        result = call(sys.executable, "-m", "kyphocheck", *command, cwd=elsewhere, env=environment)
        assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True
