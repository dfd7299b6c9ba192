"""One answer as its item's type: text, numbers, choices, dates, medication and allergy lists.

Shared by answers files and, later, the prompts: an answer typed at a terminal and one read from
a file are checked by the same code and refused with the same words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kyphocheck.errors import UNSAFE_CHARACTERS, InputError, Problem, escaped, quoted
from kyphocheck.expressions import suggest
from kyphocheck.intake.encounter import Allergy, Encounter, Medication
from kyphocheck.site.checklist import CompiledItem
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import format_local, parse_date, parse_datetime
from kyphocheck.yamlio import format_loc, line_of

# A number larger than this is a typo or an attack, never a lab value; float() of a 401-digit
# integer would overflow.
MAX_PLAIN_INT = 10**15


def plain_text(value: str) -> str:
    """Stripped text, refused if it holds control characters (they hide in records)."""
    value = value.strip()
    if found := UNSAFE_CHARACTERS.search(value):
        # Line breaks, terminal escapes and bidirectional overrides would reach the record,
        # the PDF and the terminal as they are (a right-to-left override reverses "5 mg").
        shown = escaped(found.group())
        raise ValueError(f"must not contain control characters (found {shown})")
    return value


class Problems:
    """Collects the problems of one answers document, each with its line and field."""

    def __init__(self, display: str, data: Any) -> None:
        self.display, self.data = display, data
        self.found: list[Problem] = []
        self.more_fields: list[tuple[str | int, ...]] = []  # fields of a problem about many

    def has(self, loc: list[str | int]) -> bool:
        """Whether a problem was found at `loc` already, inside it, or at a part holding it."""
        here = tuple(loc)
        return any(
            p.loc and (p.loc[: len(here)] == here or here[: len(p.loc)] == p.loc)
            for p in self.found
        )

    def add(self, loc: list[str | int], message: str) -> None:
        """Add a problem at the field `loc`, with the line it was written on."""
        line = line_of(self.data, loc)
        self.found.append(Problem(self.display, line, format_loc(loc), message, tuple(loc)))

    def error(self) -> InputError:
        """The problems as one error, which remembers the field of each.

        In the order they are written in the file (each check adds its own as it goes), so
        they can be fixed from the top; problems without a line keep their order, last.
        """
        ordered = sorted(self.found, key=lambda p: (p.line is None, p.line or 0))
        return InputError(ordered, more_fields=self.more_fields)


@dataclass(frozen=True)
class Timing:
    """What an answer's times are read in and checked against: the procedure's zone and start.

    Either is None while the header has a problem there: a time is then checked for its form
    only (read in UTC), and the comparisons that need the missing part wait for it. So a wrong
    date of birth and a wrong INR are reported together, not one run after the other.
    """

    zone: ZoneInfo | None = None
    scheduled: datetime | None = None

    @classmethod
    def of(cls, timed: Encounter | Timing) -> Timing:
        """The timing of an encounter (whose header is known), or the timing itself."""
        if isinstance(timed, Timing):
            return timed
        return cls(timed.procedure.zone, timed.procedure.scheduled)

    @property
    def reading_zone(self) -> ZoneInfo:
        """The zone to read a time in: the procedure's, or UTC to check its form only."""
        return self.zone or ZoneInfo("UTC")


def past_event(
    moment: datetime, encounter: Encounter | Timing, now: datetime, what: str = ""
) -> None:
    """Refuse a past event (a dose, a meal) that is after the clock or the scheduled start."""
    timing = Timing.of(encounter)
    if timing.zone is None:
        return  # read in a stand-in zone: a comparison could refuse a right time
    zone = timing.zone
    when = f"{what} {format_local(moment, zone)}".strip()
    if moment > now:
        raise ValueError(f"{when} is later than now ({format_local(now, zone)})")
    if timing.scheduled is not None and moment > timing.scheduled:
        raise ValueError(
            f"{when} is after the scheduled start ({format_local(timing.scheduled, zone)})"
        )


def text_value(value: Any, max_length: int) -> str:
    """A non-empty line of text of at most `max_length` characters."""
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {type(value).__name__}; put it in quotes")
    text = plain_text(value)
    if not text:
        raise ValueError("must not be empty")
    if len(text) > max_length:
        raise ValueError(f"is longer than {max_length} characters")
    return text


def convert(
    compiled: CompiledItem,
    value: Any,
    encounter: Encounter | Timing,
    protocol: Protocol,
    now: datetime,
    loc: list[str | int],
    problems: Problems,
) -> Any:
    """An answer as its item's type, or ValueError saying what to write instead.

    Given a `Timing` instead of an encounter (the header has a problem), times are checked as
    far as the zone and start that are known allow.
    """
    item = compiled.item
    timing = Timing.of(encounter)
    zone = timing.reading_zone
    if item.type == "yes_no":
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not '{value}'")
        return value
    if item.type == "choice":
        if value not in item.choice_values:
            raise ValueError(
                f"'{value}' is not one of {', '.join(item.choice_values)}"
                + suggest(str(value), item.choice_values)
            )
        return value
    if item.type == "multi_choice":
        if not isinstance(value, list) or len(set(map(str, value))) != len(value):
            raise ValueError("must be a list of distinct choices")
        for choice in value:
            if choice not in item.choice_values:
                raise ValueError(f"'{choice}' is not one of {', '.join(item.choice_values)}")
        return list(value)
    if item.type == "text":
        return text_value(value, item.max_length)
    if item.type == "number":
        return number_value(compiled, value)
    if item.type == "date":
        day = parse_date(value)
        if item.past_event and timing.zone and day > now.astimezone(timing.zone).date():
            raise ValueError(f"{day} is after today")
        if item.past_event and timing.scheduled and day > timing.scheduled.date():
            raise ValueError(f"{day} is after the scheduled start")
        return day
    if item.type == "datetime":
        moment = parse_datetime(value, zone)
        if item.past_event:
            past_event(moment, timing, now)
        return moment
    if item.type == "medications":
        return _medications(value, timing, protocol, now, loc, problems)
    if item.type == "allergies":
        return _allergies(value, protocol, loc, problems)
    raise AssertionError(item.type)


