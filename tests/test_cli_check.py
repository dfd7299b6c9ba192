"""`kyphocheck check` and `kyphocheck init-site`: a problem of each kind, found with its file,
line and reason, in a site folder the test writes; and the report formats CI systems read."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from typer.testing import CliRunner

from kyphocheck import __version__
from kyphocheck.cli.app import app
from kyphocheck.site.scaffold import init_site

runner = CliRunner()
KYPHOPLASTY = "checklists/kyphoplasty.yaml"
COMMON = "checklists/parts/common.yaml"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    init_site(folder)
    return folder


def edit(site: Path, relative: str, old: str, new: str) -> int:
    """Replace `old` (once) in a site file; the 1-based line where the change starts."""
    path = site / relative
    text = path.read_text()
    assert text.count(old) >= 1, f"{old!r} not in {relative}"
    start = text.index(old)
    path.write_text(text[:start] + new + text[start + len(old) :])
    return text[:start].count("\n") + 1


def check(site: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["check", str(site), "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def errors(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in report["problems"] if p["level"] == "error"]


def only_error(report: dict[str, Any]) -> dict[str, Any]:
    found = errors(report)
    assert len(found) == 1, found
    return found[0]


def test_a_new_site_folder_passes(site: Path) -> None:
    code, report = check(site)
    assert code == 0 and report["ok"] is True
    assert errors(report) == []
    assert report["documents_rendered"] >= 12  # three templates, four fixtures
    assert all(report["coverage"].values()), "every default rule fires for a built-in fixture"
    text = runner.invoke(app, ["check", str(site)])
    assert text.exit_code == 0 and "PASSED: 0 error(s)" in text.stdout


def test_init_site_writes_the_folder(site: Path) -> None:
    files = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}
    assert {
        "site.yaml",
        "README.md",
        ".github/workflows/kyphocheck.yml",
        KYPHOPLASTY,
        COMMON,
        "checklists/protocol/drugs.yaml",
        "templates/take-home.md.j2",
        "templates/print.css",
        "fixtures/example-patient.yaml",
        "fixtures/every-stop-kyphoplasty.yaml",
    } <= files
    config = yaml.safe_load((site / "site.yaml").read_text())
    assert set(config) == {
        "name",
        "timezone",
        "clinic_phone",
        "after_hours_phone",
        "arrive_minutes_before",
        "arrival_place",
        "output_folder",
        "trust_anchors",
        "max_reading_grade",
        "reading_targets",
    }


def test_the_ci_workflow_installs_kyphocheck_and_runs_check(site: Path) -> None:
    workflow = yaml.safe_load((site / ".github/workflows/kyphocheck.yml").read_text())
    assert {"push", "pull_request"} <= set(workflow[True])  # YAML 1.1 reads `on` as True
    steps = workflow["jobs"]["check"]["steps"]
    commands = [step.get("run", "") for step in steps]
    assert any(f'pip install "kyphocheck=={__version__}"' in c for c in commands)
    assert any(c.startswith("kyphocheck check . ") and "--format github" in c for c in commands)
    assert any("--format junit" in c for c in commands)


def test_init_site_into_a_folder_with_files_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    parent = tmp_path / "sites"
    (parent / "site").mkdir(parents=True)
    (parent / "site" / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["init-site", str(parent / "site")])
    assert result.exit_code == 2
    assert "not an empty folder" in result.stderr
    assert [p.name for p in (parent / "site").iterdir()] == ["notes.txt"]
    assert [p.name for p in parent.iterdir()] == ["site"]  # no staging folder left behind


def test_init_site_command(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init-site", str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    assert "Site folder made" in result.stdout and (tmp_path / "new" / "site.yaml").is_file()


def test_schema_problem(site: Path) -> None:
    line = edit(site, KYPHOPLASTY, "extends: common\n", "extends: common\ncolour: blue\n") + 1
    code, report = check(site)
    problem = only_error(report)
    assert code == 1
    assert (problem["file"], problem["line"]) == (KYPHOPLASTY, line)
    assert problem["message"] == "colour: unknown field"


def test_duplicate_item_id(site: Path) -> None:
    line = edit(site, KYPHOPLASTY, "      - id: kit_available", "      - id: identity_verified")
    _, report = check(site)
    [problem] = [p for p in errors(report) if p["line"] == line]  # (and the rule on it fails)
    assert problem["file"] == KYPHOPLASTY
    assert problem["message"] == "sections[0].items[0].id: duplicate item id 'identity_verified'"


def test_expression_that_does_not_compile(site: Path) -> None:
    line = edit(site, KYPHOPLASTY, 'when: "not kit_available"', 'when: "not (kit_available"')
    _, report = check(site)
    problem = only_error(report)
    assert (problem["file"], problem["line"]) == (KYPHOPLASTY, line)
    assert "is not a valid expression" in problem["message"]


def test_expression_naming_an_unknown_item(site: Path) -> None:
    line = edit(site, COMMON, 'when: "not identity_verified"', 'when: "not identity_verifed"')
    _, report = check(site)
    found = [p for p in errors(report) if p["line"] == line]
    assert found and found[0]["file"] == COMMON
    assert (
        "unknown item 'identity_verifed'; did you mean 'identity_verified'?"
        in (found[0]["message"])
    )


def test_rule_without_a_source(site: Path) -> None:
    line = edit(
        site,
        KYPHOPLASTY,
        '    source: "Joint Commission Universal Protocol: required devices available"\n',
        "",
    )
    _, report = check(site)
    problem = only_error(report)
    assert problem["file"] == KYPHOPLASTY and problem["line"] < line
    assert problem["message"] == "rules[0].source: Field required"


def test_unknown_severity(site: Path) -> None:
    line = edit(site, KYPHOPLASTY, "severity: notify", "severity: critical")
    _, report = check(site)
    problem = only_error(report)
    assert (problem["file"], problem["line"]) == (KYPHOPLASTY, line)
    assert problem["message"] == "rules[0].severity: Input should be 'info', 'notify' or 'stop'"


def test_unconfirmed_rows_warn_and_fail_only_when_strict(site: Path) -> None:
    code, report = check(site)
    warnings = [p for p in report["problems"] if p["check"] == "protocol"]
    assert code == 0 and warnings
    drugs = (site / "checklists/protocol/drugs.yaml").read_text().splitlines()
    apixaban = next(p for p in warnings if p["message"].startswith("apixaban:"))
    assert apixaban["file"] == "checklists/protocol/drugs.yaml"
    assert drugs[apixaban["line"] - 1].strip() == "confirm: true"
    assert all(p["level"] == "warning" for p in warnings)
    strict_code, strict_report = check(site, "--strict")
    assert strict_code == 1 and strict_report["ok"] is False


def test_template_syntax_error(site: Path) -> None:
    edit(site, "templates/summary.md.j2", "## Findings", "## Findings\n{% if %}")
    line = (site / "templates/summary.md.j2").read_text().splitlines().index("{% if %}") + 1
    _, report = check(site)
    problem = only_error(report)
    assert (problem["file"], problem["line"]) == ("templates/summary.md.j2", line)
    assert problem["check"] == "template"


def test_template_undefined_variable_names_line_and_fixture(site: Path) -> None:
    line = edit(
        site, "templates/take-home.md.j2", "## After", "{{ record.patient.nickname }}\n## After"
    )
    _, report = check(site)
    found = errors(report)
    assert {(p["file"], p["line"]) for p in found} == {("templates/take-home.md.j2", line)}
    assert len(found) == 4  # once per fixture
    assert "nickname" in found[0]["message"] and "fixtures/" in found[0]["message"]


def test_template_code_left_in_the_output(site: Path) -> None:
    edit(
        site,
        "templates/take-home.md.j2",
        "## After",
        "{% raw %}{{ patient }}{% endraw %}\n## After",
    )
    _, report = check(site)
    found = errors(report)
    assert found and all(p["file"] == "templates/take-home.md.j2" for p in found)
    assert "still holds template code ('{{ patient }}" in found[0]["message"]


def test_reading_grade_above_the_site_limit(site: Path) -> None:
    edit(site, "site.yaml", "max_reading_grade: 8", "max_reading_grade: 1")
    code, report = check(site)
    found = [p for p in errors(report) if p["check"] == "reading"]
    # Each fixture's English sheet by Flesch-Kincaid and SMOG, its Spanish one by Crawford;
    # Dale-Chall is shown only.
    assert code == 1 and len(found) == 12  # three per fixture, four fixtures
    assert {p["file"] for p in found} == {
        "templates/take-home.md.j2",
        "templates/take-home.es.md.j2",
    }
    message = next(p for p in found if p["file"] == "templates/take-home.md.j2")["message"]
    pattern = r"reading grade (\d+\.\d) \(flesch-kincaid\) is above the site's maximum 1 "
    match = re.search(pattern, message)
    assert match and float(match.group(1)) > 1
    assert "hardest sentences: " in message
    assert not any("dale-chall" in p["message"] for p in found)


def test_default_sheets_are_within_their_targets(site: Path) -> None:
    """Flesch-Kincaid 6 and SMOG 8 for English (short bullets flatter Flesch-Kincaid)."""
    _, report = check(site)
    grades = {(g["document"], g["fixture"], g["formula"]): g for g in report["reading"]}
    assert len(grades) == 16  # four per fixture: three English formulas, one Spanish
    assert {formula for _, _, formula in grades} == {
        "flesch-kincaid",
        "smog",
        "dale-chall",
        "crawford",
    }
    limits = {g["formula"]: g["limit"] for g in grades.values()}
    assert limits == {"flesch-kincaid": 6, "smog": 8, "dale-chall": None, "crawford": 8}
    assert all(g["limit"] is None or g["grade"] <= g["limit"] for g in grades.values())
    assert all(g["hardest"] for g in grades.values())


def test_site_yaml_sets_a_formulas_target(site: Path) -> None:
    edit(site, "site.yaml", "smog: 8", "smog: 4")
    _, report = check(site)
    found = [p for p in errors(report) if p["check"] == "reading"]
    assert len(found) == 4  # the English sheet of each fixture, by SMOG only
    assert all("(smog) is above the site's maximum 4 " in p["message"] for p in found)
    assert all("hardest sentences: " in p["message"] for p in found)


def test_an_unknown_formula_in_site_yaml_is_a_schema_error(site: Path) -> None:
    line = edit(site, "site.yaml", "smog: 8", "fog: 8")
    code, report = check(site)
    problem = only_error(report)
    assert code == 1 and problem["check"] == "schema"
    assert (problem["file"], problem["line"]) == ("site.yaml", line)
    assert "reading_targets.fog" in problem["message"]


def test_rule_no_fixture_fires_is_a_coverage_warning(site: Path) -> None:
    rule = (
        "  - id: kit_expired\n    item: kit_available\n"
        "    when: \"kit_available and procedure.anesthesia == 'hypnosis'\"\n"
        "    severity: notify\n    message: The kit is past its expiry date.\n"
        '    source: "Site policy: devices within date"\n'
    )
    path = site / KYPHOPLASTY
    line = len(path.read_text().splitlines()) + 1
    path.write_text(path.read_text() + rule)
    code, report = check(site)
    found = [p for p in report["problems"] if p["check"] == "coverage"]
    assert code == 0
    assert [(p["file"], p["line"], p["level"]) for p in found] == [(KYPHOPLASTY, line, "warning")]
    assert "rule 'kit_expired' fires for no fixture" in found[0]["message"]
    assert report["coverage"][f"{KYPHOPLASTY}: kit_expired"] == []


def test_an_invalid_site_fixture_is_an_error_naming_it(site: Path) -> None:
    line = edit(site, "fixtures/example-patient.yaml", "  inr: 1.1", "  inr: high")
    _, report = check(site)
    problem = only_error(report)
    assert (problem["file"], problem["line"]) == ("fixtures/example-patient.yaml", line)
    assert problem["check"] == "fixture"


def test_pdf_checks_the_layout(site: Path) -> None:
    edit(site, "templates/document.html.j2", "<main>", "<main>{{ record.patient.nickname }}")
    code, _ = check(site)
    assert code == 0  # without --pdf the layout is not used
    code, report = check(site, "--pdf")
    found = errors(report)
    assert code == 1 and found
    assert {p["file"] for p in found} == {"templates/document.html.j2"}
    assert {p["check"] for p in found} == {"pdf"} and "nickname" in found[0]["message"]


def test_junit_report_is_valid_and_counts_failures(site: Path, tmp_path: Path) -> None:
    edit(site, "templates/summary.md.j2", "## Findings", "## Findings\n{% if %}")
    junit = tmp_path / "junit.xml"
    result = runner.invoke(app, ["check", str(site), "--format", "junit", "-o", str(junit)])
    assert result.exit_code == 1
    root = ElementTree.parse(junit).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert all(s.get("name", "").startswith("kyphocheck.") for s in suites)
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases) >= 1
        assert int(suite.get("failures", "-1")) == len(suite.findall("testcase/failure"))
        assert all(c.get("classname") and c.get("name") for c in cases)
    assert int(root.get("tests", "-1")) == sum(int(s.get("tests", "0")) for s in suites)
    failures = root.findall("testsuite/testcase/failure")
    assert len(failures) == int(root.get("failures", "-1")) == 1
    case = root.find("testsuite[@name='kyphocheck.template']/testcase")
    assert case is not None and case.get("file") == "templates/summary.md.j2"
    assert case.get("line", "").isdigit()


def test_github_format(site: Path) -> None:
    line = edit(site, KYPHOPLASTY, "severity: notify", "severity: critical")
    result = runner.invoke(app, ["check", str(site), "--format", "github"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    pattern = re.compile(r"^::(error|warning) file=[^,:]+(,line=\d+)?,title=kyphocheck \w+::.+")
    assert all(pattern.match(x) for x in lines[:-1]), lines
    assert f"::error file={KYPHOPLASTY},line={line},title=kyphocheck schema::" in result.stdout
    assert lines[-1].startswith("kyphocheck check failed:")


def test_missing_site_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nowhere")])
    assert result.exit_code == 2


def test_defaults_check_clean_without_a_site() -> None:
    result = runner.invoke(app, ["check", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True


def test_text_report_puts_errors_first_and_groups_rows_to_confirm(site: Path) -> None:
    line = edit(site, KYPHOPLASTY, "severity: notify", "severity: critical")
    result = runner.invoke(app, ["check", str(site)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    text = result.stdout
    assert text.index(f"{KYPHOPLASTY}:{line}") < text.index("checklists/protocol/drugs.yaml")
    assert text.count("checklists/protocol/drugs.yaml") == 1
    assert "row(s) marked confirm: true" in text and "apixaban (" in text
    assert "FAILED: 1 error(s)" in text


@pytest.mark.parametrize("field", ["clinic_phone", "arrive_minutes_before", "arrival_place"])
def test_a_site_must_give_the_sheet_its_phone_and_arrival(site: Path, field: str) -> None:
    config = yaml.safe_load((site / "site.yaml").read_text())
    del config[field]
    (site / "site.yaml").write_text(yaml.safe_dump(config))
    code, report = check(site)
    problem = only_error(report)
    assert code == 1
    assert (problem["file"], problem["check"]) == ("site.yaml", "schema")
    assert problem["message"].startswith(f"{field}: required: the take-home sheet")
    assert report["documents_rendered"] >= 8  # the templates are still checked


def test_a_site_without_a_24_hour_phone_is_warned(site: Path) -> None:
    config = yaml.safe_load((site / "site.yaml").read_text())
    del config["after_hours_phone"]
    (site / "site.yaml").write_text(yaml.safe_dump(config))
    code, report = check(site)
    assert code == 0 and errors(report) == []
    assert any(
        p["level"] == "warning" and p["message"].startswith("after_hours_phone: not set")
        for p in report["problems"]
    )


def test_the_defaults_need_no_site_fields(tmp_path: Path) -> None:
    """Without a site there is no site.yaml to fix: a run warns instead (test_cli_run)."""
    result = runner.invoke(app, ["check", "--format", "json"])
    report = json.loads(result.stdout)
    assert not [p for p in report["problems"] if p["file"] == "site.yaml"]


def test_an_arrival_place_in_one_language_is_warned_for_the_others(site: Path) -> None:
    """The Spanish sheet printed "Main Hospital, 2nd floor, Surgery Check-in"."""

    def arrival_warnings(place: Any) -> tuple[int, list[dict[str, Any]]]:
        config = yaml.safe_load((site / "site.yaml").read_text())
        config["arrival_place"] = place
        (site / "site.yaml").write_text(yaml.safe_dump(config))
        code, report = check(site)
        return code, [p for p in report["problems"] if p["message"].startswith("arrival_place")]

    code, warned = arrival_warnings("Main Hospital, Door 3")
    assert code == 0 and [p["level"] for p in warned] == ["warning"]
    assert "no text in 'es'" in warned[0]["message"]
    assert arrival_warnings({"en": "Main Hospital", "es": "Hospital principal"}) == (0, [])
    code, refused = arrival_warnings({"Spanish": "Hospital principal"})
    lines = (site / "site.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("arrival_place:"))
    assert code == 1 and [(p["level"], p["line"]) for p in refused] == [("error", line)], refused
    assert refused[0]["message"].startswith("arrival_place: 'Spanish' is not a language code")
