"""Signatures: a detached CMS signature for each Markdown file, PAdES for each PDF.

The CMS signatures are what `openssl cms -verify -binary` accepts; the PDF signature is an
invisible PAdES baseline signature (SHA-256) added by pyHanko as an incremental update, which
keeps the PDF/A structure and the attached record.json intact. Both libraries are imported only
when something is signed.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from kyphocheck.signatures.identity import Identity

if TYPE_CHECKING:
    from kyphocheck.signatures.timestamps import Tsa

# The PDF signature field of each document role: the role is part of what is signed, so a
# summary cannot pass as the take-home sheet (or the other way round).
FIELD_PREFIX = "kyphocheck-"


def preload_signing() -> None:
    """Import pyHanko now (about 0.4 s), e.g. while the PDF workers lay out pages."""
    import pyhanko.sign.signers  # noqa: F401
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: F401


def sign_detached_cms(data: bytes, identity: Identity, tsa: Tsa | None = None) -> bytes:
    """A DER detached CMS signature over `data` (binary: the bytes are signed as they are).

    With the site's `tsa`, the signature carries a timestamp token over its value.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

    builder = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(identity.certificate, identity.key, hashes.SHA256())
    )
    for extra in identity.chain:
        builder = builder.add_certificate(extra)
    options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
    der = builder.sign(Encoding.DER, options)
    if tsa is None:
        return der
    from kyphocheck.signatures.timestamps import add_signature_timestamp

    return add_signature_timestamp(der, tsa)


def _signature_space(identity: Identity) -> int:
    """Bytes to reserve in the PDF for the CMS signature container.

    Generous but fixed: the certificates the container carries, twice over, plus room for the
    signed attributes and the signature value (512 bytes for RSA-4096, 72 for P-256). Without
    it pyHanko makes a whole dummy signature first to measure one (about 15 ms per PDF).
    """
    from cryptography.hazmat.primitives.serialization import Encoding

    certificates = (identity.certificate, *identity.chain)
    return 4096 + 2 * sum(len(c.public_bytes(Encoding.DER)) for c in certificates)


def sign_pdf(
    pdf: bytes, identity: Identity, reason: str, role: str, tsa: Tsa | None = None
) -> bytes:
    """The PDF with an invisible PAdES signature appended as an incremental update.

    With the site's `tsa`, a PAdES B-T signature (a timestamp token over the signature value)
    with the certificates to validate it in a DSS (B-LT; timestamps.embed_validation_data).

    The signature field is named after the document's role (`kyphocheck-summary`): the name is
    inside the signed revision, so verify can tell a summary from a take-home sheet.
    """
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from kyphocheck.signatures.pdfa import pdfa_writer

    certificate = x509.Certificate.load(identity.certificate.public_bytes(Encoding.DER))
    key = keys.PrivateKeyInfo.load(
        identity.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    )
    chain = [x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in identity.chain]
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),  # type: ignore[no-untyped-call]
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=f"{FIELD_PREFIX}{role}",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=identity.name,
    )
    writer = pdfa_writer(pdf, identity)  # stays PDF/A-3: PDF 1.7, metadata agreeing (pdfa.py)
    if tsa is not None:  # PAdES B-LT: the validation data, inside the signed revision
        from kyphocheck.signatures.timestamps import embed_validation_data

        embed_validation_data(writer, [certificate, *chain], tsa)
    output = io.BytesIO()
    try:
        signers.sign_pdf(
            writer,
            metadata,
            signer=signer,
            timestamper=tsa.stamper if tsa is not None else None,
            output=output,
            # A token carries the TSA's signature and certificates: a few kilobytes more.
            bytes_reserved=_signature_space(identity) + (16384 if tsa is not None else 0),
        )
    except OSError as exc:  # pyHanko's TimestampRequestError is one
        if tsa is None:
            raise
        from kyphocheck.signatures.timestamps import unavailable

        raise unavailable(tsa.url, str(exc) or type(exc).__name__) from None
    return output.getvalue()
