"""End to end in a real pseudo-terminal (pexpect), as a nurse uses it: the installed program."""

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
import pyte
import pytest

from tests.conftest import EXAMPLE, NOW_TEXT, example_data, write_answers
from tests.helpers import record_folders

KYPHOCHECK = shutil.which("kyphocheck", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(KYPHOCHECK is None, reason="kyphocheck is not installed")

DOWN, UP, ENTER, SPACE, ESC = "\x1b[B", "\x1b[A", "\r", " ", "\x1b"
TIMEOUT = 20
SETTLE = 0.05


class Screen:
    """What the terminal shows, row by row (pyte reads what the program writes)."""

    def __init__(self, rows: int, columns: int) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.Stream(self.screen)

    def write(self, data: str) -> None:
        self.stream.feed(data)

    def flush(self) -> None:
        pass

    def rows(self) -> list[str]:
        return [row.rstrip() for row in self.screen.display]


class Terminal:
    """The program in a pseudo-terminal (40 x 120 unless told), answered prompt by prompt."""

    def __init__(
        self,
        tmp_path: Path,
        *args: str,
        columns: int = 120,
        size: tuple[int, int] | None = None,
    ) -> None:
        rows, columns = size or (40, columns)
        inherited = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env = {
            **inherited,  # the tests' own width is not the terminal's
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "NO_COLOR": "1",
            "TERM": "xterm",
            "KYPHOCHECK_NOW": NOW_TEXT,
            # pexpect does not answer cursor-position requests; without this prompt_toolkit
            # waits for the answer and may take our first keys for it.
            "PROMPT_TOOLKIT_NO_CPR": "1",
        }
        self.child = pexpect.spawn(
            KYPHOCHECK,
            list(args),
            env=env,
            dimensions=(rows, columns),
            encoding="utf-8",
            timeout=TIMEOUT,
            cwd=str(tmp_path),
        )
        self.screen = Screen(rows, columns)
        self.child.logfile_read = self.screen

    def expect(self, text: str) -> None:
        """Wait for `text`; a leading "? " is questionary's marker, styled apart from the text."""
        if text.startswith("? "):
            self.child.expect(r"\?(?:\x1b\[[0-9;]*m)*\s*" + re.escape(text[2:]))
        else:
            self.child.expect(re.escape(text))

    def answer(self, prompt: str, keys: str) -> None:
        """Type `keys` once `prompt` is drawn (a render ends by turning autowrap back on)."""
        self.expect(prompt)
        self.child.expect(re.escape("\x1b[?7h"))
        # Keys that arrive while prompt_toolkit switches the terminal between two prompts can
        # be lost (seen once in fifteen runs); a person never types that fast.
        time.sleep(SETTLE)
        self.child.send(keys)

    def shows(self, text: str) -> list[str]:
        """The screen's rows once one of them shows `text` (drawn in pieces, styled apart)."""
        deadline = time.monotonic() + TIMEOUT
        while not any(text in row for row in self.screen.rows()):
            assert time.monotonic() < deadline, self.screen.rows()
            self.child.expect([pexpect.TIMEOUT], timeout=0.1)
        return self.screen.rows()

    def walk(self, steps: list[tuple[str, str]]) -> None:
        for prompt, keys in steps:
            self.answer(prompt, keys)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return int(self.child.exitstatus if self.child.exitstatus is not None else -1)


HEADER = [
    ("Patient's full name", "Maria Lopez\r"),
    ("? MRN", "00482913\r"),
    ("Date of birth", "1951-04-12\r"),
    ("? Sex", ENTER),
    ("Weight (kg)", "62\r"),
    ("Language of the take-home sheet", ENTER),
    ("Time zone", "America/Chicago\r"),
    ("Scheduled start", "2026-12-01 08:30\r"),
    ("Vertebral levels", "T12, L1\r"),
    ("? Proceduralist", "Dr. A. Patel\r"),
    ("? Anaesthesia", DOWN + ENTER),
]
IDENTITY = [
    ("Identity verified", "y"),
    ("consent signed", "y"),
    ("History and physical", "y"),
    ("Does imaging", "y"),
    ("Does the pain", "y"),
]
ELIQUIS_START = [
    ("? Medicines", ENTER),
    ("Medicine (brand or generic name)", "Eliquis\r"),
    ("Last dose taken", "2026-11-27 20:00\r"),
]
ELIQUIS_END = [("Dose and how often", "5 mg twice a day\r"), ("prescriber approve", "y")]
SERTRALINE = [
    ("? Medicines", ENTER),
    ("Medicine (brand or generic name)", "sertraline\r"),
    ("Last dose taken", "2026-12-01 06:00\r"),
    ("Dose and how often", "50 mg daily\r"),
    ("? Medicines", DOWN * 3 + ENTER),
]
ALLERGIES = [
    ("? Allergies", ENTER),
    ("What kind of allergy", DOWN * 6 + ENTER),
    ("Substance", "shellfish\r"),
    ("Reaction", "hives\r"),
    ("? Allergies", ENTER),
    ("What kind of allergy", DOWN * 6 + ENTER),
    ("Substance", "penicillin\r"),
    ("Reaction", "rash\r"),
    ("? Allergies", DOWN * 3 + ENTER),
]
REST = [
    ("last eat solid food", "2026-11-30 22:00\r"),
    ("What was that meal", ENTER),
    ("last drink clear liquids", "2026-12-01 05:30\r"),
    ("drive the patient home", "y"),
    ("Driver's name", "Ana Lopez\r"),
    ("Driver's phone", "555-0142\r"),
    ("blood tests were drawn", "2026-11-24\r"),
    ("? INR", "1.1\r"),
    ("Platelet count", "210\r"),
    ("Haemoglobin", "12.4\r"),
    ("Serum creatinine", "0.9\r"),
    ("active infection", "n"),
    ("Fever (38.0", "n"),
    ("new numbness", "n"),
    ("lie face down", "y"),
    ("Pre-anaesthesia assessment", "y"),
    ("Difficult airway", "n"),
    ("systolic", "138\r"),
    ("diastolic", "82\r"),
    ("Heart rate", "76\r"),
    ("Oxygen saturation", "97\r"),
    ("Temperature", "36.8\r"),
    ("Monitoring on the patient", SPACE + DOWN + SPACE + DOWN + SPACE + ENTER),
    ("IV access", "y"),
    ("Site marking", ENTER),
    ("Labelled imaging", "y"),
    # The penicillin allergy makes the protocol's alternative, clindamycin, the default.
    ("Antibiotic prophylaxis", ENTER),
    ("Balloon kit", "y"),
    ("? Review", ENTER),
]


def scripted_record(tmp_path: Path) -> bytes:
    out = tmp_path / "scripted"
    subprocess.run(
        [
            KYPHOCHECK,
            "run",
            "--answers",
            str(EXAMPLE),
            "--non-interactive",
            "--no-sign",
            "--now",
            NOW_TEXT,
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return record_folders(out)[0].joinpath("record.json").read_bytes()


def only_record(out: Path) -> bytes:
    [folder] = record_folders(out)
    return (folder / "record.json").read_bytes()


def drafts_of(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "data" / "kyphocheck" / "drafts").glob("*.json"))


def test_full_run_from_an_empty_start(tmp_path: Path) -> None:
    term = Terminal(tmp_path, "run", "--checklist", "kyphoplasty", "--no-sign", "--out", "out")
    term.walk([*HEADER, *IDENTITY, *ELIQUIS_START, *ELIQUIS_END, *SERTRALINE, *ALLERGIES, *REST])
    term.expect("Record written:")
    assert term.finish() == 0
    assert only_record(tmp_path / "out") == scripted_record(tmp_path)
    assert drafts_of(tmp_path) == []


def test_ctrl_c_in_the_medication_list_then_resume(tmp_path: Path) -> None:
    data = example_data()
    del data["answers"]["medications"]
    answers = write_answers(tmp_path, data)
    term = Terminal(tmp_path, "run", "--answers", str(answers), "--no-sign", "--out", "out")
    term.walk(ELIQUIS_START)
    term.expect("Dose and how often")
    term.child.sendcontrol("c")
    term.expect("Interrupted: the draft is saved. Resume with: kyphocheck resume")
    assert term.finish() == 130
    [draft] = drafts_of(tmp_path)
    assert draft.stat().st_mode & 0o777 == 0o600
    pending = json.loads(draft.read_text())["pending"]["entry"]
    assert pending["name"] == "Eliquis" and pending["last_dose"].startswith("2026-11-27T20:00")

    term = Terminal(tmp_path, "resume")
    term.expect("Resuming draft")
    term.walk([*ELIQUIS_END, *SERTRALINE, ("? Review", ENTER)])
    term.expect("Record written:")
    assert term.finish() == 0
    assert only_record(tmp_path / "out") == scripted_record(tmp_path)
    assert drafts_of(tmp_path) == []


def test_change_an_answer_from_the_review(tmp_path: Path) -> None:
    answers = write_answers(tmp_path, example_data())
    term = Terminal(tmp_path, "run", "--answers", str(answers), "--no-sign", "--out", "out")
    term.answer("? Review", DOWN + ENTER)
    # The patient and the procedure (11 fields) come first, then the items in order.
    term.answer("Change which answer?", DOWN * 21 + ENTER)
    term.answer("drive the patient home", "n")
    term.expect("New finding")
    term.expect("STOP  No driver is arranged after sedation")
    # With a stop open, Finish is not the default: it is one up from "Change an answer".
    term.answer("? Review", UP + ENTER)
    term.answer("stop finding(s) have no override", ENTER)
    term.expect("NOT CLEARED")
    assert term.finish() == 0
    record = json.loads(only_record(tmp_path / "out"))
    assert record["cleared"] is False
    assert "driver_name" not in record["answers"]


def test_escape_leaves_a_menu_for_the_review_on_an_80_by_24_terminal(tmp_path: Path) -> None:
    answers = write_answers(tmp_path, example_data())
    term = Terminal(
        tmp_path, "run", "--answers", str(answers), "--no-sign", "--out", "out", size=(24, 80)
    )
    term.expect("Patient: check against the wristband")
    term.answer("? Review", DOWN + ENTER)
    # The change list says what each answer is now; Esc leaves it.
    term.expect("Change which answer?")
    term.answer("Scheduled start — Tuesday 1 December 2026, 08:30 CST", ESC)
    term.expect("Patient: check against the wristband")  # the review again, the patient on top
    term.answer("? Review", ENTER)
    term.expect("Record written:")
    assert term.finish() == 0
    assert only_record(tmp_path / "out") == scripted_record(tmp_path)


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_closed_terminal_or_sigterm_saves_the_draft(tmp_path: Path, sig: int) -> None:
    term = Terminal(tmp_path, "run", "--checklist", "vertebroplasty", "--out", "out")
    term.walk(HEADER[:3])
    term.expect("? Sex")
    term.child.kill(sig)
    term.child.expect(pexpect.EOF)
    term.child.close()
    assert term.child.exitstatus == 130, (term.child.exitstatus, term.child.signalstatus)
    [draft] = drafts_of(tmp_path)
    document = json.loads(draft.read_text())["document"]
    assert document["patient"] == {"name": "Maria Lopez", "mrn": "00482913", "dob": "1951-04-12"}
    assert document["checklist"] == "vertebroplasty"
    assert not (tmp_path / "out").exists()


def test_no_terminal_fails_before_any_prompt(tmp_path: Path) -> None:
    result = subprocess.run(
        [KYPHOCHECK, "run", "--checklist", "kyphoplasty"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
        timeout=60,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: no terminal to ask questions on: use --non-interactive with --answers FILE"
    )
    assert result.stdout == ""
    assert not (tmp_path / "data").exists()


def without(*fields: str) -> dict[str, Any]:
    """The example's answers without these answers (or `patient.x`, `procedure.x`)."""
    data = example_data()
    for field in fields:
        part, _, key = field.rpartition(".")
        del data[part or "answers"][key]
    return data


def run_answers(tmp_path: Path, data: dict[str, Any], columns: int = 120) -> Terminal:
    answers = write_answers(tmp_path, data)
    return Terminal(
        tmp_path, "run", "--answers", str(answers), "--no-sign", "--out", "out", columns=columns
    )


def test_enter_at_a_yes_no_without_default_says_type_y_or_n(tmp_path: Path) -> None:
    term = run_answers(tmp_path, without("identity_verified"))
    term.answer("Identity verified", ENTER)
    term.expect("type y or n")
    term.answer("Identity verified", "y")
    term.answer("? Review", ENTER)
    term.expect("Record written:")
    assert term.finish() == 0
    assert json.loads(only_record(tmp_path / "out"))["answers"]["identity_verified"] is True


@pytest.mark.parametrize(
    ("field", "prompt", "typed", "refusal"),
    [
        (
            "last_solid_food",
            "? When did the patient last eat solid food?",
            "tomorrow 22:00",
            ["  Wed 02 Dec 2026 22:00 is later than now (Tue 01 Dec 2026", "  07:45)"],
        ),
        (  # a prompt with completions kept eight rows for their menu above its refusals
            "procedure.timezone",
            "? Time zone (IANA, e.g. America/Chicago)",
            "america/chi",
            ["  unknown time zone 'america/chi' (use an IANA name like", "  America/Chicago)"],
        ),
    ],
    ids=["text", "completed"],
)
def test_a_refusal_is_wrapped_under_its_prompt_at_60_columns(
    tmp_path: Path, field: str, prompt: str, typed: str, refusal: list[str]
) -> None:
    term = run_answers(tmp_path, without(field), columns=60)
    term.answer(prompt, typed + ENTER)
    rows = term.shows(refusal[-1])
    at = next(i for i, row in enumerate(rows) if row.startswith(prompt))
    assert rows[at + 1 : at + 1 + len(refusal)] == refusal, rows
    term.child.sendcontrol("c")
    assert term.finish() == 130


def test_a_fahrenheit_temperature_is_recorded_in_celsius_on_her_word(tmp_path: Path) -> None:
    term = run_answers(tmp_path, without("temperature_c"))
    term.answer("Temperature (C)", "98.6" + ENTER)
    term.expect("that looks like Fahrenheit (37.0 C)?")
    term.answer("Record 37.0 C instead?", "y")
    term.answer("? Review", ENTER)
    term.expect("Record written:")
    assert term.finish() == 0
    assert json.loads(only_record(tmp_path / "out"))["answers"]["temperature_c"] == 37.0


def test_time_zone_names_complete_in_any_case(tmp_path: Path) -> None:
    term = run_answers(tmp_path, without("procedure.timezone"))
    term.answer("Time zone", "america/chi")
    term.shows("America/Chihuahua")  # the menu, as she types
    term.child.send("\t" + ENTER)
    term.answer("? Review", ENTER)
    term.expect("Record written:")
    assert term.finish() == 0
    assert json.loads(only_record(tmp_path / "out"))["procedure"]["timezone"] == "America/Chicago"
