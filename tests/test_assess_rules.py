"""The checklist's own rules: contraindications, identity, consent, driver, pregnancy."""

from __future__ import annotations

import pytest

from tests.conftest import Builder, by_id


@pytest.mark.parametrize(
    ("answers", "finding", "severity"),
    [
        ({"identity_verified": False}, "identity_not_verified", "stop"),
        ({"consent_signed": False}, "consent_not_signed", "stop"),
        ({"active_infection": True}, "active_infection", "stop"),
        ({"new_neuro_deficit": True}, "new_neuro_deficit", "stop"),
        ({"fever": True}, "fever_reported", "notify"),
        ({"can_lie_prone": False}, "cannot_lie_prone", "notify"),
        ({"imaging_confirms_acute_fracture": False}, "fracture_not_confirmed", "notify"),
        ({"pain_matches_fracture": False}, "pain_from_elsewhere", "notify"),
        ({"history_and_physical": False}, "history_and_physical_missing", "notify"),
        ({"driver_arranged": False}, "no_driver", "stop"),
        ({"iv_access": False}, "no_iv_access", "notify"),
        ({"monitoring": ["ecg"]}, "no_pulse_oximeter", "notify"),
        ({"site_marked": "not_marked"}, "site_not_marked", "notify"),
        ({"kit_available": False}, "kit_not_available", "notify"),
        ({"airway_risk": True}, "airway_risk", "notify"),
        ({"antibiotic_plan": "cefazolin"}, "cefazolin_with_beta_lactam_allergy", "notify"),
    ],
)
def test_rule_fires(build: Builder, answers: dict, finding: str, severity: str) -> None:
    result = build.assess(answers)
    assert by_id(result)[finding] == severity
    fired = next(f for f in result.findings if f.id == finding)
    assert fired.source and fired.message.endswith(".")


def test_example_patient_is_cleared_with_info_only(build: Builder) -> None:
    result = build.assess()
    assert {f.severity.value for f in result.findings} == {"info"}


def test_no_driver_under_local_anaesthesia_is_notify(build: Builder) -> None:
    result = build.assess({"driver_arranged": False}, procedure={"anesthesia": "local"})
    assert by_id(result)["no_driver_local"] == "notify"
    assert "no_driver" not in by_id(result)


@pytest.mark.parametrize(
    ("status", "finding", "severity"),
    [
        ("positive", "pregnancy_positive", "stop"),
        ("unknown", "pregnancy_unknown", "notify"),
        ("negative", None, None),
    ],
)
def test_pregnancy(build: Builder, status: str, finding: str | None, severity: str | None) -> None:
    result = build.assess({"pregnancy_status": status}, patient={"dob": "1990-05-01"})
    pregnancy = {k: v for k, v in by_id(result).items() if k.startswith("pregnancy")}
    assert pregnancy == ({finding: severity} if finding else {})


def test_pregnancy_not_asked_of_men(build: Builder) -> None:
    checklist, encounter = build.encounter(
        {"pregnancy_status": "positive"}, patient={"sex": "male", "dob": "1990-05-01"}
    )
    assert "pregnancy_status" not in encounter.answers
    assert "answers.pregnancy_status: ignored, it does not apply here" in encounter.notes


def test_glp1_symptoms_on_the_day(build: Builder) -> None:
    result = build.assess(
        {
            "medications": [{"name": "Ozempic", "last_dose": "2026-11-20T08:00"}],
            "gi_symptoms_today": True,
        }
    )
    assert by_id(result)["glp1_gi_symptoms"] == "notify"


def test_findings_are_ordered_most_serious_first(build: Builder) -> None:
    result = build.assess({"fever": True, "active_infection": True})
    ranks = [f.severity.rank for f in result.findings]
    assert ranks == sorted(ranks, reverse=True)
