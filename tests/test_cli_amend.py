"""`kyphocheck amend`: a corrected, signed new version that names the record it replaces."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.interview.drafts import Draft
from kyphocheck.interview.state import Interview
from kyphocheck.signatures.record_folder import verify_paths
from kyphocheck.signatures.verify import load_certificates
from kyphocheck.site.checklist import Checklist
from kyphocheck.site.folder import Site
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import Clock
from tests.conftest import EXAMPLE, NOW, NOW_TEXT, example_data, signer_configured
from tests.helpers import record_folders

runner = CliRunner()
LATER = "2026-12-01T07:55-06:00"


@pytest.fixture(scope="module")
def signed_records(
    tmp_path_factory: pytest.TempPathFactory, identity_files: dict[str, bytes]
) -> Iterator[Path]:
    """A signed record and an unsigned draft of the example, made once (a signed run is slow)."""
    base = tmp_path_factory.mktemp("signed")
    with signer_configured(base, identity_files):
        for kind, extra in (("signed", []), ("unsigned", ["--no-sign"])):
            args = ["run", "--answers", str(EXAMPLE), "--non-interactive", "--now", NOW_TEXT]
            result = runner.invoke(app, [*args, "--out", str(base / kind), *extra])
            assert result.exit_code == 0, result.output
    yield base


def original(tmp_path: Path, records: Path, kind: str = "signed") -> Path:
    """A copy of the made record in this test's own output folder (no log: a copy is not one)."""
    [made] = record_folders(records / kind)
    folder = tmp_path / "out" / made.name
    shutil.copytree(made, folder)
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


def test_an_amendment_is_a_new_signed_record_that_names_the_original(
    tmp_path: Path, signed_records: Path
) -> None:
    first = original(tmp_path, signed_records)
    before = fingerprint(first)
    data = corrected(tmp_path, first)
    data["answers"]["driver_name"] = "Ana <b>López</b> | *cousin*"  # patient text is data
    result = amend(tmp_path, first, data, "--reason", "weight re-measured; no <Eliquis>")
    assert result.exit_code == 0, result.output
    assert fingerprint(first) == before  # never touched
    [second] = [f for f in record_folders(tmp_path / "out") if f != first]
    old = json.loads((first / "record.json").read_text())
    new = json.loads((second / "record.json").read_text())
    assert new["status"] == "amended"
    assert new["amendment_reason"] == "weight re-measured; no <Eliquis>"
    assert new["amends"] == {
        "id": old["record_id"],
        "sha256": hashlib.sha256((first / "record.json").read_bytes()).hexdigest(),
    }
    # Signed like any record, on the clock of the amendment (--now), not the original's.
    assert new["signature"] is not None and new["created_at"] == "2026-12-01T07:55:00-06:00"
    changed = {c["item"] for c in new["amendment"]["answers_changed"]}
    assert changed == {"patient.weight_kg", "medications", "driver_name"}
    # No other bleeding risk now: the sertraline finding is no longer a notify.
    resolved = [(f["id"], f["severity"]) for f in new["amendment"]["findings_resolved"]]
    added = [(f["id"], f["severity"]) for f in new["amendment"]["findings_added"]]
    assert ("taking:sertraline", "notify") in resolved
    assert ("taking:sertraline", "info") in added
    # The vancomycin dose is by weight: its finding's words changed with the weight.
    assert ("allergy:beta_lactam", "info") in added and ("allergy:beta_lactam", "info") in resolved
    summary = (second / "summary.md").read_text()
    top = summary.split("## Status")[0]  # near the top: before the status and the findings
    assert (
        f"**Amends record {old['record_id']}** (reason: weight re-measured; no &lt;Eliquis&gt;)"
        in top
    )
    assert "| Weight | 62 kg | 64 kg |" in top
    assert "| Eliquis 5 mg twice a day, last dose Fri 27 Nov 2026 20:00 | none |" in top
    assert "| Driver's name | Ana Lopez | Ana &lt;b&gt;López&lt;/b&gt; \\| \\*cousin\\* |" in top
    assert "Finding resolved: Sertraline is taken with other bleeding risks" in top
    assert "Finding added: **Sertraline: no routine hold" in top
    checks = verify_paths([first, second], trusted())
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    link = [c for c in checks if c.check == "amends"]
    assert len(link) == 1 and "the original is unchanged" in link[0].detail
    shown = runner.invoke(app, ["verify", str(first), str(second)])
    assert shown.exit_code == 0, shown.output
    assert f"amends {old['record_id']}" in shown.stdout


