"""Dates and times as people write them in answers files, made timezone-aware.

A time without an offset is a wall-clock time in the procedure's zone. Wall-clock times that do
not exist (the spring-forward gap) or happen twice (the fall-back hour) are refused rather
than guessed: in a medication hold an hour can matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from kyphocheck.errors import quoted

_HAS_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dates and times a checklist can mean. Outside them the arithmetic of holds and fasting
# (hours before a start, a zone's offset) would overflow Python's calendar, and no patient,
# dose or procedure falls there.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199


def parse_date(text: object) -> date:
    """A calendar date written YYYY-MM-DD."""
    if not isinstance(text, str) or not _DATE.match(text.strip()):
        raise ValueError(f"{quoted(text)} is not a date; write YYYY-MM-DD, e.g. 1951-04-12")
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{quoted(text)} is not a real date") from None
    _check_year(value.year, text)
    return value


def _check_year(year: int, text: object) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(
            f"{quoted(text)} is outside the years {EARLIEST_YEAR}-{LATEST_YEAR} kyphocheck accepts"
        )


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach `zone` to a wall-clock time, refusing times that DST skips or repeats."""
    aware = naive.replace(tzinfo=zone, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise ValueError(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks go forward)"
        )
    if aware.utcoffset() != naive.replace(tzinfo=zone, fold=1).utcoffset():
        offset = _format_offset(aware.utcoffset())
        raise ValueError(
            f"{naive:%Y-%m-%d %H:%M} happens twice in {zone.key} (the clocks go back); "
            f"add the UTC offset, e.g. {naive:%Y-%m-%dT%H:%M}{offset}"
        )
    return aware


def _format_offset(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_datetime(text: object, zone: ZoneInfo) -> datetime:
    """An ISO 8601 date and time (seconds and offset optional), as an aware datetime."""
    if not isinstance(text, str) or not _HAS_TIME.match(text.strip()):
        raise ValueError(
            f"{quoted(text)} is not a date and time; write YYYY-MM-DDTHH:MM, e.g. 2026-11-30T22:00"
        )
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{quoted(text)} is not a real date and time") from None
    _check_year(value.year, text)
    if value.tzinfo is None:
        return localize(value, zone)
    return value


def parse_now(text: str) -> datetime:
    """The --now / KYPHOCHECK_NOW clock: ISO 8601 with an offset, required."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{quoted(text)} is not an ISO 8601 timestamp; e.g. 2026-12-01T07:45-06:00"
        ) from None
    if value.tzinfo is None:
        raise ValueError(f"{quoted(text)} needs a UTC offset, e.g. 2026-12-01T07:45-06:00")
    _check_year(value.year, text)
    return value


def age_in_years(born: date, on: date) -> int:
    """Whole years of age on a given day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def as_local(text: str, zone: ZoneInfo) -> datetime:
    """A stored time in the procedure's zone; a time without an offset is that zone's wall clock.

    Never `datetime.fromisoformat(text).astimezone(zone)`: for a time without an offset that
    reads it as the machine's own zone (UTC on a server), and a 22:00 in Chicago became 16:00.
    """
    return parse_datetime(text, zone).astimezone(zone)


def format_local(moment: datetime, zone: tzinfo) -> str:
    """A moment as a nurse reads it in the site's zone: "Fri 27 Nov 2026 08:30"."""
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M")


# A time of day, with an optional day word: 22:00, 9:30am, 10pm, 10 PM, yesterday 22:00.
_RELATIVE = re.compile(
    r"^(?:(today|yesterday|tomorrow)\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$"
)
_EXAMPLES = "type e.g. 2026-11-30 22:00, 22:00, 10pm, yesterday 22:00 or now"


def _time_of_day(text: str, hour: str, minute: str | None, half: str | None) -> tuple[int, int]:
    """(hour, minute) of a 24-hour time or a 12-hour one with am/pm (12am is midnight)."""
    h, m = int(hour), int(minute or 0)
    if half is None:
        if minute is None or h > 23 or m > 59:
            raise ValueError(f"'{text}' is not a time of day; {_EXAMPLES}")
        return h, m
    if not 1 <= h <= 12 or m > 59:
        raise ValueError(f"'{text}' is not a time of day; e.g. 10pm, 9:30am or 22:00")
    return h % 12 + (12 if half.startswith("p") else 0), m


def parse_user_datetime(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """What a nurse types: `now`, `22:00` or `10pm` (today), `yesterday 22:00`, a full date."""
    words = " ".join(text.strip().lower().split())
    if words == "now":
        return now.astimezone(zone).replace(second=0, microsecond=0)
    match = _RELATIVE.match(words)
    if match:
        day_word, hour, minute, half = match.groups()
        h, m = _time_of_day(text, hour, minute, half)
        shift = {"yesterday": -1, "tomorrow": 1}.get(day_word or "today", 0)
        day = now.astimezone(zone).date() + timedelta(days=shift)
        return localize(datetime(day.year, day.month, day.day, h, m), zone)
    try:
        return parse_datetime(text.strip(), zone)
    except ValueError:
        raise ValueError(f"'{text}' is not understood; {_EXAMPLES}") from None


def the_day_before(text: str) -> str | None:
    """`yesterday 22:00` for a time of day typed without a day (read as today), else None.

    "22:00" for last night's meal, typed in the morning, is read as tonight and refused as
    later than now; this is what the nurse most likely meant, to offer, never to assume.
    """
    words = " ".join(text.strip().lower().split())
    match = _RELATIVE.match(words)
    if match is None or match.group(1) is not None:
        return None
    return f"yesterday {words}"


def parse_user_date(text: str, now: datetime, zone: ZoneInfo) -> date:
    """A date as typed: `today`, `yesterday` or `2026-11-24`."""
    words = text.strip().lower()
    today = now.astimezone(zone).date()
    if words in ("today", "yesterday"):
        return today - timedelta(days=1 if words == "yesterday" else 0)
    try:
        return parse_date(words)
    except ValueError:
        raise ValueError(
            f"'{text}' is not understood; type e.g. 2026-11-24, today or yesterday"
        ) from None


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted: what the zone prompt completes."""
    return tuple(sorted(available_timezones()))


def zone_named(text: str) -> str:
    """The IANA spelling of a zone typed in any case ("america/chicago": America/Chicago).

    Zone files are found by exact name on most systems; the case is the only thing changed.
    """
    typed = text.strip()
    return next((name for name in zone_names() if name.casefold() == typed.casefold()), typed)


def describe(moment: datetime, zone: ZoneInfo) -> str:
    """A moment in full words for an echo: "Monday 30 November 2026, 22:00 CST"."""
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M %Z}"


@dataclass(frozen=True)
class Clock:
    """The time the record is made, and whether it was fixed by --now.

    A fixed clock applies to the clinical content only. Signatures, certificate validity and
    "signed at" always use the real time (`real_now`): a signing time that a flag could move
    would prove nothing to an auditor.
    """

    now: datetime
    fixed: bool

    def real_now(self) -> datetime:
        """The real time now, whatever --now says."""
        return datetime.now().astimezone()
