"""Saving the identity: never through a link planted at its names, owner-only, never over one."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.signatures.identity import certificate_path, create_identity, identity_path
from tests.conftest import NOW, PASSPHRASE

runner = CliRunner()
THEIRS = b"a file the signer's links point at; it must not change\n"


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "someone-elses-file"
    path.write_bytes(THEIRS)
    return path


def no_identity() -> None:
    identity_path().unlink()
    certificate_path().unlink()


def init(*args: str):
    return runner.invoke(app, ["signer", "init", *args])


def issued_p12(tmp_path: Path) -> Path:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    issued = create_identity("Site Nurse", "RN", None, NOW - timedelta(days=1))
    path = tmp_path / "issued.p12"
    locked = BestAvailableEncryption(PASSPHRASE.encode())
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(b"x", issued.key, issued.certificate, None, locked)
    )
    return path


@pytest.mark.parametrize("how", ["new", "import"])
def test_a_link_at_signer_pem_is_replaced_not_written_through(
    how: str, target: Path, tmp_path: Path
) -> None:
    source = issued_p12(tmp_path) if how == "import" else None  # made before the links
    no_identity()
    certificate_path().symlink_to(target)
    result = init("--import", str(source)) if source else init("--name", "Ana Reyes")
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == THEIRS
    pem = certificate_path()
    assert not pem.is_symlink() and pem.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE(identity_path().stat().st_mode) == 0o600
    assert [p.name for p in pem.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("dangling", [False, True])
def test_a_link_at_signer_p12_is_refused_and_nothing_changes(
    dangling: bool, target: Path, tmp_path: Path
) -> None:
    no_identity()
    pointed = tmp_path / "not-there-yet" if dangling else target
    identity_path().symlink_to(pointed)
    certificate_path().symlink_to(target)
    result = init("--name", "Ana Reyes")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "symbolic link" in result.stderr
    assert target.read_bytes() == THEIRS and not (tmp_path / "not-there-yet").exists()
    assert identity_path().is_symlink() and certificate_path().is_symlink()


def test_the_folder_is_made_owner_only() -> None:
    no_identity()
    folder = identity_path().parent
    folder.chmod(0o755)
    assert init("--name", "Ana Reyes").exit_code == 0
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
