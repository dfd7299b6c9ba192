"""A real RFC 3161 time-stamping authority on 127.0.0.1, for tests: HTTP, not a mock client.

pyHanko's DummyTimeStamper answers each request with a token signed by an invented TSA
certificate (issued by an invented CA); kyphocheck's own client posts to it over HTTP as it
would to a site's TSA.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pyhanko.sign.timestamps import dummy_client
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from tests.certificates import Issued, issue_tsa, make_ca, write_pem


@dataclass(frozen=True)
class LocalTsa:
    url: str
    ca_pem: Path  # the TSA's CA, to trust
    requests: list[int]  # one entry per request answered
    busy: list[float]  # seconds the TSA spent making each token (its own work, not the client's)


@contextmanager
def local_tsa(
    folder: Path, name: str = "Invented TSA", at: datetime | None = None
) -> Iterator[LocalTsa]:
    """A TSA listening on a free port of 127.0.0.1 while the block runs.

    `at`: the TSA's clock stands still there (a TSA whose tokens prove another time than the
    signer's claim), its certificates valid from the day before.
    """
    start = (at or datetime.now(UTC)) - timedelta(days=1)
    ca = make_ca("Invented TSA CA", start)
    tsa = issue_tsa(ca, name, start)
    stamper = DummyTimeStamper(
        tsa_cert=_asn1(tsa),
        tsa_key=keys.PrivateKeyInfo.load(
            tsa.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        ),
        certs_to_embed=[_asn1(ca)],
        fixed_dt=at,
    )
    answered: list[int] = []
    busy: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        # http.server writes the headers and the body in two sends: with Nagle's algorithm on,
        # the body waits for the client's delayed ACK of the headers (40 ms on Linux loopback),
        # a cost of this test server that a TSA's own web server does not have.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            started = time.perf_counter()
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            busy.append(time.perf_counter() - started)
            answered.append(len(reply))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass  # quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        yield LocalTsa(
            f"http://127.0.0.1:{port}/tsa", write_pem(folder / "tsa-ca.pem", ca), answered, busy
        )
    finally:
        server.shutdown()
        server.server_close()


class _KeyOnce:
    """pyHanko's test time-stamper parses its RSA key anew for every request (about 250 ms,
    OpenSSL 3 checks the key each time); a real TSA keeps its key loaded. Parsed once here, so
    the timings measure kyphocheck's side of a timestamp, not the stand-in TSA's key loading."""

    def __init__(self) -> None:
        self._loaded: dict[bytes, object] = {}

    def load_der_private_key(self, data: bytes, password: bytes | None = None) -> object:
        if data not in self._loaded:
            self._loaded[data] = serialization.load_der_private_key(data, password=password)
        return self._loaded[data]


dummy_client.serialization = _KeyOnce()  # type: ignore[assignment]  # this module's stand-in


def _asn1(issued: Issued) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(issued.certificate.public_bytes(Encoding.DER))