def number_value(compiled: CompiledItem, value: Any) -> float:
    """A number within the item's range, with no more decimals than it allows.

    Extra decimals are refused rather than rounded: rounding 1.54 to 1.5 could clear a limit.
    """
    item = compiled.item
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {quoted(value)}")
    if isinstance(value, int) and abs(value) > MAX_PLAIN_INT:
        raise ValueError(f"{quoted(value, 20)} is not a plausible value")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    unit = f" {item.unit}" if item.unit else ""
    if item.min is not None and value < item.min:
        raise ValueError(f"{value:g}{unit} is below the allowed {item.min:g}{unit}")
    if item.max is not None and value > item.max:
        raise ValueError(f"{value:g}{unit} is above the allowed {item.max:g}{unit}")
    if item.decimals is not None and round(value, item.decimals) != value:
        raise ValueError(f"{value:g} has more than {item.decimals} decimal places")
    return value


# More entries than this is not a patient's list but a mistake (or an attack): refused with
# one line rather than assessed, rendered and printed for minutes.
MAX_ENTRIES = 100
_MEDICATION_FIELDS = {"name", "last_dose", "dose", "prescriber_approved", "regimen"}
_ALLERGY_FIELDS = {"substance", "reaction", "category"}


def _entries(
    value: Any, fields: set[str], loc: list[str | int], problems: Problems
) -> list[tuple[int, dict[str, Any]]] | None:
    if not isinstance(value, list):
        problems.add(loc, "must be a list (write [] for none)")
        return None
    if len(value) > MAX_ENTRIES:
        problems.add(loc, f"{len(value)} entries; at most {MAX_ENTRIES} are accepted")
        return None
    good = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            problems.add([*loc, index], "must be a mapping")
            continue
        unknown = sorted(set(entry) - fields)
        for key in unknown:
            problems.add([*loc, index, key], f"unknown field{suggest(key, fields)}")
        if not unknown:
            good.append((index, entry))
    return good


def _medications(
    value: Any,
    timing: Timing,
    protocol: Protocol,
    now: datetime,
    loc: list[str | int],
    problems: Problems,
) -> list[Medication] | None:
    entries = _entries(value, _MEDICATION_FIELDS, loc, problems)
    if entries is None:
        return None
    result = []
    before = len(problems.found)
    for index, entry in entries:
        here = [*loc, index]
        try:
            name = text_value(entry.get("name"), 200) if "name" in entry else None
            if name is None:
                raise ValueError("name: missing")
        except ValueError as exc:
            problems.add([*here, "name"], str(exc))
            continue
        last_dose = None
        if entry.get("last_dose") is not None:
            try:
                last_dose = parse_datetime(entry["last_dose"], timing.reading_zone)
                past_event(last_dose, timing, now, "the last dose")
            except ValueError as exc:
                problems.add([*here, "last_dose"], str(exc))
        approved = entry.get("prescriber_approved")
        if approved is not None and not isinstance(approved, bool):
            problems.add([*here, "prescriber_approved"], "must be true or false")
        dose = entry.get("dose")
        if dose is not None:
            try:
                dose = text_value(dose, 200)
            except ValueError:
                problems.add([*here, "dose"], 'must be one line of text, e.g. "5 mg twice a day"')
        regimen = entry.get("regimen")
        if regimen is not None:
            drug = protocol.drugs.match(name).drug
            variants = [v.id for v in drug.variants] if drug else []
            if regimen not in variants:
                allowed = ", ".join(variants) if variants else "none for this medicine"
                hint = suggest(str(regimen), variants)
                problems.add(
                    [*here, "regimen"],
                    f"{quoted(regimen)} is not a regimen of {name} ({allowed}){hint}",
                )
        result.append(Medication(name, last_dose, dose, approved, regimen))
    return result if len(problems.found) == before else None


def _allergies(
    value: Any, protocol: Protocol, loc: list[str | int], problems: Problems
) -> list[Allergy] | None:
    entries = _entries(value, _ALLERGY_FIELDS, loc, problems)
    if entries is None:
        return None
    categories = [c.id for c in protocol.allergies.categories]
    result = []
    before = len(problems.found)
    for index, entry in entries:
        here = [*loc, index]
        fields = {}
        for key in ("substance", "reaction"):
            try:
                fields[key] = text_value(entry.get(key), 200)
            except ValueError as exc:
                problems.add([*here, key], "missing" if key not in entry else str(exc))
        category = entry.get("category")
        if category is not None and category not in categories:
            problems.add(
                [*here, "category"],
                f"unknown category {quoted(category)}{suggest(str(category), categories)}",
            )
        if len(fields) == 2:
            result.append(Allergy(fields["substance"], fields["reaction"], category))
    return result if len(problems.found) == before else None
