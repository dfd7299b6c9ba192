"""`kyphocheck check` names each fixture medicine and allergy the protocol's tables do not know.

A warning for each, with the fixture's file and the line of the entry; the check still passes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from kyphocheck.cli.app import app
from tests.conftest import EXAMPLE
from tests.helpers import make_site

runner = CliRunner()

FIXTURES = {
    # A typo of a blood thinner, read as it.
    "typo.yaml": """\
  medications:
    - {name: eliqus, dose: 5 mg twice a day, last_dose: 2026-11-27T20:00}
  allergies:
    - {substance: penicilin, reaction: rash}
""",
    # An invented name, and one close to two drugs (not guessed).
    "unknown-drug.yaml": """\
  medications:
    - {name: sertraline, dose: 50 mg daily, last_dose: 2026-12-01T06:00}
    - {name: Zorblax, dose: 10 mg daily}
    - {name: floxetine, dose: 20 mg daily}
  allergies: []
""",
    "unknown-allergy.yaml": """\
  medications: []
  allergies:
    - {substance: penicillin, reaction: rash}
    - {substance: strawberries, reaction: hives}
""",
    # Brand with a dose, generic, category words, and a substance given its category.
    "clean.yaml": """\
  medications:
    - {name: Eliquis 5 mg, last_dose: 2026-11-27T20:00, prescriber_approved: true}
    - {name: sertraline, dose: 50 mg daily, last_dose: 2026-12-01T06:00}
  allergies:
    - {substance: shellfish, reaction: hives}
    - {substance: the blue tablets, reaction: rash, category: beta_lactam}
""",
}


def fixture_text(lists: str) -> str:
    """The example patient with its medications and allergies replaced by `lists`."""
    text = EXAMPLE.read_text()
    start, end = text.index("  medications:\n"), text.index("  last_solid_food:")
    return text[:start] + lists + text[end:]


def line_with(text: str, words: str) -> int:
    [line] = [n for n, line in enumerate(text.splitlines(), 1) if words in line]
    return line


def vocabulary_site(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    texts = {name: fixture_text(lists) for name, lists in FIXTURES.items()}
    site = make_site(tmp_path, {f"fixtures/{name}": text for name, text in texts.items()})
    return site, texts


def check(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["check", *args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def vocabulary(report: dict[str, Any]) -> list[tuple[str, int | None, str, str]]:
    return [
        (p["file"], p["line"], p["level"], p["message"])
        for p in report["problems"]
        if p["check"] == "vocabulary"
    ]


def test_unknown_names_in_site_fixtures_are_warnings_with_their_lines(tmp_path: Path) -> None:
    site, texts = vocabulary_site(tmp_path)
    code, report = check(str(site))
    assert code == 0 and report["ok"] is True
    assert [p for p in report["problems"] if p["level"] == "error"] == []
    found = [v for v in vocabulary(report) if v[0].startswith("fixtures/")]
    assert found == [
        (
            "fixtures/typo.yaml",
            line_with(texts["typo.yaml"], "eliqus"),
            "warning",
            "medication 'eliqus' is not in the drug table (read as Eliquis (apixaban))",
        ),
        (
            "fixtures/typo.yaml",
            line_with(texts["typo.yaml"], "penicilin"),
            "warning",
            "allergy 'penicilin' matches no allergy category "
            "(read as penicillin: beta-lactam antibiotic)",
        ),
        (
            "fixtures/unknown-allergy.yaml",
            line_with(texts["unknown-allergy.yaml"], "strawberries"),
            "warning",
            "allergy 'strawberries' matches no allergy category",
        ),
        (
            "fixtures/unknown-drug.yaml",
            line_with(texts["unknown-drug.yaml"], "Zorblax"),
            "warning",
            "medication 'Zorblax' is not in the drug table",
        ),
        (
            "fixtures/unknown-drug.yaml",
            line_with(texts["unknown-drug.yaml"], "floxetine"),
            "warning",
            "medication 'floxetine' is not in the drug table (close to duloxetine and to "
            "fluoxetine)",
        ),
    ]


def test_github_annotations_point_at_the_fixture_line(tmp_path: Path) -> None:
    site, texts = vocabulary_site(tmp_path)
    result = runner.invoke(app, ["check", str(site), "--format", "github"])
    assert result.exit_code == 0, result.output
    line = line_with(texts["unknown-allergy.yaml"], "strawberries")
    assert (
        f"::warning file=fixtures/unknown-allergy.yaml,line={line},title=kyphocheck vocabulary::"
        "allergy 'strawberries' matches no allergy category\n"
    ) in result.stdout
    assert "fixtures/clean.yaml" not in result.stdout


def test_the_built_in_fixtures_warn_only_of_their_deliberate_unknown_medicine() -> None:
    code, report = check()
    assert code == 0 and report["ok"] is True
    every_stop = "(built-in) examples/fixtures/every-stop-kyphoplasty.yaml"
    text = (EXAMPLE.parent / "fixtures" / "every-stop-kyphoplasty.yaml").read_text()
    assert vocabulary(report) == [
        (
            every_stop,
            line_with(text, "a herbal tea"),
            "warning",
            "medication 'a herbal tea' is not in the drug table",
        )
    ]
