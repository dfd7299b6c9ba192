"""What the take-home sheet says, worked out from the record: the templates only word it.

The sheet follows the record's state. When a stop finding is open, or a medicine's last
permitted dose has gone by without the last dose known to be before it, the sheet first asks
the patient to call today (`call_us`), with the reasons. A deadline already past at the time
the sheet is made is never given as one that can still be met (`past`). A sheet made on the
day of the procedure leads with the after-care (`after_first`). The calendar is built from
the same values as the text, so the two cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kyphocheck.assess.outcome import Outcome
from kyphocheck.record.time_words import first_part_after, last_part_before, part_of
from kyphocheck.site.drug_names import normalise_name
from kyphocheck.site.folder import SiteConfig

# Finding ids whose reason the sheet words from the medicine they name.
_HOLD_FINDINGS = ("hold_not_met", "last_dose_unknown")
# Brands shown beside a generic name: enough to find the box at home.
_BRANDS_SHOWN = 2
# A home dose before this hour needs an alarm to be taken.
_WAKING_HOUR = 5


def sheet_context(record: dict[str, Any], site: SiteConfig) -> dict[str, Any]:
    """The `sheet` value of the take-home templates (see the module)."""
    zone = ZoneInfo(record["procedure"]["timezone"])
    made = datetime.fromisoformat(record["created_at"]).astimezone(zone)
    scheduled = datetime.fromisoformat(record["procedure"]["scheduled"]).astimezone(zone)
    arrive_at = (
        scheduled - timedelta(minutes=site.arrive_minutes_before)
        if site.arrive_minutes_before is not None
        else None
    )
    outcome = Outcome.of_record(record)
    holds = [_hold(m, made, outcome) for m in record["computed"]["medications"] if _held(m)]
    fasting = _fasting(record["computed"]["fasting"], made)
    premedication = _premedication(record["computed"].get("premedication"), made, arrive_at)
    answers = record["answers"]
    after_first = made.date() >= scheduled.date()
    return {
        "made": made.isoformat(),
        "scheduled": scheduled.isoformat(),
        "after_first": after_first,
        "today": made.date() == scheduled.date(),
        "arrive_at": arrive_at.isoformat() if arrive_at else None,
        "arrival_place": site.arrival_place_in(record["patient"].get("language") or "en"),
        "clinic_phone": site.clinic_phone,
        "after_hours_phone": site.after_hours_phone,
        "driver_name": answers.get("driver_name"),
        "driver_arranged": answers.get("driver_arranged"),
        "call_us": _call_us(outcome, holds),
        "holds": holds,
        "plan": _plan(holds, after_first),
        "fasting": fasting,
        "premedication": premedication,
        "aftercare": _aftercare(record["computed"].get("aftercare")),
        "calendar": _calendar(made, scheduled, holds, fasting, premedication),
    }


def _held(medication: dict[str, Any]) -> bool:
    return bool(medication.get("known") and medication.get("latest_permitted_dose"))


def medicine_name(medication: dict[str, Any], language: str = "en") -> str:
    """The name the patient knows, with the other names of the same medicine, in `language`.

    "Eliquis (apixaban)" as the patient named it ("Eliquis (apixabán)" in Spanish); "warfarin
    (Coumadin, Jantoven)" for a generic with brands, so the box at home is found whichever
    name it carries. A misspelled name is given as the table's spelling it was read as; a
    medicine the table does not know, as typed.
    """
    generic = medication.get("generic")
    if not generic:
        return str(medication["name"])
    local = str((medication.get("generic_names") or {}).get(language) or generic)
    known_as = str(medication.get("read_as") or medication["name"])
    if normalise_name(known_as) != generic:
        return f"{known_as} ({local})"
    # Brands, not other words for the generic ("omega-3" for fish oil, "baby aspirin").
    brands = [
        b
        for b in medication.get("brands") or ()
        if b[:1].isupper() and generic.lower() not in b.lower()
    ][:_BRANDS_SHOWN]
    return f"{local} ({', '.join(brands)})" if brands else local


def name_list(names: Iterable[str], conjunction: str) -> str:
    """Names joined as a sentence does: "A, B and C".

    Spanish "y" is "e" before an i sound ("Plavix e ibuprofeno"), and "o" is "u" before an o
    sound ("Plavix u Ozempic").
    """
    items = list(names)
    if len(items) < 2:
        return "".join(items)
    last = items[-1]
    if conjunction == "y" and re.match(r"h?i(?![aeiouáéíóú])", last, re.IGNORECASE):
        conjunction = "e"
    elif conjunction == "o" and re.match(r"h?o", last, re.IGNORECASE):
        conjunction = "u"
    return f"{', '.join(items[:-1])} {conjunction} {last}"


_NAMING = ("name", "generic", "generic_names", "read_as", "brands")


def _naming(medication: dict[str, Any]) -> dict[str, Any]:
    """What `medicine_name` needs of a record's medication entry."""
    return {key: medication.get(key) for key in _NAMING}


