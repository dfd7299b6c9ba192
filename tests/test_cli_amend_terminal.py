"""`kyphocheck amend` at a real terminal (pexpect): the run's review, pre-filled, then signed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, NOW_TEXT
from tests.helpers import record_folders
from tests.test_cli_interactive_terminal import (
    DOWN,
    KYPHOCHECK,
    UP,
    Terminal,
    drafts_of,
)

pytestmark = pytest.mark.skipif(KYPHOCHECK is None, reason="kyphocheck is not installed")
# In the review's "Change which answer?": the 11 patient and procedure fields, then the items.
DRIVER = DOWN * 21 + "\r"


def signed_record(tmp_path: Path) -> Path:
    """A signed record of the example (the test's own signer, from its config folder)."""
    subprocess.run(
        [KYPHOCHECK, "run", "--answers", str(EXAMPLE), "--non-interactive", "--now", NOW_TEXT]
        + ["--out", str(tmp_path / "out")],
        check=True,
        capture_output=True,
    )
    [folder] = record_folders(tmp_path / "out")
    return folder


def amended(tmp_path: Path, first: Path) -> dict[str, object]:
    [second] = [f for f in record_folders(tmp_path / "out") if f != first]
    record: dict[str, object] = json.loads((second / "record.json").read_text())
    return record


def change_the_driver_to_no(term: Terminal) -> None:
    term.answer("Change which answer?", DRIVER)
    term.answer("drive the patient home", "n")
    term.expect("STOP  No driver is arranged after sedation")
    term.answer("? Review", UP + "\r")  # with a stop open, Finish is one up
    term.answer("stop finding(s) have no override", "\r")


def test_amend_at_the_terminal_changes_one_answer(tmp_path: Path) -> None:
    first = signed_record(tmp_path)
    before = (first / "record.json").read_bytes()
    term = Terminal(tmp_path, "amend", str(first), "--reason", "the driver cancelled")
    term.expect("Amending record")
    term.expect("Patient: check against the wristband")  # every answer is there: the review
    term.answer("? Review", DOWN + "\r")
    # Who the record is of stays: another MRN is refused as it is typed.
    term.answer("Change which answer?", DOWN + "\r")
    term.answer("? MRN", "\x15" + "99999999\r")  # Ctrl-U clears the pre-filled MRN
    term.expect("patient.mrn: an amendment is of the same patient")
    term.child.send("\x15" + "00482913\r")
    term.answer("? Review", DOWN + "\r")
    change_the_driver_to_no(term)
    term.expect("Record written:")
    term.expect("left as it was")
    assert term.finish() == 0
    assert (first / "record.json").read_bytes() == before
    record = amended(tmp_path, first)
    assert record["status"] == "amended" and record["amendment_reason"] == "the driver cancelled"
    assert record["signature"] is not None
    changes = record["amendment"]
    assert isinstance(changes, dict)
    assert [c["item"] for c in changes["answers_changed"]] == [
        "driver_arranged",
        "driver_name",
        "driver_phone",
    ]
    assert drafts_of(tmp_path) == []


def test_an_interrupted_amendment_resumes_as_an_amendment(tmp_path: Path) -> None:
    first = signed_record(tmp_path)
    term = Terminal(tmp_path, "amend", str(first), "--reason", "the driver cancelled")
    term.answer("? Review", DOWN + "\r")
    term.expect("Change which answer?")
    term.child.sendcontrol("c")
    term.expect("Interrupted: the draft is saved. Resume with: kyphocheck resume")
    assert term.finish() == 130
    [draft] = drafts_of(tmp_path)
    link = json.loads(draft.read_text())["amends"]
    assert link["record"] == str(first.resolve()) and link["reason"] == "the driver cancelled"
    assert not [f for f in record_folders(tmp_path / "out") if f != first]

    term = Terminal(tmp_path, "resume")
    term.expect("Resuming draft")
    term.answer("? Review", DOWN + "\r")
    change_the_driver_to_no(term)
    term.expect("Record written:")
    assert term.finish() == 0
    record = amended(tmp_path, first)
    assert record["status"] == "amended" and record["amendment_reason"] == "the driver cancelled"
    assert drafts_of(tmp_path) == []
