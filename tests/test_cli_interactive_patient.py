"""The patient and procedure: shown before identity is checked, and changeable from the review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kyphocheck.cli.interactive.prompts import ScriptedPrompter
from kyphocheck.cli.interactive.session import Interrupted, Options, resume, start
from kyphocheck.interview.drafts import DraftStore
from kyphocheck.record.pipeline import RecordResult
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests import walk
from tests.conftest import NOW, example_data, write_answers

IDENTITY = "Identity verified with two identifiers (name and date of birth) and the wristband?"

PANEL = [
    "Patient: check against the wristband",
    "Maria Lopez   MRN 00482913",
    "Born 12 April 1951 (75 years) · female · 62 kg",
    "Kyphoplasty at T12, L1 · moderate sedation · Dr. A. Patel",
    "Scheduled Tuesday 1 December 2026, 08:30 CST",
]


@pytest.fixture
def options(tmp_path: Path, site: Site) -> Options:
    return Options(site, Clock(NOW, fixed=True), tmp_path / "out", no_sign=True)


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    return DraftStore(tmp_path / "drafts")


class Watching(ScriptedPrompter):
    """Keeps what the screen showed before the identity question was asked."""

    def __init__(self, responses: list[Any], capsys: pytest.CaptureFixture[str]) -> None:
        super().__init__(responses)
        self.capsys = capsys
        self.before_identity: str | None = None

    def yes_no(self, message: str, *, default: bool | None = None) -> bool:
        if message == IDENTITY:
            self.before_identity = self.capsys.readouterr().out
        return super().yes_no(message, default=default)


def run(
    tmp_path: Path,
    options: Options,
    store: DraftStore,
    script: list[Any],
    data: dict[str, Any] | None = None,
) -> tuple[ScriptedPrompter, RecordResult]:
    prompter = ScriptedPrompter(script)
    answers = write_answers(tmp_path, example_data() if data is None else data)
    result = start(options, prompter, answers, None, store)
    assert prompter.responses == [], prompter.asked[-3:]
    return prompter, result


def test_a_fresh_run_shows_the_patient_before_identity_is_asked(
    options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    prompter = Watching(walk.full_walk(), capsys)
    start(options, prompter, None, "kyphoplasty", store)
    assert prompter.before_identity is not None
    for line in PANEL:
        assert line in prompter.before_identity


def test_a_prefilled_run_shows_the_patient_before_identity_is_asked(
    tmp_path: Path, options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    data = example_data()
    del data["answers"]["identity_verified"]
    prompter = Watching([True, "finish"], capsys)
    start(options, prompter, write_answers(tmp_path, data), None, store)
    assert prompter.before_identity is not None
    for line in PANEL:
        assert line in prompter.before_identity


def test_a_resumed_run_shows_the_patient_in_full_not_initials_only(
    options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(Interrupted):
        start(
            options,
            ScriptedPrompter([*walk.HEADER, KeyboardInterrupt()]),
            None,
            "kyphoplasty",
            store,
        )
    capsys.readouterr()
    script = walk.full_walk()[len(walk.HEADER) :]
    prompter = Watching(script, capsys)
    resume(options, prompter, None, store)
    assert prompter.before_identity is not None
    for line in PANEL:
        assert line in prompter.before_identity


def test_the_review_shows_the_patient_at_its_top(
    tmp_path: Path, options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path, options, store, ["finish"])
    output = capsys.readouterr().out
    review = output[output.rindex("Patient: check against the wristband") :]
    for line in PANEL[1:]:
        assert line in review
    assert review.index(PANEL[-1]) < review.index("Identity and consent")
