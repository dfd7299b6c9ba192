"""aftercare.yaml: what the take-home sheet tells the patient after the procedure.

The sheet says each rule once (how long to rest, not drive, not lift, keep the bandage dry,
which fever to call about), and every number in those sentences comes from this file.
"""

from __future__ import annotations

from pydantic import Field

from kyphocheck.schema import Sourced, Strict


class Hours(Sourced):
    """A time after the procedure, in hours."""

    hours: float = Field(gt=0, le=24 * 90)


class Weight(Sourced):
    """The heaviest thing to lift until the follow-up visit."""

    pounds: float = Field(gt=0, le=200)


class Fever(Sourced):
    """The temperature above which the patient calls the clinic."""

    fahrenheit: float = Field(gt=95, lt=110)


class Chance(Sourced):
    """A chance said as "1 in N"."""

    one_in: int = Field(ge=2, le=1000)


class AfterCare(Strict):
    """aftercare.yaml."""

    rest: Hours
    no_driving: Hours
    no_lifting: Weight
    bandage_dry: Hours
    fever: Fever
    another_fracture: Chance
