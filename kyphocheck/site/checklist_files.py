"""The checklist file format: items, sections and rules as a site writes them in YAML.

Strict pydantic models (unknown fields refused) that `checklist.py` loads, merges with their
shared part and compiles. They are the schema a site's checklists are checked against.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from kyphocheck.schema import Severity, Strict

ItemType = Literal[
    "yes_no",
    "choice",
    "multi_choice",
    "text",
    "number",
    "date",
    "datetime",
    "medications",
    "allergies",
]
Id = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)

# Names every expression may read besides the items.
CONTEXT_NAMES = frozenset({"patient", "procedure", "age_years", "computed", "protocol", "now"})


class Choice(Strict):
    """One option of a choice item."""

    value: str = Id
    label: str


class Validator(Strict):
    """An extra check on an answer: `expr` must be true; `value` is the answer."""

    expr: str
    message: str


class Item(Strict):
    """One question of the checklist."""

    id: str = Id
    type: ItemType
    prompt: str = Field(min_length=3)
    help: str | None = None
    required: bool | str = True
    when: str | None = None
    choices: tuple[Choice, ...] = ()
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    decimals: int | None = Field(default=None, ge=0, le=6)
    max_length: int = Field(default=500, gt=0)
    past_event: bool = False
    validate_: tuple[Validator, ...] = Field(default=(), alias="validate")
    patient_note: str | None = None

    @model_validator(mode="after")
    def _fits_type(self) -> Self:
        is_choice = self.type in ("choice", "multi_choice")
        if is_choice and not self.choices:
            raise ValueError(f"a {self.type} item needs choices")
        if self.choices and not is_choice:
            raise ValueError(f"choices are only for choice items, not {self.type}")
        values = [c.value for c in self.choices]
        if len(set(values)) != len(values):
            raise ValueError("choice values must be unique")
        numeric = (self.unit, self.min, self.max, self.decimals)
        if self.type != "number" and any(v is not None for v in numeric):
            raise ValueError("unit, min, max and decimals are only for number items")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        if self.past_event and self.type not in ("date", "datetime"):
            raise ValueError("past_event is only for date and datetime items")
        return self

    @property
    def choice_values(self) -> tuple[str, ...]:
        """The allowed values of a choice item."""
        return tuple(c.value for c in self.choices)


class Section(Strict):
    """A titled group of items."""

    id: str = Id
    title: str | None = None
    items: tuple[Item, ...] = ()


class Rule(Strict):
    """A condition on the answers that makes a finding."""

    id: str = Id
    item: str
    when: str
    severity: Severity
    message: str = Field(min_length=10)
    source: str = Field(min_length=3)
    confirm: bool = False


class ChecklistFile(Strict):
    """A checklist file as written."""

    id: str = Id
    version: str
    title: str
    procedure_name: str
    patient_description: str
    extends: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]*$")
    sections: tuple[Section, ...] = ()
    rules: tuple[Rule, ...] = ()


class PartFile(Strict):
    """A shared part of checklists."""

    part: str
    sections: tuple[Section, ...] = ()
    rules: tuple[Rule, ...] = ()
