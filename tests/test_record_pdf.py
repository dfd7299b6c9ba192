"""Markdown to HTML for the PDFs: the patient's text stays text; findings are boxed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.record.pdf import markdown_to_html
from kyphocheck.record.render import escape_markdown
from tests.helpers import record_folders

runner = CliRunner()


def test_raw_html_in_markdown_is_not_passed_on() -> None:
    html = markdown_to_html("Hello <script>alert(1)</script> <b>x</b>")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_escaped_patient_text_is_plain_text_in_html() -> None:
    html = markdown_to_html("Name: " + escape_markdown("{{ 7*7 }} <b>x</b> **y**"))
    assert "<b>" not in html and "<strong>" not in html
    assert "{{ 7*7 }} &lt;b&gt;x&lt;/b&gt; **y**" in html


def test_findings_are_boxed_by_severity() -> None:
    html = markdown_to_html("### STOP (1)\n\n- **No driver.**\n\n### INFO (0)\n\nNone.\n")
    assert '<h3 class="severity severity-stop">' in html
    assert '<ul class="severity severity-stop short">' in html
    assert '<p class="severity severity-info">' in html


def test_tables_render() -> None:
    assert "<table>" in markdown_to_html("| a | b |\n|---|---|\n| 1 | 2 |\n")


def test_a_row_that_titles_the_rows_after_it_is_a_section() -> None:
    html = markdown_to_html("| Q | A |\n|---|---|\n| **Fasting** | |\n| Last food? | 22:00 |\n")
    assert html.count('<tr class="section">') == 1
    assert '<tr class="section">\n<td><strong>Fasting</strong></td>' in html


def test_weasyprint_loads_without_running_programs_and_with_harfbuzz_subset() -> None:
    # In a fresh interpreter: WeasyPrint is imported once per process.
    code = """
import ctypes.util, subprocess, sys
started = []
real_init = subprocess.Popen.__init__
def spy(self, args, *rest, **kwargs):
    started.append(args)
    real_init(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = spy
search = ctypes.util.find_library
from kyphocheck.record.pdf import preload_pdf
preload_pdf()
from weasyprint.text import ffi
from tests.helpers import record_folders
print(started, ffi.harfbuzz_subset is not None, ctypes.util.find_library is search)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    if sys.platform.startswith("linux"):
        assert result.stdout.split() == ["[]", "True", "True"], result.stdout + result.stderr


def _body_text_size(pdf: Path) -> float:
    """The usual font size on page 1, from word heights (DejaVu Sans: 1.164 em ascent+descent)."""
    import re
    import statistics

    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    heights = [
        float(bottom) - float(top)
        for top, bottom in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)
    ]
    return statistics.median(heights) / 1.164


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_take_home_is_12_pt_and_16_pt_in_large_print(tmp_path: Path) -> None:
    from tests.conftest import EXAMPLE, NOW_TEXT

    sizes = {}
    for name, extra in (("normal", []), ("large", ["--large-print"])):
        out = tmp_path / name
        result = runner.invoke(
            app,
            ["run", "--answers", str(EXAMPLE), "--non-interactive", "--no-sign"]
            + ["--now", NOW_TEXT, "--out", str(out), *extra],
        )
        assert result.exit_code == 0, result.output
        folder = record_folders(out)[0]
        record = json.loads((folder / "record.json").read_text())
        assert record["patient"]["large_print"] is (name == "large")
        sizes[name] = _body_text_size(folder / "take-home.pdf")
    assert 11.9 <= sizes["normal"] < 13
    assert 15.9 <= sizes["large"] < 17.5


