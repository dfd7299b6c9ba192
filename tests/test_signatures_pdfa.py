"""Signed PDFs stay PDF/A-3 (PDF 1.7, metadata agreeing) and tagged, read back by outsiders' tools.

pyHanko's incremental update once made every ECDSA-signed PDF a PDF 2.0 (the ISO/TS 32002
extension) with an Info /Producer that disagreed with the XMP; signatures/pdfa.py keeps 1.7.
The files are checked by reading them back (pikepdf, qpdf, poppler), never by trusting the writer.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from tests.conftest import NOW_TEXT, example_data, write_answers
from tests.helpers import record_folders

runner = CliRunner()
needs = {tool: shutil.which(tool) is None for tool in ("qpdf", "pdfsig", "pdfinfo")}


CASES = {"en": {}, "es": {"language": "es"}, "large": {"large_print": True}}


@pytest.fixture(params=list(CASES))
def record(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    """A signed record of the example in English, Spanish or English large print."""
    data = example_data()
    data["patient"].update(CASES[request.param])
    answers = write_answers(tmp_path, data)
    out = tmp_path / "out"
    args = ["run", "--answers", str(answers), "--non-interactive", "--now", NOW_TEXT]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    [folder] = record_folders(out)
    return request.param, folder


def documents(record: tuple[str, Path]) -> list[tuple[str, Path]]:
    name, folder = record
    return [(name, folder / f"{kind}.pdf") for kind in ("summary", "take-home")]


def structure(pdf: pikepdf.Pdf) -> list[str]:
    """The structure elements' types, in document order."""
    seen: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                seen.append(str(node.S))
            if "/K" in node:
                walk(node.K)
        elif isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)

    walk(pdf.Root.StructTreeRoot)
    return seen


def test_signed_pdfs_stay_pdf_1_7_with_agreeing_metadata(record: tuple[str, Path]) -> None:
    for name, path in documents(record):
        assert path.read_bytes().startswith(b"%PDF-1.7\n"), (name, path.name)
        with pikepdf.open(path) as pdf:
            assert pdf.pdf_version == "1.7"
            assert str(pdf.Root.get("/Version", "/1.7")) == "/1.7"
            extensions = pdf.Root.get("/Extensions", {})
            assert all(str(e.BaseVersion) <= "/1.7" for e in extensions.values()), extensions
            meta = pdf.open_metadata()
            assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "A"
            assert str(pdf.docinfo["/Producer"]) == meta["pdf:Producer"]
            # One modification time in both (Info's D:YYYYMMDDHHmmSSZ, the XMP's ISO 8601).
            modified = str(pdf.docinfo["/ModDate"])
            iso = meta["xmp:ModifyDate"]
            assert modified[2:16] == iso[:19].replace("-", "").replace(":", "").replace("T", "")


@pytest.mark.skipif(needs["pdfinfo"], reason="needs poppler-utils")
def test_pdfs_are_tagged_in_their_language_with_headings(record: tuple[str, Path]) -> None:
    for name, path in documents(record):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        assert "Tagged:          yes" in info.stdout, (name, path.name)
        with pikepdf.open(path) as pdf:
            # The summary is for staff, in English; the sheet in the patient's language.
            spanish = name == "es" and path.name == "take-home.pdf"
            assert str(pdf.Root.Lang) == ("es" if spanish else "en")
            elements = structure(pdf)
            assert elements.count("/H1") == 1 and "/H2" in elements, (name, path.name)
    # Read in order: the sheet's title, then its plan, then the parts that follow.
    with pikepdf.open(record[1] / "take-home.pdf") as pdf:
        elements = structure(pdf)
    assert elements.index("/H1") < elements.index("/Table") < elements.index("/H2")


@pytest.mark.skipif(needs["qpdf"] or needs["pdfsig"], reason="needs qpdf and poppler-utils")
def test_outsiders_tools_find_the_structure_clean_and_the_signature_whole(
    record: tuple[str, Path],
) -> None:
    for name, path in documents(record):
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, (name, path.name, check.stdout, check.stderr)
        assert "No syntax or stream encoding errors found" in check.stdout
        sig = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
        assert "Signature is Valid" in sig.stdout, (name, path.name, sig.stdout)
        assert "Total document signed" in sig.stdout
        record = json.loads((path.parent / "record.json").read_text())
        assert record["signature"]["signer"]["name"] in sig.stdout


def test_a_signature_that_would_need_pdf_2_0_is_refused() -> None:
    """An extension of a later PDF version is never written quietly into a PDF/A-3."""
    from pyhanko.pdf_utils.extensions import DeveloperExtension
    from pyhanko.pdf_utils.generic import NameObject

    from kyphocheck.signatures.identity import SignerError
    from kyphocheck.signatures.pdfa import PdfA3Writer

    blank = pikepdf.new()
    blank.add_blank_page()
    buffer = io.BytesIO()
    blank.save(buffer)
    writer = PdfA3Writer(buffer.getvalue(), ecdsa=True)
    later = DeveloperExtension(
        prefix_name=NameObject("/ISO_"), base_version=NameObject("/2.0"), extension_level=99
    )
    with pytest.raises(SignerError, match="must stay PDF 1.7"):
        writer.register_extension(later)
