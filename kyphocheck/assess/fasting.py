"""Fasting: the last food and clear liquid against the scheduled start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kyphocheck.assess.findings import DEFAULT_ACTION, Finding, sentence
from kyphocheck.site.protocol import FastingKind, Protocol
from kyphocheck.times import format_local


def _before(scheduled: datetime, hours: float) -> datetime:
    return (scheduled.astimezone(UTC) - timedelta(hours=hours)).astimezone(scheduled.tzinfo)


def assess_fasting(
    protocol: Protocol,
    anesthesia: str,
    scheduled: datetime,
    answers: dict[str, Any],
) -> tuple[list[Finding], dict[str, Any]]:
    """Findings for food or liquid taken too late, and the cut-off times for the sheet."""
    rules = protocol.fasting
    zone = scheduled.tzinfo
    assert zone is not None
    computed: dict[str, Any] = {
        "applies": anesthesia in rules.applies_to_anesthesia,
        "stop_food_at": _before(
            scheduled, rules.intervals[rules.take_home["stop_food"]].hours
        ).isoformat(),
        "stop_clear_liquids_at": _before(
            scheduled, rules.intervals[rules.take_home["stop_clear_liquids"]].hours
        ).isoformat(),
    }
    if not computed["applies"]:
        return [], computed

    findings = []
    meal_kind: FastingKind = answers.get("last_meal_kind") or rules.unstated_meal
    checks: list[tuple[str, str, FastingKind, str]] = [
        ("fasting_solids", "last_solid_food", meal_kind, "solid food"),
        ("fasting_clear_liquids", "last_clear_liquid", "clear_liquid", "clear liquid"),
    ]
    for finding_id, item, interval_name, what in checks:
        last = answers.get(item)
        if last is None:
            continue
        interval = rules.intervals[interval_name]
        if last > _before(scheduled, interval.hours):
            earliest = last.astimezone(UTC) + timedelta(hours=interval.hours)
            findings.append(
                Finding(
                    id=finding_id,
                    severity=rules.severity,
                    item=item,
                    message=sentence(
                        f"Last {what} at {format_local(last, zone)} is less than "
                        f"{interval.hours:g} hours before the start "
                        f"({format_local(scheduled, zone)})",
                        f"start no earlier than {format_local(earliest, zone)}, or "
                        f"{DEFAULT_ACTION[rules.severity]}",
                    ),
                    source=interval.source,
                )
            )
    return findings, computed
