"""What the prompts offer a nurse: the protocol's choice, and what a refused answer meant.

The antibiotic the plan names is the default of its question; a refused answer in another
unit or for the wrong day is offered as what it most likely meant.

Each suggestion is asked as a yes/no before it is used (see `prompts.Suggestion`): nothing
the nurse typed is changed without her word.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from kyphocheck.cli.interactive.prompts import Suggest, Suggestion, Validate
from kyphocheck.errors import InputError
from kyphocheck.interview.state import Interview
from kyphocheck.site.checklist import CompiledItem
from kyphocheck.times import format_local, parse_user_datetime, the_day_before
from kyphocheck.units import in_other_unit


def planned_choice(interview: Interview, compiled: CompiledItem) -> str | None:
    """For a choice of the protocol's antibiotics, the one its plan for this patient names.

    The plan knows the allergies entered so far: with a beta-lactam allergy it is the
    protocol's alternative, not cefazolin. None for any other choice item.
    """
    antibiotics = interview.protocol.antibiotics
    values = compiled.item.choice_values
    if antibiotics.standard.drug not in values:
        return None
    try:
        plan = interview.assessment().computed["antibiotic"]
    except InputError:
        return None
    return next((o["drug"] for o in plan["options"] if o["drug"] in values), None)


def other_unit(unit: str | None, decimals: int | None, validate: Validate) -> Suggest:
    """Offer a refused number in the item's unit: "145 lb" as 65.8 kg, "98.6" as 37.0 C.

    A bare number is offered only when it is refused as it is and fits once converted.
    """

    def suggest(text: str) -> Suggestion | None:
        reading = in_other_unit(text, unit)
        if reading is None:
            return None
        replacement = f"{reading.value:.{1 if decimals is None else decimals}f}"
        if validate(replacement) is not None:
            return None
        shown = f"{replacement} {unit}"
        question = f"Record {shown} instead?"
        if reading.said:
            return Suggestion(f"{' '.join(text.split())} is {shown}.", question, replacement)
        problem = validate(text)
        if problem is None:
            return None
        said = f"{problem}; that looks like {reading.unit.name} ({shown})?"
        return Suggestion(said, question, replacement)

    return suggest


def day_before(validate: Validate, now: datetime, zone: ZoneInfo) -> Suggest:
    """Offer "yesterday 22:00" for a "22:00" refused as later than now (last night's meal)."""

    def suggest(text: str) -> Suggestion | None:
        instead = the_day_before(text)
        if instead is None or validate(instead) is not None:
            return None
        try:
            later = parse_user_datetime(text, now, zone) > now
        except ValueError:
            return None
        problem = validate(text)
        if not later or problem is None:
            return None
        when = format_local(parse_user_datetime(instead, now, zone), zone)
        said = f"{problem}; did you mean {instead} ({when})?"
        return Suggestion(said, f"Record {instead} ({when})?", instead)

    return suggest
