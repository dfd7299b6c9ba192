"""Input that must neither crash, hang nor slip through: one line, exit 2, nothing written."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.errors import InputError
from kyphocheck.intake.prepare import prepare
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from kyphocheck.yamlio import ANSWERS_FILE, parse_data_text
from tests.conftest import EXAMPLE, NOW, NOW_TEXT, example_data

runner = CliRunner()


def run(path: Path, out: Path) -> Any:
    return runner.invoke(
        app,
        ["run", "--answers", str(path), "--non-interactive", "--no-sign"]
        + ["--now", NOW_TEXT, "--out", str(out)],
    )


def changed(**changes: Any) -> dict[str, Any]:
    data = example_data()
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        node = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[key] = value
    return data


CASES: list[tuple[str, str, str]] = [
    ("far.yaml", yaml.safe_dump(changed(procedure__scheduled="9999-12-31T23:30")), "years"),
    ("early.yaml", yaml.safe_dump(changed(procedure__scheduled="0001-01-01T00:00+14:00")), "years"),
    ("inr.yaml", yaml.safe_dump(changed(answers__inr=int("9" * 401))), "plausible"),
    ("inr5001.yaml", EXAMPLE.read_text() + "\nx: " + "9" * 5001 + "\n", "too long"),
    ("deep.yaml", EXAMPLE.read_text() + "\njunk: " + "[" * 500 + "]" * 500 + "\n", "deeply"),
    (
        "deep.json",
        json.dumps(example_data())[:-1] + ', "j": ' + "[" * 5000 + "]" * 5000 + "}",
        "deeply",
    ),
    (
        "dup.json",
        json.dumps(example_data())[:-1] + ', "checklist": "kyphoplasty"}',
        "duplicate key",
    ),
    ("esc.json", json.dumps(changed(procedure__proceduralist="Dr. Q\x1b]0;PWNED\x07")), "\\x1b"),
    ("rlo.json", json.dumps(changed(procedure__proceduralist="Dr. \u202eQ")), "\\u202e"),
    ("c1.json", json.dumps(changed(patient__name="Ana \x85Reyes")), "\\x85"),
    ("nul.json", json.dumps(changed(patient__name="Ana\x00Reyes")), "\\x00"),
    ("mrn.json", json.dumps(changed(patient__mrn="004\n82913")), "\\x0a"),
    ("dose.json", json.dumps(changed(answers__medications__0__dose="5 mg\x1b[31m")), "dose"),
    (
        "by.json",
        json.dumps(changed(overrides=[{"finding": "x", "by": "Dr \x1b[2J", "reason": "r r r"}])),
        "overrides[0].by",
    ),
    ("wtrue.json", json.dumps(changed(patient__weight_kg=True)), "weight_kg"),
    ("wunder.json", json.dumps(changed(patient__weight_kg="1_0")), "weight_kg"),
    ("vtrue.json", json.dumps(changed(version=True)), "version"),
    (
        "binary.yaml",
        EXAMPLE.read_text().replace("name: Maria Lopez", "name: !!binary TWFyaWEb"),
        "tag",
    ),
    (
        "unknown.yaml",
        yaml.safe_dump(changed(checklist="kypho")),
        "unknown.yaml:51: checklist: unknown checklist",
    ),
    (
        "override.yaml",
        yaml.safe_dump(changed(overrides=[{"finding": "nope", "by": "Dr X", "reason": "because"}])),
        "overrides[0].finding: no finding",
    ),
    (
        "meds.json",
        json.dumps(changed(answers__medications=[{"name": f"m{i}"} for i in range(4000)])),
        "at most 100",
    ),
    ("long.yaml", yaml.safe_dump(changed(patient__name="A" * 100_000)), "at most 200"),
    (
        "big.json",
        json.dumps(changed(answers__allergies=[{"substance": "x" * 50, "reaction": "r"}] * 50_000)),
        "larger than",
    ),
]


def _bomb() -> str:
    text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in range(1, 9):
        text += f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]\n"
    return text


CASES.append(("bomb.yaml", EXAMPLE.read_text() + _bomb(), "aliases"))


@pytest.mark.parametrize(("name", "content", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_answers_files(tmp_path: Path, name: str, content: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = run(path, tmp_path / "out")
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    assert all(len(line) <= 420 for line in lines)
    assert not any(c in result.stderr for c in "\x00\x1b\x07\x85\u202e")
    assert expected in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_json_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(example_data()), encoding="utf-8-sig")
    assert run(path, tmp_path / "out").exit_code == 0


def test_the_site_files_may_repeat_text_and_lists_by_alias() -> None:
    data = parse_data_text("a: &x [1, 2]\nb: *x\nc: &t text\nd: *t\n", "site.yaml")
    assert data == {"a": [1, 2], "b": [1, 2], "c": "text", "d": "text"}
    with pytest.raises(InputError, match="more than"):
        parse_data_text(_bomb(), "site.yaml")


# -- fuzzing the readers and the answers checks ------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_is_data_or_one_input_error(text: str) -> None:
    for as_json in (False, True):
        try:
            parse_data_text(text, "fuzz", as_json=as_json, limits=ANSWERS_FILE)
        except InputError as exc:
            assert all("\n" not in line for line in exc.lines())


PATHS = [
    ("patient", "name"),
    ("patient", "mrn"),
    ("patient", "dob"),
    ("patient", "sex"),
    ("patient", "weight_kg"),
    ("patient", "language"),
    ("procedure", "scheduled"),
    ("procedure", "timezone"),
    ("procedure", "levels"),
    ("procedure", "anesthesia"),
    ("answers", "inr"),
    ("answers", "platelets"),
    ("answers", "medications"),
    ("answers", "allergies"),
    ("answers", "last_solid_food"),
    ("answers", "driver_arranged"),
    ("answers", "pregnancy_status"),
    ("overrides",),
    ("checklist",),
    ("version",),
]


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(st.sampled_from(PATHS), JSON_VALUES), min_size=1, max_size=3))
def test_any_changed_answer_is_a_record_or_one_input_error(
    tmp_path: Path, changes: list[tuple[tuple[str, ...], Any]]
) -> None:
    data = copy.deepcopy(example_data())
    for path, value in changes:
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node[path[-1]] = value
    answers = tmp_path / "fuzz.json"
    answers.write_text(json.dumps(data))
    site, clock = Site.open(None), Clock(NOW, fixed=True)
    try:
        prepare(site, answers, clock)
    except InputError as exc:
        assert exc.lines() and all("\n" not in line for line in exc.lines())