@pytest.mark.parametrize(
    ("language", "large_print", "golden_name"),
    [
        ("en", True, "example-take-home.large-print.html"),
        ("es", False, "example-take-home.es.html"),
    ],
)
def test_golden_sheet_pages(
    tmp_path: Path, language: str, large_print: bool, golden_name: str
) -> None:
    """The HTML a sheet is printed from: layout, words of the frame, large print class."""
    import os
    import re

    from kyphocheck.intake.prepare import prepare
    from kyphocheck.record.pdf import page_html
    from kyphocheck.record.pipeline import start_record
    from kyphocheck.site.folder import Site
    from kyphocheck.times import Clock
    from tests.conftest import NOW, example_data, write_answers

    data = example_data()
    data["patient"]["language"] = language
    data["patient"]["large_print"] = large_print
    site, clock = Site.open(None), Clock(NOW, fixed=True)
    draft = start_record(site, prepare(site, write_answers(tmp_path, data), clock), clock)
    [request] = dict(draft.pdf_jobs)["take-home"].args
    html = page_html(request)
    assert "html.large-print { font-size: 16pt" in html  # the stylesheet is inlined...
    html = re.sub(r"<style>.*</style>", "<style>(print.css)</style>", html, flags=re.S)  # ...once
    golden = Path(__file__).parent / "golden" / golden_name
    if os.environ.get("KYPHOCHECK_UPDATE_GOLDEN"):
        golden.write_text(html)
    assert html == golden.read_text(), "regenerate with KYPHOCHECK_UPDATE_GOLDEN=1 if intended"
    assert ('class="unsigned take-home large-print"' in html) is large_print
    assert f'<html lang="{language}"' in html


def test_a_record_and_check_pdf_ask_for_the_same_documents(tmp_path: Path) -> None:
    """check --pdf prints what a record prints: one factory titles both."""
    from kyphocheck.intake.prepare import prepare
    from kyphocheck.record import pipeline
    from kyphocheck.record.pdf import PdfRequest
    from kyphocheck.site.folder import Site
    from kyphocheck.sitecheck import checks
    from kyphocheck.times import Clock
    from tests.conftest import EXAMPLE, NOW

    site, clock = Site.open(None), Clock(NOW, fixed=True)
    draft = pipeline.start_record(site, prepare(site, EXAMPLE, clock), clock)
    made = {kind: job.args[0] for kind, job in draft.pdf_jobs}
    assert all(isinstance(r, PdfRequest) for r in made.values())
    assert made["summary"].title == draft.record["checklist"]["title"]
    assert made["take-home"].title.startswith("Your ") and made["take-home"].kind == "take-home"

    printing: list[checks._Printing] = []
    report = checks.CheckReport(site="(defaults)")
    checks._check_everything(site, NOW, report, printing)
    example = [p for p in printing if p.fixture.endswith("example-patient.yaml")]
    titles = {p.request.kind: p.request.title for p in example}
    assert titles == {kind: request.title for kind, request in made.items()}


def test_a_clock_time_and_its_half_of_the_day_are_never_parted() -> None:
    """ "8:30 a. m." once printed "8:30 a." at a line's end and "m." on the next."""
    html = markdown_to_html("Llegue a las 8:30 a. m. o 1:00 p. m.; arrive at 7:30 AM, not 9 PM.")
    assert "8:30\u00a0a.\u00a0m. o 1:00\u00a0p.\u00a0m." in html
    assert "7:30\u00a0AM, not 9\u00a0PM." in html
    assert markdown_to_html("AM radio, 5 PMs") == "<p>AM radio, 5 PMs</p>\n"


def test_a_short_list_stays_with_the_sentences_around_it() -> None:
    """The 911 signs were split over two pages, "Do not wait." alone on the next."""
    text = (
        "**Call 911** if you have:\n\n- Chest pain.\n- Leg weakness.\n\nDo not wait.\n\n"
        "Stop these:\n\n" + "".join(f"- Medicine {n}.\n" for n in range(6)) + "\nA note.\n"
    )
    html = markdown_to_html(text)
    assert (
        '<p class="lead-in"><strong>Call 911</strong> if you have:</p>\n<ul class="short">' in html
    )
    assert '<p class="after-list">Do not wait.</p>' in html
    assert '<p class="lead-in">Stop these:</p>\n<ul>' in html  # six items may break
    assert '<p class="after-list">A note.</p>' in html
