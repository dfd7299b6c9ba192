"""The review screen through the scripted prompter: what it shows, its menus, overrides."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kyphocheck.cli.console import out
from kyphocheck.cli.interactive.prompts import ESCAPE, ScriptedPrompter
from kyphocheck.cli.interactive.session import Options, start
from kyphocheck.interview.drafts import DraftStore
from kyphocheck.record.pipeline import RecordResult
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests.conftest import NOW, example_data, write_answers


@pytest.fixture
def options(tmp_path: Path, site: Site) -> Options:
    return Options(site, Clock(NOW, fixed=True), tmp_path / "out", no_sign=True)


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    return DraftStore(tmp_path / "drafts")


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
