"""Answers files: every problem reported at once, one line each, with file, line and field."""
# ruff: noqa: E501 - expected messages are kept whole so they can be searched for

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyphocheck.errors import InputError
from kyphocheck.intake.prepare import prepare
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests.conftest import NOW, example_data, write_answers


def problems_for(tmp_path: Path, site: Site, change) -> list[str]:
    data = example_data()
    change(data)
    path = write_answers(tmp_path, data)
    with pytest.raises(InputError) as info:
        prepare(site, path, Clock(NOW, fixed=True))
    return info.value.lines()


def one_problem(tmp_path: Path, site: Site, change) -> str:
    lines = problems_for(tmp_path, site, change)
    assert len(lines) == 1, lines
    return lines[0]


def test_example_is_valid(tmp_path: Path, site: Site) -> None:
    prepared = prepare(site, write_answers(tmp_path, example_data()), Clock(NOW, fixed=True))
    assert prepared.encounter.patient.mrn == "00482913"
    assert prepared.encounter.procedure.scheduled.isoformat() == "2026-12-01T08:30:00-06:00"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["answers"].update(inr="high"), "answers.inr: must be a number, not 'high'"),
        (
            lambda d: d["answers"].update(inr=1.234),
            "answers.inr: 1.234 has more than 2 decimal places",
        ),
        (
            lambda d: d["answers"].update(platelets=5000),
            "answers.platelets: 5000 x10^9/L is above the allowed 2000 x10^9/L",
        ),
        (
            lambda d: d["answers"].update(driver_arranged="yes"),
            "answers.driver_arranged: must be true or false, not 'yes'",
        ),
        (
            lambda d: d["answers"].update(site_marked="mraked"),
            "answers.site_marked: 'mraked' is not one of marked, not_applicable, not_marked; did you mean 'marked'?",
        ),
        (
            lambda d: d["answers"].update(inrr=1.1),
            "answers.inrr: unknown item 'inrr'; did you mean 'inr'?",
        ),
        (
            lambda d: d["patient"].update(dob="2030-01-01"),
            "patient.dob: 2030-01-01 is in the future",
        ),
        (
            lambda d: d["patient"].update(dob="1951-02-30"),
            "patient.dob: '1951-02-30' is not a real date",
        ),
        (
            lambda d: d["patient"].update(mrn=482913),
            'patient.mrn: must be text; quote it ("00482913") so leading zeros are kept',
        ),
        (
            lambda d: d["patient"].update(sex="f"),
            "patient.sex: Input should be 'female', 'male', 'other' or 'unknown'",
        ),
        (
            lambda d: d["procedure"].update(timezone="America/Chicgo"),
            "procedure.timezone: unknown time zone 'America/Chicgo'",
        ),
        (
            lambda d: d["procedure"].update(levels=["T13"]),
            "procedure.levels: 'T13' is not a vertebral level",
        ),
        (
            lambda d: d["procedure"].update(scheduled="2026-12-01"),
            "procedure.scheduled: '2026-12-01' is not a date and time",
        ),
        (
            lambda d: d["answers"].update(last_solid_food="2026-12-01T09:00"),
            "answers.last_solid_food: Tue 01 Dec 2026 09:00 is later than now",
        ),
        (
            lambda d: d["answers"]["medications"][0].update(last_dose="2026-12-01T07:50"),
            "answers.medications[0].last_dose: the last dose Tue 01 Dec 2026 07:50 is later than now",
        ),
        (
            lambda d: d["answers"]["medications"][0].update(regimen="weekly"),
            "answers.medications[0].regimen: 'weekly' is not a regimen of Eliquis (none for this medicine)",
        ),
        (
            lambda d: d["answers"]["medications"][0].update(colour="red"),
            "answers.medications[0].colour: unknown field",
        ),
        (
            lambda d: d["answers"]["allergies"][0].pop("reaction"),
            "answers.allergies[0].reaction: missing",
        ),
        (
            lambda d: d["answers"].update(bp_diastolic=150),
            "answers.bp_diastolic: the diastolic pressure must be lower than the systolic",
        ),
        (
            lambda d: d["answers"].update(driver_phone="12"),
            "answers.driver_phone: a phone number needs at least 7 characters",
        ),
        (lambda d: d.update(colour="red"), "colour: unknown field"),
        (
            lambda d: d["answers"].update(monitoring=["ecg", "ekg"]),
            "answers.monitoring: 'ekg' is not one of pulse_oximeter, blood_pressure, ecg, capnography",
        ),
        (
            lambda d: d["answers"].update(monitoring=["ecg", "ecg"]),
            "answers.monitoring: must be a list of distinct choices",
        ),
    ],
)
def test_one_clear_line_per_problem(tmp_path: Path, site: Site, change, expected: str) -> None:
    line = one_problem(tmp_path, site, change)
    assert line.startswith(str(tmp_path / "answers.yaml") + ":"), line
    assert expected in line


