"""Shared pieces of the data models: strict, frozen pydantic models and durations."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kyphocheck.errors import Problem
from kyphocheck.yamlio import format_loc, line_of


class Strict(BaseModel):
    """A model that refuses unknown fields and cannot change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Severity(StrEnum):
    """How much a finding matters; the order is from least to most serious."""

    INFO = "info"
    NOTIFY = "notify"
    STOP = "stop"

    @property
    def rank(self) -> int:
        """0 for info, 1 for notify, 2 for stop."""
        return list(Severity).index(self)


Amount = float | tuple[float, float]


def _upper(amount: Amount | None) -> float:
    if amount is None:
        return 0.0
    return amount[1] if isinstance(amount, tuple) else amount


def _amount_text(amount: Amount, unit: str) -> str:
    if isinstance(amount, tuple):
        low, high = (f"{v:g}" for v in amount)
        return f"{low}-{high} {unit}s"
    return f"{amount:g} {unit}" + ("" if amount == 1 else "s")


class Duration(Strict):
    """A hold or restart interval: hours, days, or "not on the day of the procedure".

    A range `[low, high]` is recorded as given and applied at its high end, the safe side.
    Days are 24-hour days of absolute time: a hold is pharmacology, not the calendar, so a DST
    change in between neither lengthens nor shortens it.
    """

    hours: Amount | None = None
    days: Amount | None = None
    not_on_procedure_day: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [self.hours is not None, self.days is not None, self.not_on_procedure_day]
        if sum(given) != 1:
            raise ValueError("give exactly one of hours, days or not_on_procedure_day")
        for amount in (self.hours, self.days):
            if isinstance(amount, tuple) and not 0 <= amount[0] <= amount[1]:
                raise ValueError("a range must be [low, high] with 0 <= low <= high")
            if isinstance(amount, float | int) and amount < 0:
                raise ValueError("a duration cannot be negative")
        return self

    @property
    def delta(self) -> timedelta:
        """The interval to apply (the high end of a range); zero for not_on_procedure_day."""
        return timedelta(hours=_upper(self.hours) + 24 * _upper(self.days))

    @property
    def text(self) -> str:
        """The interval in words, as a clinician writes it: "3 days", "12-24 hours"."""
        if self.hours is not None:
            return _amount_text(self.hours, "hour")
        if self.days is not None:
            return _amount_text(self.days, "day")
        return "not on the day of the procedure"


class Sourced(Strict):
    """A piece of protocol that cites where it comes from."""

    source: str = Field(min_length=3)
    confirm: bool = False


def validation_problems(exc: ValidationError, data: Any, display: str) -> list[Problem]:
    """One problem, with its file, line and field, for each problem pydantic found in `data`."""
    problems = []
    for error in exc.errors():
        loc = [p for p in error["loc"] if isinstance(p, str | int)]
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(Problem(display, line_of(data, loc), format_loc(loc), message, tuple(loc)))
    return problems
