"""Numeric limits on lab results and vital signs, and the age of the labs."""

from __future__ import annotations

from datetime import date
from typing import Any

from kyphocheck.assess.findings import Finding, sentence
from kyphocheck.site.protocol import Protocol

_WORDS = {"above": "above", "at_least": "at or above", "below": "below", "at_most": "at or below"}


def assess_thresholds(
    protocol: Protocol,
    answers: dict[str, Any],
    units: dict[str, str | None],
    prompts: dict[str, str],
    procedure_day: date,
) -> list[Finding]:
    """A finding for each answered value past its limit, and for labs that are too old."""
    findings = []
    for threshold in protocol.thresholds.thresholds:
        value = answers.get(threshold.item)
        if value is None or not threshold.fires(value):
            continue
        unit = units.get(threshold.item)
        unit_text = f" {unit}" if unit else ""
        findings.append(
            Finding(
                id=threshold.id,
                severity=threshold.severity,
                item=threshold.item,
                message=sentence(
                    f"{prompts.get(threshold.item, threshold.item)} {value:g}{unit_text} is "
                    f"{_WORDS[threshold.comparison]} {threshold.limit:g}{unit_text}",
                    threshold.action,
                ),
                source=threshold.source,
            )
        )
    lab_age = protocol.thresholds.lab_age
    drawn = answers.get(lab_age.item)
    if drawn is not None and (procedure_day - drawn).days > lab_age.max_days:
        findings.append(
            Finding(
                id="labs_too_old",
                severity=lab_age.severity,
                item=lab_age.item,
                message=sentence(
                    f"The labs drawn {drawn.isoformat()} will be {(procedure_day - drawn).days} "
                    f"days old on the day (limit {lab_age.max_days} days)",
                    "repeat them or tell the proceduralist",
                ),
                source=lab_age.source,
            )
        )
    return findings
