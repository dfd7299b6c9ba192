"""The documents' context: answers in words, sections, findings by severity, language."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kyphocheck.intake.prepare import prepare
from kyphocheck.record.documents import (
    document_context,
    format_answer,
    take_home_template,
)
from kyphocheck.record.pipeline import start_record
from kyphocheck.site.checklist import Checklist
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests.conftest import CHICAGO, EXAMPLE, NOW, example_data, write_answers


def item(checklist: Checklist, item_id: str):  # type: ignore[no-untyped-def]
    return checklist.by_id[item_id].item


@pytest.mark.parametrize(
    ("item_id", "value", "words"),
    [
        ("driver_arranged", True, "yes"),
        ("driver_arranged", False, "no"),
        ("driver_arranged", None, "not answered"),
        ("inr", 1.1, "1.1"),
        ("last_solid_food", "2026-12-01T04:00:00+00:00", "Mon 30 Nov 2026 22:00"),
        ("medications", [], "none"),
        ("allergies", [], "none known"),
    ],
)
def test_format_answer(kyphoplasty: Checklist, item_id: str, value: object, words: str) -> None:
    assert format_answer(item(kyphoplasty, item_id), value, CHICAGO).startswith(words)


def test_a_time_is_shown_in_the_procedure_zone_not_utc(kyphoplasty: Checklist) -> None:
    shown = format_answer(
        item(kyphoplasty, "last_solid_food"), "2026-11-30T22:00:00-06:00", ZoneInfo("UTC")
    )
    assert shown == "Tue 01 Dec 2026 04:00"


def test_take_home_falls_back_to_english_with_a_warning(site: Site) -> None:
    assert take_home_template("es", site)[:2] == ("take-home.es.md.j2", "es")
    name, language, warnings = take_home_template("fr", site)
    assert (name, language) == ("take-home.md.j2", "en")
    assert warnings == ["no take-home template for language 'fr'; the sheet is in English"]


def test_context_groups_findings_and_skips_what_did_not_apply(
    tmp_path: Path, site: Site, kyphoplasty: Checklist
) -> None:
    clock = Clock(NOW, fixed=True)
    draft = start_record(site, prepare(site, EXAMPLE, clock), clock)
    context = document_context(draft.record, kyphoplasty, site)
    assert set(context["findings_by_severity"]) == {"stop", "notify", "info"}
    total = sum(len(v) for v in context["findings_by_severity"].values())
    assert total == len(draft.record["findings"])
    shown = {row["id"] for s in context["sections"] for row in s["rows"]}
    assert not shown & set(draft.record["not_applicable"])
    assert context["anesthesia_words"] == "moderate sedation"
    assert context["signed"] is False


def _take_home(tmp_path: Path, site: Site, medications: list[dict], language: str = "en") -> str:
    data = example_data()
    data["answers"]["medications"] = medications
    data["patient"]["language"] = language
    clock = Clock(NOW, fixed=True)
    draft = start_record(site, prepare(site, write_answers(tmp_path, data), clock), clock)
    return draft.files["take-home.md"].decode()


@pytest.mark.parametrize(
    ("language", "ask", "keep"),
    [
        ("en", "Ask your doctor", "Keep taking"),
        ("es", "Pregunte a su médico por estas medicinas", "Siga tomando"),
    ],
)
def test_sheet_asks_about_what_the_protocol_does_not_continue(
    tmp_path: Path, site: Site, language: str, ask: str, keep: str
) -> None:
    """Aspirin of unknown indication and fish oil are "ask", never "keep taking" or a date."""
    sheet = _take_home(
        tmp_path,
        site,
        [
            {"name": "aspirin", "dose": "81 mg", "prescriber_approved": True},
            # After a heart attack or a stent: never "keep taking", never a stop date.
            {"name": "Ecotrin", "regimen": "secondary_prevention", "prescriber_approved": True},
            {"name": "fish oil"},
            {"name": "sertraline", "last_dose": "2026-12-01T06:00"},
            {"name": "Frobnicol"},
        ],
        language,
    )
    ask_part = sheet[sheet.index(ask) :]
    keep_part = sheet[sheet.index(keep) : sheet.index(ask)]
    # In the reader's language, as the drug table names them (drugs.yaml generic_names).
    aspirin, fish_oil, sertraline = {
        "en": ("aspirin", "fish oil", "sertraline"),
        "es": ("aspirina", "aceite de pescado", "sertralina"),
    }[language]
    assert aspirin in ask_part and fish_oil in ask_part and "Frobnicol" in ask_part
    assert "Ecotrin" in ask_part
    assert sertraline in keep_part
    assert aspirin not in keep_part and fish_oil not in keep_part
    assert "Ecotrin" not in keep_part
    # No stop date for aspirin: it is not in the list of medicines to stop.
    assert "aspirin" not in sheet[: sheet.index(keep)]


NOT_IN_TABLE = "**Not in the drug table: check with the pharmacist:** "
NO_CATEGORY = "**Allergies that match no category: tell the proceduralist:** "


def summary_and_record(
    tmp_path: Path, site: Site, answers: dict[str, Any], procedure: dict[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    data = example_data()
    data["answers"].update(answers)
    data["procedure"].update(procedure or {})
    clock = Clock(NOW, fixed=True)
    prepared = prepare(site, write_answers(tmp_path, data), clock)
    draft = start_record(site, prepared, clock, kinds=("summary",))
    return draft.files["summary.md"].decode(), draft.record


def test_summary_groups_the_medicines_not_in_the_drug_table(tmp_path: Path, site: Site) -> None:
    medications = [
        {"name": "Zorblax", "dose": "10 mg daily"},
        {"name": "sertraline", "last_dose": "2026-12-01T06:00"},
        {"name": "eliqus", "last_dose": "2026-11-27T20:00"},  # a typo: assessed as apixaban
        {"name": "herbal_tea *strong*"},
        {"name": "ZORBLAX"},  # the same name again: listed once
    ]
    summary, record = summary_and_record(tmp_path, site, {"medications": medications})
    lines = summary.splitlines()
    table_end = max(n for n, line in enumerate(lines) if line.startswith("| ZORBLAX |"))
    assert lines[table_end + 1 : table_end + 3] == [
        "",
        NOT_IN_TABLE + r"Zorblax; herbal\_tea \*strong\*",
    ]
    assert summary.count(NOT_IN_TABLE) == 1
    # Still one info finding each: the list groups them, it does not raise them.
    unknown = [f for f in record["findings"] if f["id"].startswith("unknown_medicine:")]
    assert len(unknown) == 3 and {f["severity"] for f in unknown} == {"info"}


def test_summary_groups_the_allergies_that_match_no_category(tmp_path: Path, site: Site) -> None:
    allergies = [
        {"substance": "strawberries", "reaction": "hives"},
        {"substance": "penicillin", "reaction": "rash"},
        {"substance": "the blue tablets", "reaction": "rash", "category": "beta_lactam"},
        {"substance": "bee | stings", "reaction": "swelling"},
    ]
    summary, _ = summary_and_record(tmp_path, site, {"allergies": allergies})
    allergy_section = summary.split("## Allergies\n")[1].split("\n## ")[0]
    assert allergy_section.strip().splitlines()[-1] == NO_CATEGORY + r"strawberries; bee \| stings"


def test_summary_has_neither_list_when_the_tables_know_every_name(
    tmp_path: Path, site: Site
) -> None:
    summary, _ = summary_and_record(tmp_path, site, {})
    assert "| sertraline |" in summary and "- shellfish: hives" in summary
    assert NOT_IN_TABLE not in summary and NO_CATEGORY not in summary


def table_rows(summary: str, heading: str) -> dict[str, dict[str, str]]:
    """A section's table as {first cell: {column: cell}}."""
    section = summary.split(f"## {heading}\n")[1].split("\n## ")[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
    header, rows = cells[0], cells[2:]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


def test_summary_prints_each_dose_and_whether_approval_was_needed_and_given(
    tmp_path: Path, site: Site
) -> None:
    medications = [
        {"name": "Eliquis", "dose": "5 mg twice a day", "last_dose": "2026-11-27T20:00"}
        | {"prescriber_approved": True},
        {"name": "Plavix", "dose": "75 mg daily", "last_dose": "2026-11-20T08:00"}
        | {"prescriber_approved": False},
        {"name": "Xarelto", "last_dose": "2026-11-27T08:00"},
        {"name": "sertraline", "dose": "50 mg daily", "last_dose": "2026-12-01T06:00"},
        {"name": "Zorblax", "dose": "10 mg at night"},
    ]
    summary, _ = summary_and_record(tmp_path, site, {"medications": medications})
    rows = table_rows(summary, "Medications")
    shown = {name: (row["Dose"], row["Prescriber approved"]) for name, row in rows.items()}
    assert shown == {
        "Eliquis (apixaban)": ("5 mg twice a day", "yes"),
        "Plavix (clopidogrel)": ("75 mg daily", "**NO**"),
        "Xarelto (rivaroxaban)": ("not recorded", "not recorded"),
        "sertraline": ("50 mg daily", "not needed"),
        "Zorblax": ("10 mg at night", "-"),
    }


def test_summary_names_allergy_categories_in_words_not_ids(tmp_path: Path, site: Site) -> None:
    allergies_answered = [
        {"substance": "shellfish", "reaction": "hives"},
        {"substance": "penicillin", "reaction": "rash"},
        {"substance": "Latex", "reaction": "rash"},
    ]
    summary, record = summary_and_record(tmp_path, site, {"allergies": allergies_answered})
    allergies = summary.split("## Allergies\n")[1].split("\n## ")[0]
    assert '- shellfish: hives ("iodine" or shellfish only)' in allergies
    assert "- penicillin: rash (beta-lactam antibiotic)" in allergies
    assert "- Latex: rash\n" in allergies  # not "Latex: rash (latex)"
    assert "category" not in allergies
    for allergy in record["computed"]["allergies"]:
        assert allergy["category"] not in allergies


@pytest.mark.parametrize(
    ("levels", "words"),
    [(["L1"], "kyphoplasty, level L1"), (["T12", "L1"], "kyphoplasty, levels T12, L1")],
)
def test_summary_says_level_for_one_and_levels_for_more(
    tmp_path: Path, site: Site, levels: list[str], words: str
) -> None:
    summary, _ = summary_and_record(tmp_path, site, {}, {"levels": levels})
    assert f"| Procedure | {words} |" in summary


def test_summary_writes_the_date_of_birth_as_staff_read_it(tmp_path: Path, site: Site) -> None:
    summary, _ = summary_and_record(tmp_path, site, {})
    assert "| Date of birth | April 12, 1951 (age 75) |" in summary
