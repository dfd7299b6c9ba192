"""The record's files: PDFs laid out by worker processes, signed by this one."""

from __future__ import annotations

import os
from typing import Any

import pytest

from kyphocheck.intake.prepare import prepare
from kyphocheck.record import workers
from kyphocheck.record.pdf import start_pdf_workers
from kyphocheck.record.pipeline import make_record_files
from kyphocheck.signatures import sign as signing
from kyphocheck.signatures.identity import load_identity
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from tests.conftest import EXAMPLE, NOW, PASSPHRASE


@pytest.mark.skipif(not workers.can_fork(), reason="workers are forked on Linux only")
def test_pdfs_from_workers_are_the_pdfs_made_here(monkeypatch: pytest.MonkeyPatch) -> None:
    site, clock = Site.open(None), Clock(NOW, fixed=True)
    prepared = prepare(site, EXAMPLE, clock)
    with start_pdf_workers() as pool:
        assert not pool.in_process
        _, from_workers, _, _ = make_record_files(site, prepared, clock, workers=pool)
    monkeypatch.setattr(workers, "can_fork", lambda: False)
    _, made_here, _, _ = make_record_files(site, prepared, clock)
    assert from_workers.keys() == made_here.keys()
    assert from_workers["summary.pdf"] == made_here["summary.pdf"]
    assert from_workers["take-home.pdf"] == made_here["take-home.pdf"]
    # The attached record.json is dated with the record's time (07:45 in Chicago), not today.
    assert b"/CreationDate (D:20261201134500Z)" in made_here["summary.pdf"]


def test_pdfs_are_signed_in_this_process(
    monkeypatch: pytest.MonkeyPatch, identity_files: dict[str, bytes], tmp_path: Any
) -> None:
    (tmp_path / "signer.p12").write_bytes(identity_files["signer.p12"])
    identity = load_identity(PASSPHRASE, tmp_path / "signer.p12")
    signed_in: list[int] = []
    real_sign = signing.sign_pdf

    def sign_pdf(pdf: bytes, *args: Any, **kwargs: Any) -> bytes:
        signed_in.append(os.getpid())
        return real_sign(pdf, *args, **kwargs)

    monkeypatch.setattr(signing, "sign_pdf", sign_pdf)
    site, clock = Site.open(None), Clock(NOW, fixed=True)
    with start_pdf_workers() as pool:
        _, files, _, _ = make_record_files(
            site, prepare(site, EXAMPLE, clock), clock, identity, pool
        )
    assert signed_in == [os.getpid(), os.getpid()]
    assert files["summary.pdf"].count(b"/ByteRange") == 1
