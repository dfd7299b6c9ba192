"""The interactive run's state without a terminal: what applies, what is required, caching."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kyphocheck.interview import state as state_module
from kyphocheck.interview.drafts import Draft, DraftStore
from kyphocheck.interview.state import Interview
from kyphocheck.site.checklist import Checklist
from kyphocheck.site.folder import Site
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import Clock
from tests.conftest import NOW, example_data


def interview_of(
    document: dict[str, Any], site: Site, checklist: Checklist, protocol: Protocol
) -> Interview:
    return Interview(site, checklist, protocol, Clock(NOW, fixed=True), Draft.new(document))


def test_the_encounter_is_built_once_per_revision(
    monkeypatch: pytest.MonkeyPatch, site: Site, kyphoplasty: Checklist, protocol: Protocol
) -> None:
    calls = []
    real = state_module.build_encounter

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(state_module, "build_encounter", counting)
    interview = interview_of(example_data(), site, kyphoplasty, protocol)
    interview.applicable()
    interview.assessment()
    interview.is_required(kyphoplasty.by_id["inr"])
    assert len(calls) == 1
    interview.answers["inr"] = 1.3  # a new revision of the document
    assert interview.encounter().answers["inr"] == 1.3
    assert len(calls) == 2


def test_a_header_error_is_raised_again_from_the_cache(
    site: Site, kyphoplasty: Checklist, protocol: Protocol
) -> None:
    from kyphocheck.errors import InputError

    document = example_data()
    document["patient"]["dob"] = "not a date"
    interview = interview_of(document, site, kyphoplasty, protocol)
    for _ in range(2):
        with pytest.raises(InputError, match="patient.dob"):
            interview.encounter()


@pytest.mark.parametrize(
    ("dob", "sex", "asked"),
    [
        ("1990-05-01", "female", True),
        ("1990-05-01", "male", False),
        ("1951-04-12", "female", False),
    ],
)
def test_what_applies_follows_the_header(
    site: Site, kyphoplasty: Checklist, protocol: Protocol, dob: str, sex: str, asked: bool
) -> None:
    document = example_data()
    document["patient"].update(dob=dob, sex=sex)
    document["answers"].pop("pregnancy_status", None)
    interview = interview_of(document, site, kyphoplasty, protocol)
    assert ("pregnancy_status" in {c.item.id for c in interview.applicable()}) is asked


def test_driver_details_apply_only_with_a_driver(
    site: Site, kyphoplasty: Checklist, protocol: Protocol
) -> None:
    document = example_data()
    document["answers"]["driver_arranged"] = False
    for key in ("driver_name", "driver_phone"):
        document["answers"].pop(key, None)
    interview = interview_of(document, site, kyphoplasty, protocol)
    assert "driver_name" not in {c.item.id for c in interview.applicable()}
    interview.answers["driver_arranged"] = True
    assert "driver_name" in {c.item.id for c in interview.applicable()}


def test_check_value_reports_the_validator_message(
    site: Site, kyphoplasty: Checklist, protocol: Protocol
) -> None:
    interview = interview_of(example_data(), site, kyphoplasty, protocol)
    with pytest.raises(ValueError):
        interview.check_value("inr", "high")
    assert interview.check_value("inr", 1.2) == pytest.approx(1.2)


def test_the_draft_is_saved_owner_only(
    tmp_path: Any, site: Site, kyphoplasty: Checklist, protocol: Protocol
) -> None:
    store = DraftStore(tmp_path / "drafts")
    interview = Interview(
        site, kyphoplasty, protocol, Clock(NOW, fixed=True), Draft.new(example_data()), store
    )
    interview.set_header("patient", "weight_kg", 70)
    saved = store.load(interview.draft.id)
    assert saved.document["patient"]["weight_kg"] == 70
    assert store.path(saved.id).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "drafts").stat().st_mode & 0o777 == 0o700


def test_a_header_value_that_would_make_an_answer_wrong_is_named_not_taken(
    site: Site, kyphoplasty: Checklist, protocol: Protocol
) -> None:
    interview = interview_of(example_data(), site, kyphoplasty, protocol)
    before = copy.deepcopy(interview.document)
    problem = interview.header_problem("procedure", "scheduled", "2026-11-30T21:00")
    assert problem is not None
    assert problem.startswith("the answer to 'Medicines the patient takes' (sertraline) would be")
    assert problem.endswith("(and 2 more); change it first")
    assert interview.header_problem("patient", "dob", "2030-01-01") == (
        "patient.dob: 2030-01-01 is in the future"
    )
    assert interview.header_problem("procedure", "scheduled", "2026-12-01T10:00") is None
    assert interview.document == before  # asking changes nothing


def test_a_header_change_drops_what_stops_applying_and_reopens_what_becomes_required(
    site: Site, kyphoplasty: Checklist, protocol: Protocol
) -> None:
    document = example_data()
    document["procedure"]["anesthesia"] = "local"
    for item in ("last_solid_food", "last_meal_kind", "pre_anesthesia_assessment", "airway_risk"):
        del document["answers"][item]
    interview = interview_of(document, site, kyphoplasty, protocol)
    interview.draft.visited = [c.item.id for c in interview.applicable()]  # all asked
    assert interview.next_item() is None
    interview.change_header("procedure", "anesthesia", "general")
    # Now required (fasting) or applicable (the anaesthesia plan): asked next, in order.
    assert interview.next_item() is not None
    assert interview.next_item().item.id == "last_solid_food"  # type: ignore[union-attr]
    change = interview.change_header("procedure", "anesthesia", "local")
    assert change.dropped == ()
    interview.answers["airway_risk"] = False
    assert interview.change_header("patient", "weight_kg", 63).dropped == ("airway_risk",)


def test_overrides_of_findings_that_are_gone_are_dropped(
    site: Site, kyphoplasty: Checklist, protocol: Protocol
) -> None:
    document = example_data()
    document["answers"]["platelets"] = 40
    interview = interview_of(document, site, kyphoplasty, protocol)
    interview.refresh_findings()
    interview.add_override("platelets_low", "Dr. A. Patel", "Platelets transfused")
    assert interview.drop_stale_overrides() == []
    interview.set_answer("platelets", 210)
    assert interview.drop_stale_overrides() == [
        {"finding": "platelets_low", "by": "Dr. A. Patel", "reason": "Platelets transfused"}
    ]
    assert interview.overrides == {}
