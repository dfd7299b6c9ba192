"""The package's shape: stages, no import cycle, modules that say what they hold, none too big."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kyphocheck"
MAX_LINES = 420


def test_no_module_imports_itself_through_another() -> None:
    graph = grimp.build_graph("kyphocheck")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported != module and graph.chain_exists(imported, module):
                if imported.startswith(module + ".") or module.startswith(imported + "."):
                    continue  # a package and its own modules (e.g. __init__ re-exports)
                cycles.append(f"{module} -> {imported}")
    assert cycles == []


def test_every_module_says_what_it_holds() -> None:
    missing = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if not ast.get_docstring(ast.parse(path.read_text()))
    ]
    assert missing == []


def test_no_module_grows_into_two_ideas() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.parametrize(
    "stage",
    ["site", "intake", "assess", "interview", "record", "signatures", "sitecheck", "cli"],
)
def test_the_stages_are_folders(stage: str) -> None:
    assert (PACKAGE / stage / "__init__.py").is_file()


def test_the_contracts_fail_when_an_arrow_points_up(tmp_path: Path) -> None:
    # A copy of the package with one upward import must break the layers contract.
    import shutil

    copy = tmp_path / "kyphocheck"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "_defaults"))
    (copy / "assess" / "upward.py").write_text(
        '"""An arrow pointing up."""\n\nimport kyphocheck.record.build  # noqa: F401\n'
    )
    config = Path(__file__).resolve().parent.parent / "pyproject.toml"
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--config", str(config), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Stages import downwards only BROKEN" in result.stdout
