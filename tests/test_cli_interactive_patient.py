"""The patient and procedure: shown before identity is checked, and changeable from the review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kyphocheck.cli.interactive.prompts import ScriptedPrompter
from kyphocheck.cli.interactive.session import Interrupted, Options, resume, start
from kyphocheck.interview.drafts import DraftStore
from kyphocheck.record.pipeline import RecordResult
from tests import walk
from tests.conftest import example_data, write_answers

IDENTITY = "Identity verified with two identifiers (name and date of birth) and the wristband?"
PANEL = [
    "Patient: check against the wristband",
    "Maria Lopez   MRN 00482913",
    "Born 12 April 1951 (75 years) · female · 62 kg",
    "Kyphoplasty at T12, L1 · moderate sedation · Dr. A. Patel",
    "Scheduled Tuesday 1 December 2026, 08:30 CST",
]


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


# -- 1. who is this? ------------------------------------------------------------------------


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


# -- 2. the header from the review -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed", "part", "key", "kept"),
    [
        ("name", "Maria L. Lopez", "patient", "name", "Maria L. Lopez"),
        ("mrn", "00482914", "patient", "mrn", "00482914"),
        ("dob", "1951-04-21", "patient", "dob", "1951-04-21"),
        ("sex", "other", "patient", "sex", "other"),
        ("weight_kg", "64.5", "patient", "weight_kg", 64.5),
        ("language", "es", "patient", "language", "es"),
        ("timezone", "America/Denver", "procedure", "timezone", "America/Denver"),
        ("scheduled", "2026-12-01 09:15", "procedure", "scheduled", "2026-12-01T09:15:00-06:00"),
        ("levels", "L1, L2", "procedure", "levels", ["L1", "L2"]),
        ("proceduralist", "Dr. B. Chen", "procedure", "proceduralist", "Dr. B. Chen"),
        ("anesthesia", "general", "procedure", "anesthesia", "general"),
    ],
)
def test_every_header_field_can_be_changed_from_the_review(
    tmp_path: Path,
    options: Options,
    store: DraftStore,
    field: str,
    typed: str,
    part: str,
    key: str,
    kept: Any,
) -> None:
    target = f"header:{part}.{field}"
    _, result = run(tmp_path, options, store, ["change", target, typed, "finish"])
    assert result.record[part][key] == kept


def test_anaesthesia_to_local_drops_its_items_and_back_asks_them_again(
    tmp_path: Path, options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    script = ["change", "header:procedure.anesthesia", "local", "finish"]
    _, local = run(tmp_path, options, store, script)
    assert "pre_anesthesia_assessment" not in local.record["answers"]
    assert "airway_risk" not in local.record["answers"]
    assert (
        "The answer to 'Pre-anaesthesia assessment completed?' no longer applies and was removed."
        in capsys.readouterr().out
    )

    data = example_data()
    data["procedure"]["anesthesia"] = "local"
    for item in ("pre_anesthesia_assessment", "airway_risk"):
        del data["answers"][item]
    script = ["change", "header:procedure.anesthesia", "general", True, False, "finish"]
    options = Options(options.site, options.clock, tmp_path / "general", no_sign=True)
    prompter, general = run(tmp_path, options, store, script, data)
    assert prompter.asked[3:5] == [
        "Pre-anaesthesia assessment completed?",
        "Difficult airway or aspiration risk?",
    ]
    assert general.record["answers"]["pre_anesthesia_assessment"] is True
    assert "Now asked because of the change: Pre-anaesthesia" in capsys.readouterr().out


def test_fasting_left_blank_under_local_is_asked_once_sedation_makes_it_required(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    data["procedure"]["anesthesia"] = "local"
    for item in (
        "last_solid_food",
        "last_meal_kind",
        "last_clear_liquid",
        "pre_anesthesia_assessment",
        "airway_risk",
    ):
        del data["answers"][item]
    script = [
        "",  # last solid food: optional under local anaesthetic
        "",  # last clear liquid
        "change",
        "header:procedure.anesthesia",
        "moderate_sedation",
        "2026-11-30 22:00",
        "light_meal",
        "2026-12-01 05:30",
        True,
        False,
        "finish",
    ]
    prompter, result = run(tmp_path, options, store, script, data)
    asked = [m for m in prompter.asked if m.startswith("When did the patient last eat solid")]
    assert asked == [
        "When did the patient last eat solid food? (optional)",
        "When did the patient last eat solid food?",
    ]
    assert result.record["answers"]["last_clear_liquid"] == "2026-12-01T05:30:00-06:00"


def test_a_younger_date_of_birth_makes_pregnancy_apply_and_male_drops_it(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    script = [
        "change",
        "header:patient.dob",
        "1990-06-02",
        "negative",
        "change",
        "header:patient.sex",
        "male",
        "finish",
    ]
    prompter, result = run(tmp_path, options, store, script)
    assert "Pregnancy status" in prompter.asked
    assert "pregnancy_status" not in result.record["answers"]
    assert result.record["patient"] == {**result.record["patient"], "sex": "male"}


def test_a_header_change_that_contradicts_an_answer_is_refused_naming_it(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    script = [
        "change",
        "header:procedure.scheduled",
        "2026-12-01 05:45",  # before the last drink (05:30) and sertraline (06:00)
        "2026-12-01 10:00",
        "change",
        "header:patient.dob",
        "2027-01-01",
        "1951-04-12",
        "finish",
    ]
    prompter, result = run(tmp_path, options, store, script)
    refused = [problem for _, problem in prompter.refusals]
    assert refused[0] == (
        "the answer to 'Medicines the patient takes' (sertraline) would be wrong: the last dose "
        "Tue 01 Dec 2026 06:00 is after the scheduled start (Tue 01 Dec 2026 05:45); "
        "change it first"
    )
    assert "patient.dob: 2027-01-01 is in the future" in refused[-1]
    assert result.record["procedure"]["scheduled"] == "2026-12-01T10:00:00-06:00"


def test_the_header_menu_offers_every_field_with_its_value(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    prompter, _ = run(tmp_path, options, store, ["change", "back", "finish"])
    labels = prompter.menus["Change which answer?"][:11]
    assert labels == [
        "Patient's name — Maria Lopez",
        "MRN — 00482913",
        "Date of birth — 12 April 1951 (75 years)",
        "Sex — female",
        "Weight — 62 kg",
        "Language of the take-home sheet — en",
        "Time zone — America/Chicago",
        "Scheduled start — Tuesday 1 December 2026, 08:30 CST",
        "Vertebral levels — T12, L1",
        "Proceduralist — Dr. A. Patel",
        "Anaesthesia — moderate sedation",
    ]
