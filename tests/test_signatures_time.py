"""A record verifies years later: certificates are checked at the signing time, not today.

A nurse signs with a site-issued 1-year certificate; an auditor on another machine trusts only
the hospital's CA and checks the record ten years on. The signature was made while the
certificate was valid, so it verifies, and says the certificate has expired since; a signature
made outside its certificate's validity fails, whoever trusts it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.record.render import clinical_time
from kyphocheck.signatures.identity import Identity, certificate_path, identity_path
from kyphocheck.signatures.record_folder import verify_paths
from kyphocheck.signatures.sign import sign_detached_cms
from kyphocheck.signatures.verify import Check, load_certificates
from tests.certificates import issue, make_ca, write_p12, write_pem
from tests.conftest import EXAMPLE, NOW_TEXT, PASSPHRASE
from tests.helpers import make_site, record_folders
from tests.pdftext import flat, page_texts
from tests.tsa import local_tsa

runner = CliRunner()
TEN_YEARS = timedelta(days=3653)


@pytest.fixture
def site_issued(tmp_path: Path) -> dict[str, Path]:
    """The local identity replaced by a hospital CA's 1-year certificate; the CA's PEM."""
    start = datetime.now(UTC) - timedelta(days=1)
    ca = make_ca("Invented Hospital CA", start)
    nurse = issue(ca, "Site Nurse", start, days=365)
    p12 = write_p12(tmp_path / "nurse.p12", nurse, ca, PASSPHRASE)
    identity_path().unlink()
    certificate_path().unlink()
    imported = runner.invoke(app, ["signer", "init", "--import", str(p12)])
    assert imported.exit_code == 0, imported.output
    return {"ca": write_pem(tmp_path / "hospital-ca.pem", ca)}


def signed_record(out: Path) -> Path:
    args = ["run", "--answers", str(EXAMPLE), "--non-interactive", "--now", NOW_TEXT]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    [folder] = record_folders(out)
    return folder


def as_auditor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Another machine: no signing identity of its own to trust."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "auditor-config"))


def checks(path: Path, trusted: Path) -> list[Check]:
    """The rows `verify PATH --trust TRUSTED` prints, with their whole details."""
    return verify_paths([path], load_certificates([trusted]))


def verify(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["verify", *args], env={"COLUMNS": "1000"})
    return result.exit_code, result.output


def test_a_site_issued_record_verifies_ten_years_on_with_only_the_ca_trusted(
    tmp_path: Path, site_issued: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = signed_record(tmp_path / "out")
    record = json.loads((folder / "record.json").read_text())
    assert record["clock"] == "fixed"  # the clinical times; the signing time is real
    signed_at = datetime.fromisoformat(record["signature"]["signed_at"])
    assert abs(datetime.now(UTC) - signed_at) < timedelta(minutes=5)
    # The attestation prints the real signing time too, not the fixed clock.
    zone = ZoneInfo(record["procedure"]["timezone"])
    attestation = flat(" ".join(page_texts(folder / "summary.pdf")))
    printed = clinical_time(record["signature"]["signed_at"], zone, "en")
    assert printed in attestation
    if printed != clinical_time(NOW_TEXT, zone, "en"):
        assert (
            clinical_time(NOW_TEXT, zone, "en")
            not in attestation.split("Signed electronically by")[-1]
        )
    as_auditor(monkeypatch, tmp_path)
    expiry = (signed_at + timedelta(days=364)).date()
    with time_machine.travel(datetime.now(UTC) + TEN_YEARS, tick=False):
        code, output = verify(str(folder), "--trust", str(site_issued["ca"]))
        assert code == 0, output
        assert "All checks passed." in output
        signatures = [c for c in checks(folder, site_issued["ca"]) if "signature" in c.check]
        assert len(signatures) == 5  # record.json, two Markdown files, two PDFs
        for check in signatures:
            assert check.ok, check
            assert (
                f"certificate expired since {expiry.isoformat()}; signed while valid"
                in (check.detail)
                or f"expired since {(expiry + timedelta(days=1)).isoformat()}" in check.detail
            )
            assert "time claimed by the signer, not proven" in check.detail
        # A tampered record still fails, ten years on as on the day.
        summary = folder / "summary.md"
        summary.write_bytes(summary.read_bytes().replace(b"Maria", b"Mario", 1))
        code, output = verify(str(folder), "--trust", str(site_issued["ca"]))
        assert code == 1 and "FAIL" in output


def test_without_the_ca_trusted_the_record_fails(
    tmp_path: Path, site_issued: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = signed_record(tmp_path / "out")
    as_auditor(monkeypatch, tmp_path)
    code, output = verify(str(folder))
    assert code == 1 and "not trusted" in output


@pytest.mark.parametrize("issuer", ["self-signed", "ca"])
def test_a_signature_made_outside_its_certificates_validity_fails(
    tmp_path: Path, issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed today with a certificate that expired last week: trusted or not, it fails."""
    week_ago = datetime.now(UTC) - timedelta(days=7)
    ca = make_ca("Invented Hospital CA", week_ago - timedelta(days=400))
    year_before = week_ago - timedelta(days=365)
    if issuer == "ca":
        expired = issue(ca, "Old Nurse", year_before, days=365)
    else:  # as `signer init` makes them, trusted directly
        expired = make_ca("Old Nurse", year_before, days=365)
    trusted = write_pem(tmp_path / "trusted.pem", ca if issuer == "ca" else expired)
    document = tmp_path / "note.md"
    document.write_bytes(b"# An invented note\n")
    chain = (ca.certificate,) if issuer == "ca" else ()
    identity = Identity(expired.key, expired.certificate, chain)
    (tmp_path / "note.md.p7s").write_bytes(sign_detached_cms(document.read_bytes(), identity))
    as_auditor(monkeypatch, tmp_path)
    code, output = verify(str(document), "--trust", str(trusted))
    assert code == 1, output
    [check] = checks(document, trusted)
    assert not check.ok
    assert "outside the certificate's validity" in check.detail, check


