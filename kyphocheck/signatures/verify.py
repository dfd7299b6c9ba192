"""Verifying signed files as an auditor would, months later: CMS beside a file, PAdES in a PDF.

Every check is a row (file, check, result). Any exception from a library is a failed check with
its reason, never a traceback; the command passes only when every row passed. A signature
passes only when its cryptography holds, its signer is trusted, and its container holds
nothing kyphocheck would not have written (structure.py): any change to any byte fails.

Certificates are judged at the signing time, not today (records are kept for years): a
signature made while its certificate was valid still verifies after the certificate expires,
and says so; one made outside the validity fails, a self-signed signer trusted directly too.
The time is the signer's own claim (CMS signingTime, or the PDF signature's /M) and the
result says it is not proven.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    timestamped: bool = False  # the signature carries a timestamp token


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

    def __post_init__(self) -> None:
        import logging

        # pyHanko logs every failed validation with a traceback; here a failure is a result.
        for name in ("pyhanko", "pyhanko_certvalidator"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)

    def context_at(self, moment: datetime | None) -> Any:
        """A validation context that judges certificates at `moment`, the signing time.

        Records are kept for years: a certificate that has expired since is judged by whether it
        was valid when it signed, not today. Without a signing time, today.
        """
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(trust_roots=self.trusted, allow_fetching=False, moment=moment)

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
            proven = _proven_time(signed_data)
            moment = proven[0] if proven else _claimed_signing_time(signed_data)
            context = self.context_at(moment)
            status = asyncio.run(
                async_validate_detached_cms(
                    path.read_bytes(),
                    signed_data,
                    signer_validation_context=context,
                    ts_validation_context=context,
                )
            )
        except Exception as exc:  # noqa: BLE001 - any library failure is a failed check
            self.add(path, "CMS signature", False, f"cannot be checked: {exc}")
            return
        self._signature_result(
            path, "CMS signature", status, signed_data, parse_problems, moment, proven
        )

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
                signed_data = cms.ContentInfo.load(der)["content"] if der else None
                proven = _proven_time(signed_data) if signed_data else None
                # PAdES keeps the signer's time in the signature dictionary (/M), not in the CMS.
                moment = proven[0] if proven else embedded.self_reported_timestamp
                context = self.context_at(moment)
                status = validate_pdf_signature(embedded, context, ts_validation_context=context)
                self._signature_result(
                    path, "PDF signature", status, signed_data, gap_problems, moment, proven
                )
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
        signed_at: datetime | None = None,
        proven: tuple[datetime, str] | None = None,
    ) -> None:
        problems = list(problems or [])
        notes: list[str] = []
        if proven is not None:
            problems += _timestamp_problems(status)
        if not status.intact:
            problems.append("the signed content was changed")
        if not status.valid:
            problems.append("the signature is not valid")
        if not status.trusted:
            problems.append("the signer is not trusted (use --trust CERT)")
        try:
            signer = status.signing_cert
            seen = fingerprint(signer)
            self.signers.append(SignerSeen(seen, _common_name(signer), proven is not None))
            path_certs = status.validation_path.iter_certs(True) if status.validation_path else ()
            validated = {fingerprint(c) for c in path_certs}
            if signed_data is None:
                problems.append("the signature container cannot be read")
            else:
                problems += signed_data_problems(signed_data, seen, validated)
            timing, notes = _validity_at_signing(signer, signed_at, proven)
            problems += timing
        except Exception as exc:  # noqa: BLE001 - any library failure is a failed check
            seen = "?"
            problems.append(f"the signer cannot be read ({exc})")
        detail = "; ".join(problems) if problems else "; ".join([f"signer {seen[:16]}", *notes])
        self.add(path, check, not problems, detail)


def _claimed_signing_time(signed_data: Any) -> datetime | None:
    """The signing time the signer put in its signed attributes (its own claim)."""
    for attribute in signed_data["signer_infos"][0]["signed_attrs"]:
        if attribute["type"].native == "signing_time":
            value = attribute["values"][0].native
            return value if isinstance(value, datetime) else None
    return None


def _proven_time(signed_data: Any) -> tuple[datetime, str] | None:
    """The time a signature's timestamp token proves, and its TSA's name (None: no token)."""
    from kyphocheck.signatures.timestamps import token_of, token_time_and_authority

    token = token_of(signed_data)
    return token_time_and_authority(token) if token is not None else None


def _timestamp_problems(status: Any) -> list[str]:
    """What is wrong with a signature's timestamp token, as pyHanko validated it."""
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is None:
        return ["the timestamp cannot be checked"]
    if not (stamp.intact and stamp.valid):
        return ["the timestamp is not valid: it does not match the signature"]
    if not stamp.trusted:
        return ["the time-stamping authority is not trusted (use --trust CERT)"]
    return []


def _validity_at_signing(
    certificate: Any, signed_at: datetime | None, proven: tuple[datetime, str] | None = None
) -> tuple[list[str], list[str]]:
    """Problems and notes on the signer's certificate at the time of signing.

    Checked here for every signer, a self-signed one trusted directly too (a trust anchor's
    validity is not part of path validation). A signature made while the certificate was
    valid verifies after it expires, and says so.
    """
    validity = certificate["tbs_certificate"]["validity"]
    not_before = validity["not_before"].native
    not_after = validity["not_after"].native
    if signed_at is None:
        return ["the signature carries no signing time"], []
    if not not_before <= signed_at <= not_after:
        return [
            f"signed on {signed_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC, outside the "
            f"certificate's validity {not_before:%Y-%m-%d} to {not_after:%Y-%m-%d}"
        ], []
    notes = []
    if not_after < datetime.now(UTC):
        notes.append(f"certificate expired since {not_after:%Y-%m-%d}; signed while valid")
    moment = signed_at.astimezone(UTC)
    if proven is not None:
        notes.append(f"time proven by {proven[1]} at {moment:%Y-%m-%d %H:%M:%S} UTC")
    else:
        # Until a trusted timestamp proves it, the time is what the signer's machine said.
        notes.append(f"signed {moment:%Y-%m-%d %H:%M} UTC: time claimed by the signer, not proven")
    return [], notes


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
