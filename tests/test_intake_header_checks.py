"""Every independent problem of an answers file at once: header and answers together."""
# ruff: noqa: E501 - expected messages are kept whole so they can be searched for

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.errors import InputError
from kyphocheck.intake.prepare import prepare, prepare_document
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests.conftest import NOW, NOW_TEXT, example_data, write_answers


def problems_for(tmp_path: Path, site: Site, change, clock: Clock | None = None) -> list[str]:
    data = example_data()
    change(data)
    path = write_answers(tmp_path, data)
    with pytest.raises(InputError) as info:
        prepare(site, path, clock or Clock(NOW, fixed=True))
    prefix = str(path) + ":"
    assert all(line.startswith(prefix) for line in info.value.lines()), info.value.lines()
    return [line.removeprefix(prefix) for line in info.value.lines()]


def fields(lines: list[str]) -> list[str]:
    """The field of each line ("12: answers.inr: ..." -> "answers.inr")."""
    parts = [line.strip().split(": ") for line in lines]
    return [p[1] if p[0].isdigit() else p[0] for p in parts]


def test_header_and_answer_problems_come_together(tmp_path: Path, site: Site) -> None:
    """The issue's case: a wrong INR was said only once the dob and the start were fixed."""

    def change(d):
        d["patient"]["dob"] = "1951-13-12"
        d["procedure"]["scheduled"] = "tomorrow"
        d["answers"]["inr"] = "high"

    lines = problems_for(tmp_path, site, change)
    assert fields(lines) == ["patient.dob", "procedure.scheduled", "answers.inr"]
    assert "answers.inr: must be a number, not 'high'" in lines[2]


def test_structure_header_and_answer_problems_come_together(tmp_path: Path, site: Site) -> None:
    """pydantic's problems (sex, weight, an unknown field) no longer hide the rest."""

    def change(d):
        d["patient"]["sex"] = "f"
        d["patient"]["dob"] = "2030-01-01"
        d["colour"] = "red"
        d["answers"]["inr"] = "high"
        d["answers"]["fevr"] = False
        d["answers"]["driver_arranged"] = "yes"
        d["answers"]["medications"][0]["last_dose"] = "last week"

    lines = problems_for(tmp_path, site, change)
    assert sorted(fields(lines)) == sorted(
        [
            "colour",
            "patient.dob",
            "patient.sex",
            "answers.inr",
            "answers.fevr",
            "answers.driver_arranged",
            "answers.medications[0].last_dose",
        ]
    )
    assert any("patient.dob: 2030-01-01 is in the future" in line for line in lines)


def test_problems_are_listed_in_file_order(tmp_path: Path, site: Site) -> None:
    def change(d):
        d["answers"]["fever"] = "no"
        d["answers"]["inr"] = "high"
        d["patient"]["sex"] = "f"
        d["procedure"]["scheduled"] = "tomorrow"

    numbers = [int(line.split(":")[0]) for line in problems_for(tmp_path, site, change)]
    assert len(numbers) == 4 and numbers == sorted(numbers)


def test_a_bad_zone_still_reports_the_rest_but_no_time_it_cannot_judge(
    tmp_path: Path, site: Site
) -> None:
    """Without the zone the start cannot be read, nor a time compared with now: forms only."""

    def change(d):
        d["procedure"]["timezone"] = "America/Chicgo"
        d["patient"]["dob"] = "1951-02-30"
        d["answers"]["platelets"] = -4
        d["answers"]["last_clear_liquid"] = "2026-12-01T07:50"  # later than now in Chicago
        d["answers"]["last_solid_food"] = "last night"

    lines = problems_for(tmp_path, site, change)
    assert fields(lines) == [
        "patient.dob",
        "procedure.timezone",
        "answers.last_solid_food",
        "answers.platelets",
    ]


