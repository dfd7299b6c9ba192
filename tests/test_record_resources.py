"""What a record's PDF may load: the template folders and data: URLs, and nothing else.

A site's layout that names a file elsewhere (directly or through a symlink) or a network URL
fails the PDF with one line naming the layout and the URL, in `run` and in `check --pdf`; the
site's own stylesheets, fonts and images still load.
"""

from __future__ import annotations

import base64
import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.site.folder import defaults_root
from tests.conftest import EXAMPLE, NOW_TEXT
from tests.helpers import make_site, record_folders

runner = CliRunner()
LAYOUT = "templates/document.html.j2"
NETWORK = "http://127.0.0.1:9/logo.png"  # the discard port: refused at once if ever tried


def png() -> bytes:
    """A 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def site_with_layout(tmp_path: Path, extra: str) -> Path:
    """A site whose layout is the default one with `extra` at the start of the page."""
    layout = (defaults_root() / LAYOUT).read_text().replace("<main>", f"{extra}\n<main>", 1)
    return make_site(tmp_path, {LAYOUT: layout})


def run_in(site: Path, out: Path):
    return runner.invoke(
        app,
        ["run", "--answers", str(EXAMPLE), "--non-interactive", "--no-sign"]
        + ["--now", NOW_TEXT, "--site", str(site), "--out", str(out)],
    )


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("not for the record\n")
    return secret


@pytest.fixture
def greedy_site(tmp_path: Path, outside: Path) -> Path:
    links = f'<a rel="attachment" href="{outside.as_uri()}">notes</a>\n<img src="{NETWORK}" alt="">'
    return site_with_layout(tmp_path, links)


def test_check_pdf_reports_a_layout_that_reaches_outside(greedy_site: Path) -> None:
    result = runner.invoke(app, ["check", str(greedy_site), "--pdf", "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [p for p in json.loads(result.stdout)["problems"] if p["level"] == "error"]
    assert found, result.stdout
    assert {(p["file"], p["check"]) for p in found} == {(LAYOUT, "pdf")}
    assert any(NETWORK in p["message"] or "secret.txt" in p["message"] for p in found)
    assert all("refused" in p["message"] for p in found)


def test_run_fails_with_one_line_and_writes_nothing(greedy_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_in(greedy_site, out)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert LAYOUT in result.stderr and "refused" in result.stderr
    assert NETWORK in result.stderr or "secret.txt" in result.stderr
    assert not out.exists()


def test_an_attachment_outside_is_refused_alone(
    tmp_path: Path, outside: Path
) -> None:  # the file: URL by itself, which WeasyPrint would attach without complaint
    site = site_with_layout(tmp_path, f'<a rel="attachment" href="{outside.as_uri()}">x</a>')
    result = run_in(site, tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"{LAYOUT}: {outside.as_uri()}: refused" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_symlink_out_of_the_template_folder_is_refused(tmp_path: Path, outside: Path) -> None:
    site = site_with_layout(tmp_path, '<a rel="attachment" href="notes.txt">x</a>')
    (site / "templates" / "notes.txt").symlink_to(outside)
    result = run_in(site, tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "notes.txt: refused, it is outside the template folders" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(shutil.which("pdfimages") is None, reason="needs poppler-utils")
def test_the_sites_own_files_still_load(tmp_path: Path) -> None:
    inline = "data:image/png;base64," + base64.b64encode(png()).decode()
    site = site_with_layout(
        tmp_path,
        '<link rel="stylesheet" href="site.css">\n'
        '<link rel="stylesheet" href="print.css">\n'  # only in the defaults: found there
        '<img src="images/logo.png" alt="">\n'
        f'<img src="{inline}" alt="">\n'
        '<a rel="attachment" href="about.txt">about</a>',
    )
    templates = site / "templates"
    (templates / "images").mkdir()
    (templates / "images" / "logo.png").write_bytes(png())
    (templates / "about.txt").write_text("the site's own note\n")
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
    css = "main { color: #222; }\n"
    if font.is_file():
        shutil.copy(font, templates / "SiteSerif.ttf")
        css = (
            '@font-face { font-family: "Site Serif"; src: url(SiteSerif.ttf); }\n'
            'main { font-family: "Site Serif"; }\n'
        )
    (templates / "site.css").write_text(css)
    out = tmp_path / "out"
    result = run_in(site, out)
    assert result.exit_code == 0, result.output
    pdf = record_folders(out)[0] / "summary.pdf"
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    assert len(images.stdout.splitlines()) - 2 >= 2  # the file and the data: URL
    attached = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True, text=True)
    assert "about.txt" in attached.stdout and "record.json" in attached.stdout
    if font.is_file():
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True)
        assert "Serif" in fonts.stdout
