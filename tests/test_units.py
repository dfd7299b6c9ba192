"""Other units a nurse may type: read, converted, and never taken for the item's own."""

from __future__ import annotations

import pytest

from kyphocheck.units import in_other_unit


@pytest.mark.parametrize(
    ("typed", "unit", "value", "said"),
    [
        ("145 lb", "kg", 65.77, True),
        ("145lbs", "kg", 65.77, True),
        ("145 Pounds", "kg", 65.77, True),
        ("98.6", "C", 37.0, False),
        ("98.6 F", "C", 37.0, True),
        ("212°F", "C", 100.0, True),
        ("32", "C", 0.0, False),
    ],
)
def test_a_number_is_read_in_the_other_unit(
    typed: str, unit: str, value: float, said: bool
) -> None:
    reading = in_other_unit(typed, unit)
    assert reading is not None
    assert round(reading.value, 2) == value and reading.said is said


@pytest.mark.parametrize(
    ("typed", "unit"),
    [
        ("62 kg", "kg"),  # the item's own unit is not another
        ("37 C", "C"),
        ("98.6 lb", "C"),  # not this item's other unit
        ("lots", "kg"),
        ("", "C"),
        ("98.6", None),  # an item without a unit has no other
        ("138", "mmHg"),
    ],
)
def test_other_texts_have_no_reading(typed: str, unit: str | None) -> None:
    assert in_other_unit(typed, unit) is None
