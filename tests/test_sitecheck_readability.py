"""Reading grades: several formulas, their limits from data and site.yaml, the hardest sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyphocheck.errors import InputError
from kyphocheck.site.folder import Site
from kyphocheck.sitecheck.readability import ReadingPolicy, reading_grades, reading_policy
from tests.helpers import make_site

# Bullets of short words with one long word each: Flesch-Kincaid, which averages syllables over
# all words, calls them easy; SMOG, which counts the long words a sentence, does not.
SHORT_BULLETS = "\n".join(
    f"- Take your {word} with a cup of tea."
    for word in (
        "vitamins",
        "calcium",
        "antibiotic",
        "medication",
        "anticoagulant",
        "supplement",
        "prescription",
        "injection",
        "physician's note",
        "thermometer",
    )
)
EVERYTHING: ReadingPolicy = ReadingPolicy(
    {"en": ("flesch_kincaid", "smog", "dale_chall")},
    {"flesch_kincaid": 6, "smog": 8, "dale_chall": None},
)


def test_short_bullets_flatter_flesch_kincaid_but_not_smog() -> None:
    grades = reading_grades(SHORT_BULLETS, "en", "sheet", "fixture", EVERYTHING)
    shown = {g.formula: g.grade for g in grades}
    assert shown["flesch-kincaid"] <= 6 < 8 < shown["smog"]
    # Dale-Chall is shown, not enforced.
    assert [(g.formula, g.too_hard) for g in grades] == [
        ("flesch-kincaid", False),
        ("smog", True),
        ("dale-chall", False),
    ]


def test_each_formula_names_its_hardest_sentences() -> None:
    text = "The cat sat on the mat today.\n\nTake every anticoagulant medication as written."
    for grade in reading_grades(text, "en", "s", "f", EVERYTHING):
        assert grade.worst[0][1].startswith("Take every anticoagulant"), grade.formula
        assert grade.worst[0][0] > grade.worst[1][0]  # SMOG of one sentence is not 0


def test_a_language_without_formulas_is_graded_by_flesch_kincaid() -> None:
    [grade] = reading_grades("Vous prenez le médicament.", "fr", "s", "f", EVERYTHING)
    assert (grade.formula, grade.limit) == ("flesch-kincaid", 6)


def test_the_defaults_come_from_data() -> None:
    policy = reading_policy(Site.open(None))
    assert policy.formulas_for("en") == ("flesch_kincaid", "smog", "dale_chall")
    assert policy.formulas_for("es") == ("crawford",)
    assert policy.limits == {"crawford": 8, "dale_chall": None, "flesch_kincaid": 6, "smog": 8}


@pytest.mark.parametrize(
    ("site_yaml", "limits"),
    [
        ("reading_targets: {smog: 7}", {"smog": 7, "flesch_kincaid": 6, "crawford": 8}),
        # max_reading_grade caps every formula, a target above it included
        ("max_reading_grade: 5\nreading_targets: {smog: 9}", {"smog": 5, "flesch_kincaid": 5}),
        ("reading_targets: {dale_chall: 7.5}", {"dale_chall": 7.5}),
        ("reading_targets: {flesch_kincaid: null}", {"flesch_kincaid": None}),
    ],
)
def test_site_yaml_overrides_the_targets(
    tmp_path: Path, site_yaml: str, limits: dict[str, float | None]
) -> None:
    site = Site.open(make_site(tmp_path, {"site.yaml": site_yaml}))
    policy = reading_policy(site)
    assert {f: policy.limits[f] for f in limits} == limits


def test_a_broken_reading_file_names_its_line(tmp_path: Path) -> None:
    text = "formulas:\n  en: [flesch_kincaid, fog]\n"
    site = Site.open(make_site(tmp_path, {"templates/reading.yaml": text}))
    with pytest.raises(InputError) as raised:
        reading_policy(site)
    [problem] = raised.value.problems
    assert (problem.line, problem.field) == (2, "formulas.en[1]")
