"""`kyphocheck signer init` / `show`, and signing failures that write nothing."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.signatures.identity import (
    certificate_path,
    create_identity,
    identity_path,
    save_identity,
)
from tests.conftest import EXAMPLE, NOW, NOW_TEXT, PASSPHRASE

runner = CliRunner()


def remove_identity() -> None:
    identity_path().unlink()
    certificate_path().unlink()


def run_signed(out: Path, env: dict[str, str] | None = None):
    return runner.invoke(
        app,
        [
            "run",
            "--answers",
            str(EXAMPLE),
            "--non-interactive",
            "--now",
            NOW_TEXT,
            "--out",
            str(out),
        ],
        env=env,
    )


def test_init_creates_an_owner_only_identity_and_show_prints_it(tmp_path: Path) -> None:
    remove_identity()
    result = runner.invoke(
        app,
        [
            "signer",
            "init",
            "--name",
            "Ana Reyes",
            "--credentials",
            "RN",
            "--email",
            "ana.reyes@example.org",
            "--now",
            NOW_TEXT,
        ],
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(identity_path().stat().st_mode) == 0o600
    assert PASSPHRASE not in result.output
    shown = runner.invoke(app, ["signer", "show", "--now", NOW_TEXT])
    assert shown.exit_code == 0
    for text in ("Ana Reyes", "RN", "SHA-256", "2029-"):
        assert text in shown.stdout
    # And it signs: a run with it verifies.
    assert run_signed(tmp_path / "out").exit_code == 0
    assert runner.invoke(app, ["verify", str(next((tmp_path / "out").iterdir()))]).exit_code == 0


def test_init_refuses_to_replace_an_identity() -> None:
    result = runner.invoke(app, ["signer", "init", "--name", "Someone Else"])
    assert result.exit_code == 2 and "already exists" in result.stderr


def test_init_with_passphrase_file(tmp_path: Path) -> None:
    remove_identity()
    secret = tmp_path / "secret"
    secret.write_text("another passphrase\n")
    result = runner.invoke(
        app,
        ["signer", "init", "--name", "Ana Reyes", "--passphrase-file", str(secret)],
        env={"KYPHOCHECK_SIGNER_PASSPHRASE": ""},
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    signed = runner.invoke(
        app,
        [
            "run",
            "--answers",
            str(EXAMPLE),
            "--non-interactive",
            "--now",
            NOW_TEXT,
            "--out",
            str(out),
            "--passphrase-file",
            str(secret),
        ],
        env={"KYPHOCHECK_SIGNER_PASSPHRASE": ""},
    )
    assert signed.exit_code == 0, signed.output


def test_import_a_site_issued_identity(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    issued = create_identity("Site Nurse", "RN", None, NOW - timedelta(days=1))
    p12 = tmp_path / "issued.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", issued.key, issued.certificate, None, BestAvailableEncryption(PASSPHRASE.encode())
        )
    )
    remove_identity()
    result = runner.invoke(app, ["signer", "init", "--import", str(p12)])
    assert result.exit_code == 0, result.output
    assert "Site Nurse" in result.stdout


def test_import_with_the_wrong_passphrase_is_one_line(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    issued = create_identity("Site Nurse", "RN", None, NOW - timedelta(days=1))
    p12 = tmp_path / "issued.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", issued.key, issued.certificate, None, BestAvailableEncryption(b"other")
        )
    )
    remove_identity()
    result = runner.invoke(app, ["signer", "init", "--import", str(p12)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert f"{p12}: wrong passphrase, or not a PKCS#12 file" in result.stderr
    missing = runner.invoke(app, ["signer", "init", "--import", str(tmp_path / "none.p12")])
    assert missing.exit_code == 1 and "cannot be read" in missing.stderr


def test_wrong_passphrase_exit_1_nothing_written(tmp_path: Path) -> None:
    result = run_signed(tmp_path / "out", env={"KYPHOCHECK_SIGNER_PASSPHRASE": "wrong one"})
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "wrong passphrase" in result.stderr
    assert "wrong one" not in result.output
    assert not (tmp_path / "out").exists()


def test_missing_identity_exit_1(tmp_path: Path) -> None:
    remove_identity()
    result = run_signed(tmp_path / "out")
    assert result.exit_code == 1
    assert "no signing identity" in result.stderr and "--no-sign" in result.stderr
    assert not (tmp_path / "out").exists()
    assert runner.invoke(app, ["signer", "show"]).exit_code == 1


def test_expired_identity_exit_1(tmp_path: Path) -> None:
    remove_identity()
    old = create_identity("Old Signer", "RN", None, NOW - timedelta(days=5 * 365))
    save_identity(old, PASSPHRASE)
    result = run_signed(tmp_path / "out")
    assert result.exit_code == 1
    assert "the signing certificate expired on" in result.stderr
    assert not (tmp_path / "out").exists()


def test_show_warns_when_expiry_is_near() -> None:
    result = runner.invoke(app, ["signer", "show", "--now", "2029-11-10T09:00-06:00"])
    assert result.exit_code == 0
    assert "the certificate expires in" in result.stderr


def test_no_passphrase_without_a_terminal(tmp_path: Path) -> None:
    result = run_signed(tmp_path / "out", env={"KYPHOCHECK_SIGNER_PASSPHRASE": ""})
    assert result.exit_code == 2
    assert "KYPHOCHECK_SIGNER_PASSPHRASE" in result.stderr
