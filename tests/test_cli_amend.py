"""`kyphocheck amend`: a corrected, signed new version that names the record it replaces."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.signatures.record_folder import verify_paths
from kyphocheck.signatures.verify import load_certificates
from tests.conftest import EXAMPLE, NOW_TEXT
from tests.helpers import record_folders

runner = CliRunner()
LATER = "2026-12-01T07:55-06:00"


def original(tmp_path: Path, *extra: str) -> Path:
    args = ["run", "--answers", str(EXAMPLE), "--non-interactive", "--now", NOW_TEXT]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "out"), *extra])
    assert result.exit_code == 0, result.output
    [folder] = record_folders(tmp_path / "out")
    return folder


def exported(tmp_path: Path, folder: Path) -> dict[str, Any]:
    path = tmp_path / "answers.yaml"
    result = runner.invoke(app, ["amend", str(folder), "--export-answers", str(path)])
    assert result.exit_code == 0, result.output
    assert (path.stat().st_mode & 0o777) == 0o600
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    path.unlink()
    return data


def amend(tmp_path: Path, folder: Path, data: dict[str, Any], *extra: str) -> Any:
    answers = tmp_path / "corrected.yaml"
    answers.write_text(yaml.safe_dump(data, sort_keys=False))
    args = ["amend", str(folder), "--answers", str(answers), "--non-interactive", "--now", LATER]
    return runner.invoke(app, [*args, *extra])


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def trusted() -> list[Any]:
    from kyphocheck.signatures.identity import certificate_path

    return load_certificates([certificate_path()])


def corrected(tmp_path: Path, folder: Path) -> dict[str, Any]:
    """The nurse's correction: the weight re-measured, Eliquis was never taken."""
    data = exported(tmp_path, folder)
    data["patient"]["weight_kg"] = 64
    data["answers"]["medications"] = [
        m for m in data["answers"]["medications"] if m["name"] != "Eliquis"
    ]
    return data


def test_an_amendment_is_a_new_signed_record_that_names_the_original(tmp_path: Path) -> None:
    first = original(tmp_path)
    before = fingerprint(first)
    result = amend(tmp_path, first, corrected(tmp_path, first), "--reason", "weight re-measured")
    assert result.exit_code == 0, result.output
    assert fingerprint(first) == before  # never touched
    [_, second] = record_folders(tmp_path / "out")
    old = json.loads((first / "record.json").read_text())
    new = json.loads((second / "record.json").read_text())
    assert new["status"] == "amended" and new["amendment_reason"] == "weight re-measured"
    assert new["amends"] == {
        "id": old["record_id"],
        "sha256": hashlib.sha256((first / "record.json").read_bytes()).hexdigest(),
    }
    changed = {c["item"] for c in new["amendment"]["answers_changed"]}
    assert changed == {"patient.weight_kg", "medications"}
    # No other bleeding risk now: the sertraline finding is no longer a notify.
    resolved = [(f["id"], f["severity"]) for f in new["amendment"]["findings_resolved"]]
    added = [(f["id"], f["severity"]) for f in new["amendment"]["findings_added"]]
    assert ("taking:sertraline", "notify") in resolved
    assert ("taking:sertraline", "info") in added
    # The vancomycin dose is by weight: its finding's words changed with the weight.
    assert ("allergy:beta_lactam", "info") in added and ("allergy:beta_lactam", "info") in resolved
    summary = (second / "summary.md").read_text()
    assert f"**Amends record {old['record_id']}** (reason: weight re-measured)" in summary
    assert "| Weight | 62 kg | 64 kg |" in summary
    assert "| Eliquis 5 mg twice a day, last dose Fri 27 Nov 2026 20:00 | none |" in summary
    assert "Finding resolved: Sertraline is taken with other bleeding risks" in summary
    assert "Finding added: **Sertraline: no routine hold" in summary
    checks = verify_paths([first, second], trusted())
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    link = [c for c in checks if c.check == "amends"]
    assert len(link) == 1 and "the original is unchanged" in link[0].detail
    listed = json.loads(
        runner.invoke(app, ["records", str(tmp_path / "out"), "--all", "--format", "json"]).stdout
    )
    status = {r["record_id"]: (r["status"], r["superseded_by"]) for r in listed}
    assert status[old["record_id"]] == (f"superseded by {new['record_id']}", [new["record_id"]])
    assert status[new["record_id"]] == (f"amended (replaces {old['record_id']})", [])
    log = runner.invoke(app, ["verify", "--log", str(tmp_path / "out"), "--deep"])
    assert log.exit_code == 0, log.output


def test_an_original_changed_after_its_amendment_is_reported(tmp_path: Path) -> None:
    first = original(tmp_path)
    assert amend(tmp_path, first, corrected(tmp_path, first), "--reason", "r").exit_code == 0
    [_, second] = record_folders(tmp_path / "out")
    record = first / "record.json"
    changed = json.loads(record.read_text())
    changed["patient"]["weight_kg"] = 60.0
    record.write_text(json.dumps(changed))
    link = [c for c in verify_paths([second], trusted()) if c.check == "amends"]
    assert [c.ok for c in link] == [False]
    assert "differs from what the amendment names" in link[0].detail


@pytest.mark.parametrize("case", ["no reason", "no answers", "other patient", "other checklist"])
def test_a_refused_amendment_is_one_line_and_writes_nothing(tmp_path: Path, case: str) -> None:
    first = original(tmp_path)
    data = corrected(tmp_path, first)
    extra = ["--reason", "a correction"]
    if case == "no reason":
        extra = ["--reason", "  "]
    elif case == "other patient":
        data["patient"]["mrn"] = "99999999"
    elif case == "other checklist":
        data["checklist"] = "vertebroplasty"
    if case == "no answers":
        result = runner.invoke(app, ["amend", str(first), *extra])
    else:
        result = amend(tmp_path, first, data, *extra)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    expected = {
        "no reason": "--reason",
        "no answers": "--answers FILE --non-interactive",
        "other patient": "patient.mrn: differs from the record amended",
        "other checklist": "checklist",
    }[case]
    assert expected in line, line
    assert len(record_folders(tmp_path / "out")) == 1


@pytest.mark.parametrize("case", ["tampered", "unsigned"])
def test_only_a_record_that_verifies_is_amended(tmp_path: Path, case: str) -> None:
    first = original(tmp_path, *(["--no-sign"] if case == "unsigned" else []))
    data = yaml.safe_load(EXAMPLE.read_text())
    data.pop("now", None)
    if case == "tampered":
        summary = first / "summary.md"
        summary.write_bytes(summary.read_bytes().replace(b"Maria", b"Mario", 1))
    result = amend(tmp_path, first, data, "--reason", "a correction")
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert "does not verify, so it cannot be amended" in line
    assert len(record_folders(tmp_path / "out")) == 1
