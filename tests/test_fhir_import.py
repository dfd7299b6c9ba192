"""`run --fhir` / `sheet --fhir`: a FHIR R4 bundle from the EHR pre-fills, never decides.

The bundles are the invented ones in examples/fhir/ (and variations made here).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.errors import InputError
from kyphocheck.intake.fhir_bundle import read_bundle
from kyphocheck.intake.fhir_prefill import prefill
from kyphocheck.site.data import SiteData
from kyphocheck.site.folder import Site
from tests.conftest import NOW, NOW_TEXT, ROOT, example_data, write_answers
from tests.helpers import make_site, record_folders

runner = CliRunner()
FHIR = ROOT / "examples" / "fhir"


def _bundle(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FHIR / name).read_text())
    return data


def _write(tmp_path: Path, data: dict[str, Any], name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def _without_ehr_parts(data: dict[str, Any]) -> dict[str, Any]:
    """The example's answers with what an EHR holds left out: the bundle is to fill it."""
    for key in ("name", "mrn", "dob", "sex", "weight_kg"):
        data["patient"].pop(key)
    for key in ("medications", "allergies", "labs_date", "inr", "platelets", "hemoglobin"):
        data["answers"].pop(key)
    data["answers"].pop("creatinine")
    return data


def _run(tmp_path: Path, answers: Path, bundle: Path, *extra: str) -> Any:
    args = ["run", "--answers", str(answers), "--fhir", str(bundle), "--non-interactive"]
    return runner.invoke(
        app, [*args, "--no-sign", "--now", NOW_TEXT, "--out", str(tmp_path / "out"), *extra]
    )


def _record(tmp_path: Path) -> dict[str, Any]:
    [folder] = record_folders(tmp_path / "out")
    data: dict[str, Any] = json.loads((folder / "record.json").read_text())
    return data


def _prefill_file(site: Site, path: Path) -> Any:
    """What a bundle file fills of a kyphoplasty answers document, at the example's clock."""
    loaded = SiteData(site)
    bundle = read_bundle(path)
    drugs = loaded.protocol().drugs
    checklist = loaded.checklist("kyphoplasty")
    return prefill(bundle, loaded.code_maps(), drugs, NOW, checklist, loaded.checklist)


def _prefill(site: Site, name: str) -> Any:
    return _prefill_file(site, FHIR / name)


def _prefilled(site: Site, tmp_path: Path, data: dict[str, Any]) -> Any:
    return _prefill_file(site, _write(tmp_path, data))


def test_the_example_bundle_fills_what_the_answers_leave_out(tmp_path: Path) -> None:
    answers = write_answers(tmp_path, _without_ehr_parts(example_data()))
    result = _run(tmp_path, answers, FHIR / "example-patient.json")
    assert result.exit_code == 0, result.output
    record = _record(tmp_path)
    expected = example_data()
    assert record["patient"]["mrn"] == "00482913" and record["patient"]["name"] == "Maria Lopez"
    assert record["patient"]["dob"] == "1951-04-12" and record["patient"]["weight_kg"] == 62
    assert [m["name"] for m in record["answers"]["medications"]] == ["apixaban", "sertraline"]
    assert record["answers"]["medications"][0]["last_dose"] == "2026-11-27T20:00:00-06:00"
    for key in ("inr", "platelets", "hemoglobin", "creatinine", "labs_date"):
        assert record["answers"][key] == expected["answers"][key], key
    assert record["answers"]["allergies"][0]["substance"] == "shellfish"
    # Which values came from the EHR, so an auditor tells them from the nurse's.
    assert record["sources"]["answers.inr"] == "fhir"
    assert record["sources"]["patient.mrn"] == "fhir"
    assert "answers.driver_name" not in record["sources"]
    assert len(record["ehr"]["bundle_sha256"]) == 64
    assert "values came from the EHR" in result.output
    # The signed summary says so too, for whoever reads it without record.json.
    [folder] = record_folders(tmp_path / "out")
    summary = (folder / "summary.md").read_text()
    assert "| INR | 1.1 (from the EHR) |" in summary
    assert "| Has an adult been arranged to drive the patient home? | yes |" in summary
    assert "so are the patient's name, MRN, date of birth, sex, weight;" in summary


