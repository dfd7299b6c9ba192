"""Trusted timestamps (RFC 3161) from the site's TSA, on every signature, checked by verify.

A real TSA answers on 127.0.0.1 (tests/tsa.py); kyphocheck's client posts to it over HTTP.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pikepdf
import pytest
import time_machine
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.signatures.record_folder import verify_paths
from kyphocheck.signatures.timestamps import token_of
from kyphocheck.signatures.verify import load_certificates
from tests.conftest import EXAMPLE, NOW_TEXT
from tests.helpers import make_site, record_folders
from tests.tsa import local_tsa

runner = CliRunner()
SIGNATURES = ("record.json.p7s", "summary.md.p7s", "take-home.md.p7s")


def site_with(tmp_path: Path, **fields: object) -> Path:
    lines = ["name: Invented Clinic", "clinic_phone: 555-0100", "arrive_minutes_before: 60"]
    lines += ["arrival_place: Main Hospital"]
    lines += [f"{key}: {json.dumps(value)}" for key, value in fields.items()]
    return make_site(tmp_path / "site", {"site.yaml": "\n".join(lines) + "\n"})


def run(site: Path, out: Path) -> object:
    args = ["run", "--answers", str(EXAMPLE), "--non-interactive", "--now", NOW_TEXT]
    return runner.invoke(app, [*args, "--out", str(out), "--site", str(site)])


def trusted(tmp_path: Path, tsa_ca: Path) -> list[object]:
    """What an auditor trusts: the local signer's certificate and the TSA's CA."""
    from kyphocheck.signatures.identity import certificate_path

    signer = tmp_path / "signer.pem"
    shutil.copy(certificate_path(), signer)
    return load_certificates([signer, tsa_ca])


def test_every_signature_carries_a_timestamp_that_verify_reports(tmp_path: Path) -> None:
    from kyphocheck.signatures.identity import certificate_path

    with local_tsa(tmp_path) as tsa:
        result = run(site_with(tmp_path, timestamp_url=tsa.url), tmp_path / "out")
        assert result.exit_code == 0, result.output
        # One request to see that it answers, then one per signature (3 CMS + 2 PDFs).
        assert len(tsa.requests) == 6
    [folder] = record_folders(tmp_path / "out")
    for name in SIGNATURES:
        signed_data = cms.ContentInfo.load((folder / name).read_bytes())["content"]
        assert token_of(signed_data) is not None, name
    openssl = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(folder / "summary.md.p7s"),
            "-content",
            str(folder / "summary.md"),
            "-noverify",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
    )
    assert openssl.returncode == 0, openssl.stderr
    checks = verify_paths([folder], trusted(tmp_path, tsa.ca_pem))
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    signatures = [c for c in checks if "signature" in c.check]
    assert len(signatures) == 5
    # B-LT: each PDF's DSS holds the certificates to validate signer and TSA, and nothing else.
    expected = {certificate_path().read_bytes(), tsa.ca_pem.read_bytes()}
    for pdf in ("summary.pdf", "take-home.pdf"):
        assert dss_certificates(folder / pdf) == expected | {tsa_certificate(folder, pdf)}
        with pikepdf.open(folder / pdf) as document:
            assert document.pdf_version == "1.7"  # still PDF/A-3's version with a DSS
        if shutil.which("qpdf") and shutil.which("pdfsig"):
            qpdf = subprocess.run(["qpdf", "--check", str(folder / pdf)], capture_output=True)
            assert qpdf.returncode == 0, qpdf.stdout
            pdfsig = subprocess.run(["pdfsig", str(folder / pdf)], capture_output=True, text=True)
            assert "Total document signed" in pdfsig.stdout, pdfsig.stdout
    assert all("time proven by Invented TSA at" in c.detail for c in signatures), signatures
    # Ten years on, the signer's certificate long expired: the proven time still holds.
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3653), tick=False):
        later = verify_paths([folder], trusted(tmp_path, tsa.ca_pem))
    assert all(c.ok for c in later), [c for c in later if not c.ok]
    assert any("signed while valid" in c.detail for c in later)


def dss_certificates(pdf: Path) -> set[bytes]:
    """The certificates of a PDF's DSS, as PEM; fails if it holds anything else."""
    with pikepdf.open(pdf) as document:
        dss = document.Root.DSS
        assert set(dss.keys()) == {"/Certs"}, dss.keys()
        return {
            x509.load_der_x509_certificate(stream.read_bytes()).public_bytes(Encoding.PEM)
            for stream in dss.Certs
        }


