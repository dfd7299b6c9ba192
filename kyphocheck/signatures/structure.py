"""What a kyphocheck signature may hold, byte for byte, beyond what its cryptography proves.

A CMS signature proves the signed attributes and, through them, the content; the rest of the
container (versions, algorithm lists, the certificates carried, unsigned attributes) and the
zero padding of a PDF's /Contents are not covered by it. An auditor's rule is stricter: any
change to any byte of a signed file is a failure. kyphocheck writes these containers itself,
so everything it does not write is refused here: a change that leaves the signature valid still
leaves a container kyphocheck would never have made.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

# What kyphocheck's signers write (cryptography's PKCS7 builder and pyHanko).
SIGNATURE_ALGORITHMS = frozenset(
    {"sha256_ecdsa", "sha256_rsa", "rsassa_pkcs1v15", "rsassa_pss", "ecdsa"}
)


def fingerprint(certificate: Any) -> str:
    """SHA-256 of an asn1crypto certificate as DER, in hex."""
    return hashlib.sha256(certificate.dump()).hexdigest()


def der_problems(der: bytes) -> list[str]:
    """A CMS container must parse whole and be written in DER as it was read.

    pyHanko reads only the parts it needs; a changed byte elsewhere (an algorithm's NULL
    parameters, a length written another way) would pass unseen. Parsing every part and
    encoding it again catches each of those.
    """
    from asn1crypto import cms

    try:
        content = cms.ContentInfo.load(der)
        content.native  # noqa: B018 - parses every part
        again = cms.ContentInfo.load(der).dump(force=True)
    except (ValueError, TypeError, KeyError) as exc:
        return [f"the signature container cannot be read ({str(exc).splitlines()[0]})"]
    if again != der:
        return ["the signature container is not in canonical DER"]
    return []


def signed_data_problems(
    signed_data: Any, signer_fingerprint: str, validated: Iterable[str] = ()
) -> list[str]:
    """Parts of a CMS SignedData that kyphocheck would not have written.

    `validated` are the fingerprints of the certificates on the path that was validated; every
    certificate the container carries must be the signer's or one of those, byte for byte.
    """
    problems = []
    if signed_data["version"].native != "v1":
        problems.append("unexpected SignedData version")
    digests = [a["algorithm"].native for a in signed_data["digest_algorithms"]]
    if digests != ["sha256"]:
        problems.append(f"unexpected digest algorithms {digests}")
    encapsulated = signed_data["encap_content_info"]
    if encapsulated["content_type"].native != "data" or encapsulated["content"].native is not None:
        problems.append("the signature is not a detached signature over data")
    if signed_data["crls"].native:
        problems.append("the signature carries revocation lists kyphocheck does not write")
    # A certificate trusted directly (a self-signed signer) is matched by name and key, not
    # by its bytes: the embedded copy must be the validated one, byte for byte.
    allowed = set(validated)
    carried = [fingerprint(c.chosen) for c in signed_data["certificates"] or ()]
    if signer_fingerprint not in carried or signer_fingerprint not in allowed:
        problems.append("the signer's certificate in the signature is not the one validated")
    if any(c not in allowed for c in carried):
        problems.append("the signature carries a certificate that was not validated")
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        problems.append(f"{len(signer_infos)} signers where kyphocheck writes one")
        return problems
    info = signer_infos[0]
    if info["version"].native != "v1" or info["sid"].name != "issuer_and_serial_number":
        problems.append("unexpected signer identifier")
    if info["digest_algorithm"]["algorithm"].native != "sha256":
        problems.append("unexpected signer digest algorithm")
    if info["signature_algorithm"]["algorithm"].native not in SIGNATURE_ALGORITHMS:
        problems.append("unexpected signature algorithm")
    # The one unsigned attribute kyphocheck writes: the TSA's token over the signature value
    # (verify.py checks the token itself).
    unsigned = info["unsigned_attrs"]
    if unsigned.native and (
        [a["type"].native for a in unsigned] != ["signature_time_stamp_token"]
        or len(unsigned[0]["values"]) != 1
    ):
        problems.append("the signature carries unsigned attributes kyphocheck does not write")
    return problems


def pdf_contents_problems(data: bytes, byte_range: list[int]) -> tuple[list[str], bytes | None]:
    """Check the gap the PDF signature leaves unsigned: `<HEX>` of a DER CMS and zero padding.

    Returns the problems and the DER bytes of the CMS (None when it cannot be read). The hex
    must be written as pyHanko writes it (upper case, nothing else in the gap): "ab" and "AB"
    decode alike, so only the exact bytes rule out a change.
    """
    from asn1crypto import cms

    if len(byte_range) != 4 or byte_range[0] != 0:
        return ["the signed byte range does not start at the beginning of the file"], None
    start, end = byte_range[1], byte_range[2]
    gap = data[start:end]
    if not (gap.startswith(b"<") and gap.endswith(b">")):
        return ["the unsigned gap of the PDF is not the signature's hex string"], None
    text = gap[1:-1]
    if not re.fullmatch(rb"[0-9A-F]*", text) or len(text) % 2:
        return ["the signature's hex string holds other characters"], None
    raw = bytes.fromhex(text.decode("ascii"))
    try:
        content = cms.ContentInfo.load(raw, strict=False)
        der = content.dump()
    except (ValueError, TypeError) as exc:
        return [f"the signature container cannot be read ({exc})"], None
    if any(raw[len(der) :]):
        return ["the padding after the signature is not zeros"], der
    return [], der


def byte_range_of(signature_object: Any) -> list[int]:
    """The /ByteRange of a PDF signature dictionary as integers."""
    return [int(n) for n in signature_object["/ByteRange"]]
