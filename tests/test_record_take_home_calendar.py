"""The sheet's calendar of days says what its text says: the same days, times and medicines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.sheets import AHEAD, DAY_OF, STOPS, Scenario, make_sheet, sheet_site, table

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
# What the text says, and how the calendar says the same thing: (text pattern, cell pattern)
# with the groups name, time and part in both.
SAYINGS = {
    "en": {
        "title": "Day",
        "before": "## Before your procedure",
        "last dose": (
            r"\*\*(?P<name>[^*]+)\*\*: take your last dose no later than \*\*(?P<part>[^*]+)\*\*",
            r"Last dose of {name}: (?P<part>{part})\.",
        ),
        "restart": (
            r"\*\*(?P<name>[^*]+)\*\*:[^\n]*\n  Your doctor will tell you when to start it again\. "
            r"The earliest is (?P<part>[^.]+)\.",
            r"Start {name} again only when your doctor says, not before (?P<part>{part})\.",
        ),
        "stop food": (
            r"Stop eating all food at \*\*(?P<time>[^*]+?) (?:on|at the end of) ",
            r"Last food by {time}, (?P<part>[^.]+)\.",
        ),
        "pills": (
            r"\n- \*\*(?P<time>[^*]+?) (?:on|at the end of) [^*]+\*\*: prednisone",
            r"Allergy pills at {time}, (?P<part>[^.]+)\.",
        ),
    },
    "es": {
        "title": "Día",
        "before": "## Antes de su procedimiento",
        "last dose": (
            r"\*\*(?P<name>[^*]+)\*\*: tome la última dosis a más tardar \*\*(?P<part>[^*]+)\*\*",
            r"Última dosis de {name}: (?P<part>{part})\.",
        ),
        "restart": (
            r"\*\*(?P<name>[^*]+)\*\*:[^\n]*\n  Su médico le dirá cuándo volver a tomarla\. "
            r"Lo más pronto es (?P<part>[^\n]+)\.\n",
            r"Vuelva a tomar {name} solo cuando su médico se lo diga\. "
            r"Lo más pronto: (?P<part>{part})\.",
        ),
        "stop food": (
            r"Deje de comer \*\*a las? (?P<time>[^*]+?)(?: del|, al terminar) ",
            r"Última comida: {time}, (?P<part>[^.]+)\.",
        ),
        "pills": (
            r"\n- \*\*a las? (?P<time>[^*]+?)(?: del|, al terminar) [^*]+\*\*: prednisona",
            r"Pastillas para la alergia: {time}, (?P<part>[^.]+)\.",
        ),
    },
}


def weekday_of(text: str, language: str) -> str:
    found = [d for d in WEEKDAYS[language] if re.search(rf"\b{d}\b", text)]
    assert len(found) == 1, text
    return found[0]


def row_saying(rows: list[list[str]], pattern: str) -> list[str]:
    matching = [row for row in rows if re.search(pattern, " ".join(row[1:]))]
    assert len(matching) == 1, (pattern, rows)
    return matching[0]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("scenario", [AHEAD, STOPS], ids=lambda s: s.name)
def test_the_calendar_agrees_with_the_text(
    tmp_path: Path, language: str, scenario: Scenario
) -> None:
    """Each last dose, restart, stop-food time and allergy pill of the text is in the calendar,
    on the day of the week the text gives (a small hour is on the night before)."""
    sheet, draft = make_sheet(tmp_path, sheet_site(tmp_path), scenario, language)
    sayings = SAYINGS[language]
    rows = table(sheet, sayings["title"])
    text = sheet[sheet.index(sayings["before"]) :]
    said_in_both = []
    for kind in ("last dose", "restart", "stop food", "pills"):
        said, cell = sayings[kind]
        for match in re.finditer(said, text):
            found = match.groupdict()
            pattern = cell.format(
                name=re.escape(found.get("name") or ""),
                part=re.escape(found.get("part") or ""),
                time=re.escape(found.get("time") or ""),
            )
            row = row_saying(rows, pattern)
            part = re.search(pattern, " ".join(row[1:]))["part"]  # type: ignore[index]
            assert row[0].startswith(weekday_of(part, language)), (kind, row)
            said_in_both.append(kind)
    held = [m for m in draft.record["computed"]["medications"] if m.get("latest_permitted_dose")]
    expected = {
        "last dose": sum(
            1 for m in held if m["latest_permitted_dose"] > draft.record["created_at"]
        ),
        "restart": sum(1 for m in held if m.get("restart_after")),
        "stop food": 1,
        "pills": 2,  # prednisone 13 and 7 hours before, at home
    }
    assert {k: said_in_both.count(k) for k in expected} == expected


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_calendar_starts_today_or_at_the_first_thing_to_do(
    tmp_path: Path, language: str
) -> None:
    site = sheet_site(tmp_path)
    ahead, _ = make_sheet(tmp_path, site, AHEAD, language)
    first = table(ahead, SAYINGS[language]["title"])[0][0]
    assert first.startswith(WEEKDAYS[language][4])  # Friday: the last Eliquis, not today
    stops, _ = make_sheet(tmp_path, site, STOPS, language)
    first = table(stops, SAYINGS[language]["title"])[0][0]
    assert first.startswith(WEEKDAYS[language][1])  # today, Tuesday: nothing is taken now
    day_of, _ = make_sheet(tmp_path, site, DAY_OF, language)
    assert f"| {SAYINGS[language]['title']} |" not in day_of  # the plan says what is left
