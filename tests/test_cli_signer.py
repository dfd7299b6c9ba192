"""`kyphocheck signer init` / `show`, and signing failures that write nothing."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
from datetime import timedelta
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.signatures.identity import (
    certificate_path,
    create_identity,
    identity_path,
    save_identity,
)
from tests.conftest import EXAMPLE, NOW, NOW_TEXT, PASSPHRASE
from tests.helpers import record_folders

runner = CliRunner()
KYPHOCHECK = shutil.which("kyphocheck", path=str(Path(sys.executable).parent))


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
    assert runner.invoke(app, ["verify", str(record_folders(tmp_path / "out")[0])]).exit_code == 0


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


def test_a_signed_run_says_who_signed(tmp_path: Path) -> None:
    result = run_signed(tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (
        "Signed by: Jane Doe, RN "
        "(certificate CN=Jane Doe, title=RN, emailAddress=jane.doe@example.org)"
    ) in result.stdout
    unsigned = runner.invoke(
        app,
        [
            "run",
            "--answers",
            str(EXAMPLE),
            "--non-interactive",
            "--now",
            NOW_TEXT,
            "--no-sign",
            "--out",
            str(tmp_path / "unsigned"),
        ],
    )
    assert unsigned.exit_code == 0 and "Signed by" not in unsigned.stdout


def signing_at_a_terminal(out: Path) -> pexpect.spawn:
    """A scripted run in a pseudo-terminal with no passphrase set: it is asked for."""
    env = {k: v for k, v in os.environ.items() if k != "KYPHOCHECK_SIGNER_PASSPHRASE"}
    args = ["run", "--answers", str(EXAMPLE), "--non-interactive", "--now", NOW_TEXT]
    return pexpect.spawn(
        str(KYPHOCHECK),
        [*args, "--out", str(out)],
        env={**env, "TERM": "xterm", "NO_COLOR": "1"},
        dimensions=(24, 120),
        encoding="utf-8",
        timeout=60,
    )


@pytest.mark.skipif(KYPHOCHECK is None, reason="kyphocheck is not installed")
def test_a_mistyped_passphrase_is_asked_again(tmp_path: Path) -> None:
    child = signing_at_a_terminal(tmp_path / "out")
    for attempt, left in ((1, "2 tries"), (2, "1 try")):
        child.expect("Signing passphrase: ")
        child.sendline(f"mistyped {attempt}")
        child.expect(re.escape(f"Wrong passphrase; try again ({left} left)."))
    child.expect("Signing passphrase: ")
    child.sendline(PASSPHRASE)
    style = r"(?:\x1b\[[0-9;]*m)*"  # the name is bold at a terminal
    child.expect(rf"Signed by: {style}Jane Doe, RN{style} \(certificate CN=Jane Doe, title=RN,")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert len(record_folders(tmp_path / "out")) == 1


@pytest.mark.skipif(KYPHOCHECK is None, reason="kyphocheck is not installed")
def test_three_wrong_passphrases_end_with_one_line_and_nothing_written(tmp_path: Path) -> None:
    child = signing_at_a_terminal(tmp_path / "out")
    for attempt in range(3):
        child.expect("Signing passphrase: ")
        child.sendline(f"wrong {attempt}")
    child.expect(pexpect.EOF)
    child.close()
    after = child.before or ""
    assert child.exitstatus == 1
    assert "Signing passphrase" not in after  # no fourth try
    [line] = [line for line in after.splitlines() if line.strip()]
    assert re.search(r"error: \S+signer\.p12: wrong passphrase 3 times; nothing was signed", line)
    assert "wrong 2" not in after  # the passphrase is never echoed
    assert not (tmp_path / "out").exists()