def test_a_bad_start_does_not_refuse_times_against_it(tmp_path: Path, site: Site) -> None:
    def change(d):
        d["procedure"]["scheduled"] = "2026-12-01"
        d["answers"]["last_clear_liquid"] = "2026-12-01T07:50"  # later than now: known
        d["answers"]["labs_date"] = "2026-12-02"  # after today: known

    lines = problems_for(tmp_path, site, change)
    assert fields(lines) == [
        "procedure.scheduled",
        "answers.last_clear_liquid",
        "answers.labs_date",
    ]
    assert "is later than now" in lines[1] and "is after today" in lines[2]


def test_the_file_clock_is_reported_with_the_rest(tmp_path: Path, site: Site) -> None:
    def change(d):
        d["now"] = "2026-11-30T07:45-06:00"
        d["answers"]["inr"] = "high"

    lines = problems_for(tmp_path, site, change)
    assert sorted(fields(lines)) == ["answers.inr", "now"]


def test_the_file_clock_does_not_stop_the_full_check(tmp_path: Path, site: Site) -> None:
    def change(d):
        d["now"] = "2026-11-30T07:45-06:00"
        d["answers"].pop("inr")

    lines = problems_for(tmp_path, site, change)
    assert sorted(fields(lines)) == ["answers", "now"]


def test_an_unknown_checklist_is_said_with_the_header_problems(tmp_path: Path, site: Site) -> None:
    """Without the checklist the answers cannot be checked; the rest still can."""

    def change(d):
        d["checklist"] = "kyphoplsty"
        d["patient"]["sex"] = "f"
        d["answers"]["inr"] = "high"

    lines = problems_for(tmp_path, site, change)
    assert fields(lines) == ["checklist", "patient.sex"]
    assert "did you mean 'kyphoplasty'?" in lines[0]


def test_a_valid_header_still_checks_conditions_and_required_answers(
    tmp_path: Path, site: Site
) -> None:
    [line] = problems_for(tmp_path, site, lambda d: d["answers"].pop("inr"))
    assert line.endswith("answers: missing required answers: inr")


def test_a_header_problem_does_not_report_missing_answers(tmp_path: Path, site: Site) -> None:
    """What is required depends on the header (sedation, age): said once the header is valid."""

    def change(d):
        d["patient"]["dob"] = "1951-13-12"
        d["answers"].pop("inr")

    assert fields(problems_for(tmp_path, site, change)) == ["patient.dob"]


def test_an_in_memory_document_reports_everything_too(site: Site) -> None:
    document = example_data()
    document["patient"]["sex"] = "f"
    document["answers"]["inr"] = "high"
    with pytest.raises(InputError) as info:
        prepare_document(site, document, Clock(NOW, fixed=True))
    assert [p.field for p in info.value.problems] == ["patient.sex", "answers.inr"]


def test_the_command_prints_each_problem_on_its_own_line_exit_2(tmp_path: Path) -> None:
    data = example_data()
    data["patient"]["dob"] = "1951-13-12"
    data["procedure"]["scheduled"] = "tomorrow"
    data["answers"]["inr"] = "high"
    path = write_answers(tmp_path, data)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", "--answers", str(path), "--non-interactive", "--now", NOW_TEXT, "--out", str(out)],
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"error: {path}:") for line in lines)
    assert "answers.inr: must be a number, not 'high'" in lines[2]
    assert not out.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("patient"), ["patient"]),
        (lambda d: d.update(procedure=["not", "a", "mapping"]), ["procedure"]),
        (lambda d: d["procedure"].update(scheduled=20261201), ["procedure.scheduled"]),
        (lambda d: d["patient"].update(dob=None), ["patient.dob"]),
        (lambda d: d.update(answers=[1, 2]), ["answers"]),
    ],
)
def test_a_field_pydantic_refused_is_not_reported_twice(
    tmp_path: Path, site: Site, change, expected: list[str]
) -> None:
    assert fields(problems_for(tmp_path, site, change)) == expected
