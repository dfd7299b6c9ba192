"""Allergies: contrast premedication times, cement, latex, shellfish, beta-lactams."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import CHICAGO, Builder, by_id

PRE_OP_VISIT = datetime(2026, 11, 24, 10, 0, tzinfo=CHICAGO)


def allergy(substance: str, reaction: str = "hives", **extra: str) -> dict:
    return {"substance": substance, "reaction": reaction, **extra}


def visit_answers(**answers) -> dict:
    """Answers as known at a pre-op visit a week before (nothing of the day yet)."""
    return {
        "labs_date": "2026-11-20",
        "medications": [{"name": "Eliquis", "prescriber_approved": True}],
        **answers,
    }


def assess_at(build: Builder, now: datetime, allergies: list[dict]):
    """The allergies assessed at `now`, with only the answers known by then."""
    return build.assess(
        visit_answers(allergies=allergies),
        remove=("last_solid_food", "last_clear_liquid", "last_meal_kind"),
        procedure={"anesthesia": "local"},
        now=now,
    )


@pytest.mark.parametrize(
    ("substance", "finding", "severity"),
    [
        ("iodinated contrast", "allergy:iodinated_contrast", "notify"),
        ("Omnipaque", "allergy:iodinated_contrast", "notify"),
        ("IV contrast dye", "allergy:iodinated_contrast", "notify"),
        ("PMMA bone cement", "allergy:bone_cement", "stop"),
        ("methyl methacrylate", "allergy:bone_cement", "stop"),
        ("barium sulfate", "allergy:bone_cement", "stop"),
        ("latex gloves", "allergy:latex", "notify"),
        ("lidocaine", "allergy:local_anesthetic", "notify"),
        ("penicillin", "allergy:beta_lactam", "info"),
        ("Keflex", "allergy:beta_lactam", "info"),
        ("shellfish", "allergy:iodine_or_shellfish", "info"),
        ("iodine", "allergy:iodine_or_shellfish", "info"),
    ],
)
def test_allergy_categories(build: Builder, substance: str, finding: str, severity: str) -> None:
    # A week ahead: premedication still has time, so the category's own severity applies.
    result = assess_at(build, PRE_OP_VISIT, [allergy(substance)])
    assert by_id(result)[finding] == severity


def test_unmatched_allergy_is_recorded_without_finding(build: Builder) -> None:
    result = build.assess({"allergies": [allergy("strawberries")]})
    assert not [f for f in by_id(result) if f.startswith("allergy:")]
    assert result.computed["allergies"][0]["category"] is None


def test_category_given_explicitly_wins(build: Builder) -> None:
    result = build.assess(
        {"allergies": [allergy("the dye from my CT", category="iodinated_contrast")]}
    )
    assert "allergy:iodinated_contrast" in by_id(result)


def test_contrast_premedication_times_count_back_from_start(build: Builder) -> None:
    result = build.assess(
        visit_answers(allergies=[allergy("iodinated contrast")]),
        remove=("last_solid_food", "last_clear_liquid", "last_meal_kind"),
        procedure={"anesthesia": "local"},
        now=PRE_OP_VISIT,
    )
    premed = result.computed["premedication"]
    assert premed["regimen"] == "prednisone_oral" and not premed["too_late"]
    times = [(d["at"], d["drug"]) for d in premed["doses"]]
    assert times == [
        ("2026-11-30T19:30:00-06:00", "prednisone"),
        ("2026-12-01T01:30:00-06:00", "prednisone"),
        ("2026-12-01T07:30:00-06:00", "diphenhydramine"),
        ("2026-12-01T07:30:00-06:00", "prednisone"),
    ]
    finding = next(f for f in result.findings if f.id == "allergy:iodinated_contrast")
    assert "first dose Mon 30 Nov 2026 19:30" in finding.message


def test_premedication_too_late_for_oral_offers_the_accelerated_iv_regimen(
    build: Builder,
) -> None:
    # 8 h before the 08:30 start: too late for the 13 h and 12 h oral regimens, time for IV.
    result = assess_at(
        build, datetime(2026, 12, 1, 0, 30, tzinfo=CHICAGO), [allergy("iodinated contrast")]
    )
    premed = result.computed["premedication"]
    assert premed["too_late"] is True and premed["no_time"] is False
    finding = next(f for f in result.findings if f.id == "allergy:iodinated_contrast")
    assert "accelerated IV regimen" in finding.message
    assert finding.severity.value == "notify"


@pytest.mark.parametrize(
    ("hour", "minute", "left"),
    [
        (2, 31, "5 h 59 min are left"),
        (7, 45, "0 h 45 min are left"),
        (8, 30, "the start has passed"),
    ],
)
def test_premedication_with_no_time_left_is_a_decision_not_iv_now(
    build: Builder, hour: int, minute: int, left: str
) -> None:
    """Under the ACR's 4-6 h no steroid works: delay, or go ahead on the proceduralist's word."""
    result = assess_at(
        build, datetime(2026, 12, 1, hour, minute, tzinfo=CHICAGO), [allergy("CT dye")]
    )
    premed = result.computed["premedication"]
    assert premed["no_time"] is True and premed["doses"] == []
    finding = next(f for f in result.findings if f.id == "allergy:iodinated_contrast")
    assert finding.severity.value == "stop"
    assert left in finding.message
    assert "delay the procedure" in finding.message
    assert "proceduralist's decision" in finding.message
    assert "IV now" not in finding.message and "accelerated" not in finding.message
    assert "4-6 h" in finding.source


def test_premedication_six_hours_ahead_still_offers_iv(build: Builder) -> None:
    result = assess_at(build, datetime(2026, 12, 1, 2, 30, tzinfo=CHICAGO), [allergy("CT dye")])
    assert result.computed["premedication"]["no_time"] is False


@pytest.mark.parametrize(
    ("weight", "dose"), [(62, "2 g"), (119.9, "2 g"), (120, "3 g"), (150, "3 g")]
)
def test_cefazolin_dose_by_weight(build: Builder, weight: float, dose: str) -> None:
    result = build.assess({"allergies": []}, patient={"weight_kg": weight})
    option = result.computed["antibiotic"]["options"][0]
    assert (option["drug"], option["dose"]) == ("cefazolin", dose)


def test_beta_lactam_allergy_gives_alternatives(build: Builder) -> None:
    result = build.assess(
        {"allergies": [allergy("amoxicillin", "rash")]}, patient={"weight_kg": 80}
    )
    options = result.computed["antibiotic"]["options"]
    assert [(o["drug"], o["dose"]) for o in options] == [
        ("clindamycin", "900 mg"),
        ("vancomycin", "1200 mg (15 mg/kg)"),
    ]
    finding = next(f for f in result.findings if f.id == "allergy:beta_lactam")
    assert "clindamycin 900 mg IV" in finding.message and "vancomycin 1200 mg" in finding.message


@pytest.mark.parametrize(
    ("substance", "category"),
    [
        ("amoxicillin-clavulanate", "beta_lactam"),
        ("PCN", "beta_lactam"),
        ("penicillins", "beta_lactam"),
        ("cephalosporins", "beta_lactam"),
        ("CT dye", "iodinated_contrast"),
        ("IV dye", "iodinated_contrast"),
        ("X-ray dye", "iodinated_contrast"),
        ("Omnipaque", "iodinated_contrast"),
        ("Visipaque", "iodinated_contrast"),
        ("Ultravist", "iodinated_contrast"),
        ("Conray", "iodinated_contrast"),
        ("iodine dye", "iodinated_contrast"),  # contrast, not the shellfish myth
        ("shellfish", "iodine_or_shellfish"),
    ],
)
def test_allergy_words_people_write(build: Builder, substance: str, category: str) -> None:
    result = build.assess({"allergies": [allergy(substance)]})
    assert f"allergy:{category}" in by_id(result)


def test_a_beta_lactam_written_with_a_hyphen_changes_the_antibiotic(build: Builder) -> None:
    result = build.assess({"allergies": [allergy("amoxicillin-clavulanate", "rash")]})
    assert result.computed["antibiotic"]["beta_lactam_allergy"] is True
    assert "cefazolin" not in str(result.computed["antibiotic"]["options"]).casefold()


def test_an_allergy_in_no_category_is_still_a_finding(build: Builder) -> None:
    result = build.assess({"allergies": [allergy("peanuts", "anaphylaxis"), allergy("kiwi")]})
    found = by_id(result)
    assert found["allergy_other:peanuts"] == "info"
    assert found["allergy_other:kiwi-2"] == "info"


@pytest.mark.parametrize(
    ("substance", "category", "word"),
    [
        ("penicilin", "beta_lactam", "penicillin"),
        ("amoxicilin", "beta_lactam", "amoxicillin"),
        ("keflx", "beta_lactam", "keflex"),
        ("rubbr gloves", "latex", "rubber"),
        ("omnipaqe", "iodinated_contrast", "omnipaque"),
        ("novocain", "local_anesthetic", "novocaine"),
        ("lidocane", "local_anesthetic", "lidocaine"),
    ],
)
def test_misspelt_allergy_is_read_as_the_category_it_nearly_spells(
    build: Builder, substance: str, category: str, word: str
) -> None:
    """A misspelt penicillin must not plan cefazolin without a word."""
    result = assess_at(build, PRE_OP_VISIT, [allergy(substance)])
    finding = next(f for f in result.findings if f.id == f"allergy:{category}")
    assert f"'{substance}' read as {word}: confirm it" in finding.message
    entry = result.computed["allergies"][0]
    assert (entry["category"], entry["read_as"]) == (category, word)
    if category == "beta_lactam":
        assert result.computed["antibiotic"]["beta_lactam_allergy"] is True


@pytest.mark.parametrize("substance", ["strawberries", "lactose", "pollen", "codeine", "sulfa"])
def test_words_near_no_category_stay_unmatched(build: Builder, substance: str) -> None:
    result = assess_at(build, PRE_OP_VISIT, [allergy(substance)])
    assert result.computed["allergies"][0]["category"] is None
    assert any(f.startswith("allergy_other:") for f in by_id(result))


def test_each_allergy_carries_its_category_label_for_the_summary(build: Builder) -> None:
    result = assess_at(build, PRE_OP_VISIT, [allergy("shellfish"), allergy("strawberries")])
    labels = [(a["category"], a["category_label"]) for a in result.computed["allergies"]]
    assert labels == [("iodine_or_shellfish", '"iodine" or shellfish only'), (None, None)]
