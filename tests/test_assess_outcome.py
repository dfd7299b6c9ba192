"""The outcome of an assessment under its overrides: one definition for every reader."""

from __future__ import annotations

import pytest

from kyphocheck.assess import Finding, Outcome
from kyphocheck.schema import Severity
from tests.conftest import Builder


def finding(finding_id: str, severity: str) -> Finding:
    return Finding(finding_id, Severity(severity), "inr", "m", "s")


@pytest.mark.parametrize(
    ("severities", "overridden", "cleared", "fails_stop", "fails_notify"),
    [
        ([], [], True, False, False),
        (["info"], [], True, False, False),
        (["notify"], [], True, False, True),
        (["stop"], [], False, True, True),
        (["stop"], ["f0"], True, False, False),
        (["stop", "stop"], ["f0"], False, True, True),
        (["stop", "notify"], ["f0"], True, False, True),
    ],
)
def test_outcome(
    severities: list[str],
    overridden: list[str],
    cleared: bool,
    fails_stop: bool,
    fails_notify: bool,
) -> None:
    found = tuple(finding(f"f{i}", s) for i, s in enumerate(severities))
    outcome = Outcome(found, frozenset(overridden))
    assert outcome.cleared is cleared
    assert outcome.fails_at(Severity.STOP) is fails_stop
    assert outcome.fails_at(Severity.NOTIFY) is fails_notify
    record = {
        "findings": [f.as_dict() for f in found],
        "overrides": [{"finding": o} for o in overridden],
    }
    assert Outcome.of_record(record) == outcome


def test_a_drug_listed_twice_keeps_each_entry_verdict(build: Builder) -> None:
    # The first entry's hold is met, the second's is not: the second finding is "-2"-suffixed
    # only if both fail, and each entry names its own finding.
    assessment = build.assess(
        {
            "medications": [
                {"name": "warfarin", "last_dose": "2026-11-20T20:00", "prescriber_approved": True},
                {"name": "Coumadin", "last_dose": "2026-11-29T20:00", "prescriber_approved": True},
                {"name": "Jantoven", "last_dose": "2026-11-30T20:00", "prescriber_approved": True},
            ]
        }
    )
    first, second, third = assessment.computed["medications"]
    assert first["hold_met"] is True and first["hold_finding"] is None
    assert second["hold_finding"] == {"id": "hold_not_met:warfarin", "severity": "stop"}
    assert third["hold_finding"] == {"id": "hold_not_met:warfarin-2", "severity": "stop"}
    ids = {f.id for f in assessment.findings}
    assert {"hold_not_met:warfarin", "hold_not_met:warfarin-2"} <= ids
    assert not assessment.outcome([]).cleared
    # Overriding one leaves the other open.
    assert [f.id for f in assessment.open_stops(["hold_not_met:warfarin"])] == [
        "hold_not_met:warfarin-2"
    ]
