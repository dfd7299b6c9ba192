"""Near-miss medicine names: a typo of a blood thinner is read as it, never silently unknown."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyphocheck.site.drug_names import MIN_NEAR_MISS_LENGTH, normalise_name
from kyphocheck.site.drugs import DrugTable
from kyphocheck.site.protocol import Protocol
from tests.conftest import Builder, by_id

COMMON = Path(__file__).parent / "data" / "common-medicines.txt"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(scope="module")
def table(protocol: Protocol) -> DrugTable:
    return protocol.drugs


@pytest.mark.parametrize(
    ("typed", "generic"),
    [
        ("eliqus", "apixaban"),
        ("coumadn", "warfarin"),
        ("eliqus 5 mg", "apixaban"),
        ("Xarelo", "rivaroxaban"),
        ("clopidogrl", "clopidogrel"),
        ("warfrin", "warfarin"),
        ("Pradax", "dabigatran"),
        ("ELIQUIS", "apixaban"),
    ],
)
def test_typos_are_read_as_the_drug(table: DrugTable, typed: str, generic: str) -> None:
    matched = table.match(typed)
    assert matched.drug is not None and matched.drug.generic == generic


@pytest.mark.parametrize("typed", ["Tylenol", "lisinopril", "zzzzzz", "Excedrin", "vit d"])
def test_names_near_nothing_stay_unknown(table: DrugTable, typed: str) -> None:
    assert table.match(typed).drug is None


def test_a_typo_of_a_blood_thinner_is_a_stop_as_spelled_right(build: Builder) -> None:
    late = {"last_dose": "2026-11-30T08:00", "prescriber_approved": True}
    right = by_id(build.assess({"medications": [{"name": "Eliquis", **late}]}))
    typo = by_id(build.assess({"medications": [{"name": "eliqus", **late}]}))
    assert right["hold_not_met:apixaban"] == "stop"
    assert typo["hold_not_met:apixaban"] == "stop"
    assert typo["name_near_miss:apixaban"] == "notify"
    assessment = build.assess({"medications": [{"name": "eliqus", **late}]})
    [near] = [f for f in assessment.findings if f.id == "name_near_miss:apixaban"]
    assert "'eliqus' read as Eliquis (apixaban)" in near.message
    assert not assessment.outcome([]).cleared


def test_a_name_near_two_drugs_is_not_guessed(table: DrugTable) -> None:
    # Built from the table: a string one edit from two different drugs' names, if any exist.
    names = [key for key, _ in table.spellings if len(key) >= MIN_NEAR_MISS_LENGTH]
    for typed in ("heparn", "prasugre"):
        matched = table.match(typed)
        assert matched.drug is None or len(matched.candidates) == 0
    assert names  # the table has names long enough to correct


def _edits(name: str, rng: random.Random) -> list[str]:
    i = rng.randrange(len(name))
    j = rng.randrange(len(name) - 1)
    letter = rng.choice(LETTERS)
    return [
        name[:i] + name[i + 1 :],  # deletion
        name[:i] + letter + name[i:],  # insertion
        name[:i] + letter + name[i + 1 :],  # substitution
        name[:j] + name[j + 1] + name[j] + name[j + 2 :],  # adjacent swap
    ]


@settings(max_examples=50, deadline=None)
@given(st.randoms(use_true_random=False))
def test_every_single_edit_of_every_name_is_caught_or_ambiguous(rng: random.Random) -> None:
    from kyphocheck.site.data import load_site_protocol
    from kyphocheck.site.folder import Site

    table = load_site_protocol(Site.open(None)).drugs
    for drug in table.drugs:
        for name in drug.names:
            if len(name) < MIN_NEAR_MISS_LENGTH + 1:
                continue
            for typo in _edits(normalise_name(name), rng):
                if normalise_name(typo) != typo:
                    continue  # the edit took a whole word ("vitamin e" -> "vitamin "): not a typo
                matched = table.match(typo)
                if matched.drug is None:
                    assert matched.candidates, f"{typo!r} (from {name}) fell through as unknown"
                else:
                    # A typo may land exactly on another listed name; never silently elsewhere.
                    same = matched.drug.generic == drug.generic
                    assert same or not matched.near_miss, f"{typo!r} read as {matched.named}"


def test_common_medicines_are_never_read_as_another_drug(table: DrugTable) -> None:
    names = [line.strip() for line in COMMON.read_text().splitlines()]
    names = [n for n in names if n and not n.startswith("#")]
    assert len(names) >= 200
    wrong = []
    for name in names:
        matched = table.match(name)
        if matched.drug is not None and (
            matched.near_miss or normalise_name(name) not in map(normalise_name, matched.drug.names)
        ):
            wrong.append(f"{name} -> {matched.named}")
    assert wrong == []


@pytest.mark.parametrize(
    ("name", "on_the_day", "ahead"),
    [("Eliquis", "stop", "notify"), ("Plavix", "stop", "notify"), ("warfarin", "stop", "notify")],
)
def test_an_unknown_last_dose_of_a_blood_thinner_is_a_stop_on_the_day(
    tmp_path: Path, name: str, on_the_day: str, ahead: str
) -> None:
    import yaml

    from kyphocheck.assess import assess
    from kyphocheck.intake.prepare import prepare
    from kyphocheck.site.folder import Site
    from kyphocheck.times import Clock
    from tests.conftest import NOW, example_data

    data = example_data()
    data["answers"]["medications"] = [{"name": name, "prescriber_approved": True}]
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump(data))
    site, clock = Site.open(None), Clock(NOW, fixed=True)
    for partial, expected in ((False, on_the_day), (True, ahead)):
        prepared = prepare(site, path, clock, partial=partial)
        found = assess(prepared.checklist, prepared.protocol, prepared.encounter, NOW)
        [unknown] = [f for f in found.findings if f.id.startswith("last_dose_unknown:")]
        assert unknown.severity.value == expected
        assert "the hold cannot be confirmed" in unknown.message