def test_last_dose_after_the_scheduled_start(tmp_path: Path, site: Site) -> None:
    def change(d):
        d["procedure"]["scheduled"] = "2026-12-01T07:00"
        d["answers"]["medications"][1]["last_dose"] = "2026-12-01T07:30"
        d["answers"]["last_clear_liquid"] = "2026-12-01T05:00"

    line = one_problem(tmp_path, site, change)
    assert (
        "last dose Tue 01 Dec 2026 07:30 is after the scheduled start (Tue 01 Dec 2026 07:00)"
        in line
    )


def test_problems_carry_the_line_number(tmp_path: Path, site: Site) -> None:
    line = one_problem(tmp_path, site, lambda d: d["answers"].update(inr="high"))
    text = (tmp_path / "answers.yaml").read_text().splitlines()
    number = int(line.split(":")[1])
    assert text[number - 1].strip().startswith("inr:")


def test_missing_required_answers_are_listed_all_at_once(tmp_path: Path, site: Site) -> None:
    def change(d):
        for key in ("inr", "platelets", "consent_signed"):
            d["answers"].pop(key)

    line = one_problem(tmp_path, site, change)
    assert line.endswith("answers: missing required answers: consent_signed, inr, platelets")


def test_several_problems_each_get_a_line(tmp_path: Path, site: Site) -> None:
    def change(d):
        d["answers"]["inr"] = "x"
        d["answers"]["fever"] = "no"

    assert len(problems_for(tmp_path, site, change)) == 2


def test_fasting_answers_not_required_under_local(tmp_path: Path, site: Site) -> None:
    data = example_data()
    data["procedure"]["anesthesia"] = "local"
    for key in (
        "last_solid_food",
        "last_clear_liquid",
        "last_meal_kind",
        "pre_anesthesia_assessment",
        "airway_risk",
    ):
        data["answers"].pop(key)
    prepared = prepare(site, write_answers(tmp_path, data), Clock(NOW, fixed=True))
    assert "last_solid_food" not in prepared.encounter.answers


def test_ambiguous_local_time_asks_for_an_offset(tmp_path: Path, site: Site) -> None:
    def change(d):
        d["procedure"]["scheduled"] = "2026-11-01T01:30"

    line = one_problem(tmp_path, site, change)
    assert "happens twice in America/Chicago" in line and "2026-11-01T01:30-05:00" in line


def test_json_answers_file(tmp_path: Path, site: Site) -> None:
    import json

    path = tmp_path / "answers.json"
    path.write_text(json.dumps(example_data()))
    prepared = prepare(site, path, Clock(NOW, fixed=True))
    assert prepared.encounter.answers["inr"] == 1.1


def test_invalid_json_names_the_line(tmp_path: Path, site: Site) -> None:
    path = tmp_path / "answers.json"
    path.write_text('{\n  "checklist": "kyphoplasty",\n  oops\n}')
    with pytest.raises(InputError, match=r"answers.json:3: invalid JSON"):
        prepare(site, path, Clock(NOW, fixed=True))


def test_not_a_mapping(tmp_path: Path, site: Site) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(InputError, match="an answers file must be a mapping"):
        prepare(site, path, Clock(NOW, fixed=True))


def test_missing_file(tmp_path: Path, site: Site) -> None:
    with pytest.raises(InputError, match="nope.yaml: file not found"):
        prepare(site, tmp_path / "nope.yaml", Clock(NOW, fixed=True))


def _number_item(decimals: int, low: float, high: float):
    from kyphocheck.site.checklist import CompiledItem
    from kyphocheck.site.checklist_files import Item

    item = Item(id="x", type="number", prompt="A number", min=low, max=high, decimals=decimals)
    return CompiledItem(item=item, section="s", when=None, required=True, validators=())


@given(
    decimals=st.integers(0, 3),
    value=st.floats(min_value=-1000, max_value=1000, allow_nan=False),
)
def test_number_parsing_properties(decimals: int, value: float) -> None:
    from kyphocheck.intake.values import number_value as _number

    compiled = _number_item(decimals, -500, 500)
    rounded = round(value, decimals)
    if -500 <= rounded <= 500:
        assert _number(compiled, rounded) == rounded
    else:
        with pytest.raises(ValueError, match="allowed"):
            _number(compiled, rounded)
    if round(value, decimals) != value and -500 <= value <= 500:
        with pytest.raises(ValueError, match="decimal places"):
            _number(compiled, value)


@pytest.mark.parametrize("value", [True, "1.5", None, [1]])
def test_number_refuses_non_numbers(value: object) -> None:
    from kyphocheck.intake.values import number_value as _number

    with pytest.raises(ValueError, match="must be a number"):
        _number(_number_item(1, 0, 10), value)
