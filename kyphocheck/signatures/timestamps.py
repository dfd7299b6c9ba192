"""RFC 3161 timestamps from the site's time-stamping authority (`timestamp_url` in site.yaml).

Without one, a signature's time is the signer's own claim: its machine's clock. A timestamp
token from a TSA the auditor trusts proves the signature existed at the token's time, so a
certificate is judged at a time nobody at the site could have set.

Each detached CMS gets the signature-time-stamp-token unsigned attribute (RFC 3161 appendix A,
over the signature value); each PDF a PAdES B-T signature timestamp (pyHanko adds it as it
signs). The client posts with the standard library: pyHanko's own HTTP clients need requests or
aiohttp, a dependency for one POST. pyHanko and asn1crypto are imported only when signing or
verifying, as in sign.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from kyphocheck.errors import InputError

TIMEOUT_SECONDS = 10
# A timestamp reply is a few kilobytes (a token and the TSA's certificates); more is not one.
MAX_REPLY_BYTES = 256 * 1024
TOKEN_ATTRIBUTE = "signature_time_stamp_token"


class TimestampUnavailable(InputError):
    """The TSA cannot be reached or gave no timestamp: the run stops before writing."""


def unavailable(url: str, reason: str) -> TimestampUnavailable:
    """The one line a run stops with when the TSA gives no timestamp."""
    return TimestampUnavailable(
        f"site.yaml: timestamp_url: the time-stamping authority at {url} cannot be reached "
        f"({reason})"
    )


def time_stamper(url: str) -> Any:
    """A pyHanko TimeStamper that asks the TSA at `url` over HTTP(S)."""
    from asn1crypto import tsp
    from pyhanko.sign.timestamps.api import TimeStamper
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    class UrllibTimeStamper(TimeStamper):
        async def async_request_tsa_response(self, req: Any) -> Any:
            return await asyncio.to_thread(self._post, req)

        def _post(self, req: Any) -> Any:
            request = urllib.request.Request(
                url,
                data=req.dump(),
                headers={"Content-Type": "application/timestamp-query"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:
                    kind = reply.headers.get("Content-Type", "")
                    body = reply.read(MAX_REPLY_BYTES + 1)
            except (OSError, urllib.error.URLError) as exc:
                raise TimestampRequestError(str(getattr(exc, "reason", exc))) from None
            if kind != "application/timestamp-reply" or len(body) > MAX_REPLY_BYTES:
                raise TimestampRequestError("the reply is not a timestamp")
            return tsp.TimeStampResp.load(body)

    return UrllibTimeStamper()  # type: ignore[no-untyped-call]  # pyHanko's __init__


@dataclass(frozen=True)
class Tsa:
    """The site's time-stamping authority: its URL, the client that asks it, its certificates.

    `certificates` are those its first token carried (its own and any issuers it sends), taken
    when it is asked before signing, so that each PDF's validation data can hold them.
    """

    url: str
    stamper: Any
    certificates: tuple[Any, ...] = ()

    def token(self, digest: bytes) -> Any:
        """A timestamp token (asn1crypto ContentInfo) over a SHA-256 `digest`."""
        try:
            return asyncio.run(self.stamper.async_timestamp(digest, "sha256"))
        except Exception as exc:  # noqa: BLE001 - any failure of the TSA is one line
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise unavailable(self.url, reason) from None


def reachable_tsa(url: str) -> Tsa:
    """The TSA at `url`, once it has answered a request; TimestampUnavailable if not.

    Asked before anything is signed, so that a TSA that is down stops the run with one line
    before a record is made without the timestamps the site requires.
    """
    tsa = Tsa(url, time_stamper(url))
    token = tsa.token(hashlib.sha256(b"kyphocheck: is the TSA there?").digest())
    carried = token["content"]["certificates"] or ()
    return Tsa(url, tsa.stamper, tuple(c.chosen for c in carried if c.name == "certificate"))


def embed_validation_data(writer: Any, signer_certificates: list[Any], tsa: Tsa) -> None:
    """A DSS in the PDF's signed revision: the signer's chain and the TSA's certificates.

    PAdES B-LT asks for what a validator needs years later without the network. The
    certificates are the whole of it here: the chains end at the site's CA or a self-signed
    signer, and kyphocheck fetches no revocation data (no OCSP responses or CRLs; verify does
    no revocation check, see verify.py). The DSS is written before signing, into the revision
    the signature covers, rather than as pyHanko's post-signature update: then the signature
    still covers the whole file, and no unsigned byte is added that verify would have to judge.
    """
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    DocumentSecurityStore.supply_dss_in_writer(
        writer, None, certs=[*signer_certificates, *tsa.certificates]
    )


def add_signature_timestamp(der: bytes, tsa: Tsa) -> bytes:
    """The detached CMS `der` with a signature-time-stamp-token over its signature value."""
    from asn1crypto import cms

    content = cms.ContentInfo.load(der)
    signer_info = content["content"]["signer_infos"][0]
    token = tsa.token(hashlib.sha256(signer_info["signature"].native).digest())
    signer_info["unsigned_attrs"] = cms.CMSAttributes(
        [cms.CMSAttribute({"type": TOKEN_ATTRIBUTE, "values": [token]})]
    )
    return bytes(content.dump(force=True))


def token_of(signed_data: Any) -> Any | None:
    """The signature timestamp token of a SignedData's signer, if it carries one."""
    attributes = signed_data["signer_infos"][0]["unsigned_attrs"]
    if not attributes.native:
        return None
    for attribute in attributes:
        if attribute["type"].native == TOKEN_ATTRIBUTE:
            return attribute["values"][0]
    return None


def token_time_and_authority(token: Any) -> tuple[Any, str]:
    """The time a token proves and the common name of the TSA that signed it."""
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    gen_time = tst_info["gen_time"].native
    sid = token["content"]["signer_infos"][0]["sid"]
    name = ""
    if sid.name == "issuer_and_serial_number":
        serial = sid.chosen["serial_number"].native
        for certificate in token["content"]["certificates"] or ():
            if certificate.chosen.serial_number == serial:
                name = str(certificate.chosen.subject.native.get("common_name", ""))
    return gen_time, name or "the time-stamping authority"
