"""Signed records and `kyphocheck verify`, checked with our tool and with outsiders' tools."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.intake.prepare import prepare
from kyphocheck.record.pipeline import write_record
from kyphocheck.signatures.identity import create_identity, load_identity
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests.conftest import EXAMPLE, NOW, PASSPHRASE
from tests.helpers import record_folders

runner = CliRunner()
FILES = [
    "record.json",
    "record.json.p7s",
    "summary.md",
    "summary.md.p7s",
    "summary.pdf",
    "take-home.md",
    "take-home.md.p7s",
    "take-home.pdf",
]


@pytest.fixture(scope="module")
def signed_record(
    tmp_path_factory: pytest.TempPathFactory, identity_files: dict[str, bytes]
) -> Path:
    folder = tmp_path_factory.mktemp("signed")
    (folder / "signer.p12").write_bytes(identity_files["signer.p12"])
    identity = load_identity(PASSPHRASE, folder / "signer.p12")
    site, clock = Site.open(None), Clock(NOW, fixed=True)
    result = write_record(site, prepare(site, EXAMPLE, clock), folder / "out", clock, identity)
    return result.folder


@pytest.fixture
def record(tmp_path: Path, signed_record: Path) -> Path:
    copy = tmp_path / "record"
    shutil.copytree(signed_record, copy)
    return copy


def verify(*args: str):
    return runner.invoke(app, ["verify", *args])


def failed_rows(output: str) -> list[str]:
    return [line for line in output.splitlines() if "FAIL" in line]


def test_signed_record_has_every_file_and_passes(record: Path) -> None:
    assert sorted(p.name for p in record.iterdir()) == FILES
    result = verify(str(record))
    assert result.exit_code == 0, result.output
    assert "All checks passed." in result.stdout
    data = json.loads((record / "record.json").read_text())
    assert data["signature"]["signer"] == {"name": "Jane Doe", "credentials": "RN"}
    assert set(data["files"]) == {
        "summary.md",
        "summary.md.p7s",
        "take-home.md",
        "take-home.md.p7s",
    }


@pytest.mark.parametrize("name", FILES)
def test_one_changed_byte_in_any_file_fails_naming_it(record: Path, name: str) -> None:
    path = record / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = verify(str(record))
    assert result.exit_code == 1
    # A changed signature file is reported on the file it signs ("record.json: CMS signature").
    signed = name.removesuffix(".p7s")
    assert any(
        row.split("│")[1].strip() == name
        or name in row
        or (row.split("│")[1].strip() == signed and "CMS signature" in row)
        for row in failed_rows(result.stdout)
    ), result.stdout


def test_bytes_appended_to_a_pdf_fail(record: Path) -> None:
    with (record / "summary.pdf").open("ab") as handle:
        handle.write(b"\n% appended after signing\n")
    result = verify(str(record))
    assert result.exit_code == 1
    assert any(
        "summary.pdf" in r and "covers the whole file" in r for r in failed_rows(result.stdout)
    )


def test_another_signers_signature_fails(record: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from kyphocheck.signatures.sign import sign_detached_cms

    other = create_identity("Mallory Example", "RN", None, NOW - timedelta(days=1))
    data = (record / "summary.md").read_bytes()
    (record / "summary.md.p7s").write_bytes(sign_detached_cms(data, other))
    anchor = record.parent / "mallory.pem"
    anchor.write_bytes(other.certificate.public_bytes(Encoding.PEM))
    # Even when Mallory is trusted, the record names another signer and lists another hash.
    result = verify(str(record), "--trust", str(anchor))
    assert result.exit_code == 1
    rows = failed_rows(result.stdout)
    assert any("summary.md.p7s" in r and "SHA-256" in r for r in rows)
    assert any("signer as recorded" in r for r in rows)


def test_untrusted_signer_fails_until_trusted(record: Path, tmp_path: Path) -> None:
    pem = tmp_path / "xdg-config" / "kyphocheck" / "signer.pem"
    trusted = tmp_path / "jane.pem"
    shutil.move(pem, trusted)
    result = verify(str(record))
    assert result.exit_code == 1
    assert "the signer is not trusted (use --trust CERT)" in result.stdout
    assert verify(str(record), "--trust", str(trusted)).exit_code == 0


def test_extra_file_in_the_folder_fails(record: Path) -> None:
    (record / "notes.txt").write_text("added later")
    result = verify(str(record))
    assert result.exit_code == 1
    assert any("notes.txt" in r for r in failed_rows(result.stdout))


def test_single_files(record: Path) -> None:
    assert verify(str(record / "summary.pdf"), str(record / "take-home.md")).exit_code == 0
    assert verify(str(record / "nope.pdf")).exit_code == 1


def unsigned_record(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    args = ["run", "--answers", str(EXAMPLE), "--non-interactive", "--no-sign"]
    runner.invoke(app, [*args, "--now", NOW.isoformat(), "--out", str(out)])
    return record_folders(out)[0]


def test_unsigned_record_fails_verification(tmp_path: Path) -> None:
    result = verify(str(unsigned_record(tmp_path)))
    assert result.exit_code == 1
    assert "an UNSIGNED draft record" in result.stdout


def test_library_errors_are_results_not_tracebacks(record: Path) -> None:
    (record / "summary.pdf").write_bytes(b"not a pdf at all")
    result = verify(str(record))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert any("summary.pdf" in r and "cannot be checked" in r for r in failed_rows(result.stdout))


# -- outsiders' tools -------------------------------------------------------------------------


def test_openssl_accepts_the_markdown_signatures(
    record: Path, identity_files: dict[str, bytes]
) -> None:
    ca = record.parent / "signer.pem"
    ca.write_bytes(identity_files["signer.pem"])
    for name in ("summary.md", "take-home.md"):
        result = subprocess.run(
            [
                "openssl",
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                f"{name}.p7s",
                "-content",
                name,
                "-CAfile",
                str(ca),
                "-out",
                "/dev/null",
            ],
            cwd=record,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert "Verification successful" in result.stderr


def test_pdfdetach_extracts_record_json_byte_identical(record: Path, tmp_path: Path) -> None:
    for name in ("summary.pdf", "take-home.pdf"):
        target = tmp_path / f"{name}.json"
        subprocess.run(
            ["pdfdetach", "-save", "1", "-o", str(target), str(record / name)],
            check=True,
            capture_output=True,
        )
        assert target.read_bytes() == (record / "record.json").read_bytes()


def test_pdf_text_metadata_and_pages(record: Path) -> None:
    text = subprocess.run(
        ["pdftotext", str(record / "summary.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Maria Lopez" in text and "00482913" in text
    findings = json.loads((record / "record.json").read_text())["findings"]
    flat = " ".join(text.split())
    for finding in findings:
        assert " ".join(finding["message"].split()[:6]) in flat
    assert "Signed electronically by Jane Doe, RN" in flat
    info = subprocess.run(
        ["pdfinfo", "-meta", str(record / "summary.pdf")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert 'pdfaid:part="3"' in info and 'pdfaid:conformance="A"' in info
    pages = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(record / "take-home.pdf")],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    assert 1 <= pages <= 3


def test_unsigned_pdf_says_so_on_every_page(tmp_path: Path) -> None:
    pdf = unsigned_record(tmp_path) / "summary.pdf"
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) >= 2
    assert all("UNSIGNED DRAFT" in page for page in pages)
