"""Fasting against the scheduled start (08:30 Chicago in the example)."""

from __future__ import annotations

import pytest

from tests.conftest import Builder, by_id


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"last_solid_food": "2026-12-01T02:30", "last_meal_kind": "light_meal"}, None),
        ({"last_solid_food": "2026-12-01T02:31", "last_meal_kind": "light_meal"}, "fasting_solids"),
        ({"last_solid_food": "2026-12-01T00:30", "last_meal_kind": "fatty_meal"}, None),
        ({"last_solid_food": "2026-12-01T00:31", "last_meal_kind": "fatty_meal"}, "fasting_solids"),
        ({"last_clear_liquid": "2026-12-01T06:30"}, None),
        ({"last_clear_liquid": "2026-12-01T06:31"}, "fasting_clear_liquids"),
    ],
)
def test_fasting_boundaries(build: Builder, answers: dict, expected: str | None) -> None:
    findings = by_id(build.assess(answers))
    fasting = {k: v for k, v in findings.items() if k.startswith("fasting")}
    assert fasting == ({expected: "stop"} if expected else {})


def test_a_meal_of_unstated_kind_takes_the_fatty_meal_interval(build: Builder) -> None:
    # 6 hours before the 08:30 start: enough for a light meal, not for an unstated one (8 h).
    unstated = build.assess({"last_solid_food": "2026-12-01T02:30"}, remove=("last_meal_kind",))
    assert by_id(unstated)["fasting_solids"] == "stop"
    light = build.assess({"last_solid_food": "2026-12-01T02:30", "last_meal_kind": "light_meal"})
    assert "fasting_solids" not in by_id(light)


def test_message_gives_earliest_safe_start(build: Builder) -> None:
    result = build.assess({"last_clear_liquid": "2026-12-01T07:00"})
    finding = next(f for f in result.findings if f.id == "fasting_clear_liquids")
    assert "start no earlier than Tue 01 Dec 2026 09:00" in finding.message
    assert finding.item == "last_clear_liquid"
    assert "ASA" in finding.source


@pytest.mark.parametrize("anesthesia", ["moderate_sedation", "general"])
def test_fasting_applies_under_sedation(build: Builder, anesthesia: str) -> None:
    result = build.assess(
        {"last_clear_liquid": "2026-12-01T07:30"}, procedure={"anesthesia": anesthesia}
    )
    assert by_id(result)["fasting_clear_liquids"] == "stop"


def test_local_anaesthesia_needs_no_fasting(build: Builder) -> None:
    result = build.assess(
        {"last_solid_food": "2026-12-01T07:30", "last_clear_liquid": "2026-12-01T07:30"},
        procedure={"anesthesia": "local"},
    )
    assert not [f for f in by_id(result) if f.startswith("fasting")]
    assert result.computed["fasting"]["applies"] is False


def test_take_home_cutoffs_use_the_longer_food_interval(build: Builder) -> None:
    fasting = build.assess().computed["fasting"]
    assert fasting["stop_food_at"] == "2026-12-01T00:30:00-06:00"
    assert fasting["stop_clear_liquids_at"] == "2026-12-01T06:30:00-06:00"
