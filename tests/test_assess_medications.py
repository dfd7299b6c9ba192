"""Medication holds: every drug class met, not met, and exactly at the boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyphocheck.assess.medications import latest_permitted_dose
from kyphocheck.schema import Duration
from tests.conftest import CHICAGO, NOW, Builder, by_id

SCHEDULED = datetime(2026, 12, 1, 8, 30, tzinfo=CHICAGO)

# (name as typed, regimen, hold in hours, severity when not met, finding key)
HOLDS = [
    ("warfarin", None, 120, "stop", "warfarin"),
    ("Coumadin", None, 120, "stop", "warfarin"),
    ("Sintrom", None, 72, "stop", "acenocoumarol"),
    ("heparin", None, 24, "stop", "heparin"),
    ("heparin", "iv_infusion", 6, "stop", "heparin"),
    ("Lovenox", None, 24, "stop", "enoxaparin"),
    ("enoxaparin", "prophylactic", 12, "stop", "enoxaparin"),
    ("Fragmin", None, 24, "stop", "dalteparin"),
    ("Arixtra", None, 96, "stop", "fondaparinux"),
    ("Xarelto", None, 72, "stop", "rivaroxaban"),
    ("Eliquis", None, 72, "stop", "apixaban"),
    ("apixaban", None, 72, "stop", "apixaban"),
    ("Savaysa", None, 72, "stop", "edoxaban"),
    ("Plavix", None, 168, "stop", "clopidogrel"),
    ("Effient", None, 240, "stop", "prasugrel"),
    ("Brilinta", None, 120, "stop", "ticagrelor"),
    ("Ticlid", None, 240, "stop", "ticlopidine"),
    ("Pletal", None, 48, "notify", "cilostazol"),
    ("Persantine", None, 48, "notify", "dipyridamole"),
    ("aspirin", "primary_prevention", 144, "notify", "aspirin"),
    ("Bayer", "primary_prevention", 144, "notify", "aspirin"),
    ("Advil", None, 24, "notify", "ibuprofen"),
    ("Voltaren", None, 24, "notify", "diclofenac"),
    ("Toradol", None, 24, "notify", "ketorolac"),
    ("Lodine", None, 48, "notify", "etodolac"),
    ("Indocin", None, 48, "notify", "indomethacin"),
    ("Aleve", None, 96, "notify", "naproxen"),
    ("Mobic", None, 96, "notify", "meloxicam"),
    ("Relafen", None, 144, "notify", "nabumetone"),
    ("Daypro", None, 240, "notify", "oxaprozin"),
    ("Feldene", None, 240, "notify", "piroxicam"),
    ("Ozempic", None, 168, "notify", "semaglutide"),
    ("Trulicity", None, 168, "notify", "dulaglutide"),
    ("Mounjaro", None, 168, "notify", "tirzepatide"),
    ("Jardiance", None, 72, "notify", "empagliflozin"),
    ("Farxiga", None, 72, "notify", "dapagliflozin"),
    ("Invokana", None, 72, "notify", "canagliflozin"),
    ("Steglatro", None, 96, "notify", "ertugliflozin"),
    ("Synjardy", None, 72, "notify", "empagliflozin-metformin"),
    # Issue 11: combinations follow their SGLT2 or NSAID part; LMWHs sold outside the US.
    ("Segluromet", None, 96, "notify", "ertugliflozin-metformin"),
    ("Steglujan", None, 96, "notify", "ertugliflozin-sitagliptin"),
    ("Qtern", None, 72, "notify", "dapagliflozin-saxagliptin"),
    ("Trijardy XR", None, 72, "notify", "empagliflozin-linagliptin-metformin"),
    ("Brenzavvy", None, 72, "notify", "bexagliflozin"),
    ("sotagliflozin", None, 72, "notify", "sotagliflozin"),
    ("Vimovo", None, 96, "notify", "naproxen-esomeprazole"),
    ("Duexis", None, 24, "notify", "ibuprofen-famotidine"),
    ("tinzaparin", None, 24, "stop", "tinzaparin"),
    ("Fraxiparine", None, 24, "stop", "nadroparin"),
    ("Clexane", "therapeutic", 24, "stop", "enoxaparin"),
    ("Lixiana", None, 72, "stop", "edoxaban"),
]


def medication(name: str, last_dose: datetime | None, regimen: str | None = None) -> dict:
    entry = {"name": name, "prescriber_approved": True}
    if last_dose is not None:
        entry["last_dose"] = last_dose.isoformat()
    if regimen:
        entry["regimen"] = regimen
    return entry


@pytest.mark.parametrize(("name", "regimen", "hours", "severity", "key"), HOLDS)
def test_hold_boundary(build: Builder, name, regimen, hours, severity, key) -> None:
    latest = SCHEDULED - timedelta(hours=hours)
    at_boundary = build.assess({"medications": [medication(name, latest, regimen)]})
    assert f"hold_not_met:{key}" not in by_id(at_boundary)
    entry = at_boundary.computed["medications"][0]
    assert datetime.fromisoformat(entry["latest_permitted_dose"]) == latest
    assert entry["hold_met"] is True

    late = build.assess({"medications": [medication(name, latest + timedelta(minutes=1), regimen)]})
    assert by_id(late)[f"hold_not_met:{key}"] == severity
    assert late.computed["medications"][0]["hold_met"] is False

    early = build.assess({"medications": [medication(name, latest - timedelta(days=1), regimen)]})
    assert f"hold_not_met:{key}" not in by_id(early)


def test_not_met_message_says_what_and_cites_source(build: Builder) -> None:
    result = build.assess(
        {"medications": [medication("Eliquis", datetime(2026, 11, 29, 20, 0, tzinfo=CHICAGO))]}
    )
    finding = next(f for f in result.findings if f.id == "hold_not_met:apixaban")
    assert "Eliquis (apixaban)" in finding.message
    assert "Sun 29 Nov 2026 20:00" in finding.message
    assert "Sat 28 Nov 2026 08:30" in finding.message
    assert "overrides" in finding.message
    assert finding.source == "ASRA 2018, high-risk procedures: apixaban 3 days"


@pytest.mark.parametrize("typed", ["ELIQUIS", "eliquis", "  Eliquis  ", "Eliquis 5 mg", "APIXABAN"])
def test_names_match_case_insensitively(build: Builder, typed: str) -> None:
    result = build.assess({"medications": [medication(typed, SCHEDULED - timedelta(days=1))]})
    assert result.computed["medications"][0]["generic"] == "apixaban"
    assert by_id(result)["hold_not_met:apixaban"] == "stop"


def test_daily_glp1_only_held_on_the_day(build: Builder) -> None:
    day_before = datetime(2026, 11, 30, 23, 59, tzinfo=CHICAGO)
    ok = build.assess({"medications": [medication("Rybelsus", day_before)]})
    assert "hold_not_met:semaglutide" not in by_id(ok)
    assert ok.computed["medications"][0]["variant"] == "daily dosing"
    same_day = build.assess(
        {"medications": [medication("Rybelsus", datetime(2026, 12, 1, 0, 1, tzinfo=CHICAGO))]}
    )
    assert by_id(same_day)["hold_not_met:semaglutide"] == "notify"


# Creatinine 2.0 mg/dL for a 75-year-old 62 kg woman: CrCl about 24 mL/min; 0.9: about 53.
@pytest.mark.parametrize(
    ("creatinine", "hold_days"), [(2.0, 6), (0.9, 5), (None, 6)], ids=["low", "normal", "unknown"]
)
def test_dabigatran_hold_follows_creatinine_clearance(
    build: Builder, creatinine: float | None, hold_days: int
) -> None:
    answers = {"medications": [medication("Pradaxa", SCHEDULED - timedelta(days=hold_days))]}
    remove = ()
    if creatinine is None:
        remove = ("creatinine",)
    else:
        answers["creatinine"] = creatinine
    result = build.assess(answers, remove=remove)
    assert "hold_not_met:dabigatran" not in by_id(result)
    late = dict(answers)
    late["medications"] = [
        medication("Pradaxa", SCHEDULED - timedelta(days=hold_days) + timedelta(minutes=1))
    ]
    assert by_id(build.assess(late, remove=remove))["hold_not_met:dabigatran"] == "stop"


def test_creatinine_clearance_cockcroft_gault(build: Builder) -> None:
    # (140 - 75) * 62 / (72 * 0.9) * 0.85 = 52.9
    assert build.assess().computed["crcl_ml_min"] == pytest.approx(52.9, abs=0.05)
    male = build.assess(patient={"sex": "male"})
    assert male.computed["crcl_ml_min"] == pytest.approx(62.2, abs=0.05)


@pytest.mark.parametrize(
    ("name", "regimen", "finding", "severity"),
    [
        ("aspirin", "secondary_prevention", "taking:aspirin", "notify"),
        ("aspirin", None, "taking:aspirin", "notify"),
        ("ASA 81", None, "taking:aspirin", "notify"),
        ("Aggrenox", None, "taking:aspirin-dipyridamole", "notify"),
        ("ketoprofen", None, "taking:other-nsaid", "notify"),
        ("sulindac", None, "taking:other-nsaid", "notify"),
        ("diflunisal", None, "taking:other-nsaid", "notify"),
        ("flurbiprofen", None, "taking:other-nsaid", "notify"),
        ("mefenamic acid 250 mg", None, "taking:other-nsaid", "notify"),
        ("Zoloft", None, "taking:sertraline", "info"),
        ("Cymbalta", None, "taking:duloxetine", "info"),
        ("fish oil", None, "taking:fish-oil", "info"),
        ("Ginkgo", None, "taking:ginkgo", "info"),
        ("Celebrex", None, "taking:celecoxib", "info"),
        ("Frobnicol", None, "unknown_medicine:frobnicol", "info"),
    ],
)
def test_recorded_medicines(build: Builder, name, regimen, finding, severity) -> None:
    result = build.assess(
        {"medications": [medication(name, SCHEDULED - timedelta(hours=2), regimen)]}
    )
    assert by_id(result)[finding] == severity
    assert not any(f.startswith("hold_not_met") for f in by_id(result))


@pytest.mark.parametrize("typed", ["aspirin", "baby aspirin", "Bayer", "Ecotrin 81 mg"])
def test_aspirin_without_an_indication_is_never_stopped(build: Builder, typed: str) -> None:
    """After a stent or stroke stopping aspirin is dangerous: ask, never a stop date."""
    result = build.assess({"medications": [{"name": typed, "prescriber_approved": True}]})
    finding = next(f for f in result.findings if f.id == "taking:aspirin")
    assert finding.severity.value == "notify"
    assert "ask the prescriber whether this aspirin is for a heart or stroke condition" in (
        finding.message
    )
    entry = result.computed["medications"][0]
    assert entry["latest_permitted_dose"] is None and entry["hold"] is None
    assert entry["plan"] == "ask" and entry["variant"] == "indication not known"


def test_aggrenox_is_secondary_prevention_only(build: Builder) -> None:
    result = build.assess({"medications": [{"name": "Aggrenox", "prescriber_approved": True}]})
    entry = result.computed["medications"][0]
    assert entry["latest_permitted_dose"] is None and entry["plan"] == "ask"
    assert "after a stroke" in next(f.message for f in result.findings if f.id.startswith("taking"))


@pytest.mark.parametrize(
    ("typed", "plan"),
    [
        ("Eliquis", "hold"),
        ("sertraline", "continue"),  # never stop abruptly: the data says continue
        ("fish oil", "ask"),  # unconfirmed hold
        ("Celebrex", "ask"),  # "usually not held", unconfirmed
        ("ketoprofen", "ask"),  # 5 half-lives, interval from the pharmacist
        ("aspirin", "ask"),
    ],
)
def test_patient_plan_keeps_taking_only_what_the_protocol_continues(
    build: Builder, typed: str, plan: str
) -> None:
    result = build.assess({"medications": [{"name": typed, "prescriber_approved": True}]})
    assert result.computed["medications"][0]["plan"] == plan


@pytest.mark.parametrize(
    ("typed", "variant"),
    [
        ("liraglutide", "daily dosing"),
        ("liraglutid", "daily dosing"),  # a near-miss chooses by the name it was read as
        ("Victoza", "daily dosing"),
        ("Xultophy", "daily dosing"),
        ("lixisenatide", "daily dosing"),
        ("Adlyxin", "daily dosing"),
        ("Soliqua", "daily dosing"),
        ("semaglutide", "weekly injection"),
        ("exenatide", "weekly injection"),  # Byetta or Bydureon: the longer hold
        ("Bydureon", "weekly injection"),
    ],
)
def test_glp1_variant_by_generic_as_well_as_brand(build: Builder, typed: str, variant: str) -> None:
    result = build.assess(
        {"medications": [medication(typed, SCHEDULED - timedelta(days=2))]},
        procedure={"anesthesia": "moderate_sedation"},
    )
    entry = result.computed["medications"][0]
    assert entry["variant"] == variant
    # Recognising the class asks the GI-symptoms question.
    assert "glp1" in [m["class"] for m in result.computed["medications"]]


@pytest.mark.parametrize("typed", ["Soliqua", "liraglutide", "Xultophy"])
def test_glp1_class_asks_about_gi_symptoms(build: Builder, typed: str) -> None:
    _, encounter = build.encounter(
        {
            "medications": [medication(typed, SCHEDULED - timedelta(days=2))],
            "gi_symptoms_today": True,
        }
    )
    assert encounter.answers["gi_symptoms_today"] is True
    result = build.assess(
        {
            "medications": [medication(typed, SCHEDULED - timedelta(days=2))],
            "gi_symptoms_today": True,
        }
    )
    assert "glp1_gi_symptoms" in by_id(result)


def test_unknown_medicine_is_recorded(build: Builder) -> None:
    result = build.assess({"medications": [{"name": "Frobnicol 20 mg"}]})
    assert result.computed["medications"] == [
        {"name": "Frobnicol 20 mg", "dose": None, "known": False}
    ]


def test_each_medicine_keeps_its_dose_for_the_summary(build: Builder) -> None:
    result = build.assess(
        {
            "medications": [
                {"name": "Eliquis", "dose": "5 mg twice a day", "last_dose": "2026-11-27T20:00"},
                {"name": "Frobnicol", "dose": "20 mg at night"},
                {"name": "sertraline"},
            ]
        }
    )
    doses = [m["dose"] for m in result.computed["medications"]]
    assert doses == ["5 mg twice a day", "20 mg at night", None]


def test_missing_last_dose_gives_latest_permitted(build: Builder) -> None:
    result = build.assess({"medications": [{"name": "Plavix", "prescriber_approved": True}]})
    # On the day the hold cannot be confirmed: a stop (issue 11), not the old notify.
    assert by_id(result)["last_dose_unknown:clopidogrel"] == "stop"
    entry = result.computed["medications"][0]
    assert datetime.fromisoformat(entry["latest_permitted_dose"]) == SCHEDULED - timedelta(days=7)
    assert entry["hold_met"] is None


def test_anticoagulant_hold_without_prescriber_approval(build: Builder) -> None:
    dose = (SCHEDULED - timedelta(days=4)).isoformat()
    result = build.assess({"medications": [{"name": "Xarelto", "last_dose": dose}]})
    assert by_id(result)["not_prescriber_approved:rivaroxaban"] == "notify"
    nsaid = build.assess({"medications": [{"name": "Advil", "last_dose": dose}]})
    assert not any(f.startswith("not_prescriber_approved") for f in by_id(nsaid))


def test_same_drug_twice_gets_distinct_finding_ids(build: Builder) -> None:
    late = (SCHEDULED - timedelta(hours=1)).isoformat()
    result = build.assess({"medications": [medication("Eliquis", None) | {"last_dose": late}] * 2})
    ids = [f.id for f in result.findings if f.id.startswith("hold_not_met")]
    assert ids == ["hold_not_met:apixaban", "hold_not_met:apixaban-2"]


def test_last_dose_with_utc_offset_compares_in_absolute_time(build: Builder) -> None:
    # Scheduled 08:30 Chicago (CST, UTC-6) = 14:30 UTC; apixaban latest = 28 Nov 14:30 UTC.
    ok = build.assess(
        {
            "medications": [
                {"name": "Eliquis", "last_dose": "2026-11-28T14:30Z", "prescriber_approved": True}
            ]
        }
    )
    assert ok.computed["medications"][0]["hold_met"] is True
    late = build.assess(
        {
            "medications": [
                {
                    "name": "Eliquis",
                    "last_dose": "2026-11-28T14:31:00+00:00",
                    "prescriber_approved": True,
                }
            ]
        }
    )
    assert late.computed["medications"][0]["hold_met"] is False
    tokyo = build.assess(
        {
            "medications": [
                {
                    "name": "Eliquis",
                    "last_dose": "2026-11-28T23:30+09:00",
                    "prescriber_approved": True,
                }
            ]
        }
    )
    assert tokyo.computed["medications"][0]["hold_met"] is True


@pytest.mark.parametrize(
    ("scheduled", "expected"),
    [
        # Fall back (1 Nov 2026): 72 h before 08:30 CST is 09:30 CDT on the wall clock.
        ("2026-11-03T08:30", datetime(2026, 10, 31, 9, 30, tzinfo=CHICAGO)),
        # Spring forward (8 Mar 2026): 72 h before 08:30 CDT is 07:30 CST.
        ("2026-03-10T08:30", datetime(2026, 3, 7, 7, 30, tzinfo=CHICAGO)),
    ],
)
def test_dst_change_does_not_shift_the_hold(
    build: Builder, scheduled: str, expected: datetime
) -> None:
    now = datetime.fromisoformat(scheduled).replace(tzinfo=CHICAGO) - timedelta(hours=1)
    result = build.assess(
        {
            "medications": [{"name": "Eliquis", "prescriber_approved": True}],
            "labs_date": (now.date() - timedelta(days=2)).isoformat(),
        },
        procedure={"scheduled": scheduled, "anesthesia": "local"},
        remove=("last_solid_food", "last_clear_liquid", "last_meal_kind"),
        now=now,
    )
    latest = datetime.fromisoformat(result.computed["medications"][0]["latest_permitted_dose"])
    assert latest == expected
    assert latest.utcoffset() == expected.utcoffset()
    start = datetime.fromisoformat(scheduled).replace(tzinfo=CHICAGO)
    assert start.astimezone(UTC) - latest.astimezone(UTC) == timedelta(hours=72)


@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(CHICAGO)
    ),
    hours=st.integers(min_value=0, max_value=24 * 14),
)
def test_latest_dose_is_exactly_the_hold_before_the_start(start: datetime, hours: int) -> None:
    latest = latest_permitted_dose(start, Duration(hours=hours))
    assert start.astimezone(UTC) - latest.astimezone(UTC) == timedelta(hours=hours)
    assert latest.tzinfo == start.tzinfo


def test_now_fixture_is_before_the_example_start() -> None:
    assert NOW < SCHEDULED
