"""Each fixture carries its own clock (`now:`): `check` passes whatever KYPHOCHECK_NOW says.

`run` and `sheet` never take their clock from a file: an answers file with `now:` is refused
unless --now says the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.cli.interactive.prompts import ScriptedPrompter
from kyphocheck.cli.interactive.session import Options, start
from kyphocheck.errors import InputError
from kyphocheck.interview.drafts import DraftStore
from kyphocheck.site.folder import Site, defaults_root
from kyphocheck.site.scaffold import init_site
from kyphocheck.times import Clock, parse_now
from tests.conftest import EXAMPLE, NOW_TEXT

runner = CliRunner()
FAR_AWAY = ["2019-03-01T09:00+00:00", "2036-07-01T09:00+00:00"]
BUILT_IN = sorted(
    [
        *(defaults_root() / "examples").glob("*.yaml"),
        *(defaults_root() / "examples").glob("fixtures/*.yaml"),
    ]
)


def check(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["check", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def now_line(text: str) -> int:
    """The 1-based line of `now:` in an answers file's text."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("now:"))


def fixture_problems(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in report["problems"] if p["check"] in ("fixture", "template")]


@pytest.mark.parametrize("path", BUILT_IN, ids=lambda p: p.name)
def test_every_built_in_fixture_sets_its_clock(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    assert parse_now(str(data["now"])).utcoffset() is not None


@pytest.mark.parametrize("now", FAR_AWAY)
def test_check_on_the_defaults_passes_whatever_the_clock_says(
    now: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, usual = check()
    monkeypatch.setenv("KYPHOCHECK_NOW", now)
    code, report = check()
    assert code == 0 and fixture_problems(report) == []
    assert report["documents_rendered"] == usual["documents_rendered"] == 12
    assert report["coverage"] == usual["coverage"] and all(report["coverage"].values())
    code, given = check("--now", now)
    assert code == 0 and given["problems"] == usual["problems"]


@pytest.mark.parametrize("now", FAR_AWAY)
def test_check_on_a_new_site_passes_whatever_the_clock_says(
    now: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    init_site(site)
    assert "now:" in (site / "fixtures" / "example-patient.yaml").read_text()
    monkeypatch.setenv("KYPHOCHECK_NOW", now)
    code, report = check(str(site))
    assert code == 0, [p for p in report["problems"] if p["level"] == "error"]
    assert report["documents_rendered"] == 12


def test_a_fixture_without_now_keeps_the_command_clock(tmp_path: Path) -> None:
    site = tmp_path / "site"
    init_site(site)
    path = site / "fixtures" / "example-patient.yaml"
    path.write_text("".join(line for line in path.open() if not line.startswith("now:")))
    code, _ = check(str(site))
    assert code == 0  # one hour before its start
    code, report = check(str(site), "--now", FAR_AWAY[0])
    assert code == 1
    assert {p["file"] for p in report["problems"] if p["level"] == "error"} == {
        "fixtures/example-patient.yaml"
    }


def test_a_bad_now_is_a_schema_problem_naming_its_line(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("now: 2026-12-01T07:45-06:00", "now: 2026-12-01T07:45")
    answers = tmp_path / "answers.yaml"
    answers.write_text(text)
    line = now_line(text)
    result = runner.invoke(
        app,
        ["run", "--answers", str(answers), "--non-interactive", "--no-sign", "--now", NOW_TEXT]
        + ["--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 2
    assert f"{answers}:{line}: now:" in result.stderr and "needs a UTC offset" in result.stderr


def run_example(tmp_path: Path, *now: str) -> Any:
    return runner.invoke(
        app,
        ["run", "--answers", str(EXAMPLE), "--non-interactive", "--no-sign", *now]
        + ["--out", str(tmp_path / "out")],
    )


def test_run_takes_a_files_clock_only_when_now_says_the_same(tmp_path: Path) -> None:
    assert run_example(tmp_path, "--now", NOW_TEXT).exit_code == 0
    # The same moment written in another offset is the same clock.
    assert run_example(tmp_path / "utc", "--now", "2026-12-01T13:45Z").exit_code == 0


@pytest.mark.parametrize("now", [[], ["--now", "2026-12-01T07:50-06:00"]], ids=["none", "other"])
def test_run_refuses_a_files_clock_that_is_not_now(now: list[str], tmp_path: Path) -> None:
    result = run_example(tmp_path, *now)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    line = now_line(EXAMPLE.read_text())
    assert f"{EXAMPLE}:{line}: now: the file sets the clock" in result.stderr
    assert "--now 2026-12-01T07:45-06:00" in result.stderr
    assert not (tmp_path / "out").exists()


def test_sheet_refuses_a_files_clock_that_is_not_now(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--answers", str(EXAMPLE), "--out", str(out), "--no-sign"]
    result = runner.invoke(app, ["sheet", "--now", "2026-11-20T09:00-06:00", *args])
    assert result.exit_code != 0
    assert "now: the file sets the clock" in result.output
    assert not out.exists() or not any(out.iterdir())
    same = runner.invoke(app, ["sheet", "--now", NOW_TEXT, *args])
    assert same.exit_code == 0, same.output


def test_the_interactive_run_refuses_it_before_any_question(site: Site, tmp_path: Path) -> None:
    options = Options(site, Clock(parse_now(FAR_AWAY[1]), fixed=True), tmp_path / "out", True)
    prompter = ScriptedPrompter([])
    with pytest.raises(InputError, match="now: the file sets the clock"):
        start(options, prompter, EXAMPLE, None, DraftStore(tmp_path / "drafts"))
    assert not (tmp_path / "out").exists()
