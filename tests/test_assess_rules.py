"""The checklist's own rules: contraindications, identity, consent, driver, pregnancy."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyphocheck.site.data import load_site_protocol
from kyphocheck.site.folder import Site
from tests.conftest import Builder, by_id
from tests.helpers import make_site


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


def test_example_patient_is_cleared_with_one_notify(build: Builder) -> None:
    """Sertraline with Eliquis: an SSRI with another bleeding risk is told to the team."""
    result = build.assess()
    assert not result.open_stops(())
    notify = [f.id for f in result.findings if f.severity.value == "notify"]
    assert notify == ["taking:sertraline"]


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


@pytest.mark.parametrize(("dob", "asked"), [("1967-06-01", True), ("1966-12-01", False)])
def test_pregnancy_age_limit_comes_from_the_protocol(build: Builder, dob: str, asked: bool) -> None:
    """59 is asked and 60 (a birthday on the day) is not, by the protocol's number."""
    _, encounter = build.encounter({"pregnancy_status": "negative"}, patient={"dob": dob})
    assert ("pregnancy_status" in encounter.answers) is asked
    limit = build.protocol.thresholds.pregnancy_test
    assert limit is not None and limit.age_below == 60 and limit.confirm


def test_pregnancy_asked_of_everyone_not_male_without_an_age_limit(
    tmp_path: Path, site: Site
) -> None:
    text = (site.defaults / "checklists/protocol/thresholds.yaml").read_text()
    start = text.index("pregnancy_test:")
    end = text.index("\n\n", start)
    custom = Site.open(
        make_site(tmp_path, {"checklists/protocol/thresholds.yaml": text[:start] + text[end:]})
    )
    protocol = load_site_protocol(custom)
    assert protocol.thresholds.pregnancy_test is None
    _, encounter = Builder(custom, protocol).encounter(
        {"pregnancy_status": "negative"}, patient={"dob": "1930-01-01"}
    )
    assert encounter.answers["pregnancy_status"] == "negative"
