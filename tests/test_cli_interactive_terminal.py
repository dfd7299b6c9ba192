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

import pexpect
import pytest

from tests.conftest import EXAMPLE, NOW_TEXT, example_data, write_answers

KYPHOCHECK = shutil.which("kyphocheck", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(KYPHOCHECK is None, reason="kyphocheck is not installed")

DOWN, UP, ENTER, SPACE, ESC = "\x1b[B", "\x1b[A", "\r", " ", "\x1b"
TIMEOUT = 20
SETTLE = 0.05


class Terminal:
    """The program in a pseudo-terminal (40 x 120 unless told), answered prompt by prompt."""

    def __init__(self, tmp_path: Path, *args: str, size: tuple[int, int] = (40, 120)) -> None:
        env = {
            **os.environ,
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
            dimensions=size,
            encoding="utf-8",
            timeout=TIMEOUT,
            cwd=str(tmp_path),
        )

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
    ("Antibiotic prophylaxis", DOWN + ENTER),
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
    return next(out.iterdir()).joinpath("record.json").read_bytes()


def only_record(out: Path) -> bytes:
    [folder] = list(out.iterdir())
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