def test_the_answers_file_wins_where_both_give_a_value(tmp_path: Path) -> None:
    data = _without_ehr_parts(example_data())
    data["answers"]["inr"] = 1.0
    data["patient"]["weight_kg"] = 61.5
    result = _run(tmp_path, write_answers(tmp_path, data), FHIR / "example-patient.json")
    assert result.exit_code == 0, result.output
    record = _record(tmp_path)
    assert record["answers"]["inr"] == 1.0 and record["patient"]["weight_kg"] == 61.5
    assert "answers.inr" not in record["sources"]
    assert "patient.weight_kg" not in record["sources"]
    assert record["sources"]["answers.platelets"] == "fhir"


def test_a_record_without_a_bundle_has_no_sources(tmp_path: Path) -> None:
    args = ["run", "--answers", str(write_answers(tmp_path, example_data())), "--non-interactive"]
    result = runner.invoke(
        app, [*args, "--no-sign", "--now", NOW_TEXT, "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "sources" not in _record(tmp_path) and "ehr" not in _record(tmp_path)


def test_every_mapped_kind_is_read_and_units_are_converted(site: Site) -> None:
    filled = _prefill(site, "every-kind.json")
    assert filled.patient == {
        "name": "Rosa Elena Diaz",
        "mrn": "00731554",
        "dob": "1981-06-03",
        "sex": "female",
        "weight_kg": 69.9,  # 154 lb
    }
    medications = filled.answers["medications"]
    # A MedicationStatement by reference to a Medication, free text, and a MedicationRequest;
    # the one entered in error is not the patient's medicine.
    assert [m["name"] for m in medications] == ["warfarin", "fish oil", "Plavix 75 MG Oral Tablet"]
    assert medications[0] == {
        "name": "warfarin",
        "dose": "5 mg in the evening",
        "last_dose": "2026-11-25T21:00:00-06:00",
    }
    assert "last_dose" not in medications[2]  # a request says what was ordered, not taken
    assert filled.answers["inr"] == 1.3  # the latest of two INRs
    assert filled.answers["platelets"] == 185  # 185000 /uL
    assert filled.answers["hemoglobin"] == 13.1  # 131 g/L
    assert filled.answers["creatinine"] == 0.9  # 80 umol/L, to the checklist's 2 decimals
    assert filled.answers["pregnancy_status"] == "negative"
    assert filled.answers["labs_date"] == "2026-11-27"  # the earliest of the blood tests
    assert filled.answers["allergies"] == [
        {"substance": "iodinated contrast media", "reaction": "not recorded in the EHR"},
        {"substance": "Latex", "reaction": "Hives"},
    ]
    notes = "\n".join(filled.notes)
    assert "platelets 185000 /uL taken as 185 x10^9/L" in notes
    assert "weight 154 lb taken as 69.9 kg" in notes
    assert "creatinine 80 umol/L taken as 0.9 mg/dL" in notes
    assert "drawn on 2 days; labs_date is the earliest" in notes
    assert "allergy-contrast: no reaction recorded" in notes


def test_what_cannot_be_mapped_is_listed_not_guessed(site: Site) -> None:
    filled = _prefill(site, "unmapped.json")
    names = [m["name"] for m in filled.answers["medications"]]
    assert names == ["zorbafiban 10 MG Oral Tablet", "apixaban", "aspirin"]
    assert "hemoglobin" not in filled.answers  # mmol/L is refused, not converted
    assert "inr" not in filled.answers  # a preliminary result
    assert all("last_dose" not in m for m in filled.answers["medications"])
    notes = "\n".join(filled.notes)
    assert "RxNorm 999999999 is not in rxnorm.yaml" in notes
    assert "check the medicine with the patient" in notes
    assert "hemoglobin 8.1 mmol/L is in a unit loinc.yaml does not convert" in notes
    assert "enter the hemoglobin by hand in g/dL" in notes
    assert "2026-11-30 without a time and zone" in notes
    assert "a preliminary result" in notes


def test_a_run_that_the_bundle_leaves_short_fails_naming_what_is_missing(tmp_path: Path) -> None:
    data = _without_ehr_parts(example_data())
    data["patient"].update(name="Jon Berg", sex="male", weight_kg=80)
    result = _run(tmp_path, write_answers(tmp_path, data), FHIR / "unmapped.json")
    assert result.exit_code == 2
    assert "missing required answers" in result.output and "hemoglobin" in result.output
    assert "about the bundle: Observation/lab-hemoglobin: hemoglobin 8.1 mmol/L" in (result.output)
    assert not (tmp_path / "out").exists()


def test_a_malformed_bundle_is_refused_one_line_per_problem(tmp_path: Path) -> None:
    answers = write_answers(tmp_path, _without_ehr_parts(example_data()))
    result = _run(tmp_path, answers, FHIR / "malformed.json")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 4
    assert "entry[0] Patient/p-bad: birthDate" in lines[0]
    assert "entry[1] MedicationStatement/med-bad: effectiveDateTime" in lines[1]
    assert "entry[2] Observation/lab-bad: valueQuantity.value" in lines[2]
    assert "entry[3] Prescription/not-fhir: not a FHIR R4 resource type" in lines[3]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "invalid JSON"),
        (b'{"resourceType": "Patient"}', "not a FHIR Bundle"),
        (b'{"resourceType": "Bundle", "entry": {}}', "must be a list"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_what_is_not_a_bundle_is_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(content)
    result = _run(tmp_path, write_answers(tmp_path, example_data()), bundle)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "out").exists()


def test_a_bundle_too_large_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(b'{"resourceType": "Bundle", "entry": [' + b" " * 9_000_000 + b"]}")
    result = _run(tmp_path, write_answers(tmp_path, example_data()), bundle)
    assert result.exit_code == 2 and "larger than 8 MB" in result.output


def test_a_resource_of_another_patient_is_refused(tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    data["entry"][1]["resource"]["subject"]["reference"] = "Patient/someone-else"
    answers = write_answers(tmp_path, _without_ehr_parts(example_data()))
    result = _run(tmp_path, answers, _write(tmp_path, data))
    assert result.exit_code == 2
    assert "MedicationStatement/med-eliquis: subject: is of another patient" in result.output


def test_two_patients_in_one_bundle_are_refused(tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    second = copy.deepcopy(data["entry"][0])
    second["resource"]["id"] = "another"
    second["fullUrl"] = "urn:uuid:another"
    data["entry"].append(second)
    result = _run(tmp_path, write_answers(tmp_path, example_data()), _write(tmp_path, data))
    assert result.exit_code == 2 and "holds 2 patients" in result.output


def test_a_wrong_value_from_the_bundle_says_it_came_from_there(tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    data["entry"][5]["resource"]["valueQuantity"]["value"] = 40  # an INR of 40
    answers = write_answers(tmp_path, _without_ehr_parts(example_data()))
    result = _run(tmp_path, answers, _write(tmp_path, data))
    assert result.exit_code == 2
    [line] = [line for line in result.output.splitlines() if "answers.inr" in line]
    assert "(the value came from" in line and "bundle.json" in line


def test_a_last_dose_after_now_is_not_taken_as_one(site: Site, tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    data["entry"][1]["resource"]["effectivePeriod"]["end"] = "2027-06-01T00:00:00-05:00"
    filled = _prefilled(site, tmp_path, data)
    assert "last_dose" not in filled.answers["medications"][0]
    assert any("it is not a last dose" in note for note in filled.notes)


def test_sheet_takes_a_bundle_with_one_answers_file(tmp_path: Path) -> None:
    answers = write_answers(tmp_path, _without_ehr_parts(example_data()))
    args = ["sheet", "--answers", str(answers), "--fhir", str(FHIR / "example-patient.json")]
    result = runner.invoke(
        app, [*args, "--no-sign", "--now", NOW_TEXT, "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    [folder] = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    sheet = (folder / "take-home.md").read_text()
    assert "Eliquis" in sheet or "apixaban" in sheet
    two = runner.invoke(app, [*args, str(answers), "--out", str(tmp_path / "two")])
    assert two.exit_code == 2 and "a bundle is one patient's" in two.output


def test_check_refuses_a_code_mapped_to_no_medicine(tmp_path: Path) -> None:
    rxnorm = (ROOT / "checklists" / "protocol" / "rxnorm.yaml").read_text()
    root = make_site(
        tmp_path,
        {"checklists/protocol/rxnorm.yaml": rxnorm.replace(": apixaban", ": apixabn")},
    )
    result = runner.invoke(app, ["check", str(root), "--format", "json"])
    report = json.loads(result.stdout)
    [problem] = [p for p in report["problems"] if p["file"].endswith("rxnorm.yaml")]
    assert (
        problem["level"] == "error"
        and "'apixabn' is not a generic or brand name" in (problem["message"])
    )


def test_a_unit_factor_must_be_positive(tmp_path: Path, site: Site) -> None:
    loinc = (ROOT / "checklists" / "protocol" / "loinc.yaml").read_text()
    root = make_site(
        tmp_path, {"checklists/protocol/loinc.yaml": loinc.replace('"g/L": 0.1', '"g/L": 0')}
    )
    with pytest.raises(InputError, match="every factor must be above 0"):
        SiteData(Site.open(root)).code_maps()


# -- at the terminal ---------------------------------------------------------------------------

# The patient's details from the EHR (Enter keeps each), then each last dose asked again.
HEADER_KEPT = ["", "", "", "", ""]
APIXABAN = "The EHR says the last apixaban was Fri 27 Nov 2026 20:00; is that right?"
SERTRALINE = "The EHR says the last sertraline was Tue 01 Dec 2026 06:00; is that right?"


def _start(tmp_path: Path, options: Any, store: Any, script: list[Any]) -> tuple[Any, Any]:
    from kyphocheck.cli.interactive.prompts import ScriptedPrompter
    from kyphocheck.cli.interactive.session import start

    prompter = ScriptedPrompter(script)
    answers = write_answers(tmp_path, _without_ehr_parts(example_data()))
    result = start(options, prompter, answers, None, store, FHIR / "example-patient.json")
    return result, prompter


def test_at_the_terminal_the_ehr_values_are_offered_never_taken_silently(
    tmp_path: Path, options: Any, store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    script = [*HEADER_KEPT, True, False, "06:30", "done", "done", "", "", "", "", "", "finish"]
    result, prompter = _start(tmp_path, options, store, script)
    said = " ".join(capsys.readouterr().err.split())
    assert "From the EHR bundle: Patient's full name, MRN, Date of birth, Sex, Weight" in said
    assert prompter.asked[:7] == [
        "Patient's full name",
        "MRN",
        "Date of birth (YYYY-MM-DD)",
        "Sex",
        "Weight (kg)",
        APIXABAN,
        SERTRALINE,
    ]
    # Each value the EHR gave is the prompt's default: Enter keeps it, nothing is skipped.
    assert prompter.defaults["MRN"] == "00482913"
    assert prompter.defaults["INR"] == "1.1"
    assert prompter.defaults["Date the blood tests were drawn"] == "2026-11-24"
    record = json.loads((result.folder / "record.json").read_text())
    sertraline = record["answers"]["medications"][1]
    assert sertraline["last_dose"] == "2026-12-01T06:30:00-06:00"  # the nurse's, not the EHR's
    # The list the nurse corrected is hers; what she kept is still the EHR's.
    assert "answers.medications" not in record["sources"]
    assert record["sources"]["answers.inr"] == "fhir"
    assert record["sources"]["patient.mrn"] == "fhir"


def test_an_ehr_value_changed_at_the_terminal_is_the_nurses(
    tmp_path: Path, options: Any, store: Any
) -> None:
    header = ["", "", "", "", "61.5"]  # a new weight on the ward's scale
    script = [*header, True, True, "done", "done", "", "1.0", "", "", "", "finish"]
    result, _ = _start(tmp_path, options, store, script)
    record = json.loads((result.folder / "record.json").read_text())
    assert record["patient"]["weight_kg"] == 61.5 and record["answers"]["inr"] == 1.0
    assert "patient.weight_kg" not in record["sources"]
    assert "answers.inr" not in record["sources"]
    assert record["sources"]["answers.medications"] == "fhir"  # both last doses confirmed
    assert record["sources"]["answers.platelets"] == "fhir"


def test_what_was_confirmed_is_not_asked_again_after_an_interruption(
    tmp_path: Path, options: Any, store: Any
) -> None:
    from kyphocheck.cli.interactive.prompts import ScriptedPrompter
    from kyphocheck.cli.interactive.session import resume
    from kyphocheck.errors import Interrupted

    with pytest.raises(Interrupted):
        _start(tmp_path, options, store, [*HEADER_KEPT, True, KeyboardInterrupt()])
    prompter = ScriptedPrompter([True, "done", "done", "", "", "", "", "", "finish"])
    result = resume(options, prompter, None, store)
    assert prompter.asked[0] == SERTRALINE  # not the header, not apixaban again
    record = json.loads((result.folder / "record.json").read_text())
    assert record["sources"]["answers.medications"] == "fhir"


def test_an_answers_file_cannot_claim_values_came_from_the_ehr(tmp_path: Path) -> None:
    data = example_data()
    data["ehr"] = {"sha256": "0" * 64, "filled": ["answers.inr"]}
    args = ["run", "--answers", str(write_answers(tmp_path, data)), "--non-interactive"]
    result = runner.invoke(
        app, [*args, "--no-sign", "--now", NOW_TEXT, "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "ehr: only kyphocheck writes this" in result.output


def test_a_bundle_without_answers_rounds_to_the_checklist_chosen_at_the_prompt(
    options: Any, store: Any
) -> None:
    from kyphocheck.cli.interactive.prompts import ScriptedPrompter
    from kyphocheck.cli.interactive.session import start
    from kyphocheck.errors import Interrupted

    header = ["kyphoplasty", *HEADER_KEPT, "", "America/Chicago", "08:30", "L1", "Dr. A. Patel"]
    prompter = ScriptedPrompter([*header, "moderate_sedation", KeyboardInterrupt()])
    with pytest.raises(Interrupted):
        start(options, prompter, None, None, store, FHIR / "every-kind.json")
    answers = store.latest().document["answers"]
    # 80 umol/L is 0.904 mg/dL: rounded to the chosen checklist's 2 decimals, not dropped.
    assert answers["creatinine"] == 0.9 and answers["hemoglobin"] == 13.1


def test_a_statement_and_an_order_of_one_medicine_are_entered_once(
    site: Site, tmp_path: Path
) -> None:
    data = _bundle("example-patient.json")
    order = {
        "resourceType": "MedicationRequest",
        "id": "order-eliquis",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/maria-lopez"},
        "medicationCodeableConcept": {"text": "Eliquis 5 MG Oral Tablet"},
        "dosageInstruction": [{"text": "one tablet twice a day"}],
    }
    data["entry"].append({"resource": order})
    filled = _prefilled(site, tmp_path, data)
    apixaban = [
        m
        for m in filled.answers["medications"]
        if m["name"] in ("apixaban", "Eliquis 5 MG Oral Tablet")
    ]
    # One entry, with the statement's last dose: the order alone would stop her for a dose
    # the EHR does give.
    assert apixaban == [
        {"name": "apixaban", "dose": "5 mg twice a day", "last_dose": "2026-11-27T20:00:00-06:00"}
    ]
    assert any("are the same medicine (apixaban): entered once" in n for n in filled.notes)


def test_a_stopped_order_of_a_blood_thinner_is_kept_and_asked(site: Site, tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    data["entry"] = [e for e in data["entry"] if e["resource"].get("id") != "med-eliquis"]
    data["entry"].append(
        {
            "resource": {
                "resourceType": "MedicationRequest",
                "id": "order-warfarin",
                "status": "stopped",
                "intent": "order",
                "subject": {"reference": "Patient/maria-lopez"},
                "medicationCodeableConcept": {
                    "coding": [
                        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "11289"}
                    ]
                },
            }
        }
    )
    filled = _prefilled(site, tmp_path, data)
    assert {"name": "warfarin"} in filled.answers["medications"]
    assert any("order is stopped: ask the patient whether and when" in n for n in filled.notes)


# -- what a review found: another patient, conflicts, bounds, the latest result -------------


def _observation(data: dict[str, Any], oid: str) -> dict[str, Any]:
    [found] = [e["resource"] for e in data["entry"] if e["resource"].get("id") == oid]
    return found


def test_a_bundle_of_another_patient_than_the_answers_file_is_refused(tmp_path: Path) -> None:
    # The answers file is Maria Lopez; every-kind.json is Rosa Diaz.
    result = _run(tmp_path, write_answers(tmp_path, example_data()), FHIR / "every-kind.json")
    assert result.exit_code == 2
    assert "Patient: mrn: the answers file says '00482913' but the bundle's Patient says" in (
        result.output
    )
    assert "the bundle is of another patient" in result.output
    assert not (tmp_path / "out").exists()


def test_values_the_answers_file_sets_aside_are_said(tmp_path: Path) -> None:
    data = _without_ehr_parts(example_data())
    data["answers"]["inr"] = 1.0
    data["answers"]["medications"] = [{"name": "sertraline", "last_dose": "2026-12-01T06:00"}]
    result = _run(tmp_path, write_answers(tmp_path, data), FHIR / "example-patient.json")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert (
        "answers.inr: the answers file gives 1.0, the EHR 1.1; the answers file's is used" in said
    )
    assert "the EHR lists apixaban, which the answers file's list does not" in said
    assert "the EHR lists apixaban" in " ".join(_record(tmp_path)["ehr"]["notes"])


def test_a_bound_is_not_a_value(site: Site, tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    _observation(data, "lab-inr")["valueQuantity"]["comparator"] = ">"
    filled = _prefilled(site, tmp_path, data)
    assert "inr" not in filled.answers
    assert any("inr is '> 1.1', not a value" in n for n in filled.notes)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"valueQuantity": {"value": 2.8, "unit": "ratio"}}, "does not convert"),
        ({"status": "preliminary"}, "a preliminary result"),
    ],
)
def test_an_older_result_is_not_taken_for_a_newer_one_that_cannot_be_used(
    site: Site, tmp_path: Path, change: dict[str, Any], why: str
) -> None:
    data = _bundle("example-patient.json")
    newer = copy.deepcopy(_observation(data, "lab-inr"))
    newer.update(id="lab-inr-today", effectiveDateTime="2026-12-01T06:30:00-06:00", **change)
    data["entry"].append({"resource": newer})
    filled = _prefilled(site, tmp_path, data)
    assert "inr" not in filled.answers  # not the 24 Nov INR of 1.1
    notes = "\n".join(filled.notes)
    assert why in notes
    assert "lab-inr-today is the latest inr and cannot be used" in notes


def test_an_undated_or_later_today_result_is_not_used(site: Site, tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    del _observation(data, "lab-inr")["effectiveDateTime"]
    _observation(data, "lab-platelets")["effectiveDateTime"] = "2026-12-01T23:30:00-06:00"
    _observation(data, "lab-hemoglobin")["effectiveDateTime"] = "2026-11"
    filled = _prefilled(site, tmp_path, data)
    assert {"inr", "platelets", "hemoglobin"}.isdisjoint(filled.answers)
    notes = "\n".join(filled.notes)
    assert "lab-inr: no full date of when it was taken" in notes
    assert "lab-hemoglobin: no full date" in notes
    assert "lab-platelets: dated after now" in notes


def test_resources_of_two_subjects_without_a_patient_are_refused(tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    data["entry"] = data["entry"][1:]  # no Patient
    _observation(data, "lab-inr")["subject"] = {"reference": "Patient/someone-else"}
    result = _run(tmp_path, write_answers(tmp_path, example_data()), _write(tmp_path, data))
    assert result.exit_code == 2 and "the resources are of 2 patients" in result.output


def test_a_subject_by_identifier_must_be_the_patient_s(site: Site, tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    _observation(data, "lab-inr")["subject"] = {"identifier": {"value": "99999999"}}
    with pytest.raises(InputError, match="is of another patient \\(identifier 99999999\\)"):
        _prefilled(site, tmp_path, data)
    _observation(data, "lab-inr")["subject"] = {"identifier": {"value": "00482913"}}
    _observation(data, "lab-platelets")["subject"] = {
        "reference": "https://ehr.example.org/fhir/Patient/maria-lopez"
    }
    assert _prefilled(site, tmp_path, data).answers["inr"] == 1.1


def test_a_code_and_a_name_of_two_drugs_are_refused(site: Site, tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    sertraline = _observation(data, "med-sertraline")
    sertraline["medicationCodeableConcept"]["text"] = "warfarin"
    with pytest.raises(InputError, match="its RxNorm code is sertraline but its name says"):
        _prefilled(site, tmp_path, data)


def test_a_pregnancy_test_that_says_both_is_not_read(site: Site, tmp_path: Path) -> None:
    data = _bundle("every-kind.json")
    test = _observation(data, "lab-hcg")
    test["valueCodeableConcept"]["text"] = "Positive"
    filled = _prefilled(site, tmp_path, data)
    assert "pregnancy_status" not in filled.answers
    assert any("the pregnancy test says both" in n for n in filled.notes)
    test["valueCodeableConcept"] = {"text": "POS"}
    filled = _prefilled(site, tmp_path, data)
    assert "pregnancy_status" not in filled.answers
    assert any("gives a result not understood (pos)" in n for n in filled.notes)


def test_the_current_name_is_taken_not_a_former_one(site: Site, tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    data["entry"][0]["resource"]["name"] = [
        {"use": "old", "family": "Garcia", "given": ["Maria"]},
        {"use": "usual", "family": "Lopez", "given": ["Maria"]},
    ]
    assert _prefilled(site, tmp_path, data).patient["name"] == "Maria Lopez"


def test_an_order_never_started_is_said_not_entered(site: Site, tmp_path: Path) -> None:
    data = _bundle("example-patient.json")
    order = {
        "resourceType": "MedicationRequest",
        "id": "order-plavix",
        "status": "cancelled",
        "intent": "order",
        "subject": {"reference": "Patient/maria-lopez"},
        "medicationCodeableConcept": {"text": "Plavix"},
    }
    data["entry"].append({"resource": order})
    filled = _prefilled(site, tmp_path, data)
    assert "Plavix" not in [m["name"] for m in filled.answers["medications"]]
    assert any("order-plavix: the EHR's order is cancelled; not entered" in n for n in filled.notes)
