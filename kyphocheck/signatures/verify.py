"""Verifying signed files as an auditor would, months later: CMS beside a file, PAdES in a PDF.

Every check is a row (file, check, result). Any exception from a library is a failed check with
its reason, never a traceback; the command passes only when every row passed. A signature
passes only when its cryptography holds, its signer is trusted, and its container holds
nothing kyphocheck would not have written (structure.py): any change to any byte fails.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyphocheck.signatures.sign import FIELD_PREFIX
from kyphocheck.signatures.structure import (
    byte_range_of,
    der_problems,
    fingerprint,
    pdf_contents_problems,
    signed_data_problems,
)


@dataclass(frozen=True)
class Check:
    """One verification result."""

    file: str
    check: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class SignerSeen:
    """Who signed a file: the certificate's fingerprint and its common name."""

    fingerprint: str
    name: str


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


@dataclass
class Verifier:
    """Checks files against a set of trusted certificates, collecting a row per check."""

    trusted: list[Any]
    results: list[Check] = field(default_factory=list)
    signers: list[SignerSeen] = field(default_factory=list)
    context: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        import logging

        from pyhanko_certvalidator import ValidationContext

        # pyHanko logs every failed validation with a traceback; here a failure is a result.
        for name in ("pyhanko", "pyhanko_certvalidator"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        self.context = ValidationContext(trust_roots=self.trusted, allow_fetching=False)

    def add(self, file: Path, check: str, ok: bool, detail: str = "") -> None:
        """Record one result."""
        self.results.append(Check(file.name, check, ok, detail))

    # -- detached CMS (Markdown files and record.json) -------------------------------------------

    def detached(self, path: Path) -> None:
        """A file against its detached CMS signature (`path` + .p7s)."""
        signature = path.with_name(path.name + ".p7s")
        if not signature.is_file():
            self.add(path, "CMS signature", False, f"{signature.name} is missing")
            return
        if not path.is_file():
            self.add(path, "CMS signature", False, f"{path.name} is missing")
            return
        try:
            from asn1crypto import cms
            from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

            der = signature.read_bytes()
            content = cms.ContentInfo.load(der)
            if content["content_type"].native != "signed_data" or content.dump() != der:
                raise ValueError("not a DER CMS SignedData")
            signed_data = content["content"]
            parse_problems = der_problems(der)
            status = asyncio.run(
                async_validate_detached_cms(
                    path.read_bytes(), signed_data, signer_validation_context=self.context
                )
            )
        except Exception as exc:  # noqa: BLE001 - any library failure is a failed check
            self.add(path, "CMS signature", False, f"cannot be checked: {exc}")
            return
        self._signature_result(path, "CMS signature", status, signed_data, parse_problems)

    # -- PDF --------------------------------------------------------------------------------

    def pdf(self, path: Path, record_json: bytes | None, role: str | None = None) -> None:
        """A PDF's signature, its coverage, its role, and the record.json it carries."""
        data = path.read_bytes()
        try:
            from asn1crypto import cms
            from pyhanko.pdf_utils.reader import PdfFileReader
            from pyhanko.sign.validation import validate_pdf_signature
            from pyhanko.sign.validation.status import SignatureCoverageLevel

            reader = PdfFileReader(io.BytesIO(data), strict=False)
            signatures = reader.embedded_signatures
            if len(signatures) != 1:
                detail = "the PDF is not signed" if not signatures else "more than one signature"
                self.add(path, "PDF signature", False, detail)
            for embedded in signatures:
                byte_range = byte_range_of(embedded.sig_object)
                gap_problems, der = pdf_contents_problems(data, byte_range)
                gap_problems += der_problems(der) if der else []
                status = validate_pdf_signature(embedded, self.context)
                signed_data = cms.ContentInfo.load(der)["content"] if der else None
                self._signature_result(path, "PDF signature", status, signed_data, gap_problems)
                # pyHanko's bottom line alone does not fail on bytes appended after the
                # signed revision: require the signature to cover the whole file.
                end = byte_range[2] + byte_range[3]
                whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and end == len(data)
                self.add(
                    path,
                    "covers the whole file",
                    whole,
                    "" if whole else f"{len(data) - end} bytes after the signed range",
                )
                if role is not None:
                    signed_as = str(embedded.field_name).removeprefix(FIELD_PREFIX)
                    same = signed_as == role
                    self.add(
                        path,
                        "document role",
                        same,
                        "" if same else f"signed as the {signed_as}, listed as the {role}",
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

    def _signature_result(
        self,
        path: Path,
        check: str,
        status: Any,
        signed_data: Any,
        problems: list[str] | None = None,
    ) -> None:
        problems = list(problems or [])
        if not status.intact:
            problems.append("the signed content was changed")
        if not status.valid:
            problems.append("the signature is not valid")
        if not status.trusted:
            problems.append("the signer is not trusted (use --trust CERT)")
        try:
            signer = status.signing_cert
            seen = fingerprint(signer)
            self.signers.append(SignerSeen(seen, _common_name(signer)))
            path_certs = status.validation_path.iter_certs(True) if status.validation_path else ()
            validated = {fingerprint(c) for c in path_certs}
            if signed_data is None:
                problems.append("the signature container cannot be read")
            else:
                problems += signed_data_problems(signed_data, seen, validated)
        except Exception as exc:  # noqa: BLE001 - any library failure is a failed check
            seen = "?"
            problems.append(f"the signer cannot be read ({exc})")
        detail = "; ".join(problems) if problems else f"signer {seen[:16]}"
        self.add(path, check, not problems, detail)


def _common_name(certificate: Any) -> str:
    """The certificate's common name, as the signing identity's name is."""
    names = certificate.subject.native
    return str(names.get("common_name", ""))


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
