"""Times on the patient's sheet in words nobody misreads, in English and Spanish.

"12:00 AM" and "12:00 PM" are misread by many people: the sheet says "midnight" and "noon".
A time in the small hours belongs to the night before in the reader's mind, so "12:30 AM on
Tuesday" also says "(late Monday night)". A medicine's last dose is told as a part of day
("Friday evening"), never as a deadline to the minute: the part chosen ends before the
deadline, so a dose taken at any time in it is still in time. These are Jinja filters,
registered by `render.make_environment`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# Where the parts of the day start (hours), as each language names them. The night runs on
# to the morning and is the night of the day it started on. Spanish "tarde" runs until dark,
# so it has no evening: "el viernes por la tarde" must never be read past a deadline.
Parts = tuple[tuple[str, int], ...]
_EN_PARTS: Parts = (("morning", 5), ("afternoon", 12), ("evening", 17), ("night", 21))
_ES_PARTS: Parts = (("morning", 5), ("afternoon", 12), ("night", 20))

_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ES_WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_ES_MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)
_ES_PART_WORDS = {"morning": "por la mañana", "afternoon": "por la tarde"}

Moment = str | datetime


def _local(value: Moment, zone: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(zone)


def _midnight(day: datetime) -> datetime:
    return datetime.combine(day.date(), time(0), tzinfo=day.tzinfo)


def _periods(day: datetime, parts: Parts) -> list[tuple[datetime, datetime, datetime, str]]:
    """The parts of `day` as (day, start, end, name); the night ends the next morning."""
    base = _midnight(day)
    starts = [base + timedelta(hours=hour) for _, hour in parts]
    ends = [*starts[1:], base + timedelta(days=1, hours=parts[0][1])]
    return [(day, s, e, name) for (name, _), s, e in zip(parts, starts, ends, strict=True)]


def _around(moment: datetime, parts: Parts) -> list[tuple[datetime, datetime, datetime, str]]:
    """The parts of the days around `moment`, in order."""
    return [
        period
        for offset in (-2, -1, 0, 1, 2)
        for period in _periods(moment + timedelta(days=offset), parts)
    ]


def part_of(moment: datetime, parts: Parts = _EN_PARTS) -> tuple[datetime, str]:
    """The day a moment belongs to in the reader's mind, and its part of that day.

    1:30 AM on Tuesday is Monday night.
    """
    return next((d, n) for d, s, e, n in _around(moment, parts) if s <= moment < e)


def last_part_before(moment: datetime, parts: Parts = _EN_PARTS) -> tuple[datetime, str]:
    """The latest whole part of a day that is over by `moment` (a deadline).

    A deadline at 8:30 AM on Saturday gives Friday night: a dose taken at any time of it is
    before the deadline, as one taken "on Saturday morning" might not be.
    """
    return [(d, n) for d, _, e, n in _around(moment, parts) if e <= moment][-1]


def first_part_after(moment: datetime, parts: Parts = _EN_PARTS) -> tuple[datetime, str]:
    """The earliest whole part of a day that starts at or after `moment` (a restart)."""
    return next((d, n) for d, s, _, n in _around(moment, parts) if s >= moment)


class TimeWords:
    """The sheet's time filters for one language and zone."""

    def __init__(self, zone: ZoneInfo, language: str) -> None:
        self.zone = zone
        self.spanish = language == "es"
        self.parts = _ES_PARTS if self.spanish else _EN_PARTS

    def filters(self) -> dict[str, Callable[..., str]]:
        """Filters by name, for a Jinja environment."""
        return {
            "time_words": self.time_words,
            "at_time": self.at_time,
            "moment_words": self.moment_words,
            "part_of_day": self.part_of_day,
            "last_part_before": self.last_part_before,
            "first_part_after": self.first_part_after,
            "weekday": self.weekday,
            "short_day": self.short_day,
        }

    def weekday(self, value: Moment) -> str:
        """The day of the week: Tuesday, martes."""
        names = _ES_WEEKDAYS if self.spanish else _EN_WEEKDAYS
        return names[_local(value, self.zone).weekday()]

    def short_day(self, value: Moment) -> str:
        """A day without its year: "Tuesday, December 1", "martes 1 de diciembre"."""
        moment = _local(value, self.zone)
        if self.spanish:
            return f"{self.weekday(moment)} {moment.day} de {_ES_MONTHS[moment.month - 1]}"
        return f"{self.weekday(moment)}, {moment:%B} {moment.day}"

    def time_words(self, value: Moment) -> str:
        """A clock time: 8:30 AM, midnight, noon; 8:30 a. m., medianoche, mediodía."""
        moment = _local(value, self.zone)
        if (moment.hour, moment.minute) == (0, 0):
            return "medianoche" if self.spanish else "midnight"
        if (moment.hour, moment.minute) == (12, 0):
            return "mediodía" if self.spanish else "noon"
        hour = moment.hour % 12 or 12
        if self.spanish:
            half = "a. m." if moment.hour < 12 else "p. m."
            return f"{hour}:{moment.minute:02d} {half}"
        return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"

    def at_time(self, value: Moment) -> str:
        """A clock time with its preposition: at noon; a las 8:30 a. m., a la 1:00 p. m."""
        moment = _local(value, self.zone)
        words = self.time_words(moment)
        if not self.spanish:
            return f"at {words}"
        if words == "mediodía":
            return "al mediodía"
        if words == "medianoche" or moment.hour % 12 == 1:
            return f"a la {words}"
        return f"a las {words}"

    def moment_words(self, value: Moment) -> str:
        """A time and its day: "6:30 AM on Tuesday, December 1".

        A time in the small hours also names the night it belongs to, "12:30 AM on Tuesday,
        December 1 (late Monday night)", and midnight the day it ends, "midnight at the end of
        Monday, November 30".
        Spanish carries its preposition: "a las 6:30 a. m. del martes 1 de diciembre".
        """
        moment = _local(value, self.zone)
        day, _ = part_of(moment, self.parts)
        words = self.time_words(moment)
        before = moment - timedelta(days=1)
        if self.spanish:
            if words == "medianoche":
                return f"a la medianoche, al terminar el {self.short_day(before)}"
            text = f"{self.at_time(moment)} del {self.short_day(moment)}"
            if day.date() != moment.date():
                text += f" (la noche del {self.weekday(day)})"
            return text
        if words == "midnight":
            return f"midnight at the end of {self.short_day(before)}"
        text = f"{words} on {self.short_day(moment)}"
        if day.date() != moment.date():
            text += f" (late {self.weekday(day)} night)"
        return text

    def part_of_day(self, value: Moment) -> str:
        """The part of day of a moment: Friday evening, late Monday night; la noche del lunes."""
        moment = _local(value, self.zone)
        day, part = part_of(moment, self.parts)
        return self._part_words(day, part, late=day.date() != moment.date())

    def last_part_before(self, value: Moment) -> str:
        """The part of day a last dose must be taken in, at the latest (see the module)."""
        day, part = last_part_before(_local(value, self.zone), self.parts)
        return self._part_words(day, part)

    def first_part_after(self, value: Moment) -> str:
        """The first part of day a restart may be in, at the earliest."""
        day, part = first_part_after(_local(value, self.zone), self.parts)
        return self._part_words(day, part)

    def _part_words(self, day: datetime, part: str, late: bool = False) -> str:
        weekday = self.weekday(day)
        if self.spanish:
            if part == "night":
                return f"la noche del {weekday}"
            return f"el {weekday} {_ES_PART_WORDS[part]}"
        if part == "night" and late:
            return f"late {weekday} night"
        return f"{weekday} {part}"
