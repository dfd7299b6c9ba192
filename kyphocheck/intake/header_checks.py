"""The header's times and each answer's own form, checked so every independent problem is said.

An answers file's answers depend on its header (age, sex, the start) for what applies; checked
only on a valid header, a wrong INR was reported only once a wrong date of birth was fixed.
Here the header's zone, start and date of birth are checked each on its own, and the answers
for what can be known without the header, so one run names them all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kyphocheck.expressions import suggest
from kyphocheck.intake.values import Problems, Timing, convert
from kyphocheck.site.checklist import Checklist
from kyphocheck.site.folder import check_timezone
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import parse_date, parse_datetime

EARLIEST_BIRTH = date(1900, 1, 1)


def file_problems(
    data: Any,
    checklist: Checklist,
    protocol: Protocol,
    now: datetime,
    default_timezone: str | None,
    problems: Problems,
) -> None:
    """The problems of a file whose structure pydantic refused, beyond those it named.

    Its header times and its answers are checked from the raw data as far as they can be,
    skipping the fields already reported, so every independent problem is said in one go.
    """
    procedure, patient = data.get("procedure"), data.get("patient")
    procedure = procedure if isinstance(procedure, dict) else {}
    patient = patient if isinstance(patient, dict) else {}
    zone, scheduled, _ = check_header(
        procedure.get("timezone") or default_timezone,
        procedure.get("scheduled"),
        patient.get("dob"),
        now,
        problems,
    )
    answers = data.get("answers")
    if isinstance(answers, dict) and not problems.has(["answers"]):
        check_answer_values(answers, checklist, protocol, Timing(zone, scheduled), now, problems)


def check_header(
    zone_name: object, scheduled_text: object, dob_text: object, now: datetime, problems: Problems
) -> tuple[ZoneInfo | None, datetime | None, date | None]:
    """The zone, start and date of birth, each None where it has a problem (added).

    A field already reported (by pydantic: not text) is not reported again.
    """
    zone = scheduled = dob = None
    if problems.has(["procedure", "timezone"]):
        pass
    elif zone_name is None:
        problems.add(["procedure", "timezone"], "missing; give an IANA zone or set it in site.yaml")
    else:
        try:
            zone = check_timezone(str(zone_name))
        except ValueError as exc:
            problems.add(["procedure", "timezone"], str(exc))
    if zone is not None and not problems.has(["procedure", "scheduled"]):
        try:
            scheduled = parse_datetime(scheduled_text, zone)
        except ValueError as exc:
            problems.add(["procedure", "scheduled"], str(exc))
    if problems.has(["patient", "dob"]):
        return zone, scheduled, None
    # Without a zone, "the future" begins where the date is latest (UTC+14).
    today = (
        now.astimezone(zone).date() if zone else (now.astimezone(UTC) + timedelta(hours=14)).date()
    )
    try:
        dob = parse_date(dob_text)
        if dob > today:
            problems.add(["patient", "dob"], f"{dob} is in the future")
            dob = None
        elif dob < EARLIEST_BIRTH:
            problems.add(["patient", "dob"], f"{dob} is not a plausible date of birth")
            dob = None
    except ValueError as exc:
        problems.add(["patient", "dob"], str(exc))
    return zone, scheduled, dob


def check_answer_values(
    raw: dict[str, Any],
    checklist: Checklist,
    protocol: Protocol,
    timing: Timing,
    now: datetime,
    problems: Problems,
) -> None:
    """Each answer's own problems (its form, its range), for a header that has some.

    Whether an item applies or is required, and its checklist's own check, read the header
    (age, sex, the start): those wait for a valid header. An answer to an item that turns out
    not to apply is checked too; it would be ignored with a note once the header is right.
    """
    unknown_items(raw, checklist, problems)
    for compiled in checklist.items:
        value = raw.get(compiled.item.id)
        if value is None or value == "":
            continue
        loc: list[str | int] = ["answers", compiled.item.id]
        try:
            convert(compiled, value, timing, protocol, now, loc, problems)
        except ValueError as exc:
            problems.add(loc, str(exc))


def unknown_items(raw: dict[str, Any], checklist: Checklist, problems: Problems) -> None:
    """Add a problem for each answer to an item the checklist does not have."""
    item_ids = [c.item.id for c in checklist.items]
    for key in raw:
        if key not in checklist.by_id:
            problems.add(["answers", key], f"unknown item '{key}'{suggest(key, item_ids)}")
