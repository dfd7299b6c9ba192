"""A first run with no signing identity says so at once, before any passphrase is asked for."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.signatures.identity import PASSPHRASE_ENV, certificate_path, identity_path
from tests.conftest import EXAMPLE, NOW_TEXT

runner = CliRunner()
KYPHOCHECK = shutil.which("kyphocheck", path=str(Path(sys.executable).parent))
PROMPT = "Signing passphrase"


@pytest.fixture(autouse=True)
def _no_identity() -> None:
    identity_path().unlink()
    certificate_path().unlink()


def test_no_identity_is_said_without_asking_for_a_passphrase(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["run", "--answers", str(EXAMPLE), "--non-interactive", "--now", NOW_TEXT]
        + ["--out", str(out)],
        env={PASSPHRASE_ENV: ""},
    )
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and "no signing identity" in result.stderr
    assert "passphrase" not in result.output.lower()
    assert not out.exists()


@pytest.mark.skipif(KYPHOCHECK is None, reason="kyphocheck is not installed")
@pytest.mark.parametrize("scripted", [True, False])
def test_at_a_terminal_the_prompt_never_appears(scripted: bool, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != PASSPHRASE_ENV}
    env.update({"NO_COLOR": "1", "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"})
    args = ["run", "--now", NOW_TEXT, "--out", str(tmp_path / "out")]
    if scripted:
        args += ["--answers", str(EXAMPLE), "--non-interactive"]
    assert KYPHOCHECK is not None
    child = pexpect.spawn(
        KYPHOCHECK, args, env=env, encoding="utf-8", timeout=20, cwd=str(tmp_path)
    )
    try:
        seen = child.expect([PROMPT, "no signing identity", pexpect.EOF])
        assert seen == 1, child.before
        child.expect(pexpect.EOF)
        assert PROMPT not in (child.before or "")
    finally:
        child.close(force=True)
    assert child.exitstatus == 1
    assert not (tmp_path / "out").exists()