def tsa_certificate(folder: Path, pdf: str) -> bytes:
    """The TSA's own certificate, as the token in the PDF's signature carries it."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    with (folder / pdf).open("rb") as stream:
        [embedded] = PdfFileReader(stream).embedded_signatures
        token = token_of(embedded.signed_data)
    assert token is not None
    [leaf] = [
        c.chosen
        for c in token["content"]["certificates"]
        if c.chosen.subject.native["common_name"] == "Invented TSA"
    ]
    return x509.load_der_x509_certificate(leaf.dump()).public_bytes(Encoding.PEM)


def test_without_the_tsa_trusted_the_timestamp_fails(tmp_path: Path) -> None:
    from kyphocheck.signatures.identity import certificate_path

    with local_tsa(tmp_path) as tsa:
        assert run(site_with(tmp_path, timestamp_url=tsa.url), tmp_path / "out").exit_code == 0
    [folder] = record_folders(tmp_path / "out")
    checks = verify_paths([folder], load_certificates([certificate_path()]))
    failed = [c for c in checks if not c.ok]
    assert failed and all("time-stamping authority is not trusted" in c.detail for c in failed)


def test_a_changed_timestamp_fails(tmp_path: Path) -> None:
    with local_tsa(tmp_path) as tsa:
        assert run(site_with(tmp_path, timestamp_url=tsa.url), tmp_path / "out").exit_code == 0
    [folder] = record_folders(tmp_path / "out")
    signature = folder / "summary.md.p7s"
    content = cms.ContentInfo.load(signature.read_bytes())
    token = token_of(content["content"])
    tst = token["content"]["encap_content_info"]["content"].parsed
    tst["gen_time"] = tst["gen_time"].native - timedelta(days=400)  # backdated
    token["content"]["encap_content_info"]["content"] = cms.ParsableOctetString(tst.dump())
    signature.write_bytes(content.dump(force=True))
    [check] = [c for c in verify_paths([folder / "summary.md"], trusted(tmp_path, tsa.ca_pem))]
    assert not check.ok and "timestamp" in check.detail, check


def test_a_tsa_that_cannot_be_reached_stops_the_run_before_anything_is_written(
    tmp_path: Path,
) -> None:
    with local_tsa(tmp_path) as tsa:
        url = tsa.url
    out = tmp_path / "out"
    result = run(site_with(tmp_path, timestamp_url=url), out)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: site.yaml: timestamp_url: the time-stamping authority at ")
    assert "cannot be reached" in line
    assert not out.exists() or record_folders(out) == []


def test_a_site_may_allow_signing_without_its_tsa(tmp_path: Path) -> None:
    with local_tsa(tmp_path) as tsa:
        url = tsa.url
    site = site_with(tmp_path, timestamp_url=url, sign_without_timestamp=True)
    result = run(site, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "signed without a timestamp" in result.stderr
    [folder] = record_folders(tmp_path / "out")
    for name in SIGNATURES:
        assert token_of(cms.ContentInfo.load((folder / name).read_bytes())["content"]) is None


@pytest.mark.parametrize("url", ["ftp://tsa.example", "not a url"])
def test_a_bad_timestamp_url_is_one_line(tmp_path: Path, url: str) -> None:
    result = run(site_with(tmp_path, timestamp_url=url), tmp_path / "out")
    assert result.exit_code == 2
    assert "timestamp_url" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def rewrite_pdf_signature(pdf: Path, change: Callable[[cms.ContentInfo], None]) -> None:
    """Change the CMS in a PDF's /Contents in place, keeping its length (the byte range)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = pdf.read_bytes()
    with pdf.open("rb") as stream:
        [embedded] = PdfFileReader(stream).embedded_signatures
        _, start, end, _ = (int(n) for n in embedded.sig_object["/ByteRange"])
    content = cms.ContentInfo.load(bytes.fromhex(data[start + 1 : end - 1].decode()), strict=False)
    change(content)
    new = content.dump(force=True).hex().upper().encode()
    assert len(new) <= end - start - 2
    pdf.write_bytes(data[: start + 1] + new.ljust(end - start - 2, b"0") + data[end - 1 :])


def strip_token(content: cms.ContentInfo) -> None:
    del content["content"]["signer_infos"][0]["unsigned_attrs"]


def backdate_token(content: cms.ContentInfo) -> None:
    token = token_of(content["content"])
    tst = token["content"]["encap_content_info"]["content"].parsed
    tst["gen_time"] = tst["gen_time"].native - timedelta(days=400)
    token["content"]["encap_content_info"]["content"] = cms.ParsableOctetString(tst.dump())


def test_a_timestamp_changed_or_removed_anywhere_fails(tmp_path: Path) -> None:
    """Removing a token leaves the signature valid: record.json says there was one."""
    with local_tsa(tmp_path) as tsa:
        assert run(site_with(tmp_path, timestamp_url=tsa.url), tmp_path / "out").exit_code == 0
    [signed] = record_folders(tmp_path / "out")
    record = json.loads((signed / "record.json").read_text())
    assert record["signature"]["timestamp_url"] == tsa.url
    untouched = verify_paths([signed], trusted(tmp_path, tsa.ca_pem))
    assert all(c.ok for c in untouched), [c for c in untouched if not c.ok]
    assert any(c.check == "timestamps" and c.ok for c in untouched)

    def failures(name: str, change: Callable[[cms.ContentInfo], None]) -> list[str]:
        folder = tmp_path / f"{name}-{change.__name__}"
        shutil.copytree(signed, folder)
        if name.endswith(".pdf"):
            rewrite_pdf_signature(folder / name, change)
        else:
            content = cms.ContentInfo.load((folder / name).read_bytes())
            change(content)
            (folder / name).write_bytes(content.dump(force=True))
        checks = verify_paths([folder], trusted(tmp_path, tsa.ca_pem))
        return [f"{c.file}: {c.check}: {c.detail}" for c in checks if not c.ok]

    # record.json.p7s and the PDFs are not among the hashes record.json lists: only the
    # timestamp rules catch these.
    for name in ("record.json.p7s", "summary.pdf"):
        stripped = failures(name, strip_token)
        assert stripped == [
            "record.json: timestamps: record.json says every signature is timestamped; "
            "1 carry no timestamp"
        ], stripped
        backdated = failures(name, backdate_token)
        assert backdated and all("timestamp is not valid" in f for f in backdated), backdated