def _hold(medication: dict[str, Any], made: datetime, outcome: Outcome) -> dict[str, Any]:
    """A medicine to stop, and whether its last permitted dose is still ahead.

    `late` when the deadline has passed and the last dose is not known to be before it (taken
    after, or not recorded), unless the proceduralist overrode that finding.
    """
    deadline = datetime.fromisoformat(medication["latest_permitted_dose"])
    started = deadline <= made
    finding = (medication.get("hold_finding") or {}).get("id")
    overridden = finding in outcome.overridden
    last_day, _ = last_part_before(deadline.astimezone(made.tzinfo))
    restart = medication.get("restart_after")
    return {
        "medicine": _naming(medication),  # the templates name it in their language
        "generic": medication.get("generic"),
        "deadline": medication["latest_permitted_dose"],
        "last_day": _noon(last_day).isoformat(),
        "started": started,
        "stopped_in_time": medication.get("hold_met") is True,
        "late": started and medication.get("hold_met") is not True and not overridden,
        "taken_after": medication.get("hold_met") is False,
        "ask_prescriber": bool(
            medication.get("prescriber_approval_needed")
            and medication.get("prescriber_approved") is not True
        ),
        "restart_after": restart,
        "restart_day": (
            _noon(
                first_part_after(datetime.fromisoformat(restart).astimezone(made.tzinfo))[0]
            ).isoformat()
            if restart
            else None
        ),
    }


