"""The bounded sandbox: a site's Jinja cannot hang a run or fill memory with one operator.

Each bomb runs in a child process with its memory capped and a timeout, so that without the
bounds the test fails (MemoryError, or the timeout) instead of taking the machine with it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.errors import InputError
from kyphocheck.expressions import ExpressionError, compile_expression
from kyphocheck.record.render import make_environment, render
from kyphocheck.site.scaffold import init_site
from tests.conftest import EXAMPLE, NOW_TEXT

runner = CliRunner()
BOMB = "{{ 'x' * 4000000000 }}"

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from zoneinfo import ZoneInfo
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
from kyphocheck.errors import InputError
from kyphocheck.record.render import make_environment, render
folder = Path(sys.argv[1])
started = time.monotonic()
try:
    render(make_environment([folder], ZoneInfo("UTC")), "bomb.md.j2", {})
    outcome = "rendered"
except InputError as exc:
    outcome = exc.lines()
print(json.dumps({"seconds": time.monotonic() - started, "outcome": outcome}))
"""


@pytest.mark.parametrize(
    "template",
    [
        BOMB,
        "{{ [0] * 4000000000 }}",
        "{{ 4000000000 * 'x' }}",
        "{{ 10 ** 1000000000 }}",
        "{% set ns = namespace(s='x' * 99999) %}{% for i in range(60) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "{% for i in range(100000) %}{{ 'x' * 99999 }}{% endfor %}",
    ],
)
def test_a_template_bomb_fails_at_once_as_one_line(template: str, tmp_path: Path) -> None:
    (tmp_path / "bomb.md.j2").write_text("A document\n" + template + "\n")
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    result = json.loads(child.stdout)
    assert result["seconds"] < 1.0
    [line] = result["outcome"]
    assert line.startswith("templates/bomb.md.j2")
    assert "at most" in line or "longer than" in line


def test_range_is_bounded_by_the_sandbox(tmp_path: Path) -> None:
    (tmp_path / "range.md.j2").write_text("{{ range(10 ** 9) | list | length }}\n")
    with pytest.raises(InputError, match=r"templates/range\.md\.j2:1: .*MAX_RANGE"):
        render(make_environment([tmp_path], ZoneInfo("UTC")), "range.md.j2", {})
    with pytest.raises(ExpressionError, match="MAX_RANGE"):
        compile_expression("range(10 ** 9) | list | length").evaluate({})


# Just over the bounds: cheap to make without them, so the test fails rather than hangs.
@pytest.mark.parametrize(
    "source", ["'x' * 200000", "2 ** 200000", "[1] * 200000", "7 * 'ab' * 9999"]
)
def test_an_expression_bomb_is_an_expression_error(source: str) -> None:
    with pytest.raises(ExpressionError, match="at most"):
        compile_expression(source).evaluate({})


def test_ordinary_arithmetic_still_works(tmp_path: Path) -> None:
    source = "{{ '-' * 40 }} {{ [1, 2] + [3] }} {{ 'a' ~ 1 }} {{ 2 ** 10 }} {{ 1.5 * 2 }}\n"
    (tmp_path / "fine.md.j2").write_text(source)
    text = render(make_environment([tmp_path], ZoneInfo("UTC")), "fine.md.j2", {})
    assert text.startswith("-" * 40) and "1024" in text and "3.0" in text
    assert compile_expression("weight * 2 + 1").evaluate({"weight": 60}) == 121


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    init_site(folder)
    path = folder / "templates" / "take-home.md.j2"
    path.write_text(path.read_text().replace("## After", f"{BOMB}\n## After", 1))
    return folder


def test_check_reports_the_bomb_as_a_template_problem(site: Path) -> None:
    result = runner.invoke(app, ["check", str(site), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [p for p in json.loads(result.stdout)["problems"] if p["level"] == "error"]
    assert found and {(p["file"], p["check"]) for p in found} == {
        ("templates/take-home.md.j2", "template")
    }
    assert "at most 100,000" in found[0]["message"]


def test_run_fails_with_one_line_and_writes_nothing(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--non-interactive", "--no-sign", "--now", NOW_TEXT, "--site", str(site)]
    result = runner.invoke(app, ["run", "--answers", str(EXAMPLE), *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert "templates/take-home.md.j2" in result.stderr and "at most" in result.stderr
    assert not out.exists()
