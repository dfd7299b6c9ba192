"""Units a nurse may type in place of the checklist's: pounds for kilograms, Fahrenheit for C.

These are definitions of physics, not clinical numbers, so they live in code, here only. A
reading in another unit is offered to the nurse to confirm; it never replaces what she typed
on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

KG_PER_POUND = 0.45359237  # the international avoirdupois pound, exact by definition (1959)
FAHRENHEIT_AT_FREEZING = 32.0  # water freezes at 0 C, 32 F
FAHRENHEIT_PER_CELSIUS = 1.8  # 180 F degrees span the 100 C degrees from freezing to boiling


@dataclass(frozen=True)
class OtherUnit:
    """A unit that is often typed for the checklist's, and how to convert from it."""

    name: str  # as said in a question: "Fahrenheit", "pounds"
    symbols: tuple[str, ...]  # as typed after the number, lower case
    convert: Callable[[float], float]  # to the checklist's unit


OTHER_UNITS: dict[str, OtherUnit] = {
    "kg": OtherUnit("pounds", ("lb", "lbs", "pound", "pounds"), lambda lb: lb * KG_PER_POUND),
    "C": OtherUnit(
        "Fahrenheit",
        ("f", "°f", "deg f", "degf", "fahrenheit"),
        lambda f: (f - FAHRENHEIT_AT_FREEZING) / FAHRENHEIT_PER_CELSIUS,
    ),
}

_NUMBER_AND_UNIT = re.compile(r"^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([^\d\s].*)?$")


@dataclass(frozen=True)
class Reading:
    """A typed number read in the other unit of an item."""

    typed: float  # the number as typed
    unit: OtherUnit
    value: float  # converted to the item's unit, not rounded
    said: bool  # True when the unit was typed ("145 lb"), False for a bare number


def in_other_unit(text: str, unit: str | None) -> Reading | None:
    """`text` read in the other unit of `unit`: "145 lb" for kg, "98.6" or "98.6 F" for C.

    None when `unit` has no other unit, or the text is not a number, bare or with that unit.
    """
    other = OTHER_UNITS.get(unit or "")
    match = _NUMBER_AND_UNIT.match(" ".join(text.strip().lower().split()))
    if other is None or match is None:
        return None
    number, symbol = match.groups()
    if symbol is not None and symbol not in other.symbols:
        return None
    typed = float(number)
    return Reading(typed, other, other.convert(typed), said=symbol is not None)
