"""The printed pages, read back: what falls on which page, what the frame says, what overlaps.

Long sheets (a patient with twelve medicines, in both languages and in large print) are where
page breaks land in the middle of an instruction; the summary of such a patient is where long
names fill table cells.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from tests.conftest import NOW_TEXT, example_data, write_answers
from tests.pdftext import page_break_problems

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
runner = CliRunner()

# Invented: a long list of the kind an older patient brings, holds of every length, names that
# are not in the drug table, and a long combination name.
TWELVE_MEDICINES: list[dict[str, Any]] = [
    {"name": "Eliquis", "dose": "5 mg twice a day"},
    {"name": "Plavix", "dose": "75 mg daily"},
    {"name": "aspirin", "dose": "81 mg daily"},
    {"name": "Aleve", "dose": "220 mg as needed"},
    {"name": "ibuprofen", "dose": "400 mg as needed"},
    {"name": "fish oil", "dose": "1 g daily"},
    {"name": "sertraline", "dose": "50 mg daily"},
    {"name": "Ozempic", "dose": "0.5 mg weekly"},
    {"name": "Jardiance", "dose": "10 mg daily"},
    {"name": "hydrochlorothiazide/lisinopril", "dose": "12.5 mg/20 mg daily"},
    {"name": "Synjardy", "dose": "12.5 mg/1000 mg twice a day"},
    {"name": "levothyroxine", "dose": "75 mcg every morning"},
]


# What is known only on the day: a sheet made days ahead goes without them.
DAY_OF = ("last_solid_food", "last_clear_liquid", "labs_date", "inr", "platelets", "hemoglobin")


def twelve_medicine_patient(
    language: str = "en", large_print: bool = False, ahead: bool = True
) -> dict[str, Any]:
    """The example patient with twelve medicines, last doses not known yet."""
    data = example_data()
    for item in DAY_OF if ahead else ():
        data["answers"].pop(item)
    data["patient"].update(language=language, large_print=large_print)
    data["patient"]["mrn"] = f"{language}{int(large_print)}"  # one folder each
    data["answers"]["gi_symptoms_today"] = False
    data["answers"]["medications"] = [dict(m) for m in TWELVE_MEDICINES]
    return data


def sheets(tmp_path: Path, now: str, patients: list[dict[str, Any]]) -> list[Path]:
    """Unsigned take-home sheets of these patients at this clock: their folders."""
    files = [write_answers(tmp_path, p, f"{n}.yaml") for n, p in enumerate(patients)]
    out = tmp_path / f"out-{now[:10]}"
    args = ["sheet", "--now", now, "--no-sign", "--out", str(out), "-j", "2", "--answers"]
    result = runner.invoke(app, [*args, *map(str, files)])
    assert result.exit_code == 0, result.output
    return sorted(out.iterdir())


@pytest.mark.parametrize("now", ["2026-11-29T10:00-06:00", NOW_TEXT])
def test_long_sheets_keep_each_instruction_on_one_page(tmp_path: Path, now: str) -> None:
    """No list item or paragraph is cut by a page break; no page ends with a heading.

    Twelve medicines at these clocks cut a 4- or 5-line instruction in two without
    break-inside: avoid (a date on one page, its year on the next).
    """
    patients = [
        twelve_medicine_patient(language, large_print)
        for language in ("en", "es")
        for large_print in (False, True)
    ]
    for folder in sheets(tmp_path, now, patients):
        record = json.loads((folder / "record.json").read_text())
        assert len(record["computed"]["medications"]) == 12
        markdown = (folder / "take-home.md").read_text()
        problems = page_break_problems(markdown, folder / "take-home.pdf")
        assert not problems, f"{folder.name}: {problems}"
