"""Medicines and allergies: an entry is changed with its fields pre-filled, even if interrupted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kyphocheck.cli.interactive.prompts import ScriptedPrompter
from kyphocheck.cli.interactive.session import Interrupted, Options, resume, start
from kyphocheck.interview.drafts import DraftStore
from tests.conftest import example_data, write_answers


def run(tmp_path: Path, options: Options, store: DraftStore, script: list[Any]) -> dict[str, Any]:
    prompter = ScriptedPrompter(script)
    result = start(options, prompter, write_answers(tmp_path, example_data()), None, store)
    assert prompter.responses == [] and prompter.refusals == [], prompter.asked[-3:]
    return result.record


def test_a_medicine_is_changed_with_its_fields_prefilled(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    # Enter keeps each field as it was; only the last dose is typed again.
    script = ["change", "medications", "edit", "0", "", "2026-11-29 20:00", "", "", "done"]
    record = run(tmp_path, options, store, [*script, "finish", "not_cleared"])
    assert record["answers"]["medications"][0] == {
        "name": "Eliquis",
        "last_dose": "2026-11-29T20:00:00-06:00",
        "dose": "5 mg twice a day",
        "prescriber_approved": True,
        "regimen": None,
    }
    assert [m["name"] for m in record["answers"]["medications"]] == ["Eliquis", "sertraline"]
    assert "hold_not_met:apixaban" in {f["id"] for f in record["findings"]}


def test_a_medicine_changed_to_another_drug_asks_that_drug_s_questions(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    # sertraline becomes Lovenox: its regimen and the prescriber's approval are asked.
    script = [
        "change",
        "medications",
        "edit",
        "1",
        "Lovenox",
        "prophylactic",
        "",
        "40 mg daily",
        True,
        "done",
        "finish",
        "not_cleared",  # 06:00 today is within the 12 hours of a prophylactic dose
    ]
    record = run(tmp_path, options, store, script)
    assert record["answers"]["medications"][1] == {
        "name": "Lovenox",
        "last_dose": "2026-12-01T06:00:00-06:00",
        "dose": "40 mg daily",
        "prescriber_approved": True,
        "regimen": "prophylactic",
    }


def test_an_allergy_is_changed_with_its_fields_prefilled(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    script = ["change", "allergies", "edit", "1", "", "", "anaphylaxis", "done", "finish"]
    record = run(tmp_path, options, store, script)
    assert record["answers"]["allergies"] == [
        {"substance": "shellfish", "reaction": "hives", "category": None},
        {"substance": "penicillin", "reaction": "anaphylaxis", "category": None},
    ]


def test_a_change_interrupted_halfway_resumes_as_that_change(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    answers = write_answers(tmp_path, data)
    first = ScriptedPrompter(
        ["change", "medications", "edit", "0", "", "2026-11-29 20:00", KeyboardInterrupt()]
    )
    with pytest.raises(Interrupted):
        start(options, first, answers, None, store)
    second = ScriptedPrompter(["", "", "done", "finish", "not_cleared"])
    result = resume(options, second, None, store)
    assert second.asked[0].startswith("Dose and how often")
    medicines = result.record["answers"]["medications"]
    assert [m["name"] for m in medicines] == ["Eliquis", "sertraline"]  # changed, not added
    assert medicines[0]["last_dose"] == "2026-11-29T20:00:00-06:00"
    assert medicines[0]["dose"] == "5 mg twice a day"


def test_the_list_menus_offer_change_as_well_as_add_and_remove(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    prompter = ScriptedPrompter(["change", "medications", "done", "finish"])
    start(options, prompter, write_answers(tmp_path, example_data()), None, store)
    assert prompter.menus["Medicines"] == [
        "Add a medicine",
        "Change a medicine",
        "Remove a medicine",
        "Done (2 listed)",
    ]
