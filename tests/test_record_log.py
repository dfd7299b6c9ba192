"""log.jsonl: each record written to an output folder is a line of a hash chain, and
`verify --log` names any record deleted, replaced, re-ordered or added behind its back.
`kyphocheck records` lists the log."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.record.folder import write_record_folder
from kyphocheck.record.log.entries import GENESIS, MAX_LINE_BYTES
from kyphocheck.record.log.verify import verify_log
from kyphocheck.signatures.verify import Check
from tests.conftest import NOW_TEXT, example_data, write_answers
from tests.helpers import record_folders

runner = CliRunner()
LOG = "log.jsonl"


def signed_records(tmp_path: Path, count: int) -> Path:
    """`count` signed records of the example (MRNs 1, 2, ...) in one output folder."""
    out = tmp_path / "out"
    for n in range(1, count + 1):
        data = example_data()
        data["patient"]["mrn"] = f"LOG-{n}"
        answers = write_answers(tmp_path, data, f"p{n}.yaml")
        args = ["run", "--answers", str(answers), "--non-interactive", "--now", NOW_TEXT]
        result = runner.invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
    return out


def lines(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / LOG).read_text().splitlines()]


def failures(out: Path) -> list[Check]:
    return [c for c in verify_log(out, []) if not c.ok]


def test_each_record_is_a_line_chained_to_the_one_before(tmp_path: Path) -> None:
    import hashlib

    out = signed_records(tmp_path, 2)
    raw = (out / LOG).read_bytes().splitlines()
    first, second = lines(out)
    assert first["prev"] == GENESIS and second["prev"] == hashlib.sha256(raw[0]).hexdigest()
    assert (first["seq"], second["seq"]) == (1, 2)
    for entry, folder in zip((first, second), record_folders(out), strict=True):
        record_json = (folder / "record.json").read_bytes()
        assert entry["folder"] == folder.name
        assert entry["sha256"] == hashlib.sha256(record_json).hexdigest()
        record = json.loads(record_json)
        assert entry["record_id"] == record["record_id"]
        assert entry["certificate_sha256"] == record["signature"]["certificate_sha256"]
        assert entry["patient"] == {"initials": "ML", "mrn": record["patient"]["mrn"]}
        assert "Maria" not in json.dumps(entry)  # initials only, never the name
        # The real time of the write, not the fixed clock of the record.
        assert not str(entry["logged_at"]).startswith("2026-12-01T07:45")
    assert stat.S_IMODE((out / LOG).stat().st_mode) == 0o600
    code = runner.invoke(app, ["verify", "--log", str(out)])
    assert code.exit_code == 0, code.output
    assert "Signatures were NOT checked" in " ".join(code.output.split())
    deep = runner.invoke(app, ["verify", "--log", str(out), "--deep"])
    assert deep.exit_code == 0, deep.output


def test_a_deleted_replaced_or_added_record_is_named(tmp_path: Path) -> None:
    out = signed_records(tmp_path, 3)
    first, second, third = record_folders(out)
    shutil.rmtree(first)  # deleted
    shutil.copy(third / "record.json", second / "record.json")  # replaced
    shutil.copytree(third, out / "2026-12-01_kyphoplasty_LOG-9")  # added behind its back
    found = {(Path(c.file).name, c.detail.split(":")[0]) for c in failures(out)}
    assert (first.name, "deleted") in found
    assert (second.name, "replaced") in found
    assert ("2026-12-01_kyphoplasty_LOG-9", "added behind the log's back") in found
    assert not any(name == third.name for name, _ in found)
    result = runner.invoke(app, ["verify", "--log", str(out)])
    assert result.exit_code == 1


@pytest.mark.parametrize("change", ["reorder", "remove", "edit"])
def test_a_changed_log_breaks_the_chain_at_the_line(tmp_path: Path, change: str) -> None:
    out = signed_records(tmp_path, 3)
    raw = (out / LOG).read_bytes().splitlines(keepends=True)
    if change == "reorder":
        raw[0], raw[1] = raw[1], raw[0]
    elif change == "remove":
        del raw[1]
    else:
        raw[1] = raw[1].replace(b'"cleared":true', b'"cleared":false')
    (out / LOG).write_bytes(b"".join(raw))
    details = [c.detail for c in failures(out)]
    assert any("the chain breaks here" in d for d in details), details
    if change == "remove":
        assert any("added behind the log's back" in d for d in details)
    if change == "edit":
        assert any("gives another cleared" in d for d in details)


def test_an_overlong_line_is_a_failed_check_not_a_hang(tmp_path: Path) -> None:
    out = signed_records(tmp_path, 1)
    with (out / LOG).open("ab") as log:
        log.write(b'{"x": "' + b"a" * (MAX_LINE_BYTES * 4) + b'"}\n')
    details = [c.detail for c in failures(out)]
    assert any(f"longer than {MAX_LINE_BYTES} bytes" in d for d in details)


def _write(out: str, n: int) -> None:
    record = json.dumps({"record_id": f"r{n}", "patient": {"name": "Ann Test", "mrn": str(n)}})
    write_record_folder(Path(out), f"rec{n}", {"record.json": record.encode()})


def test_nurses_writing_at_once_all_land_in_the_chain(tmp_path: Path) -> None:
    out = tmp_path / "out"
    context = multiprocessing.get_context("spawn")  # separate processes, separate flocks
    with context.Pool(6) as pool:
        pool.starmap(_write, [(str(out), n) for n in range(24)])
    entries = lines(out)
    assert sorted(e["folder"] for e in entries) == sorted(f"rec{n}" for n in range(24))
    assert [e["seq"] for e in entries] == list(range(1, 25))
    rows = verify_log(out, [])
    assert [r.ok for r in rows if r.check == "hash chain"] == [True]
    assert not [r for r in rows if r.check.startswith("line ")]


def _amended(out: Path, original: Path) -> Path:
    import hashlib

    record = json.loads((original / "record.json").read_text())
    amended = {
        **record,
        "record_id": "amended000000001",
        "status": "amended",
        "amends": {
            "id": record["record_id"],
            "sha256": hashlib.sha256((original / "record.json").read_bytes()).hexdigest(),
        },
        "amendment_reason": "weight corrected",
    }
    return write_record_folder(
        out, original.name + "_amended", {"record.json": json.dumps(amended).encode()}
    )


def test_records_lists_the_day_with_amendments(tmp_path: Path) -> None:
    out = signed_records(tmp_path, 2)
    original = record_folders(out)[0]
    _amended(out, original)
    today = runner.invoke(app, ["records", str(out), "--now", NOW_TEXT, "--format", "json"])
    assert today.exit_code == 0, today.output
    listed = json.loads(today.stdout)
    assert [r["patient"] for r in listed][:2] == [
        {"initials": "ML", "mrn": "LOG-1"},
        {"initials": "ML", "mrn": "LOG-2"},
    ]
    by_id = {r["record_id"]: r for r in listed}
    first = json.loads((original / "record.json").read_text())["record_id"]
    assert by_id["amended000000001"]["status"] == f"amended (replaces {first})"
    assert by_id[first]["superseded_by"] == ["amended000000001"]
    assert all(r["cleared"] is True and r["signer"] in ("Jane Doe", None) for r in listed)
    text = runner.invoke(app, ["records", str(out), "--now", NOW_TEXT], env={"COLUMNS": "200"})
    assert "ML LOG-1" in text.stdout and "3 record(s) on 2026-12-01" in text.stdout
    other_day = runner.invoke(app, ["records", str(out), "--date", "2026-12-02"])
    assert "0 record(s) on 2026-12-02" in other_day.stdout
    assert "3 record(s) in all" in runner.invoke(app, ["records", str(out), "--all"]).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["records", "{tmp}/none"], "no such folder"),
        (["records", "{tmp}", "--date", "1 Dec"], "--date: a day as YYYY-MM-DD"),
        (["records", "{tmp}", "--format", "xml"], "--format: text or json"),
        (["records", "{tmp}"], "no log here"),
        (["verify"], "give record folders or files, or --log DIR"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