def _call_us(outcome: Outcome, holds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Why the patient must call today: one reason each, in the order the summary lists them.

    A reason is a `kind` the templates word ("hold_not_met", "inr_high", ...; a rule of a
    site's own gets their general sentence), with the allergy it is about (`detail`) or the
    medicines: those with the same reason are one sentence, so that six medicines whose last
    dose is not known leave room on page 1 for the plan.
    """
    reasons: list[dict[str, Any]] = []
    for hold in holds:
        if hold["late"]:
            kind = "hold_not_met" if hold["taken_after"] else "last_dose_unknown"
            same = [r for r in reasons if r["kind"] == kind]
            if same:
                same[0]["medicines"].append(hold["medicine"])
            else:
                reasons.append({"kind": kind, "detail": None, "medicines": [hold["medicine"]]})
    for finding in outcome.open_stops:
        kind, _, detail = finding.id.partition(":")
        if kind in _HOLD_FINDINGS:
            continue  # worded from the medicines above
        reason: dict[str, Any] = {"kind": kind, "detail": detail or None, "medicines": []}
        if reason not in reasons:
            reasons.append(reason)
    return reasons


def _plan(holds: list[dict[str, Any]], after_first: bool) -> list[dict[str, Any]]:
    """The held medicines' rows of "Your plan at a glance": one row per instruction.

    Medicines the plan tells the same thing (call us today, already stopped, the same last
    dose, or after the procedure the same earliest restart) share a row that names them all;
    a row per medicine pushed the plan off page 1 in large print.
    """
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for hold in holds:
        if after_first:
            key: tuple[Any, ...] = ("restart", hold["restart_after"])
        elif hold["late"]:
            key = ("late",)
        elif hold["started"]:
            key = ("started",)
        else:
            key = ("ahead", hold["deadline"])
        row = rows.setdefault(
            key,
            {
                "medicines": [],
                "late": hold["late"],
                "started": hold["started"],
                "deadline": hold["deadline"],
                "restart_after": hold["restart_after"],
            },
        )
        row["medicines"].append(hold["medicine"])
    return list(rows.values())


def _fasting(fasting: dict[str, Any], made: datetime) -> dict[str, Any]:
    if not fasting.get("applies"):
        return {"applies": False}
    food = datetime.fromisoformat(fasting["stop_food_at"])
    liquids = datetime.fromisoformat(fasting["stop_clear_liquids_at"])
    return {
        "applies": True,
        "stop_food_at": fasting["stop_food_at"],
        "stop_liquids_at": fasting["stop_clear_liquids_at"],
        "food_past": food <= made,
        "liquids_past": liquids <= made,
    }


def _premedication(
    premedication: dict[str, Any] | None, made: datetime, arrive_at: datetime | None
) -> dict[str, Any] | None:
    """The allergy medicine's doses, grouped by time: those at home and those at the hospital.

    A dose at or after the arrival time is given at the hospital; one taken at home by mouth
    is taken with a small sip of water, which fasting allows.
    """
    if premedication is None:
        return None
    times: dict[str, dict[str, Any]] = {}
    for dose in premedication.get("doses") or ():
        at = datetime.fromisoformat(dose["at"])
        group = times.setdefault(
            dose["at"],
            {
                "at": dose["at"],
                "at_hospital": arrive_at is not None and at >= arrive_at,
                "past": at <= made,
                # Before 5 AM the patient is asleep: the sheet says to set an alarm.
                "small_hours": at.astimezone(made.tzinfo).hour < _WAKING_HOUR,
                "doses": [],
            },
        )
        group["doses"].append(
            {
                "drug": dose["drug"],
                "dose": dose["dose"],
                "route": dose["route"],
                "by_mouth": "by mouth" in dose["route"],
            }
        )
    groups = list(times.values())
    return {
        "too_late": bool(premedication.get("too_late")),
        "home": [g for g in groups if not g["at_hospital"]],
        "hospital": [g for g in groups if g["at_hospital"]],
        "arrival_known": arrive_at is not None,
    }


def _aftercare(aftercare: dict[str, Any] | None) -> dict[str, str] | None:
    """The after-care numbers as the sheet prints them, in both units where readers need both.

    Kilograms and Celsius are converted here, once, so the English and Spanish sheets can never
    disagree with each other or with the data. None for a record made before the data existed.
    """
    if aftercare is None:
        return None
    pounds = aftercare["no_lifting"]["pounds"]
    fahrenheit = aftercare["fever"]["fahrenheit"]
    return {
        "rest_hours": _number(aftercare["rest"]["hours"]),
        "no_driving_hours": _number(aftercare["no_driving"]["hours"]),
        "lift_pounds": _number(pounds),
        "lift_kilograms": _number(round(pounds * 0.45359237, 1)),
        "bandage_dry_hours": _number(aftercare["bandage_dry"]["hours"]),
        "fever_fahrenheit": _number(fahrenheit),
        "fever_celsius": _number(round((fahrenheit - 32) * 5 / 9, 1)),
        "another_fracture_one_in": _number(aftercare["another_fracture"]["one_in"]),
    }


def _number(value: float) -> str:
    """10.0 -> "10", 4.5 -> "4.5": a number as a person writes it."""
    return f"{value:g}"


def _noon(day: datetime) -> datetime:
    """A day as a moment in its middle: the calendar's filters print its date only."""
    return day.replace(hour=12, minute=0, second=0, microsecond=0)


def _calendar(
    made: datetime,
    scheduled: datetime,
    holds: list[dict[str, Any]],
    fasting: dict[str, Any],
    premedication: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """The days from today (or a medicine's last dose) to the last restart, with their events.

    Each event is a `kind` the templates word, in the column it belongs to ("medicines" or
    "food"). A time in the small hours is on the day before, as the reader lives it. Quiet
    days in a row that say the same are one row ("Saturday to Monday: no Eliquis").
    """
    today = part_of(made)[0].date()
    days: dict[date, list[dict[str, Any]]] = {}

    def add(
        when: str, column: str, kind: str, medicine: dict[str, Any] | None = None, on: str = ""
    ) -> None:
        """An event at `when`, on the reader's day of `on` (a part of day's) or of `when`.

        Medicines with the same event at the same time are one event that names them all
        ("Start Eliquis and Plavix again ..."): a cell of twelve sentences does not fit a page
        in large print.
        """
        moment = datetime.fromisoformat(on or when).astimezone(made.tzinfo)
        day = part_of(moment)[0].date()
        if day < today:
            return
        events = days.setdefault(day, [])
        same = [e for e in events if (e["kind"], e["when"]) == (kind, when)]
        if same and medicine is not None:
            same[0]["medicines"].append(medicine)
            return
        medicines = [medicine] if medicine is not None else []
        events.append({"kind": kind, "column": column, "when": when, "medicines": medicines})

    for hold in holds:
        if not hold["started"]:
            add(hold["deadline"], "medicines", "last_dose", hold["medicine"], hold["last_day"])
    if premedication is not None:
        for group in premedication["home"]:
            add(group["at"], "medicines", "allergy_home")
        for group in premedication["hospital"]:
            add(group["at"], "medicines", "allergy_hospital")
    if fasting["applies"] and not fasting["food_past"]:
        add(fasting["stop_food_at"], "food", "stop_food")
    if fasting["applies"] and not fasting["liquids_past"]:
        add(fasting["stop_liquids_at"], "food", "stop_liquids")
    for hold in holds:
        if hold["restart_after"]:
            add(
                hold["restart_after"], "medicines", "restart", hold["medicine"], hold["restart_day"]
            )
    rows: list[dict[str, Any]] = []
    # From the first day with something to do (today, if a medicine is already stopped).
    day = min(days, default=today)
    if any(_not_taking(h, today) for h in holds):
        day = today
    while day <= max([scheduled.date() + timedelta(days=1), *days]):
        row = {
            "from": datetime.combine(day, time(12), made.tzinfo).isoformat(),
            "to": None,
            "events": sorted(days.get(day, []), key=lambda e: datetime.fromisoformat(e["when"])),
            "not_taking": [h["medicine"] for h in holds if _not_taking(h, day)],
            "procedure_day": day == scheduled.date(),
            "after_procedure": day > scheduled.date(),
        }
        previous = rows[-1] if rows else None
        if (
            previous is not None
            and _quiet(previous)
            and _quiet(row)
            and (previous["not_taking"] == row["not_taking"])
        ):
            previous["to"] = row["from"]
        else:
            rows.append(row)
        day += timedelta(days=1)
    return rows


def _not_taking(hold: dict[str, Any], day: date) -> bool:
    """Whether `day` is after the medicine's last day and before the day it may restart."""
    after_last = datetime.fromisoformat(hold["last_day"]).date() < day
    restart = hold["restart_day"]
    return after_last and (restart is None or datetime.fromisoformat(restart).date() > day)


def _quiet(row: dict[str, Any]) -> bool:
    return not row["events"] and not row["procedure_day"]
