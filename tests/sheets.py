"""Invented patients' take-home sheets for the sheet tests: made ahead, with open stops, on the day.

- AHEAD: the example patient's sheet made a week ahead (`kyphocheck sheet`): Eliquis still to
  stop, a contrast allergy with pills at home and at the hospital, sertraline to keep taking,
  fish oil and aspirin after a stent to ask about.
- STOPS: warfarin taken after its limit, INR 2.3, clopidogrel stopped in time, a contrast
  allergy whose doses fall at midnight and noon; checked two days ahead (`kyphocheck run`).
- DAY_OF: the example patient on the morning of her procedure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from kyphocheck.intake.prepare import prepare
from kyphocheck.record.pipeline import RecordDraft, start_record
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests.conftest import CHICAGO, NOW, example_data, write_answers
from tests.helpers import make_site

SITE_YAML = {
    "name": "Test Hospital",
    "timezone": "America/Chicago",
    "clinic_phone": "555-0100",
    "after_hours_phone": "555-0199",
    "arrive_minutes_before": 60,
    "arrival_place": "Main Hospital, 2nd floor",
}


def sheet_site(tmp_path: Path, extra: dict[str, str] | None = None, **fields: Any) -> Site:
    """A site folder with the sheet's fields (changed by `fields`; None leaves one out)."""
    config = {k: v for k, v in {**SITE_YAML, **fields}.items() if v is not None}
    files = {"site.yaml": yaml.safe_dump(config), **(extra or {})}
    return Site.open(make_site(tmp_path, files))


@dataclass(frozen=True)
class Scenario:
    """How to make one patient's sheet."""

    name: str
    now: datetime
    answers: dict[str, Any]
    remove: tuple[str, ...] = ()
    procedure: dict[str, Any] | None = None
    ahead: bool = False  # made as `kyphocheck sheet` does, with day-of answers still to come


AHEAD = Scenario(
    "ahead",
    datetime(2026, 11, 24, 15, 0, tzinfo=CHICAGO),
    {
        "medications": [
            {"name": "Eliquis", "dose": "5 mg twice a day", "prescriber_approved": True},
            {"name": "sertraline", "dose": "50 mg daily"},
            {"name": "fish oil"},
            {"name": "aspirin", "dose": "81 mg", "regimen": "secondary_prevention"},
        ],
        "allergies": [{"substance": "iodinated contrast", "reaction": "hives"}],
        "labs_date": "2026-11-20",
    },
    remove=("last_solid_food", "last_clear_liquid", "last_meal_kind"),
    ahead=True,
)
STOPS = Scenario(
    "stops",
    datetime(2026, 12, 1, 10, 0, tzinfo=CHICAGO),
    {
        "medications": [
            {"name": "warfarin", "dose": "5 mg daily", "last_dose": "2026-11-30T20:00"},
            {
                "name": "clopidogrel",
                "dose": "75 mg daily",
                "last_dose": "2026-11-25T08:00",
                "prescriber_approved": False,
            },
        ],
        "allergies": [{"substance": "iodinated contrast", "reaction": "hives"}],
        "inr": 2.3,
        "labs_date": "2026-11-30",
        "last_solid_food": "2026-12-01T08:00",
        "last_clear_liquid": "2026-12-01T09:00",
        "driver_name": "Paul Example",
    },
    procedure={"scheduled": "2026-12-03T13:00"},
)
DAY_OF = Scenario("day-of", NOW, {})


def make_sheet(
    tmp_path: Path,
    site: Site,
    scenario: Scenario,
    language: str = "en",
    overrides: list[dict[str, str]] | None = None,
    large_print: bool = False,
    **answers: Any,
) -> tuple[str, RecordDraft]:
    """The sheet's Markdown, and the draft it belongs to (its record and PDF job)."""
    data = example_data()
    data["patient"]["language"] = language
    data["patient"]["large_print"] = large_print
    data["answers"].update(scenario.answers, **answers)
    for key in scenario.remove:
        data["answers"].pop(key, None)
    data["procedure"].update(scenario.procedure or {})
    if overrides:
        data["overrides"] = overrides
    clock = Clock(scenario.now, fixed=True)
    folder = tmp_path / f"{scenario.name}-{language}"
    folder.mkdir(parents=True, exist_ok=True)
    prepared = prepare(site, write_answers(folder, data), clock, partial=scenario.ahead)
    draft = start_record(site, prepared, clock, kinds=("take-home",))
    return draft.files["take-home.md"].decode(), draft


def section(sheet: str, start: str, end: str | None = None) -> str:
    """The text from `start` to `end` (or to the end)."""
    begin = sheet.index(start)
    return sheet[begin : sheet.index(end, begin) if end else None]


def table(sheet: str, header: str) -> list[list[str]]:
    """The rows (cells without markup) of the Markdown table whose first header cell is given."""
    lines = sheet[sheet.index(f"| {header} |") :].splitlines()
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip().replace("**", "") for c in line.strip().strip("|").split(" | ")]
        rows.append(cells)
    return rows
