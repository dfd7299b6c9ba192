"""Forgeries an auditor must catch: every one of them once passed `kyphocheck verify`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from kyphocheck.intake.prepare import prepare
from kyphocheck.record.pipeline import write_record
from kyphocheck.signatures.identity import create_identity, load_identity
from kyphocheck.signatures.record_folder import verify_paths
from kyphocheck.signatures.verify import load_certificates
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests.conftest import EXAMPLE, NOW, PASSPHRASE


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, identity_files: dict[str, bytes]) -> Path:
    folder = tmp_path_factory.mktemp("forgery")
    (folder / "signer.p12").write_bytes(identity_files["signer.p12"])
    (folder / "signer.pem").write_bytes(identity_files["signer.pem"])
    identity = load_identity(PASSPHRASE, folder / "signer.p12")
    site, clock = Site.open(None), Clock(NOW, fixed=True)
    return write_record(site, prepare(site, EXAMPLE, clock), folder / "out", clock, identity).folder


@pytest.fixture
def record(tmp_path: Path, signed: Path) -> Path:
    copy = tmp_path / "record"
    shutil.copytree(signed, copy)
    return copy


def trusted(signed: Path) -> list[object]:
    return load_certificates([signed.parent.parent / "signer.pem"])


def failures(folder: Path, signed: Path) -> list[str]:
    return [
        f"{r.file}: {r.check}: {r.detail}"
        for r in verify_paths([folder], trusted(signed))
        if not r.ok
    ]


def test_the_untouched_record_passes(record: Path, signed: Path) -> None:
    assert failures(record, signed) == []


def test_a_forged_record_fails_once_its_pdfs_are_deleted(record: Path, signed: Path) -> None:
    for pdf in record.glob("*.pdf"):
        pdf.unlink()
    data = json.loads((record / "record.json").read_text())
    data.update(cleared=True, findings=[])
    (record / "record.json").write_text(json.dumps(data))
    failed = failures(record, signed)
    assert any(f.startswith("record.json: CMS signature") for f in failed)
    assert "summary.pdf: part of the record: missing" in failed
    assert "take-home.pdf: part of the record: missing" in failed


@pytest.mark.parametrize("name", ["summary.pdf", "take-home.pdf", "record.json.p7s"])
def test_deleting_one_file_fails(record: Path, signed: Path, name: str) -> None:
    (record / name).unlink()
    assert failures(record, signed)


def test_deleting_a_document_from_the_list_fails(record: Path, signed: Path) -> None:
    data = json.loads((record / "record.json").read_bytes())
    data["documents"] = ["summary"]
    (record / "record.json").write_text(json.dumps(data))
    (record / "take-home.md").unlink()
    assert any("record.json: CMS signature" in f for f in failures(record, signed))


def test_swapping_the_two_pdfs_fails(record: Path, signed: Path) -> None:
    summary, sheet = record / "summary.pdf", record / "take-home.pdf"
    first, second = summary.read_bytes(), sheet.read_bytes()
    summary.write_bytes(second)
    sheet.write_bytes(first)
    failed = failures(record, signed)
    assert "summary.pdf: document role: signed as the take-home, listed as the summary" in failed
    assert "take-home.pdf: document role: signed as the summary, listed as the take-home" in failed


def test_the_signer_named_must_be_the_certificate(tmp_path: Path) -> None:
    """A record by identity B whose record.json says "Dr. A. Patel" fails with --trust B."""
    other = create_identity("Bob Other", "RN", None, NOW)
    site, clock = Site.open(None), Clock(NOW, fixed=True)

    class Impostor:
        def __init__(self) -> None:
            self.key, self.certificate, self.chain = other.key, other.certificate, ()
            self.credentials, self.fingerprint = "MD", other.fingerprint
            self.expires = other.expires

        name = "Dr. A. Patel"

        def check_usable(self, now: object) -> None:
            pass

        def as_record(self, signed_at: object) -> dict[str, object]:
            record = other.as_record(signed_at)  # type: ignore[arg-type]
            record["signer"] = {"name": self.name, "credentials": "MD"}
            return record

        def certificate_pem(self) -> bytes:
            return other.certificate_pem()

    result = write_record(
        site,
        prepare(site, EXAMPLE, clock),
        tmp_path / "out",
        clock,
        Impostor(),  # type: ignore[arg-type]
    )
    pem = tmp_path / "b.pem"
    pem.write_bytes(other.certificate_pem())
    rows = verify_paths([result.folder], load_certificates([pem]))
    failed = [f"{r.check}: {r.detail}" for r in rows if not r.ok]
    assert failed == [
        "signer's name: record.json names 'Dr. A. Patel'; the certificate says 'Bob Other'"
    ]


def _gap(data: bytes) -> tuple[int, int]:
    found = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert found is not None
    return int(found.group(1)), int(found.group(2))


@pytest.mark.parametrize("where", ["padding", "certificate", "case"])
def test_a_byte_changed_inside_the_pdf_signature_contents_fails(
    record: Path, signed: Path, where: str
) -> None:
    path = record / "summary.pdf"
    data = bytearray(path.read_bytes())
    start, end = _gap(bytes(data))
    hex_text = bytes(data[start + 1 : end - 1])
    if where == "padding":
        index = start + 1 + len(hex_text.rstrip(b"0")) + 10  # inside the zeros
        data[index : index + 2] = b"7F"
    elif where == "certificate":
        der = bytes.fromhex(hex_text.decode())
        cert_at = der.find(bytes.fromhex("3082"), 60)  # the first certificate inside SignedData
        index = start + 1 + 2 * (cert_at + 40)
        data[index] = ord("0") if data[index] != ord("0") else ord("1")
    else:
        index = start + 1 + hex_text.index(b"A")  # the same value in lower case
        data[index] = ord("a")
    path.write_bytes(bytes(data))
    assert any(f.startswith("summary.pdf: PDF signature") for f in failures(record, signed))


def _one_file_fails(verifier_files: Path, name: str, trusted_certs: list[object]) -> bool:
    """Whether verify fails for the file a byte was changed in (the check it would reach)."""
    from kyphocheck.signatures.verify import Verifier

    verifier = Verifier(trusted_certs)
    path = verifier_files / name
    if name.endswith(".pdf"):
        verifier.pdf(path, (verifier_files / "record.json").read_bytes(), name[:-4])
    else:
        verifier.detached(verifier_files / name.removesuffix(".p7s"))
    return not all(r.ok for r in verifier.results)


def test_single_byte_tamperings_anywhere_are_caught(record: Path, signed: Path) -> None:
    """A sample of every file; make bench's tamper sweep changes every byte (see README)."""
    import random

    rng = random.Random(20261202)
    certs = trusted(signed)
    names = ["record.json", "record.json.p7s", "summary.md", "summary.md.p7s", "summary.pdf"]
    originals = {n: (record / n).read_bytes() for n in names}
    start, end = _gap(originals["summary.pdf"])
    spots = [(n, rng.randrange(len(originals[n]))) for n in names for _ in range(12)]
    spots += [("summary.pdf", i) for i in range(start, start + 24)]  # the signature's start
    spots += [("summary.pdf", i) for i in range(end - 24, end + 1)]  # padding and its end
    missed = []
    for name, index in spots:
        changed = bytearray(originals[name])
        changed[index] ^= 0x01
        (record / name).write_bytes(bytes(changed))
        if not _one_file_fails(record, name, certs):
            missed.append((name, index))
        (record / name).write_bytes(originals[name])
    assert missed == []
