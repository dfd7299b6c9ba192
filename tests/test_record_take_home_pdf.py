"""The take-home sheet as printed, read back with pdftotext, in normal and large print.

What page 1 shows first (a call today, or the plan at a glance), the emergency signs under
"Call 911", and times in words, for the patients of tests/sheets.py in English and Spanish.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kyphocheck.record.pipeline import RecordDraft
from tests.pdftext import page_break_problems
from tests.sheets import AHEAD, DAY_OF, STOPS, Scenario, make_sheet, sheet_site

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def printed(tmp_path: Path, draft: RecordDraft) -> list[str]:
    """Each page's text, its lines joined: wrapped phrases read as one."""
    from kyphocheck.record.pdf import render_pdf

    [request] = dict(draft.pdf_jobs)["take-home"].args
    pdf = tmp_path / f"{draft.record['record_id']}.pdf"
    pdf.write_bytes(render_pdf(request))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def after_title(page: str, title: str) -> str:
    return page[page.index(title) + len(title) :].lstrip()


CASES = [
    # (scenario, language, on page 1 right after the title, also on page 1)
    (
        STOPS,
        "en",
        "Call us today: your procedure may need to be moved.",
        ["warfarin (Coumadin, Jantoven)", "555-0100", "Your plan at a glance", "noon on Thursday"],
    ),
    (
        AHEAD,
        "en",
        "UNSIGNED DRAFT",
        [
            "Your plan at a glance",
            "7:30 AM on Tuesday, December 1, at Main Hospital, 2nd floor",
            "12:30 AM on Tuesday, December 1 (late Monday night)",
            "Last dose: Friday night",
            "Ana Lopez",
            "555-0199",
        ],
    ),
    (
        AHEAD,
        "es",
        "BORRADOR SIN FIRMAR",
        [
            "Su plan de un vistazo",
            "a las 12:30 a. m. del martes 1 de diciembre (la noche del lunes)",
            "Última dosis: la noche del viernes",
            "Ana Lopez",
        ],
    ),
    (DAY_OF, "en", "UNSIGNED DRAFT", ["Your plan at a glance", "After your procedure"]),
]
TITLES = {"en": "Your kyphoplasty: what to do", "es": "Su cifoplastia: qué debe hacer"}
EMERGENCY = {
    "en": (
        "Call 911 or go to the emergency room now",
        "Numbness, tingling or weakness in your legs",
        "Call the clinic at 555-0100 if you have",
    ),
    "es": (
        "Llame al 911 o vaya a la sala de emergencias ahora",
        "Adormecimiento, hormigueo o debilidad en las piernas",
        "Llame a la clínica al 555-0100 si tiene",
    ),
}


@pytest.mark.parametrize("large_print", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize(
    ("scenario", "language", "first", "page_one"),
    CASES,
    ids=[f"{c[0].name}-{c[1]}" for c in CASES],
)
def test_the_printed_sheet(
    tmp_path: Path,
    scenario: Scenario,
    language: str,
    first: str,
    page_one: list[str],
    large_print: bool,
) -> None:
    site = sheet_site(tmp_path)
    markdown, draft = make_sheet(tmp_path, site, scenario, language, large_print=large_print)
    pages = printed(tmp_path, draft)
    # Nothing cut by a page break: the allergy doses stay with the sentence leading into them.
    pdf = tmp_path / f"{draft.record['record_id']}.pdf"
    assert page_break_problems(markdown, pdf) == []
    assert after_title(pages[0], TITLES[language]).startswith(first)
    for phrase in page_one:
        assert phrase in pages[0], phrase
    whole = " ".join(pages)
    urgent, sign, office = EMERGENCY[language]
    assert whole.index(urgent) < whole.index(sign) < whole.index(office)
    assert "12:00 AM" not in whole and "12:00 PM" not in whole
    assert "prescriber" not in whole.lower()
    if scenario is DAY_OF:  # after-care first, nothing about the hours before
        assert whole.index("After your procedure") < whole.index("When to get help")
        assert "Before your procedure" not in whole and "Stop eating" not in whole
