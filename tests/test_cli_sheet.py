"""`kyphocheck sheet`: many take-home sheets at once; one bad file does not stop the others."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.record import sheets
from kyphocheck.record.log.store import RecordLog
from tests.conftest import NOW_TEXT, PASSPHRASE, example_data, write_answers
from tests.helpers import record_folders

runner = CliRunner()
SHEET_FILES = [
    "record.json",
    "record.json.p7s",
    "take-home.md",
    "take-home.md.p7s",
    "take-home.pdf",
]


def batch(tmp_path: Path, count: int, broken: int | None = None) -> list[Path]:
    """`count` answers files of invented patients (MRN SH-000...); `broken` has a bad INR."""
    files = []
    for number in range(count):
        data = example_data()
        data["patient"]["mrn"] = f"SH-{number:03d}"
        if number == broken:
            data["answers"]["inr"] = "high"
        files.append(write_answers(tmp_path, data, f"patient-{number:03d}.yaml"))
    return files


def sheet(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, ["sheet", "--now", NOW_TEXT, *args], env=env)


def folders(out: Path) -> list[Path]:
    return record_folders(out) if out.exists() else []


def test_one_bad_file_is_reported_and_the_others_are_written(
    tmp_path: Path, identity_files: dict[str, bytes]
) -> None:
    files = batch(tmp_path, 4, broken=2)
    out = tmp_path / "sheets"
    result = sheet("--answers", *map(str, files), "--out", str(out))
    assert result.exit_code == 1
    made = folders(out)
    assert [p.name for p in made] == [f"2026-12-01_kyphoplasty_SH-{n:03d}" for n in (0, 1, 3)]
    for folder in made:
        assert sorted(p.name for p in folder.iterdir()) == SHEET_FILES
    assert f"error: {files[2]}:" in result.stderr
    assert "answers.inr: must be a number, not 'high'" in result.stderr
    assert "3 of 4 sheets written" in result.stdout
    assert "[4/4]" in result.stderr  # plain progress lines off a terminal
    record = json.loads((made[0] / "record.json").read_text())
    assert sorted(record["files"]) == ["take-home.md", "take-home.md.p7s"]
    assert record["signature"] is not None
    verified = runner.invoke(app, ["verify", str(made[0])])
    assert verified.exit_code == 0, verified.output


def test_unsigned_large_print_sheets(tmp_path: Path) -> None:
    out = tmp_path / "sheets"
    files = batch(tmp_path, 2)
    result = sheet("--answers", *map(str, files), "--out", str(out), "--no-sign", "--large-print")
    assert result.exit_code == 0, result.output
    assert "UNSIGNED" in result.stderr
    for folder in folders(out):
        assert sorted(p.name for p in folder.iterdir()) == [
            "record.json",
            "take-home.md",
            "take-home.pdf",
        ]
        record = json.loads((folder / "record.json").read_text())
        assert record["signature"] is None and record["patient"]["large_print"] is True


def test_one_process_and_two_make_the_same_sheets(tmp_path: Path) -> None:
    files = [str(f) for f in batch(tmp_path, 3)]
    made = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        assert sheet("--answers", *files, "--out", str(out), "--no-sign", "-j", jobs).exit_code == 0
        made[jobs] = {
            (f.parent.name, f.name): f.read_bytes() for f in out.glob("*/*") if f.is_file()
        }
    assert made["1"] == made["2"] and len(made["1"]) == 9


def test_spanish_sheet_in_a_batch(tmp_path: Path) -> None:
    data = example_data()
    data["patient"]["language"] = "es"
    answers = write_answers(tmp_path, data)
    out = tmp_path / "sheets"
    assert sheet("--answers", str(answers), "--out", str(out), "--no-sign").exit_code == 0
    text = (folders(out)[0] / "take-home.md").read_text()
    assert "| Hoy, martes, 1 de diciembre de 2026, a las 8:30 a. m. |" in text


def test_ctrl_c_leaves_only_complete_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [str(f) for f in batch(tmp_path, 5)]
    out = tmp_path / "sheets"
    real_write = sheets.write_record_folder
    calls = []

    def write_then_interrupt(*args: Any, **kwargs: Any) -> Path:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as Ctrl-C would, in the middle of the batch
        return real_write(*args, **kwargs)

    monkeypatch.setattr(sheets, "write_record_folder", write_then_interrupt)
    result = sheet("--answers", *files, "--out", str(out), "--no-sign")
    assert result.exit_code == 130
    assert "Interrupted: 2 sheet(s) written" in result.stderr
    made = folders(out)
    assert len(made) == 2 and all(len(list(f.iterdir())) == 3 for f in made)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # nothing half-written


def test_usage_errors(tmp_path: Path) -> None:
    assert sheet("--out", str(tmp_path / "o")).exit_code == 2
    files = batch(tmp_path, 1)
    result = sheet("--answers", str(files[0]))
    assert result.exit_code == 2 and "--out" in result.stderr


@pytest.mark.skipif(
    shutil.which("kyphocheck", path=str(Path(sys.executable).parent)) is None,
    reason="kyphocheck is not installed",
)
def test_progress_bar_at_a_terminal(tmp_path: Path) -> None:
    files = [str(f) for f in batch(tmp_path, 3)]
    program = shutil.which("kyphocheck", path=str(Path(sys.executable).parent))
    assert program is not None
    child = pexpect.spawn(
        program,
        ["sheet", "--answers", *files, "--out", str(tmp_path / "sheets"), "--no-sign"],
        env={**os.environ, "KYPHOCHECK_NOW": NOW_TEXT, "TERM": "xterm", "NO_COLOR": "1"},
        dimensions=(24, 100),
        encoding="utf-8",
        timeout=60,
    )
    child.expect(r"Sheets .* 3/3 \d+\.\d/s")
    child.expect(r"3 of 3 sheets written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_passphrase_file_signs_the_whole_batch(tmp_path: Path) -> None:
    files = [str(f) for f in batch(tmp_path, 2)]
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n")
    env = {"KYPHOCHECK_SIGNER_PASSPHRASE": ""}
    result = sheet(
        "--answers",
        *files,
        "--out",
        str(tmp_path / "s"),
        "--passphrase-file",
        str(passphrase),
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert len(folders(tmp_path / "s")) == 2
    assert "Signed by: Jane Doe, RN (certificate CN=Jane Doe, title=RN," in result.stdout


def test_sheet_made_days_ahead_from_a_short_answers_file(tmp_path: Path) -> None:
    """Before the day-of checks: patient, procedure, medicines and allergies are enough."""
    answers = tmp_path / "ahead.yaml"
    answers.write_text(
        "checklist: kyphoplasty\n"
        'patient: {name: Pat Ahead, mrn: "AH-1", dob: 1948-03-02, sex: male, weight_kg: 80}\n'
        "procedure: {scheduled: 2026-12-04T10:00, timezone: America/Chicago, levels: [L1],\n"
        "            proceduralist: Dr. A. Patel, anesthesia: moderate_sedation}\n"
        "answers:\n"
        "  medications: [{name: Eliquis, dose: 5 mg twice a day}]\n"
        "  allergies: [{substance: iodinated contrast, reaction: hives}]\n"
    )
    out = tmp_path / "sheets"
    for now, expected in (
        # 3 days before 10:00 AM on Friday: 10:00 AM on Tuesday; Monday night is in time.
        ("2026-11-29T16:00-06:00", "take your last dose no later than **Monday night**"),
        # Past it, with no last dose known: call today, no deadline to meet.
        ("2026-12-01T16:00-06:00", "We need to know when you took your last dose of"),
    ):
        result = runner.invoke(
            app, ["sheet", "--answers", str(answers), "--out", str(out), "--no-sign", "--now", now]
        )
        assert result.exit_code == 0, result.output
        sheet_text = (
            max(record_folders(out), key=lambda p: p.stat().st_mtime) / "take-home.md"
        ).read_text()
        assert expected in sheet_text
        assert "**9:00 PM on Thursday, December 3**: prednisone 50 mg, by mouth." in sheet_text
        assert "Take these pills at home, with a small sip of water:" in sheet_text
    spanish = answers.read_text().replace("weight_kg: 80}", "weight_kg: 80, language: es}")
    answers.write_text(spanish)
    result = runner.invoke(
        app,
        ["sheet", "--answers", str(answers), "--out", str(tmp_path / "es"), "--no-sign"]
        + ["--now", "2026-11-29T16:00-06:00"],
    )
    assert result.exit_code == 0, result.output
    sheet_text = record_folders(tmp_path / "es")[0].joinpath("take-home.md").read_text()
    assert "**a las 9:00 p. m. del jueves 3 de diciembre**: prednisona 50 mg, por boca." in (
        sheet_text
    )
    assert "Tome estas pastillas en casa, con un sorbito de agua:" in sheet_text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_stops_like_ctrl_c_with_only_whole_sheets(
    tmp_path: Path, sig: signal.Signals
) -> None:
    files = [str(f) for f in batch(tmp_path, 40)]
    out = tmp_path / "sheets"
    command = [sys.executable, "-m", "kyphocheck", "sheet", "--answers", *files]
    command += ["--out", str(out), "--no-sign", "--now", NOW_TEXT, "-j", "2"]
    stderr = tmp_path / "stderr"
    with stderr.open("wb") as errors:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
        )
    try:
        deadline = time.monotonic() + 60
        while not (out.is_dir() and record_folders(out)):
            assert process.poll() is None, stderr.read_text()
            assert time.monotonic() < deadline, "no sheet was written in 60 s"
            time.sleep(0.01)
        process.send_signal(sig)  # as a supervisor stopping the batch would
        stdout, _ = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    messages = stderr.read_text()
    assert process.returncode == 130, messages
    made = folders(out)
    written = re.search(
        r"Interrupted: (\d+) sheet\(s\) written to .+, each complete; (\d+) not made", messages
    )
    assert written is not None, messages
    assert int(written[1]) == len(made) and int(written[2]) == 40 - len(made)
    assert 1 <= len(made) < 40 and stdout == b""  # stopped, not finished
    for folder in made:
        assert sorted(p.name for p in folder.iterdir()) == [
            "record.json",
            "take-home.md",
            "take-home.pdf",
        ]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # nothing half-written


def test_a_sheet_written_just_before_an_interrupt_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [str(f) for f in batch(tmp_path, 4)]
    out = tmp_path / "sheets"
    real_append = RecordLog.append

    def append_then_interrupt(self: RecordLog, *args: Any) -> Any:
        entry = real_append(self, *args)
        if len(folders(out)) == 2:
            raise KeyboardInterrupt  # as SIGTERM would, the moment the second sheet is logged
        return entry

    monkeypatch.setattr(RecordLog, "append", append_then_interrupt)
    result = sheet("--answers", *files, "--out", str(out), "--no-sign")
    assert result.exit_code == 130
    assert "Interrupted: 2 sheet(s) written" in result.stderr
    assert "each complete; 2 not made" in result.stderr
    assert len(folders(out)) == 2


def test_jobs_below_one_is_one_clear_line(tmp_path: Path) -> None:
    """Without typer's range check, whose help showed `<int range> [x>=1]`."""
    [answers] = batch(tmp_path, 1)
    result = sheet("--answers", str(answers), "--out", str(tmp_path / "o"), "--jobs", "0")
    assert result.exit_code == 2
    assert result.stderr == "error: --jobs: give 1 or more processes, not 0\n"
    assert not (tmp_path / "o").exists()


NO_PHONE = "the take-home sheet has no phone number to call"


def test_sheets_without_a_site_warn_once_that_they_have_no_phone(tmp_path: Path) -> None:
    files = batch(tmp_path, 3)
    result = sheet("--answers", *map(str, files), "--out", str(tmp_path / "out"), "--no-sign")
    assert result.exit_code == 0, result.output
    assert result.stderr.count(NO_PHONE) == 1
    assert "no site folder (--site)" in result.stderr


def test_sheets_of_a_site_with_the_sheet_fields_do_not_warn(tmp_path: Path) -> None:
    from kyphocheck.site.folder import defaults_root

    files = batch(tmp_path, 2)
    site = defaults_root() / "examples" / "site"
    result = sheet(
        "--answers",
        *map(str, files),
        "--out",
        str(tmp_path / "out"),
        "--no-sign",
        "--site",
        str(site),
    )
    assert result.exit_code == 0, result.output
    assert NO_PHONE not in result.stderr and "arrival" not in result.stderr
