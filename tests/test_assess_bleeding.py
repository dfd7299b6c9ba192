"""Risks that need more than one answer: LMWH and the kidneys, an INR drawn before warfarin was
stopped, an SSRI with another bleeding risk."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import CHICAGO, Builder, by_id

SCHEDULED = datetime(2026, 12, 1, 8, 30, tzinfo=CHICAGO)


def med(name: str, last_dose: datetime | None = None, **extra: object) -> dict:
    entry: dict = {"name": name, "prescriber_approved": True, **extra}
    if last_dose is not None:
        entry["last_dose"] = last_dose.isoformat()
    return entry


# The example patient: 75-year-old 62 kg woman. Creatinine 0.9: CrCl 52.9; 2.0: 23.8; 1.5: 31.7.
@pytest.mark.parametrize(
    ("name", "creatinine", "fires"),
    [
        ("enoxaparin", 2.0, True),
        ("Clexane", 2.0, True),
        ("Fragmin", 2.0, True),
        ("tinzaparin", 2.0, True),
        ("nadroparin", 2.0, True),
        ("enoxaparin", 1.5, False),
        ("enoxaparin", 0.9, False),
        ("enoxaparin", None, True),  # no creatinine: the clearance cannot be judged
        ("Eliquis", 2.0, False),  # not a kidney-decided hold in the table
    ],
)
def test_lmwh_hold_needs_the_kidney_function(
    build: Builder, name: str, creatinine: float | None, fires: bool
) -> None:
    answers: dict = {"medications": [med(name, SCHEDULED - timedelta(days=4))]}
    remove: tuple[str, ...] = ()
    if creatinine is None:
        remove = ("creatinine",)
    else:
        answers["creatinine"] = creatinine
    result = build.assess(answers, remove=remove)
    kidney = [f for f in result.findings if f.id.startswith("kidney_function:")]
    assert bool(kidney) is fires
    if fires:
        [finding] = kidney
        assert finding.severity.value == "notify"
        assert "longer hold" in finding.message
        assert "CrCl" in finding.source
        words = "no creatinine" if creatinine is None else "below 30"
        assert words in finding.message


WARFARIN_LAST = datetime(2026, 11, 25, 20, 0, tzinfo=CHICAGO)  # hold of 5 days ends 30 Nov 20:00


@pytest.mark.parametrize(
    ("labs_date", "fires"),
    [
        ("2026-11-24", True),  # drawn while still taking it
        ("2026-11-28", True),  # drawn during the hold
        ("2026-11-30", True),  # the day the hold ends: may be before 20:00, the safe side
        ("2026-12-01", False),  # the morning of the procedure
    ],
)
def test_inr_drawn_before_the_warfarin_hold_ended_is_repeated(
    build: Builder, labs_date: str, fires: bool
) -> None:
    result = build.assess(
        {"medications": [med("warfarin", WARFARIN_LAST)], "labs_date": labs_date, "inr": 1.1}
    )
    found = by_id(result)
    assert "hold_not_met:warfarin" not in found
    assert ("lab_before_hold_end:warfarin" in found) is fires
    if fires:
        finding = next(f for f in result.findings if f.id == "lab_before_hold_end:warfarin")
        assert finding.severity.value == "notify" and finding.item == "inr"
        assert "repeat the INR on the day" in finding.message
        assert "Mon 30 Nov 2026 20:00" in finding.message


def test_inr_rule_is_for_vitamin_k_antagonists_only(build: Builder) -> None:
    result = build.assess(
        {"medications": [med("Eliquis", SCHEDULED - timedelta(days=4))], "labs_date": "2026-11-24"}
    )
    assert not [f for f in by_id(result) if f.startswith("lab_before_hold_end")]


@pytest.mark.parametrize(
    ("others", "platelets", "severity", "named"),
    [
        ([], 210, "info", None),
        ([med("Eliquis", SCHEDULED - timedelta(days=4))], 210, "notify", "Eliquis"),
        ([med("Advil", SCHEDULED - timedelta(days=2))], 210, "notify", "Advil"),
        ([med("Plavix", SCHEDULED - timedelta(days=8))], 210, "notify", "Plavix"),
        ([med("ketoprofen", SCHEDULED - timedelta(days=2))], 210, "notify", "ketoprofen"),
        ([med("aspirin")], 210, "notify", "aspirin"),
        ([], 40, "notify", "platelets 40"),
        ([med("Celebrex")], 210, "info", None),  # COX-2 selective: not a bleeding risk here
        ([med("fish oil")], 210, "info", None),
    ],
)
def test_ssri_notifies_only_with_another_bleeding_risk(
    build: Builder, others: list, platelets: float, severity: str, named: str | None
) -> None:
    result = build.assess(
        {
            "medications": [med("sertraline", SCHEDULED - timedelta(hours=3)), *others],
            "platelets": platelets,
        }
    )
    finding = next(f for f in result.findings if f.id == "taking:sertraline")
    assert finding.severity.value == severity
    if named:
        assert f"other bleeding risks ({named}" in finding.message
        assert "notify only with other bleeding risks" in finding.source
        assert "never stop it abruptly" in finding.message
