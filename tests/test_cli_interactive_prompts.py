"""What the prompts offer and refuse, through the scripted prompter: defaults, other units,
the day before, zone names, and an allergy's substance.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kyphocheck.cli.interactive.prompts import ScriptedPrompter
from kyphocheck.cli.interactive.session import Options, start
from kyphocheck.interview.drafts import DraftStore
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests.conftest import NOW, example_data, write_answers

ANTIBIOTIC = "Antibiotic prophylaxis plan"
TIME_ZONE = "Time zone (IANA, e.g. America/Chicago)"


def run_with(
    tmp_path: Path, options: Options, store: DraftStore, data: dict[str, Any], script: list[Any]
) -> tuple[ScriptedPrompter, dict[str, Any]]:
    """The example with `data`'s changes, the missing answers given by `script`."""
    prompter = ScriptedPrompter(script)
    result = start(options, prompter, write_answers(tmp_path, data), None, store)
    assert prompter.responses == [], prompter.asked[-3:]
    return prompter, json.loads((result.folder / "record.json").read_text())


# -- the antibiotic ---------------------------------------------------------------------------


def test_antibiotic_plan_defaults_to_the_alternative_after_a_beta_lactam_allergy(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()  # penicillin (rash) among the allergies
    del data["answers"]["antibiotic_plan"]
    prompter, record = run_with(tmp_path, options, store, data, ["", "finish"])
    assert prompter.defaults[ANTIBIOTIC] == "clindamycin"
    assert record["answers"]["antibiotic_plan"] == "clindamycin"


def test_antibiotic_plan_defaults_to_cefazolin_without_one(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    data["answers"]["allergies"] = [{"substance": "shellfish", "reaction": "hives"}]
    del data["answers"]["antibiotic_plan"]
    prompter, record = run_with(tmp_path, options, store, data, ["", "finish"])
    assert prompter.defaults[ANTIBIOTIC] == "cefazolin"
    assert record["answers"]["antibiotic_plan"] == "cefazolin"


# -- an allergy's substance -------------------------------------------------------------------


def test_allergy_category_is_not_filled_in_as_the_substance(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["allergies"]
    script = ["add", "beta_lactam", "", "amoxicillin", "rash", "done", "finish"]
    prompter, record = run_with(tmp_path, options, store, data, script)
    substance = "Substance (the real agent, e.g. iohexol, penicillin)"
    assert prompter.defaults[substance] == ""
    assert ("", "an answer is needed") in prompter.refusals
    assert "amoxicillin" in prompter.completions[substance]
    assert record["answers"]["allergies"] == [
        {"substance": "amoxicillin", "reaction": "rash", "category": "beta_lactam"}
    ]


# -- other units ------------------------------------------------------------------------------

FAHRENHEIT = ("98.6", "98.6 C is above the allowed 45 C; that looks like Fahrenheit (37.0 C)?")


def test_a_temperature_in_fahrenheit_is_offered_in_celsius(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["temperature_c"]
    prompter, record = run_with(tmp_path, options, store, data, ["98.6", True, "finish"])
    assert prompter.refusals == [FAHRENHEIT]
    assert prompter.asked[:2] == ["Temperature (C)", "Record 37.0 C instead?"]
    assert record["answers"]["temperature_c"] == 37.0


def test_a_declined_conversion_leaves_the_prompt_open(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["temperature_c"]
    prompter, record = run_with(tmp_path, options, store, data, ["98.6", False, "36.9", "finish"])
    assert prompter.refusals == [FAHRENHEIT]
    assert prompter.asked[:3] == ["Temperature (C)", "Record 37.0 C instead?", "Temperature (C)"]
    assert prompter.defaults["Temperature (C)"] == "98.6"  # her text, to edit
    assert record["answers"]["temperature_c"] == 36.9


def test_a_temperature_that_fits_in_celsius_is_not_questioned(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["temperature_c"]
    prompter, record = run_with(tmp_path, options, store, data, ["37.5", "finish"])
    assert prompter.asked == ["Temperature (C)", "Review"]
    assert record["answers"]["temperature_c"] == 37.5


def test_a_weight_in_pounds_is_offered_in_kilograms(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["patient"]["weight_kg"]
    prompter, record = run_with(tmp_path, options, store, data, ["145 lb", True, "finish"])
    assert prompter.refusals == [("145 lb", "145 lb is 65.8 kg.")]
    assert "Record 65.8 kg instead?" in prompter.asked
    assert record["patient"]["weight_kg"] == 65.8


def test_a_weight_without_a_unit_is_taken_in_kilograms(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["patient"]["weight_kg"]
    prompter, record = run_with(tmp_path, options, store, data, ["145", "finish"])
    assert prompter.refusals == []
    assert record["patient"]["weight_kg"] == 145


# -- times ------------------------------------------------------------------------------------


def test_a_time_later_than_now_offers_the_day_before(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["last_solid_food"]
    script = ["22:00", True, "light_meal", "finish"]
    prompter, record = run_with(tmp_path, options, store, data, script)
    said = (
        "Tue 01 Dec 2026 22:00 is later than now (Tue 01 Dec 2026 07:45); "
        "did you mean yesterday 22:00 (Mon 30 Nov 2026 22:00)?"
    )
    assert prompter.refusals == [("22:00", said)]
    assert "Record yesterday 22:00 (Mon 30 Nov 2026 22:00)?" in prompter.asked
    assert record["answers"]["last_solid_food"] == "2026-11-30T22:00:00-06:00"


def test_a_last_dose_later_than_now_offers_the_day_before(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["medications"]
    script = ["add", "sertraline", "10pm", True, "", "done", "finish"]
    prompter, record = run_with(tmp_path, options, store, data, script)
    assert "Record yesterday 10pm (Mon 30 Nov 2026 22:00)?" in prompter.asked
    assert record["answers"]["medications"][0]["last_dose"] == "2026-11-30T22:00:00-06:00"


def test_twelve_hour_times_are_taken_at_the_prompt(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["answers"]["last_clear_liquid"]
    prompter, record = run_with(tmp_path, options, store, data, ["5:30 AM", "finish"])
    assert prompter.refusals == []
    assert record["answers"]["last_clear_liquid"] == "2026-12-01T05:30:00-06:00"


# -- the time zone ----------------------------------------------------------------------------


def test_time_zone_is_completed_and_taken_in_any_case(
    tmp_path: Path, options: Options, store: DraftStore
) -> None:
    data = example_data()
    del data["procedure"]["timezone"]
    prompter, record = run_with(tmp_path, options, store, data, ["america/chicago", "finish"])
    assert "America/Chicago" in prompter.completions[TIME_ZONE]
    assert prompter.refusals == []
    assert record["procedure"]["timezone"] == "America/Chicago"


def test_a_refused_time_zone_gives_way_to_the_site_zone(tmp_path: Path, store: DraftStore) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "site.yaml").write_text("name: Test Hospital\ntimezone: America/Chicago\n")
    options = Options(Site.open(folder), Clock(NOW, fixed=True), tmp_path / "out", no_sign=True)
    data = example_data()
    data["procedure"]["timezone"] = "Chicago"
    prompter, record = run_with(tmp_path, options, store, data, ["", "finish"])
    assert prompter.defaults[TIME_ZONE] == "America/Chicago"
    assert record["procedure"]["timezone"] == "America/Chicago"
