"""The printed pages, read back: what falls on which page, what the frame says, what overlaps.

Long sheets (a patient with twelve medicines, in both languages and in large print) are where
page breaks land in the middle of an instruction; the summary of such a patient is where long
names fill table cells.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from tests.conftest import NOW_TEXT, example_data, write_answers
from tests.helpers import make_site, record_folders
from tests.pdftext import (
    Word,
    flat,
    last_body_lines,
    letters,
    overlapping_words,
    page_break_problems,
    page_texts,
    words,
)
from tests.sheets import SITE_YAML, table

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


def sheets(
    tmp_path: Path, now: str, patients: list[dict[str, Any]], site: Path | None = None
) -> list[Path]:
    """Unsigned take-home sheets of these patients at this clock: their folders."""
    files = [write_answers(tmp_path, p, f"{n}.yaml") for n, p in enumerate(patients)]
    out = tmp_path / f"out-{now[:10]}"
    args = ["sheet", "--now", now, "--no-sign", "--out", str(out), "-j", "2"]
    args += ["--site", str(site)] if site else []
    result = runner.invoke(app, [*args, "--answers", *map(str, files)])
    assert result.exit_code == 0, result.output
    return record_folders(out)


DAYS_AHEAD = "2026-11-29T10:00-06:00"


@pytest.mark.parametrize(
    ("now", "language", "large_print"),
    [
        (now, language, large)
        for now in (DAYS_AHEAD, NOW_TEXT)
        for language in ("en", "es")
        for large in (False, True)
    ],
)
def test_long_sheets_keep_each_instruction_on_one_page(
    tmp_path: Path, now: str, language: str, large_print: bool
) -> None:
    """No list item or paragraph is cut by a page break; no page ends with a heading.

    Twelve medicines at these clocks cut a 4- or 5-line instruction in two without
    break-inside: avoid (a date on one page, its year on the next); made days ahead in large
    print, a calendar cell of one sentence per medicine was taller than what was left of a
    page until medicines with the same event were named in one sentence.
    """
    patients = [twelve_medicine_patient(language, large_print)]
    for folder in sheets(tmp_path, now, patients):
        record = json.loads((folder / "record.json").read_text())
        assert len(record["computed"]["medications"]) == 12
        markdown = (folder / "take-home.md").read_text()
        problems = page_break_problems(markdown, folder / "take-home.pdf")
        assert not problems, f"{folder.name}: {problems}"


PLAN_TITLE = {"en": "Your plan at a glance", "es": "Su plan de un vistazo"}


@pytest.mark.parametrize("now", [DAYS_AHEAD, NOW_TEXT], ids=["ahead", "on-the-day"])
def test_the_plan_at_a_glance_is_on_page_one(tmp_path: Path, now: str) -> None:
    """Twelve medicines, six of them past their last day with the last dose not known.

    In normal print the whole plan is on page 1, under the call to make today. In large print
    a page holds less than the call and the plan: the plan starts on page 1 with the arrival,
    and each row is whole (its title printed again over the rest).
    """
    site = make_site(tmp_path, {"site.yaml": yaml.safe_dump(SITE_YAML)})
    patients = [
        twelve_medicine_patient(language, large)
        for language in ("en", "es")
        for large in (False, True)
    ]
    for folder in sheets(tmp_path, now, patients, site):
        record = json.loads((folder / "record.json").read_text())
        language, large = record["patient"]["language"], record["patient"]["large_print"]
        markdown = (folder / "take-home.md").read_text()
        title = PLAN_TITLE[language]
        plan = [cell for row in table(markdown, title) for cell in row]
        assert len(plan) >= 12 and "555-0199" in plan, plan
        page_one = letters(page_texts(folder / "take-home.pdf")[0])
        assert letters(title) in page_one
        on_page_one = [cell for cell in plan if all(letters(w) in page_one for w in cell.split())]
        if large:
            assert on_page_one[:2] == plan[:2], folder.name  # the arrival
        else:
            assert on_page_one == plan, folder.name
        assert not page_break_problems(markdown, folder / "take-home.pdf"), folder.name


def run(tmp_path: Path, data: dict[str, Any], *extra: str) -> Path:
    """A record of these answers on the example's clock: its folder."""
    out = tmp_path / f"out-{len(list(tmp_path.glob('out-*')))}"
    answers = write_answers(tmp_path, data, f"{out.name}.yaml")
    args = ["run", "--answers", str(answers), "--non-interactive", "--now", NOW_TEXT]
    result = runner.invoke(app, [*args, "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    [folder] = record_folders(out)
    return folder


def test_a_summary_not_cleared_says_so_on_every_page_and_no_text_overlaps(
    tmp_path: Path,
) -> None:
    """Twelve medicines: six pages, long names in narrow cells (they once ran into the next)."""
    folder = run(tmp_path, twelve_medicine_patient(ahead=False), "--no-sign")
    record = json.loads((folder / "record.json").read_text())
    assert record["cleared"] is False
    pages = page_texts(folder / "summary.pdf")
    assert len(pages) >= 3
    assert all(page.startswith("Status: NOT CLEARED") for page in pages)
    assert "hydrochlorothiazide/lisinopril" in "".join(pages).replace(" ", "")
    assert overlapping_words(folder / "summary.pdf") == []
    # A finding's id is what an override names: given, labelled, for stop findings only.
    findings = {f["id"]: f["severity"] for f in record["findings"]}
    summary = (folder / "summary.md").read_text()
    for finding_id, severity in findings.items():
        shown = f"override id: {finding_id}".replace("_", "\\_") in summary
        assert shown is (severity == "stop"), finding_id
    # The patient's sheet has no banner: what to do is its own first part.
    assert not any("NOT CLEARED" in page for page in page_texts(folder / "take-home.pdf"))


def test_a_cleared_summary_has_no_banner(tmp_path: Path) -> None:
    folder = run(tmp_path, example_data(), "--no-sign")
    assert not any("NOT CLEARED" in page for page in page_texts(folder / "summary.pdf"))


@pytest.mark.parametrize(
    ("language", "footer"),
    [
        ("en", "Record {id} · Signed by Jane Doe, RN"),
        ("es", "Registro {id} · Firmado por Jane Doe, RN"),
    ],
)
def test_the_sheet_names_its_signer_in_a_footer_line_the_summary_says_how_to_verify(
    tmp_path: Path, language: str, footer: str
) -> None:
    data = twelve_medicine_patient(language)  # a sheet of several pages
    data["answers"] = example_data()["answers"] | {"medications": TWELVE_MEDICINES[:9]}
    data["answers"]["gi_symptoms_today"] = False
    folder = run(tmp_path, data)
    record = json.loads((folder / "record.json").read_text())
    assert record["signature"]["signer"]["name"] == "Jane Doe"
    line = footer.format(id=record["record_id"])
    sheet = page_texts(folder / "take-home.pdf")
    assert len(sheet) >= 2 and all(line in page for page in sheet)
    technical = ("PAdES", "kyphocheck verify", "SHA-256", "record.json")
    assert not any(word in page for page in sheet for word in technical)
    summary = " ".join(page_texts(folder / "summary.pdf"))
    assert all(word in summary for word in technical)
    assert "Signed electronically by Jane Doe, RN" in summary


# English day and month names, whole and short (the Spanish ones are lower case).
ENGLISH_DATE_WORDS = re.compile(
    r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April"
    r"|May|June|July|August|September|October|November|December"
    r"|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
)


@pytest.mark.parametrize("signed", [True, False])
def test_a_spanish_sheet_has_no_english_frame_or_date(tmp_path: Path, signed: bool) -> None:
    data = example_data()
    data["patient"]["language"] = "es"
    folder = run(tmp_path, data, *(() if signed else ("--no-sign",)))
    pages = page_texts(folder / "take-home.pdf")
    for page in pages:
        assert (
            "Maria Lopez · N.º de historia 00482913 · fecha de nacimiento 12 de abril de 1951"
            in page
        )
        assert ("BORRADOR SIN FIRMAR" in page) is not signed
        assert "Página" in page
    text = " ".join(pages)
    for english in ("born", "Record", "UNSIGNED", "Signed", "Page "):
        assert english not in text
    # Drug names too: the generic as Spanish writes it, the brand as on the box.
    assert "Eliquis (apixabán)" in text and "sertralina" in text
    assert "apixaban" not in text and "sertraline" not in text
    assert ENGLISH_DATE_WORDS.findall(text) == []


def _font_size(words: list[Word], text: str) -> float:
    """The size of the first printed run of these words (DejaVu Sans: box 1.164 em high)."""
    wanted = text.split()
    for start in range(len(words) - len(wanted) + 1):
        run_ = words[start : start + len(wanted)]
        if [w.text for w in run_] == wanted:
            return statistics.median(w.height for w in run_) / 1.164
    raise AssertionError(f"{text!r} is not printed")


@pytest.mark.parametrize("language", ["en", "es"])
def test_large_print_headings_are_clearly_larger_than_the_16_pt_text(
    tmp_path: Path, language: str
) -> None:
    data = example_data()
    data["patient"]["language"] = language
    folder = run(tmp_path, data, "--no-sign", "--large-print")
    markdown = (folder / "take-home.md").read_text()
    printed = words(folder / "take-home.pdf")
    body = statistics.median(w.height for w in printed) / 1.164
    assert 15.9 <= body < 17.5
    levels = {line.split(" ")[0] for line in markdown.splitlines() if line.startswith("#")}
    assert {"#", "##"} <= levels  # a sheet on the day has no third level
    for level, larger in (("# ", 1.6), ("## ", 1.3), ("### ", 1.2)):
        if level.strip() not in levels:
            continue
        heading = next(line for line in markdown.splitlines() if line.startswith(level))
        size = _font_size(printed, flat(heading[len(level) :].replace("**", "")))
        assert size >= larger * 16, f"{heading!r} is {size:.1f} pt"


def test_a_summary_section_title_stays_with_its_first_question(tmp_path: Path) -> None:
    """The example's summary once ended page 2 with "Allergies", its question on page 3."""
    folder = run(tmp_path, example_data(), "--no-sign")
    summary = (folder / "summary.md").read_text()
    titles = set(re.findall(r"^\| \*\*(.+)\*\* \| \|$", summary, re.M))
    assert {"Allergies", "Fasting"} <= titles
    # Letter, 24 mm and 20 mm margins: the body is between 68 and 735 points from the top.
    last = last_body_lines(folder / "summary.pdf", 68, 735)
    assert len(last) >= 3
    assert not titles & set(last[:-1]), last


@pytest.mark.parametrize(("language", "for_whom"), [("en", "For: "), ("es", "Para: ")])
def test_the_call_today_box_ends_where_the_sheet_goes_on(
    tmp_path: Path, language: str, for_whom: str
) -> None:
    """Signed (no draft box after it), the call box once ran on into "For: <name>"."""
    data = example_data()
    data["patient"]["language"] = language
    data["answers"]["inr"] = 2.3
    folder = run(tmp_path, data)
    record = json.loads((folder / "record.json").read_text())
    assert record["signature"] is not None and record["cleared"] is False
    blocks = (folder / "take-home.md").read_text().split("\n\n")
    call_box, after = blocks[1], blocks[2]
    assert all(line.startswith(">") for line in call_box.splitlines()), call_box
    assert after.startswith(f"{for_whom}**Maria Lopez**"), after
    unsigned = run(tmp_path, data, "--no-sign")
    blocks = (unsigned / "take-home.md").read_text().split("\n\n")
    assert all(line.startswith(">") for line in blocks[1].splitlines()), blocks[1]
    assert blocks[2].startswith("> **") and blocks[3].startswith(for_whom)  # the draft box
