"""`kyphocheck run`: exit codes, what is written, and golden documents."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.site.folder import defaults_root
from tests.conftest import EXAMPLE, NOW_TEXT, example_data, write_answers
from tests.helpers import record_folders

GOLDEN = Path(__file__).parent / "golden"
runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["run", *args], env=env)


def run_example(out: Path, *extra: str, answers: Path = EXAMPLE):
    return run(
        "--answers", str(answers), "--non-interactive", "--now", NOW_TEXT, "--out", str(out), *extra
    )


def only_folder(out: Path) -> Path:
    folders = record_folders(out)
    assert len(folders) == 1, folders
    return folders[0]


def test_example_run_writes_the_record(tmp_path: Path) -> None:
    result = run_example(tmp_path / "out", "--no-sign")
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path / "out")
    assert folder.name == "2026-12-01_kyphoplasty_00482913"
    assert sorted(p.name for p in folder.iterdir()) == [
        "record.json",
        "summary.md",
        "summary.pdf",
        "take-home.md",
        "take-home.pdf",
    ]
    assert "CLEARED" in result.stdout and str(folder) in result.stdout
    record = json.loads((folder / "record.json").read_text())
    assert record["schema"] == "kyphocheck.record/1"
    assert record["clock"] == "fixed" and record["created_at"] == "2026-12-01T07:45:00-06:00"
    assert record["signature"] is None and record["cleared"] is True
    assert set(record["templates"]) == {
        "summary.md.j2",
        "take-home.md.j2",
        "document.html.j2",
        "print.css",
    }
    assert record["checklist"]["id"] == "kyphoplasty" and len(record["checklist"]["sha256"]) == 64
    assert {f["id"] for f in record["findings"]} == {
        "taking:sertraline",
        "allergy:iodine_or_shellfish",
        "allergy:beta_lactam",
    }
    for finding in record["findings"]:
        assert set(finding) == {"id", "severity", "item", "message", "source"}


def test_summary_separates_questions_not_asked_from_answers_left_empty(tmp_path: Path) -> None:
    data = example_data()
    del data["answers"]["creatinine"]  # optional: asked, left empty
    result = run_example(tmp_path / "out", "--no-sign", answers=write_answers(tmp_path, data))
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path / "out")
    record = json.loads((folder / "record.json").read_text())
    # A woman of 75 cannot be asked about pregnancy; no GLP-1 medicine, no GLP-1 symptoms.
    assert record["not_applicable"] == ["pregnancy_status", "gi_symptoms_today"]
    summary = (folder / "summary.md").read_text()
    assert "| Serum creatinine | no answer |" in summary
    not_asked = summary.split("Not asked, as they did not apply to this patient:")[1]
    assert "- Pregnancy status\n" in not_asked
    assert "- Nausea, vomiting or bloating today" in not_asked
    assert "| Pregnancy status |" not in summary


@pytest.mark.parametrize(
    ("language", "document", "golden_name"),
    [
        ("en", "summary.md", "example-summary.md"),
        ("en", "take-home.md", "example-take-home.md"),
        ("es", "take-home.md", "example-take-home.es.md"),
    ],
)
def test_golden_documents(tmp_path: Path, language: str, document: str, golden_name: str) -> None:
    data = example_data()
    data["patient"]["language"] = language
    answers = write_answers(tmp_path, data)
    result = run_example(tmp_path / "out", "--no-sign", answers=answers)
    assert result.exit_code == 0, result.output
    assert "no take-home template" not in result.stderr
    produced = (only_folder(tmp_path / "out") / document).read_text()
    golden = GOLDEN / golden_name
    if os.environ.get("KYPHOCHECK_UPDATE_GOLDEN"):
        golden.write_text(produced)
    assert produced == golden.read_text(), "regenerate with KYPHOCHECK_UPDATE_GOLDEN=1 if intended"


def test_same_input_same_record_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_example(out, "--no-sign").exit_code == 0
    assert run_example(out, "--no-sign").exit_code == 0
    first, second = record_folders(out)
    assert second.name == first.name + "_2"
    assert (first / "record.json").read_bytes() == (second / "record.json").read_bytes()


def test_files_are_owner_only(tmp_path: Path) -> None:
    assert run_example(tmp_path / "out", "--no-sign").exit_code == 0
    folder = only_folder(tmp_path / "out")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}


def test_patient_text_is_data(tmp_path: Path) -> None:
    data = example_data()
    data["patient"]["name"] = "{{ 7*7 }} <b>x</b> **y**"
    data["patient"]["mrn"] = "../../x"
    result = run_example(tmp_path / "out", "--no-sign", answers=write_answers(tmp_path, data))
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path / "out")
    assert folder.name == "2026-12-01_kyphoplasty_x"
    for document in ("summary.md", "take-home.md"):
        text = (folder / document).read_text()
        assert r"\{\{ 7\*7 \}\} &lt;b&gt;x&lt;/b&gt; \*\*y\*\*" in text
        assert "{{" not in text and "<b>" not in text and "**y**" not in text
    assert (
        json.loads((folder / "record.json").read_text())["patient"]["name"]
        == "{{ 7*7 }} <b>x</b> **y**"
    )


def test_bad_answers_exit_2_and_write_nothing(tmp_path: Path) -> None:
    data = example_data()
    data["answers"]["inr"] = "high"
    data["answers"]["fever"] = "no"
    result = run_example(tmp_path / "out", answers=write_answers(tmp_path, data))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith("error: ") and "answers.yaml:" in line for line in lines)
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("option", "line"),
    [
        (
            "vertebroplasty",
            "checklist: the file is for 'kyphoplasty' but --checklist says 'vertebroplasty'",
        ),
        ("kypho", "--checklist: unknown checklist 'kypho'; did you mean 'kyphoplasty'?"),
    ],
)
def test_checklist_option_never_silently_loses_to_the_file(
    tmp_path: Path, option: str, line: str
) -> None:
    result = run_example(tmp_path / "out", "--checklist", option)
    assert result.exit_code == 2
    [error] = result.stderr.strip().splitlines()
    assert line in error
    assert not (tmp_path / "out").exists()


def test_checklist_option_that_agrees_with_the_file_runs(tmp_path: Path) -> None:
    assert run_example(tmp_path / "out", "--checklist", "kyphoplasty").exit_code == 0


def test_unknown_override_exit_2(tmp_path: Path) -> None:
    data = example_data()
    data["overrides"] = [{"finding": "no_drvier", "by": "Dr. A. Patel", "reason": "checked"}]
    result = run_example(tmp_path / "out", answers=write_answers(tmp_path, data))
    assert result.exit_code == 2
    assert "no finding 'no_drvier' in this record" in result.stderr
    assert not (tmp_path / "out").exists()


def _stop_patient(tmp_path: Path, override: bool = False) -> Path:
    data = example_data()
    data["answers"]["driver_arranged"] = False
    for key in ("driver_name", "driver_phone"):
        data["answers"].pop(key)
    if override:
        data["overrides"] = [
            {
                "finding": "no_driver",
                "by": "Dr. A. Patel",
                "reason": "Admitted overnight; ward transport home.",
            }
        ]
    return write_answers(tmp_path, data)


def test_fail_on_stop_exit_3_with_record_written(tmp_path: Path) -> None:
    result = run_example(tmp_path / "out", "--fail-on", "stop", answers=_stop_patient(tmp_path))
    assert result.exit_code == 3, result.output
    record = json.loads((only_folder(tmp_path / "out") / "record.json").read_text())
    assert record["cleared"] is False
    assert "NOT CLEARED" in result.stdout


def test_stop_without_fail_on_exits_0(tmp_path: Path) -> None:
    assert run_example(tmp_path / "out", answers=_stop_patient(tmp_path)).exit_code == 0


def test_override_clears_the_record(tmp_path: Path) -> None:
    result = run_example(
        tmp_path / "out", "--fail-on", "stop", answers=_stop_patient(tmp_path, True)
    )
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path / "out")
    record = json.loads((folder / "record.json").read_text())
    assert record["cleared"] is True
    assert record["overrides"][0]["reason"] == "Admitted overnight; ward transport home."
    assert "OVERRIDDEN by Dr. A. Patel" in (folder / "summary.md").read_text()


def test_fail_on_notify(tmp_path: Path) -> None:
    data = example_data()
    data["answers"]["fever"] = True
    result = run_example(
        tmp_path / "out", "--fail-on", "notify", answers=write_answers(tmp_path, data)
    )
    assert result.exit_code == 3
    assert (
        run_example(
            tmp_path / "out2", "--fail-on", "stop", answers=write_answers(tmp_path, data)
        ).exit_code
        == 0
    )


def test_no_sign_warns_and_marks_the_record(tmp_path: Path) -> None:
    result = run_example(tmp_path / "b", "--no-sign")
    assert "--no-sign: the record is an UNSIGNED draft" in result.stderr
    folder = only_folder(tmp_path / "b")
    assert "UNSIGNED DRAFT" in (folder / "summary.md").read_text()
    assert json.loads((folder / "record.json").read_text())["signature"] is None


def test_bad_now_exit_2(tmp_path: Path) -> None:
    result = run("--answers", str(EXAMPLE), "--now", "yesterday", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "--now: 'yesterday' is not an ISO 8601 timestamp" in result.stderr


def test_now_from_environment(tmp_path: Path) -> None:
    result = run(
        "--answers",
        str(EXAMPLE),
        "--non-interactive",
        "--no-sign",
        "--out",
        str(tmp_path / "o"),
        env={"KYPHOCHECK_NOW": NOW_TEXT},
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", ["run", "sheet", "check", "signer show"])
def test_bad_now_from_environment_names_the_variable(command: str, tmp_path: Path) -> None:
    args = {
        "run": ["--answers", str(EXAMPLE), "--non-interactive", "--out", str(tmp_path / "o")],
        "sheet": ["--answers", str(EXAMPLE), "--out", str(tmp_path / "o")],
    }.get(command, [])
    result = runner.invoke(app, [*command.split(), *args], env={"KYPHOCHECK_NOW": "yesterday"})
    assert result.exit_code == 2, result.output
    assert "KYPHOCHECK_NOW: 'yesterday' is not an ISO 8601 timestamp" in result.stderr
    assert "--now" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_system_clock_refuses_the_example_on_any_other_day(tmp_path: Path) -> None:
    """Without --now the real clock is used: before the example's day its events are in the
    future; after it, its start is in the past. Either way nothing is written."""
    answers = write_answers(tmp_path, example_data())  # without the fixture's own clock
    result = run("--answers", str(answers), "--non-interactive", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "is later than now" in result.stderr or "before now" in result.stderr
    assert not (tmp_path / "o").exists()


def test_without_a_terminal_exit_2_naming_the_flags(tmp_path: Path) -> None:
    result = run("--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no terminal to ask questions on: use --non-interactive with --answers FILE" in (
        result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_non_interactive_needs_answers(tmp_path: Path) -> None:
    result = run("--non-interactive", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "--non-interactive needs --answers FILE" in result.stderr


def test_unknown_option_exit_2() -> None:
    assert run("--frobnicate").exit_code == 2


def test_unwritable_out_exit_1(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_example(blocker / "out", "--no-sign")
    assert result.exit_code == 1
    assert "cannot create the output folder" in result.stderr


def test_site_folder_from_environment_and_output_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(
        f"name: Test Hospital\nclinic_phone: 555-0100\noutput_folder: {tmp_path / 'site-out'}\n"
    )
    result = run(
        "--answers",
        str(EXAMPLE),
        "--non-interactive",
        "--no-sign",
        "--now",
        NOW_TEXT,
        env={"KYPHOCHECK_SITE": str(site)},
    )
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path / "site-out")
    assert "the clinic at 555-0100" in (folder / "take-home.md").read_text()
    assert json.loads((folder / "record.json").read_text())["site"]["name"] == "Test Hospital"


def test_bad_site_yaml_exit_2(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text("name: X\ntimezone: Mars/Olympus\n")
    result = run_example(tmp_path / "out", "--site", str(site))
    assert result.exit_code == 2
    assert "site.yaml:2: timezone: unknown time zone 'Mars/Olympus'" in result.stderr


def test_site_template_overrides_default(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "templates").mkdir(parents=True)
    (site / "templates" / "take-home.md.j2").write_text(
        "Site sheet for {{ record.patient.name }}\n"
    )
    result = run_example(tmp_path / "out", "--no-sign", "--site", str(site))
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path / "out")
    assert (folder / "take-home.md").read_text() == "Site sheet for Maria Lopez\n"
    assert "# Kyphoplasty pre-procedure checklist" in (folder / "summary.md").read_text()


def test_broken_site_template_exit_2_nothing_written(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "templates").mkdir(parents=True)
    (site / "templates" / "take-home.md.j2").write_text("ok\n{{ record.nope }}\n")
    result = run_example(tmp_path / "out", "--site", str(site))
    assert result.exit_code == 2
    assert "templates/take-home.md.j2" in result.stderr and "nope" in result.stderr
    assert not (tmp_path / "out").exists()


def test_broken_site_layout_exit_2_one_line_nothing_written(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "templates").mkdir(parents=True)
    layout = (defaults_root() / "templates" / "document.html.j2").read_text()
    (site / "templates" / "document.html.j2").write_text(
        layout.replace("<main>", "<main>{{ record.nope }}")
    )
    result = run_example(tmp_path / "out", "--no-sign", "--site", str(site))
    assert result.exit_code == 2
    assert "templates/document.html.j2:" in result.stderr and "nope" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_language_without_translation_falls_back_with_warning(tmp_path: Path) -> None:
    data = example_data()
    data["patient"]["language"] = "fr"
    result = run_example(tmp_path / "out", "--no-sign", answers=write_answers(tmp_path, data))
    assert result.exit_code == 0
    assert "no take-home template for language 'fr'" in result.stderr
    sheet = (only_folder(tmp_path / "out") / "take-home.md").read_text()
    assert "Tuesday, December 1, 2026" in sheet  # English throughout, dates included


def test_vertebroplasty(tmp_path: Path) -> None:
    data = example_data()
    data["checklist"] = "vertebroplasty"
    result = run_example(tmp_path / "out", "--no-sign", answers=write_answers(tmp_path, data))
    assert result.exit_code == 0, result.output
    folder = only_folder(tmp_path / "out")
    assert folder.name == "2026-12-01_vertebroplasty_00482913"
    sheet = (folder / "take-home.md").read_text()
    assert sheet.startswith("# Your vertebroplasty: what to do")
    assert "Vertebroplasty treats a broken bone" not in sheet  # made on the day: after-care first


def test_debug_shows_traceback(tmp_path: Path) -> None:
    data = example_data()
    data["answers"]["inr"] = "high"
    result = runner.invoke(
        app,
        [
            "--debug",
            "run",
            "--non-interactive",
            "--answers",
            str(write_answers(tmp_path, data)),
            "--now",
            NOW_TEXT,
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code != 0
    assert result.exception is not None and type(result.exception).__name__ == "InputError"


def test_interrupt_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("kyphocheck.record.pipeline.write_record", interrupted)
    result = run_example(tmp_path / "out")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr


@pytest.mark.parametrize(
    ("scheduled", "clock", "problem"),
    [
        ("2026-12-01T08:30", "2026-12-03T08:30-06:00", "is 2 days before now"),
        ("2028-12-01T08:30", "2026-12-01T07:45-06:00", "is more than a year after now"),
    ],
)
def test_an_unexpected_start_in_a_file_is_an_input_error_on_the_real_clock(
    tmp_path: Path, site, scheduled: str, clock: str, problem: str
) -> None:
    from datetime import datetime

    from kyphocheck.errors import InputError
    from kyphocheck.intake.prepare import prepare
    from kyphocheck.times import Clock

    data = example_data()
    data["procedure"]["scheduled"] = scheduled
    path = write_answers(tmp_path, data)
    with pytest.raises(InputError) as info:
        prepare(site, path, Clock(datetime.fromisoformat(clock), fixed=False))
    [line] = info.value.lines()
    assert "answers.yaml:" in line and "procedure.scheduled: the scheduled start" in line
    assert problem in line and "give --now" in line
    # With the clock fixed by --now the moment is the user's: a record made after the event.
    prepare(site, path, Clock(datetime.fromisoformat(clock), fixed=True))


def test_a_procedure_running_late_is_noted_not_refused(tmp_path: Path, site) -> None:
    from datetime import datetime

    from kyphocheck.intake.prepare import prepare
    from kyphocheck.times import Clock

    late = Clock(datetime.fromisoformat("2026-12-01T09:10-06:00"), fixed=False)
    prepared = prepare(site, write_answers(tmp_path, example_data()), late)
    assert prepared.encounter.notes == (
        "the scheduled start Tue 01 Dec 2026 08:30 is 0 h 40 min before now "
        "(Tue 01 Dec 2026 09:10): running late",
    )


def test_a_run_without_a_site_warns_once_that_the_sheet_has_no_phone(tmp_path: Path) -> None:
    result = run_example(tmp_path / "out", "--no-sign")
    assert result.exit_code == 0, result.output
    message = (
        "warning: no site folder (--site): the take-home sheet has no phone number to call "
        "and no arrival time or place"
    )
    assert result.stderr.count(message) == 1
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text("name: Test Hospital\narrival_place: Door 3\n")
    result = run_example(tmp_path / "out2", "--no-sign", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert (
        f"{site / 'site.yaml'} sets no clinic_phone, arrive_minutes_before: the take-home sheet "
        "has no phone number to call and no arrival time or place"
    ) in result.stderr
