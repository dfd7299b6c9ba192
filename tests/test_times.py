"""Date and time parsing, with property-based tests for the round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kyphocheck.times import (
    age_in_years,
    localize,
    parse_date,
    parse_datetime,
    parse_now,
    parse_user_datetime,
    the_day_before,
    zone_named,
    zone_names,
)
from tests.conftest import CHICAGO, NOW

ZONES = st.sampled_from(
    [ZoneInfo(z) for z in ("America/Chicago", "Europe/Madrid", "Australia/Lord_Howe", "UTC")]
)
NAIVE = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@given(NAIVE, ZONES)
def test_wall_clock_round_trip(naive: datetime, zone: ZoneInfo) -> None:
    try:
        parsed = parse_datetime(naive.strftime("%Y-%m-%dT%H:%M"), zone)
    except ValueError as exc:
        # Only times the zone skips or repeats are refused.
        assert "does not exist" in str(exc) or "happens twice" in str(exc)
        return
    assert parsed.replace(tzinfo=None) == naive
    assert parsed.astimezone(UTC).astimezone(zone) == parsed


@given(NAIVE, ZONES)
def test_seconds_are_optional(naive: datetime, zone: ZoneInfo) -> None:
    try:
        short = parse_datetime(naive.strftime("%Y-%m-%dT%H:%M"), zone)
    except ValueError:
        return
    assert parse_datetime(naive.strftime("%Y-%m-%dT%H:%M:%S"), zone) == short
    assert parse_datetime(naive.strftime("%Y-%m-%d %H:%M"), zone) == short


@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)),
    st.integers(-12 * 60, 14 * 60),
)
def test_explicit_offset_is_kept(naive: datetime, minutes: int) -> None:
    from datetime import timezone

    aware = naive.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=minutes)))
    parsed = parse_datetime(aware.isoformat(), ZoneInfo("America/Chicago"))
    assert parsed == aware and parsed.utcoffset() == aware.utcoffset()


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)))
def test_dates_round_trip(day: date) -> None:
    assert parse_date(day.isoformat()) == day


@given(st.text(max_size=30))
def test_garbage_is_refused_with_value_error(text: str) -> None:
    assume(not text.strip()[:4].isdigit())
    with pytest.raises(ValueError):
        parse_datetime(text, ZoneInfo("UTC"))
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("text", ["2026-03-08T02:30", "2026-03-08T02:00"])
def test_spring_forward_gap_refused(text: str) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        parse_datetime(text, ZoneInfo("America/Chicago"))


def test_localize_fall_back_refused() -> None:
    with pytest.raises(ValueError, match="happens twice"):
        localize(datetime(2026, 11, 1, 1, 0), ZoneInfo("America/Chicago"))


def test_now_needs_an_offset() -> None:
    assert parse_now("2026-12-01T07:45-06:00").utcoffset() == timedelta(hours=-6)
    with pytest.raises(ValueError, match="needs a UTC offset"):
        parse_now("2026-12-01T07:45")


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1951, 4, 12), date(2026, 4, 11), 74),
        (date(1951, 4, 12), date(2026, 4, 12), 75),
        (date(2000, 2, 29), date(2026, 2, 28), 25),
        (date(2000, 2, 29), date(2026, 3, 1), 26),
    ],
)
def test_age(born: date, on: date, age: int) -> None:
    assert age_in_years(born, on) == age


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("10pm", datetime(2026, 12, 1, 22, 0)),
        ("9:30am", datetime(2026, 12, 1, 9, 30)),
        ("10 PM", datetime(2026, 12, 1, 22, 0)),
        ("12am", datetime(2026, 12, 1, 0, 0)),
        ("12:15 p.m.", datetime(2026, 12, 1, 12, 15)),
        ("yesterday 10pm", datetime(2026, 11, 30, 22, 0)),
        ("22:00", datetime(2026, 12, 1, 22, 0)),
    ],
)
def test_times_of_day_with_or_without_am_pm(typed: str, expected: datetime) -> None:
    assert parse_user_datetime(typed, NOW, CHICAGO) == localize(expected, CHICAGO)


@pytest.mark.parametrize("typed", ["13pm", "0am", "10:75pm", "22", "25:00"])
def test_impossible_times_of_day_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="is not a time of day"):
        parse_user_datetime(typed, NOW, CHICAGO)


@pytest.mark.parametrize(
    ("typed", "instead"),
    [
        ("22:00", "yesterday 22:00"),
        (" 10 PM ", "yesterday 10 pm"),
        ("today 22:00", None),  # she said which day
        ("yesterday 22:00", None),
        ("2026-11-30 22:00", None),
        ("now", None),
    ],
)
def test_the_day_before_is_only_for_a_time_without_a_day(typed: str, instead: str | None) -> None:
    assert the_day_before(typed) == instead


def test_zone_names_are_taken_in_any_case() -> None:
    assert zone_named(" america/chicago ") == "America/Chicago"
    assert zone_named("EUROPE/MADRID") == "Europe/Madrid"
    assert zone_named("Mars/Olympus") == "Mars/Olympus"  # refused by whoever checks it
    assert "America/Chicago" in zone_names()
