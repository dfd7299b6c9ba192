"""Reading YAML and JSON data files, with the line of every key for messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyphocheck.errors import InputError
from kyphocheck.yamlio import format_loc, line_of, load_data_file, parse_data_text


def test_lines_of_keys_and_items() -> None:
    data = parse_data_text("a: 1\nlist:\n  - x: 1\n  - x: 2\n", "f.yaml")
    assert line_of(data, ["a"]) == 1
    assert line_of(data, ["list", 1, "x"]) == 4


def test_timestamps_stay_text() -> None:
    data = parse_data_text("when: 2026-12-01T08:30\n", "f.yaml")
    assert data["when"] == "2026-12-01T08:30"


def test_a_yaml_error_names_file_and_line() -> None:
    with pytest.raises(InputError) as info:
        parse_data_text("a: 1\nb: [\n", "site/x.yaml")
    [problem] = info.value.problems
    assert problem.file == "site/x.yaml" and problem.line is not None
    assert str(problem).startswith(f"site/x.yaml:{problem.line}: invalid YAML")


def test_a_json_error_names_file_and_line() -> None:
    with pytest.raises(InputError, match=r"^a.json:2: invalid JSON"):
        parse_data_text('{"a": 1,\n}', "a.json", as_json=True)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_data_file(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_data_file(bad)


def test_format_loc() -> None:
    assert format_loc(["sections", 2, "items", 7, "when"]) == "sections[2].items[7].when"
