"""`kyphocheck export RECORD --format fhir`: a signed record as a FHIR R4 Bundle, and back."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.record.amendment import Amends
from kyphocheck.site.checklist import Checklist
from tests.conftest import (
    EXAMPLE,
    NOW_TEXT,
    example_data,
    signer_configured,
    write_answers,
)
from tests.helpers import make_site, record_folders

runner = CliRunner()


@pytest.fixture(scope="module")
def records(
    tmp_path_factory: pytest.TempPathFactory, identity_files: dict[str, bytes]
) -> Iterator[Path]:
    """A signed record of the example, its amendment, and an unsigned draft, made once."""
    base = tmp_path_factory.mktemp("records")
    with signer_configured(base, identity_files):
        args = ["run", "--answers", str(EXAMPLE), "--non-interactive", "--now", NOW_TEXT]
        for kind, extra in (("signed", []), ("unsigned", ["--no-sign"])):
            result = runner.invoke(app, [*args, "--out", str(base / kind), *extra])
            assert result.exit_code == 0, result.output
        [signed] = record_folders(base / "signed")
        corrected = example_data()
        corrected["answers"]["inr"] = 1.2
        answers = write_answers(base, corrected)
        amend = ["amend", str(signed), "--reason", "INR re-drawn", "--answers", str(answers)]
        result = runner.invoke(app, [*amend, "--non-interactive", "--now", NOW_TEXT])
        assert result.exit_code == 0, result.output
        low = example_data()
        low["answers"]["platelets"] = 40
        low["overrides"] = [
            {"finding": "platelets_low", "by": "Dr. A. Patel", "reason": "Platelets transfused"}
        ]
        overridden = [*args[:2], str(write_answers(base, low, "low.yaml")), *args[3:]]
        result = runner.invoke(app, [*overridden, "--out", str(base / "overridden")])
        assert result.exit_code == 0, result.output
    yield base


def _export(record: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["export", str(record), "--format", "fhir", *extra])
    return result.exit_code, result.output


def _bundle(record: Path) -> dict[str, Any]:
    code, output = _export(record)
    assert code == 0, output
    data: dict[str, Any] = json.loads(output)
    return data


def _signed(records: Path) -> Path:
    return min(record_folders(records / "signed"))


def _of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _link_ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["linkId"] for item in items for i in [item, *_flat(item.get("item", []))]]


def _flat(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [j for i in items for j in [i, *_flat(i.get("item", []))]]


def test_the_export_validates_and_holds_every_resource(records: Path) -> None:
    data = _bundle(_signed(records))
    Bundle.model_validate(data)  # every resource, through fhir.resources' R4B models
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds[:4] == ["Questionnaire", "Patient", "Practitioner", "QuestionnaireResponse"]
    assert kinds.count("DetectedIssue") == len(
        json.loads((_signed(records) / "record.json").read_text())["findings"]
    )
    assert kinds.count("DocumentReference") == 2
    assert data["type"] == "collection"
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in data["entry"])


def test_the_questionnaire_is_the_checklist(records: Path, kyphoplasty: Checklist) -> None:
    [questionnaire] = _of(_bundle(_signed(records)), "Questionnaire")
    assert questionnaire["version"] == kyphoplasty.version
    assert questionnaire["identifier"][0]["value"] == kyphoplasty.sha256
    items = {i["linkId"]: i for i in _flat(questionnaire["item"])}
    for compiled in kyphoplasty.items:
        assert compiled.item.id in items, compiled.item.id
    assert len(items) == len(set(_link_ids(questionnaire["item"])))  # linkIds are unique
    assert items["inr"]["type"] == "decimal"
    assert items["identity_verified"] == {
        "linkId": "identity_verified",
        "text": kyphoplasty.by_id["identity_verified"].item.prompt,
        "type": "boolean",
        "required": True,
    }
    assert items["platelets"]["extension"][0]["valueCoding"]["display"] == "x10^9/L"
    assert [o["valueCoding"]["code"] for o in items["last_meal_kind"]["answerOption"]] == [
        "light_meal",
        "fatty_meal",
    ]
    assert items["medications"]["type"] == "group" and items["medications"]["repeats"] is True
    assert "medications.last_dose" in items
    # `when: driver_arranged` is FHIR's enableWhen; a condition FHIR cannot say is carried.
    assert items["driver_name"]["enableWhen"] == [
        {"question": "driver_arranged", "operator": "=", "answerBoolean": True}
    ]
    assert items["last_meal_kind"]["enableWhen"] == [
        {"question": "last_solid_food", "operator": "exists", "answerBoolean": True}
    ]
    [carried] = items["pregnancy_status"]["extension"]
    assert carried["url"].endswith("sdc-questionnaire-enableWhenExpression")
    assert carried["valueExpression"]["language"] == "text/x-jinja2"
    assert "patient.sex != 'male'" in carried["valueExpression"]["expression"]
    # Required only where a FHIR validator can tell it applies: else a response without it
    # would fail against its own Questionnaire.
    assert "required" not in items["pregnancy_status"]
    assert "id" not in questionnaire  # its fullUrl is its identity in the bundle


def test_the_response_answers_by_link_id(records: Path, kyphoplasty: Checklist) -> None:
    data = _bundle(_signed(records))
    [questionnaire] = _of(data, "Questionnaire")
    [response] = _of(data, "QuestionnaireResponse")
    record = json.loads((_signed(records) / "record.json").read_text())
    assert response["status"] == "completed"
    authored = datetime.fromisoformat(response["authored"])
    assert authored == datetime.fromisoformat(record["signature"]["signed_at"])
    assert (
        response["questionnaire"] == f"urn:kyphocheck:checklist:kyphoplasty|{kyphoplasty.version}"
    )
    assert set(_link_ids(response["item"])) <= set(_link_ids(questionnaire["item"]))
    answers = {i["linkId"]: i.get("answer") for i in _flat(response["item"])}
    assert answers["inr"] == [{"valueDecimal": 1.1}]
    assert answers["patient.mrn"] == [{"valueString": "00482913"}]
    names = [i["answer"] for i in _flat(response["item"]) if i["linkId"] == "medications.name"]
    assert names == [[{"valueString": "Eliquis"}], [{"valueString": "sertraline"}]]
    assert response["extension"] == [{"url": "urn:kyphocheck:cleared", "valueBoolean": True}]
    [practitioner] = _of(data, "Practitioner")
    assert practitioner["name"] == [{"text": "Jane Doe"}]
    assert practitioner["qualification"][0]["code"]["text"] == "RN"
    assert response["author"]["reference"] == next(
        e["fullUrl"] for e in data["entry"] if e["resource"]["resourceType"] == "Practitioner"
    )
    [patient] = _of(data, "Patient")
    assert patient["identifier"][0]["value"] == "00482913"
    assert patient["birthDate"] == "1951-04-12" and patient["gender"] == "female"


def test_findings_are_detected_issues_with_their_source(records: Path) -> None:
    data = _bundle(_signed(records))
    record = json.loads((_signed(records) / "record.json").read_text())
    issues = _of(data, "DetectedIssue")
    severity = {"stop": "high", "notify": "moderate", "info": "low"}
    for finding, issue in zip(record["findings"], issues, strict=True):
        assert issue["severity"] == severity[finding["severity"]]
        assert issue["detail"] == finding["message"]
        assert issue["evidence"][0]["code"][0]["text"] == finding["source"]
        assert issue["identifier"][0]["value"] == finding["id"]


def test_an_override_is_the_issue_s_mitigation(records: Path) -> None:
    [folder] = record_folders(records / "overridden")
    data = _bundle(folder)
    [issue] = [
        i for i in _of(data, "DetectedIssue") if i["identifier"][0]["value"] == "platelets_low"
    ]
    assert issue["severity"] == "high"
    assert issue["mitigation"][0]["action"]["text"] == (
        "overridden by Dr. A. Patel: Platelets transfused"
    )
    [response] = _of(data, "QuestionnaireResponse")
    assert response["extension"] == [{"url": "urn:kyphocheck:cleared", "valueBoolean": True}]


def test_the_signed_pdfs_travel_with_their_sha1(records: Path) -> None:
    for document in _of(_bundle(_signed(records)), "DocumentReference"):
        attachment = document["content"][0]["attachment"]
        pdf = (_signed(records) / attachment["title"]).read_bytes()
        assert attachment["contentType"] == "application/pdf"
        assert base64.b64decode(attachment["data"]) == pdf
        assert base64.b64decode(attachment["hash"]) == hashlib.sha1(pdf).digest()  # noqa: S324
        assert attachment["size"] == len(pdf)


def test_an_amended_record_is_an_amended_response(records: Path) -> None:
    [amended] = [f for f in record_folders(records / "signed") if f != _signed(records)]
    [response] = _of(_bundle(amended), "QuestionnaireResponse")
    assert response["status"] == "amended"


def test_the_export_read_back_gives_the_same_answers(records: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "export.json"
    code, output = _export(_signed(records), "-o", str(bundle))
    assert code == 0, output
    assert bundle.stat().st_mode & 0o777 == 0o600
    minimal = write_answers(tmp_path, {"checklist": "kyphoplasty"})
    args = ["run", "--answers", str(minimal), "--fhir", str(bundle), "--non-interactive"]
    result = runner.invoke(
        app, [*args, "--no-sign", "--now", NOW_TEXT, "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    [again] = record_folders(tmp_path / "o")
    first = json.loads((_signed(records) / "record.json").read_bytes())
    second = json.loads((again / "record.json").read_bytes())
    document = Amends(b"", first, "").answers_document()
    for part in ("patient", "procedure", "answers"):
        assert second[part] == first[part], part
        assert {k: v for k, v in document[part].items()} == {
            k: v for k, v in Amends(b"", second, "").answers_document()[part].items()
        }
    assert second["findings"] == first["findings"]


def test_an_existing_output_file_is_never_overwritten(records: Path, tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    target.write_text("kept")
    code, output = _export(_signed(records), "-o", str(target))
    assert code == 2 and "is never overwritten" in output
    assert target.read_text() == "kept"


def test_a_tampered_record_is_not_exported(records: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tampered"
    shutil.copytree(_signed(records), folder)
    record = json.loads((folder / "record.json").read_text())
    record["answers"]["inr"] = 0.9
    (folder / "record.json").write_text(json.dumps(record))
    code, output = _export(folder)
    assert code == 2 and "does not verify, so it cannot be exported" in output


def test_an_unsigned_draft_is_not_exported(records: Path) -> None:
    [draft] = record_folders(records / "unsigned")
    code, output = _export(draft)
    assert code == 2 and "only a signed record can be exported" in output


def test_a_changed_checklist_is_refused(records: Path, tmp_path: Path) -> None:
    root = make_site(tmp_path, {}, copy_defaults=True)
    checklist = root / "checklists" / "kyphoplasty.yaml"
    checklist.write_text(checklist.read_text().replace('version: "1.0.0"', 'version: "1.0.1"'))
    code, output = _export(_signed(records), "--site", str(root))
    assert code == 2 and "changed since the record was made" in output


def test_an_export_read_at_the_terminal_offers_the_header_to_confirm(
    records: Path, tmp_path: Path, options: Any, store: Any
) -> None:
    from kyphocheck.cli.interactive.prompts import ScriptedPrompter
    from kyphocheck.cli.interactive.session import start
    from kyphocheck.errors import Interrupted

    bundle = tmp_path / "export.json"
    assert _export(_signed(records), "-o", str(bundle))[0] == 0
    prompter = ScriptedPrompter([""] * 11 + [KeyboardInterrupt()])
    with pytest.raises(Interrupted):
        start(options, prompter, None, None, store, bundle)
    # Every header field the export gives is offered, the procedure's too; large print, never
    # asked at the terminal, is not (it crashed the run).
    assert prompter.asked[5:8] == [
        "Language of the take-home sheet",
        "Time zone (IANA, e.g. America/Chicago)",
        "Scheduled start (e.g. 2026-12-01 08:30, or 08:30 for today)",
    ]
    assert prompter.defaults["Proceduralist"] == "Dr. A. Patel"
