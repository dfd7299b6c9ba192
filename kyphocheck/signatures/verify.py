"""Verifying a record folder or single files, as an auditor would, months later.

Every check is a row (file, check, result). Any exception from a library is a failed check with
its reason, never a traceback; the command passes only when every row passed.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Check:
    """One verification result."""

    file: str
    check: str
    ok: bool
    detail: str = ""


def load_certificates(paths: list[Path]) -> list[Any]:
    """Certificates (PEM or DER) as asn1crypto objects, for pyHanko's trust roots."""
    from asn1crypto import pem, x509

    certificates = []
    for path in paths:
        data = path.read_bytes()
        if pem.detect(data):
            certificates += [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, True)]
        else:
            certificates.append(x509.Certificate.load(data))
    return certificates


class Verifier:
    """Checks files against a set of trusted certificates."""

    def __init__(self, trusted: list[Any]) -> None:
        import logging

        from pyhanko_certvalidator import ValidationContext

        # pyHanko logs every failed validation with a traceback; here a failure is a result.
        for name in ("pyhanko", "pyhanko_certvalidator"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)

        self.trusted = trusted
        self.context = ValidationContext(trust_roots=trusted, allow_fetching=False)
        self.results: list[Check] = []
        self.signers: set[str] = set()

    def add(self, file: Path, check: str, ok: bool, detail: str = "") -> None:
        """Record one result."""
        self.results.append(Check(file.name, check, ok, detail))

    # -- Markdown ---------------------------------------------------------------------------

    def markdown(self, path: Path) -> None:
        """A Markdown file against its detached CMS signature (.p7s)."""
        signature = path.with_name(path.name + ".p7s")
        if not signature.is_file():
            self.add(path, "CMS signature", False, f"{signature.name} is missing")
            return
        try:
            from asn1crypto import cms
            from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

            content = cms.ContentInfo.load(signature.read_bytes())
            signed_data = content["content"]
            status = asyncio.run(
                async_validate_detached_cms(
                    path.read_bytes(), signed_data, signer_validation_context=self.context
                )
            )
        except Exception as exc:  # noqa: BLE001 - any library failure is a failed check
            self.add(path, "CMS signature", False, f"cannot be checked: {exc}")
            return
        self._signature_result(path, "CMS signature", status)

    # -- PDF --------------------------------------------------------------------------------

    def pdf(self, path: Path, record_json: bytes | None) -> None:
        """A PDF's signature, its coverage, and the record.json it carries."""
        data = path.read_bytes()
        try:
            from pyhanko.pdf_utils.reader import PdfFileReader
            from pyhanko.sign.validation import validate_pdf_signature
            from pyhanko.sign.validation.status import SignatureCoverageLevel

            reader = PdfFileReader(io.BytesIO(data), strict=False)
            signatures = reader.embedded_signatures
            if not signatures:
                self.add(path, "PDF signature", False, "the PDF is not signed")
            for embedded in signatures:
                status = validate_pdf_signature(embedded, self.context)
                self._signature_result(path, "PDF signature", status)
                # pyHanko's bottom line alone does not fail on bytes appended after the
                # signed revision: require the signature to cover the whole file.
                byte_range = list(embedded.sig_object["/ByteRange"])
                end = byte_range[2] + byte_range[3]
                whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and end == len(data)
                self.add(
                    path,
                    "covers the whole file",
                    whole,
                    "" if whole else f"{len(data) - end} bytes after the signed range",
                )
            attached = _attached_record(reader)
        except Exception as exc:  # noqa: BLE001 - any library failure is a failed check
            self.add(path, "PDF signature", False, f"cannot be checked: {exc}")
            return
        if record_json is not None:
            same = attached == record_json
            self.add(
                path,
                "attached record.json",
                same,
                ""
                if same
                else (
                    "no record.json attached" if attached is None else "differs from the folder's"
                ),
            )

    def _signature_result(self, path: Path, check: str, status: Any) -> None:
        problems = []
        if not status.intact:
            problems.append("the signed content was changed")
        if not status.valid:
            problems.append("the signature is not valid")
        if not status.trusted:
            problems.append("the signer is not trusted (use --trust CERT)")
        try:
            fingerprint = hashlib.sha256(status.signing_cert.dump()).hexdigest()
            self.signers.add(fingerprint)
        except Exception:  # noqa: BLE001
            fingerprint = "?"
        detail = "; ".join(problems) if problems else f"signer {fingerprint[:16]}"
        self.add(path, check, not problems, detail)

    # -- the folder -------------------------------------------------------------------------

    def folder(self, folder: Path) -> None:
        """Every file of a record folder, and the hashes and signer that record.json lists."""
        record_path = folder / "record.json"
        if not record_path.is_file():
            self.add(folder, "record.json", False, "missing: not a record folder")
            return
        record_json = record_path.read_bytes()
        try:
            record = json.loads(record_json)
        except ValueError as exc:
            self.add(record_path, "record.json", False, f"not valid JSON: {exc}")
            return
        if record.get("signature") is None:
            self.add(record_path, "signed", False, "an UNSIGNED draft record")
        listed: dict[str, str] = record.get("files") or {}
        for name, digest in sorted(listed.items()):
            path = folder / name
            if not path.is_file():
                self.add(path, "listed in record.json", False, "missing")
                continue
            actual = hashlib.sha256(path.read_bytes()).hexdigest()
            self.add(
                path, "SHA-256 as listed", actual == digest, "" if actual == digest else "changed"
            )
        for path in sorted(folder.iterdir()):
            if path.suffix == ".md":
                self.markdown(path)
            elif path.suffix == ".pdf":
                self.pdf(path, record_json)
            elif path.name != "record.json" and path.name not in listed:
                self.add(path, "part of the record", False, "not listed in record.json")
        expected = (record.get("signature") or {}).get("certificate_sha256")
        if expected is not None:
            same = self.signers == {expected}
            self.add(
                record_path,
                "signer as recorded",
                same,
                ""
                if same
                else "the files were signed by another certificate than record.json names",
            )


def _attached_record(reader: Any) -> bytes | None:
    """The bytes of the record.json attached to a PDF, if any."""
    names = reader.root.get("/Names")
    if names is None or "/EmbeddedFiles" not in names:
        return None
    entries = list(names["/EmbeddedFiles"].get("/Names", []))
    for name, spec in zip(entries[::2], entries[1::2], strict=False):
        if str(name) == "record.json":
            stream = spec.get_object()["/EF"]["/F"].get_object()
            return bytes(stream.data)
    return None


def verify_paths(paths: list[Path], trusted: list[Any]) -> list[Check]:
    """Verify record folders and single files."""
    verifier = Verifier(trusted)
    for path in paths:
        if path.is_dir():
            verifier.folder(path)
        elif not path.exists():
            verifier.add(path, "exists", False, "no such file or folder")
        elif path.suffix == ".md":
            verifier.markdown(path)
        elif path.suffix == ".pdf":
            sibling = path.with_name("record.json")
            verifier.pdf(path, sibling.read_bytes() if sibling.is_file() else None)
        elif path.name.endswith(".p7s"):
            verifier.markdown(path.with_name(path.name.removesuffix(".p7s")))
        else:
            verifier.add(path, "kind", False, "not a record folder, .md, .p7s or .pdf")
    return verifier.results
