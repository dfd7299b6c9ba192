"""Times on the sheet nobody misreads: midnight and noon, the night a small hour belongs to,
and a last dose told as a part of day that is over before the deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyphocheck.record.render import make_environment, render
from kyphocheck.record.time_words import (
    _EN_PARTS,
    _ES_PARTS,
    TimeWords,
    first_part_after,
    last_part_before,
    part_of,
)
from tests.conftest import CHICAGO

EN, ES = TimeWords(CHICAGO, "en"), TimeWords(CHICAGO, "es")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO)


@pytest.mark.parametrize(
    ("moment", "english", "spanish"),
    [
        ("2026-12-01T00:00", "midnight", "medianoche"),
        ("2026-12-01T12:00", "noon", "mediodía"),
        ("2026-12-01T00:30", "12:30 AM", "12:30 a. m."),
        ("2026-12-01T12:30", "12:30 PM", "12:30 p. m."),
        ("2026-12-01T06:05", "6:05 AM", "6:05 a. m."),
        ("2026-12-01T19:30", "7:30 PM", "7:30 p. m."),
    ],
)
def test_time_words(moment: str, english: str, spanish: str) -> None:
    assert EN.time_words(at(moment)) == english
    assert ES.time_words(at(moment)) == spanish


@pytest.mark.parametrize(
    ("moment", "english", "spanish"),
    [
        (
            "2026-12-01T00:30",
            "12:30 AM on Tuesday, December 1 (late Monday night)",
            "a las 12:30 a. m. del martes 1 de diciembre (la noche del lunes)",
        ),
        (
            "2026-12-01T00:00",
            "midnight at the end of Monday, November 30",
            "a la medianoche, al terminar el lunes 30 de noviembre",
        ),
        (
            "2026-12-03T12:00",
            "noon on Thursday, December 3",
            "al mediodía del jueves 3 de diciembre",
        ),
        (
            "2026-12-01T06:30",
            "6:30 AM on Tuesday, December 1",
            "a las 6:30 a. m. del martes 1 de diciembre",
        ),
        (
            "2026-12-01T13:00",
            "1:00 PM on Tuesday, December 1",
            "a la 1:00 p. m. del martes 1 de diciembre",
        ),
    ],
)
def test_moment_words_name_the_night_a_small_hour_belongs_to(
    moment: str, english: str, spanish: str
) -> None:
    assert EN.moment_words(at(moment)) == english
    assert ES.moment_words(at(moment)) == spanish


@pytest.mark.parametrize(
    ("deadline", "english", "spanish"),
    [
        # Eliquis 3 days before 8:30 AM on Tuesday: any time on Friday night is in time.
        ("2026-11-28T08:30", "Friday night", "la noche del viernes"),
        ("2026-11-28T13:00", "Saturday morning", "el sábado por la mañana"),
        ("2026-11-28T21:00", "Saturday evening", "el sábado por la tarde"),
        # Spanish "tarde" runs until dark: at 6 PM the afternoon is not over in Spanish.
        ("2026-11-28T18:00", "Saturday afternoon", "el sábado por la mañana"),
        ("2026-12-01T00:30", "Monday evening", "el lunes por la tarde"),
    ],
)
def test_a_last_dose_is_a_part_of_day_over_before_the_deadline(
    deadline: str, english: str, spanish: str
) -> None:
    assert EN.last_part_before(at(deadline)) == english
    assert ES.last_part_before(at(deadline)) == spanish


def test_a_restart_is_the_first_part_of_day_after_it() -> None:
    assert EN.first_part_after(at("2026-12-02T08:30")) == "Wednesday afternoon"
    assert ES.first_part_after(at("2026-12-02T08:30")) == "el miércoles por la tarde"
    assert EN.first_part_after(at("2026-12-02T12:00")) == "Wednesday afternoon"


def test_part_of_day() -> None:
    assert EN.part_of_day(at("2026-12-01T01:30")) == "late Monday night"
    assert EN.part_of_day(at("2026-11-27T19:00")) == "Friday evening"
    assert ES.part_of_day(at("2026-12-01T01:30")) == "la noche del lunes"


moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=CHICAGO)
)


@given(moments)
def test_the_part_chosen_for_a_deadline_is_the_latest_whole_part_before_it(
    deadline: datetime,
) -> None:
    for parts in (_EN_PARTS, _ES_PARTS):
        day, name = last_part_before(deadline, parts)
        start, end = _bounds(day, name, parts)
        assert end <= deadline
        following = _bounds(*part_of(end, parts), parts)
        assert following[1] > deadline  # the next part is not over yet


@given(moments)
def test_the_part_chosen_for_a_restart_starts_at_or_after_it(restart: datetime) -> None:
    for parts in (_EN_PARTS, _ES_PARTS):
        day, name = first_part_after(restart, parts)
        start, _ = _bounds(day, name, parts)
        assert restart <= start < restart + timedelta(hours=13)


def _bounds(
    day: datetime, name: str, parts: tuple[tuple[str, int], ...]
) -> tuple[datetime, datetime]:
    from kyphocheck.record.time_words import _periods

    return next((s, e) for _, s, e, n in _periods(day, parts) if n == name)


def test_the_filters_are_in_the_documents_environment(tmp_path: Path) -> None:
    (tmp_path / "t.md.j2").write_text(
        "{{ t | time_words }} / {{ t | moment_words }} / {{ d | last_part_before }}\n"
    )
    context = {"t": "2026-12-01T00:30:00-06:00", "d": "2026-11-28T08:30:00-06:00"}
    english = render(make_environment([tmp_path], CHICAGO), "t.md.j2", context)
    spanish = render(make_environment([tmp_path], CHICAGO, "es"), "t.md.j2", context)
    assert english == (
        "12:30 AM / 12:30 AM on Tuesday, December 1 (late Monday night) / Friday night\n"
    )
    assert spanish.startswith("12:30 a. m. / a las 12:30 a. m. del martes")
    assert spanish.endswith("/ la noche del viernes\n")