def stamped_record(tmp_path: Path, tsa_url: str) -> Path:
    """A signed run of the example with a site whose timestamp_url is `tsa_url`."""
    site = make_site(
        tmp_path / "site", {"site.yaml": f"name: Invented Clinic\ntimestamp_url: {tsa_url}\n"}
    )
    args = ["run", "--answers", str(EXAMPLE), "--non-interactive", "--now", NOW_TEXT]
    out = tmp_path / "out"
    result = runner.invoke(app, [*args, "--out", str(out), "--site", str(site)])
    assert result.exit_code == 0, result.output
    [folder] = record_folders(out)
    return folder


def test_a_timestamped_site_issued_record_reports_the_proven_time_ten_years_on(
    tmp_path: Path, site_issued: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The auditor trusts only the hospital's CA and the TSA's CA, on another machine."""
    with local_tsa(tmp_path) as tsa:
        folder = stamped_record(tmp_path, tsa.url)
    as_auditor(monkeypatch, tmp_path)
    (tmp_path / "auditor.pem").write_bytes(site_issued["ca"].read_bytes() + tsa.ca_pem.read_bytes())
    trust = tmp_path / "auditor.pem"
    with time_machine.travel(datetime.now(UTC) + TEN_YEARS, tick=False):
        code, output = verify(
            str(folder), "--trust", str(site_issued["ca"]), "--trust", str(tsa.ca_pem)
        )
        assert code == 0, output
        signatures = [c for c in checks(folder, trust) if "signature" in c.check]
        assert len(signatures) == 5
        for check in signatures:
            assert check.ok, check
            assert "; signed while valid" in check.detail and "expired since" in check.detail
            assert "time proven by Invented TSA at" in check.detail, check
            assert "claimed by the signer" not in check.detail
        # The TSA's CA not trusted: the proven time is not taken on the signer's word.
        code, output = verify(str(folder), "--trust", str(site_issued["ca"]))
        assert code == 1 and "time-stamping authority is not trusted" in output
        sheet = folder / "take-home.pdf"
        data = bytearray(sheet.read_bytes())
        data[len(data) // 3] ^= 0x01
        sheet.write_bytes(bytes(data))
        [failed] = [c for c in checks(folder, trust) if not c.ok and "PDF" in c.check]
        assert failed.file == "take-home.pdf"


def test_a_proven_time_outside_the_certificates_validity_fails_though_the_claim_is_inside(
    tmp_path: Path, site_issued: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TSA proves the signing happened 30 days ago, before the 1-year certificate began.

    The signer's own signingTime (today) is inside the validity; what counts is the proof.
    """
    with local_tsa(tmp_path, at=datetime.now(UTC) - timedelta(days=30)) as tsa:
        folder = stamped_record(tmp_path, tsa.url)
    as_auditor(monkeypatch, tmp_path)
    trust = tmp_path / "auditor.pem"
    trust.write_bytes(site_issued["ca"].read_bytes() + tsa.ca_pem.read_bytes())
    signatures = [c for c in checks(folder, trust) if "signature" in c.check]
    assert len(signatures) == 5
    for check in signatures:
        assert not check.ok, check
        assert "outside the certificate's validity" in check.detail, check