def test_an_original_changed_after_its_amendment_is_reported(
    tmp_path: Path, signed_records: Path
) -> None:
    first = original(tmp_path, signed_records)
    assert amend(tmp_path, first, corrected(tmp_path, first), "--reason", "r").exit_code == 0
    [second] = [f for f in record_folders(tmp_path / "out") if f != first]
    record = first / "record.json"
    changed = json.loads(record.read_text())
    changed["patient"]["weight_kg"] = 60.0
    record.write_text(json.dumps(changed))
    link = [c for c in verify_paths([second], trusted()) if c.check == "amends"]
    assert [c.ok for c in link] == [False]
    assert "differs from what the amendment names" in link[0].detail
    result = runner.invoke(app, ["verify", str(second)])
    assert result.exit_code == 1, result.output
    # Elsewhere (not beside it) the link cannot be checked: said, not failed.
    moved = tmp_path / "archive" / second.name
    moved.parent.mkdir()
    shutil.copytree(second, moved)
    link = [c for c in verify_paths([moved], trusted()) if c.check == "amends"]
    assert [c.ok for c in link] == [True]
    assert "the original is not beside it, so the link was not checked" in link[0].detail


REFUSALS = {
    "no reason": "--reason: say why the record is amended",
    "blank reason": "--reason: say why the record is amended",
    "non-interactive without answers": "--non-interactive needs --answers FILE",
    "no terminal": "no terminal to ask questions on",
    "other mrn": "patient.mrn: differs from the record amended",
    "other name": "patient.name: differs from the record amended",
    "other dob": "patient.dob: differs from the record amended",
    "other checklist": "checklist: is 'vertebroplasty'; the record amended is 'kyphoplasty'",
    "invalid answers": "answers.inr",
    "tampered": "does not verify, so it cannot be amended (summary.md",
    "unsigned": "an UNSIGNED draft record (--no-sign); only a signed record can be amended",
    "not a record": "not a record folder (no record.json)",
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_amendment_is_one_line_and_writes_nothing(
    tmp_path: Path, signed_records: Path, case: str
) -> None:
    first = original(tmp_path, signed_records, "unsigned" if case == "unsigned" else "signed")
    data = example_data()
    reason = ["--reason", "a correction"]
    changes: dict[str, Any] = {
        "other mrn": {"mrn": "99999999"},
        "other name": {"name": "Mario Lopez"},
        "other dob": {"dob": "1951-04-13"},
    }
    data["patient"].update(changes.get(case, {}))
    if case == "other checklist":
        data["checklist"] = "vertebroplasty"
    if case == "invalid answers":
        data["answers"]["inr"] = "high"
    if case == "tampered":
        summary = first / "summary.md"
        summary.write_bytes(summary.read_bytes().replace(b"Maria", b"Mario", 1))
    target = tmp_path / "out" / "elsewhere" if case == "not a record" else first
    before = {f: fingerprint(f) for f in record_folders(tmp_path / "out")}
    if case == "no reason":
        result = amend(tmp_path, target, data)
    elif case == "blank reason":
        result = amend(tmp_path, target, data, "--reason", "  ")
    elif case == "non-interactive without answers":
        result = runner.invoke(app, ["amend", str(target), *reason, "--non-interactive"])
    elif case == "no terminal":
        result = runner.invoke(app, ["amend", str(target), *reason])
    else:
        result = amend(tmp_path, target, data, *reason)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert REFUSALS[case] in line, line
    assert {f: fingerprint(f) for f in record_folders(tmp_path / "out")} == before
    assert not (tmp_path / "xdg-data" / "kyphocheck" / "drafts").exists()


def test_at_the_terminal_an_amendment_keeps_who_the_record_is_of(
    site: Site, kyphoplasty: Checklist, protocol: Protocol
) -> None:
    draft = Draft.new(example_data())
    draft.amends = {"patient": {"mrn": "00482913", "name": "Maria Lopez", "dob": "1951-04-12"}}
    interview = Interview(site, kyphoplasty, protocol, Clock(NOW, fixed=True), draft)
    refusal = interview.header_problem("patient", "mrn", "99999999")
    assert refusal is not None and refusal.startswith("patient.mrn: an amendment is of the same")
    assert interview.header_problem("patient", "dob", "1951-04-13") is not None
    assert interview.header_problem("patient", "mrn", "00482913") is None
    assert interview.header_problem("patient", "weight_kg", 64.0) is None  # not who she is
    draft.amends = None  # a run, not an amendment: any patient
    assert interview.header_problem("patient", "mrn", "99999999") is None
