"""The review screen through the scripted prompter: what it shows, its menus, overrides."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kyphocheck.cli.console import out
from kyphocheck.cli.interactive.prompts import ESCAPE, ScriptedPrompter
from kyphocheck.cli.interactive.session import Options, start
from kyphocheck.interview.drafts import DraftStore
from kyphocheck.record.pipeline import RecordResult
from tests.conftest import example_data, write_answers

PLATELETS_40 = "Platelet count 40 x10^9/L is below 50 x10^9/L"


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


def low_platelets() -> dict[str, Any]:
    data = example_data()
    data["answers"]["platelets"] = 40
    return data


def last_review(output: str) -> str:
    """The last review screen drawn: from the last patient panel to its status line."""
    start_at = output.rindex("Patient: check against the wristband")
    return output[output.rindex("\n", 0, start_at) + 1 : output.index("Status:", start_at)]


@pytest.fixture
def width() -> Iterator[Any]:
    console = out()
    before = console.width

    def set_width(columns: int) -> None:
        console.width = columns

    yield set_width
    console.width = before


# -- 4. a way back from every menu ----------------------------------------------------------


def test_every_menu_of_the_review_has_a_way_back(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    script = [
        "change",
        "back",
        "change",
        ESCAPE,
        "override",
        "back",
        "change",
        "medications",
        "remove",
        "back",
        "edit",
        ESCAPE,
        "done",
        "finish",
        ESCAPE,
        "finish",
        "not_cleared",
    ]
    prompter, result = run(tmp_path, options, store, script, low_platelets())
    for menu in ("Change which answer?", "Override which stop finding?"):
        assert prompter.menus[menu][-1] == "Back to the review"
    for menu in ("Remove which?", "Change which?"):
        assert prompter.menus[menu][-1] == "Back (change nothing)"
    assert prompter.refusals == []
    assert result.record["overrides"] == []
    assert [m["name"] for m in result.record["answers"]["medications"]] == ["Eliquis", "sertraline"]


# -- 5. the review by section ---------------------------------------------------------------


def test_sections_without_findings_fold_into_one_line_and_medicines_show_their_holds(
    tmp_path: Path, options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path, options, store, ["finish"])
    review = last_review(capsys.readouterr().out)
    assert "▸ Identity and consent: 5 of 5 answered, nothing found" in review
    assert "▸ Laboratory tests: 5 of 5 answered, nothing found" in review
    assert "INR" not in review  # folded: the section's answers are not listed
    assert (
        "Eliquis (apixaban): hold met; last dose Fri 27 Nov 2026 20:00; latest permitted "
        "Sat 28 Nov 2026 08:30 (hold 3 days)" in review
    )
    assert "sertraline: no hold; last dose Tue 01 Dec 2026 06:00" in review
    # The allergies section has findings: open, each finding under it.
    assert "▾ Allergies" in review and "• penicillin: rash" in review


@pytest.mark.parametrize(
    ("last_dose", "verdict"),
    [
        ("2026-11-30T20:00", "Eliquis (apixaban): hold NOT MET (STOP); last dose Mon 30 Nov"),
        (None, "Eliquis (apixaban): hold not known (STOP); last dose not known; latest"),
    ],
    ids=["not-met", "not-known"],
)
def test_a_medicine_whose_hold_is_not_met_or_not_known_says_so(
    tmp_path: Path,
    options: Options,
    store: DraftStore,
    capsys: pytest.CaptureFixture[str],
    last_dose: str | None,
    verdict: str,
) -> None:
    data = example_data()
    eliquis = data["answers"]["medications"][0]
    if last_dose is None:
        del eliquis["last_dose"]
    else:
        eliquis["last_dose"] = last_dose
    run(tmp_path, options, store, ["finish", "not_cleared"], data)
    assert verdict in last_review(capsys.readouterr().out)


def test_the_review_of_a_patient_with_nothing_found_fits_an_80_by_24_terminal(
    tmp_path: Path,
    options: Options,
    store: DraftStore,
    capsys: pytest.CaptureFixture[str],
    width: Any,
) -> None:
    width(80)
    data = example_data()
    data["answers"]["medications"] = data["answers"]["medications"][:1]
    data["answers"]["allergies"] = []
    prompter, _ = run(tmp_path, options, store, ["finish"], data)
    output = capsys.readouterr().out
    review = output[output.rindex("╭─ Patient") :]
    menu = 1 + len(prompter.menus["Review"])
    assert len(review.splitlines()) + menu <= 24, review
    assert max(len(line) for line in review.splitlines()) <= 80


def test_a_folded_section_can_be_shown_in_full_and_folded_again(
    tmp_path: Path, options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    script = ["show", "labs", "show", "__every__", "show", "finish"]
    prompter, _ = run(tmp_path, options, store, script)
    assert prompter.menus["Show which section?"][:2] == ["Every section", "Identity and consent"]
    screens = capsys.readouterr().out.split("╭─ Patient")[1:]
    assert "▸ Laboratory tests" in screens[0]
    assert "▾ Laboratory tests" in screens[1] and "INR" in screens[1]
    assert "▸" not in screens[2]  # every section open
    assert "▸ Laboratory tests" in screens[3]  # folded again
    assert prompter.menus["Review"][-1] == "Show a section in full"


# -- 6. overrides ---------------------------------------------------------------------------


def test_an_override_is_confirmed_in_words_and_marked_on_the_finding(
    tmp_path: Path, options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    script = ["override", "platelets_low", "", "Platelets transfused", "finish"]
    _, result = run(tmp_path, options, store, script, low_platelets())
    output = capsys.readouterr().out
    assert (
        f"Override recorded: {PLATELETS_40}; transfuse or reschedule before going ahead. — by "
        "Dr. A. Patel: Platelets transfused" in " ".join(output.split())
    )
    assert "platelets_low" not in output
    review = " ".join(last_review(output).split())
    assert (
        f"{PLATELETS_40}; transfuse or reschedule before going ahead. (overridden by Dr. A. "
        in (review)
    )
    assert "Patel: Platelets transfused)" in review
    assert result.record["cleared"] is True


def test_an_overridden_hold_says_so_on_its_medicine(
    tmp_path: Path, options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    data = example_data()
    data["answers"]["medications"][0]["last_dose"] = "2026-11-30T20:00"
    script = ["override", "hold_not_met:apixaban", "", "Urgent: the surgeon accepts", "finish"]
    run(tmp_path, options, store, script, data)
    review = last_review(capsys.readouterr().out)
    assert "Eliquis (apixaban): hold NOT MET (STOP, overridden); last dose Mon 30 Nov" in review


def test_an_override_can_be_undone(
    tmp_path: Path, options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    script = [
        "override",
        "platelets_low",
        "",
        "Platelets transfused",
        "undo",
        "platelets_low",
        "finish",
        "not_cleared",
    ]
    prompter, result = run(tmp_path, options, store, script, low_platelets())
    assert prompter.menus["Undo which override?"][-1] == "Back to the review"
    assert result.record["overrides"] == [] and result.record["cleared"] is False
    assert "It is an open stop again." in capsys.readouterr().out


def test_a_resolved_finding_reads_resolved_not_cleared(
    tmp_path: Path, options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path, options, store, ["change", "platelets", "210", "finish"], low_platelets())
    output = capsys.readouterr().out
    assert f"resolved  {PLATELETS_40}" in output
    assert "CLEARED" not in output and "Cleared" not in output


def test_an_override_whose_finding_is_gone_is_removed_before_the_record(
    tmp_path: Path, options: Options, store: DraftStore, capsys: pytest.CaptureFixture[str]
) -> None:
    script = [
        "change",
        "driver_arranged",
        False,
        "override",
        "no_driver",
        "",
        "Admitted overnight",
        "change",
        "driver_arranged",
        True,
        "Ana Lopez",
        "555-0142",
        "finish",
    ]
    _, result = run(tmp_path, options, store, script)
    assert result.record["overrides"] == [] and result.record["cleared"] is True
    assert "The override of 'No driver is arranged" in capsys.readouterr().out


# -- 7. Finish is not the default with a stop open ------------------------------------------


def test_with_a_stop_open_enter_on_the_review_does_not_finish(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    prompter, result = run(
        tmp_path, options, store, ["", "back", "finish", "not_cleared"], low_platelets()
    )
    assert prompter.asked[:2] == ["Review", "Change which answer?"]
    assert result.record["cleared"] is False


def test_with_no_stop_open_enter_on_the_review_finishes(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    prompter, _ = run(tmp_path, options, store, [""])
    assert prompter.asked == ["Review"]


# -- 8. the change list ---------------------------------------------------------------------


@pytest.fixture
def tokyo_computer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The computer's own zone is far from the procedure's (a server in another country)."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("tokyo_computer")
def test_the_change_list_shows_each_current_value_in_words(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    prompter, _ = run(tmp_path, options, store, ["change", "back", "finish"])
    labels = prompter.menus["Change which answer?"]
    for expected in (
        "Patient's name — Maria Lopez",
        "Date of birth — 12 April 1951 (75 years)",
        "Scheduled start — Tuesday 1 December 2026, 08:30 CST",
        "Anaesthesia — moderate sedation",
        "When did the patient last eat solid food? — Mon 30 Nov 2026 22:00",
        "Has an adult been arranged to drive the patient home? — yes",
        "Platelet count — 210 x10^9/L",
        "Medicines the patient takes (blood thinners, pain relievers, diabetes and weight-loss "
        "medicines, supplements) — Eliquis, sertraline",
    ):
        assert expected in labels


@pytest.mark.usefixtures("tokyo_computer")
def test_changing_a_time_prefills_it_in_the_procedure_zone(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    # Enter keeps the time as it was: never a time read in the computer's zone.
    _, result = run(tmp_path, options, store, ["change", "last_solid_food", "", "finish"])
    assert result.record["answers"]["last_solid_food"] == "2026-11-30T22:00:00-06:00"


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_the_change_list_uses_the_terminal_width(
    tmp_path: Path, options: Options, store: DraftStore, width: Any, columns: int
) -> None:
    width(columns)
    prompter, _ = run(tmp_path, options, store, ["change", "back", "finish"])
    labels = prompter.menus["Change which answer?"]
    assert max(len(label) for label in labels) <= columns - 4
    imaging = next(label for label in labels if label.startswith("Does imaging"))
    assert imaging.endswith(" — yes")
    whole = (
        "Does imaging (MRI oedema or STIR, or bone scan) confirm an acute or unhealed "
        "fracture at the levels? — yes"
    )
    assert (imaging == whole) is (columns >= len(whole) + 4)


def test_the_record_of_a_review_with_every_menu_left_by_back_is_unchanged(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    _, plain = run(tmp_path, options, store, ["finish"])
    first = json.loads((plain.folder / "record.json").read_text())
    elsewhere = replace(options, out=tmp_path / "again")
    _, again = run(tmp_path, elsewhere, store, ["change", ESCAPE, "show", ESCAPE, "finish"])
    second = json.loads((again.folder / "record.json").read_text())
    assert first["answers"] == second["answers"] and first["findings"] == second["findings"]
