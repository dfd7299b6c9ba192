"""`kyphocheck drafts` and `kyphocheck resume` at the command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pexpect
import pytest
from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.cli.output import draft_lines
from kyphocheck.interview.drafts import Draft, DraftStore, drafts_folder
from tests.conftest import NOW
from tests.helpers import make_site

runner = CliRunner()
KYPHOCHECK = shutil.which("kyphocheck", path=str(Path(sys.executable).parent))
SAVED = "2026-12-01T13:45:00+00:00"  # 07:45 in Chicago, 14:45 in Berlin
installed = pytest.mark.skipif(KYPHOCHECK is None, reason="kyphocheck is not installed")


def make_draft(
    name: str = "Maria Lopez",
    mrn: str = "00482913",
    checklist: str = "kyphoplasty",
    **document: Any,
) -> Draft:
    draft = Draft.new({"checklist": checklist, "patient": {"name": name, "mrn": mrn}, **document})
    draft.progress = {"answered": 5, "total": 32}
    DraftStore().save(draft)
    return draft


def two_drafts() -> list[Draft]:
    """Two drafts alike but for the MRN and the day: the listing must tell them apart."""
    chicago = {"timezone": "America/Chicago"}
    drafts = [
        make_draft(procedure=chicago),
        make_draft("Mark Lee", "00482931", "vertebroplasty", procedure=chicago),
    ]
    drafts[0].updated_at = SAVED
    drafts[1].updated_at = "2026-12-02T13:45:00+00:00"
    for draft in drafts:
        DraftStore().save(draft)
    return drafts


@pytest.mark.parametrize("width", [80, 60])
def test_listing_fits_and_keeps_what_tells_drafts_apart(width: int) -> None:
    """At 80 columns the day was cut, at 60 the MRN: two drafts looked the same."""
    first, second = two_drafts()
    lines = draft_lines([first, second], width, NOW)
    assert all(len(line) <= width for line in lines), lines
    assert first.id in lines[1] and "00482913" in lines[1] and "01 Dec 07:45 CST" in lines[1]
    assert second.id in lines[2] and "00482931" in lines[2] and "02 Dec 07:45 CST" in lines[2]
    assert "ML" in lines[1] and "Maria" not in "".join(lines)  # initials only
    if width == 80:
        assert lines[0].split() == ["draft", "patient", "MRN", "updated", "done", "checklist"]
        assert lines[2].endswith("5/32  vertebroplasty")


def test_narrow_listing_drops_columns_but_never_cuts_an_id() -> None:
    draft = make_draft(mrn="A-1234567890-XYZ")
    for width in (50, 40):
        lines = draft_lines([draft], width, NOW)
        assert lines[0].split() == ["draft", "MRN", "updated"]
        assert draft.id in lines[1] and "A-1234567890-XYZ" in lines[1]


def test_times_are_in_the_procedure_then_the_site_zone(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"site.yaml": "timezone: Europe/Berlin\n"})
    drafts = [
        make_draft(procedure={"timezone": "America/Chicago"}),
        make_draft(),
        make_draft(procedure={"timezone": "Nowhere/Atlantis"}),
    ]
    drafts[1].site = drafts[2].site = str(site)
    for draft in drafts:
        draft.updated_at = SAVED
    lines = draft_lines(drafts, 200, NOW)
    assert "01 Dec 07:45 CST" in lines[1]
    assert "01 Dec 14:45 CET" in lines[2] and "01 Dec 14:45 CET" in lines[3]
    next_year = draft_lines(drafts[:1], 200, datetime(2027, 1, 5, tzinfo=NOW.tzinfo))
    assert "01 Dec 2026 07:45 CST" in next_year[1]


def test_a_site_folder_gone_does_not_break_the_listing(tmp_path: Path) -> None:
    draft = make_draft()
    draft.site = str(tmp_path / "gone")
    draft.updated_at = SAVED
    assert draft.id in draft_lines([draft], 80, NOW)[1]


@installed
@pytest.mark.parametrize("columns", [80, 60])
def test_the_installed_listing_fits_the_terminal(columns: int) -> None:
    first, second = two_drafts()
    result = subprocess.run(
        [str(KYPHOCHECK), "drafts"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= columns for line in lines), lines
    by_id = {line.split()[0]: line for line in lines[1:-1]}
    assert "00482913" in by_id[first.id] and "01 Dec 07:45 CST" in by_id[first.id]
    assert "00482931" in by_id[second.id] and "02 Dec 07:45 CST" in by_id[second.id]


def discard_at_a_terminal(tmp_path: Path, *args: str) -> pexpect.spawn:
    return pexpect.spawn(
        str(KYPHOCHECK),
        ["drafts", "--discard", *args],
        env={**os.environ, "TERM": "xterm", "NO_COLOR": "1"},
        encoding="utf-8",
        timeout=30,
        cwd=str(tmp_path),
    )


@installed
def test_discard_at_a_terminal_asks_and_no_keeps_the_draft(tmp_path: Path) -> None:
    draft = make_draft()
    child = discard_at_a_terminal(tmp_path, draft.id)
    child.expect(re.escape(f"Discard {draft.id} (ML, MRN 00482913, kyphoplasty, 5/32 answered"))
    child.expect(re.escape("[y/N]: "))
    child.sendline("n")
    child.expect(re.escape(f"Draft {draft.id} kept."))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert DraftStore().path(draft.id).is_file()


@installed
def test_discard_at_a_terminal_removes_on_yes(tmp_path: Path) -> None:
    draft = make_draft()
    child = discard_at_a_terminal(tmp_path, draft.id)
    child.expect(re.escape("[y/N]: "))
    child.sendline("y")
    child.expect(re.escape(f"Draft {draft.id} removed."))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert not DraftStore().path(draft.id).exists()


@installed
def test_discard_with_yes_does_not_ask(tmp_path: Path) -> None:
    draft = make_draft()
    child = discard_at_a_terminal(tmp_path, draft.id, "--yes")
    child.expect(re.escape(f"Draft {draft.id} removed."))
    assert "[y/N]" not in (child.before or "")
    child.expect(pexpect.EOF)
    assert not DraftStore().path(draft.id).exists()


@installed
def test_ctrl_c_at_the_question_keeps_the_draft(tmp_path: Path) -> None:
    draft = make_draft()
    child = discard_at_a_terminal(tmp_path, draft.id)
    child.expect(re.escape("[y/N]: "))
    child.sendintr()
    child.expect(re.escape(f"Draft {draft.id} kept."))
    child.expect(pexpect.EOF)
    assert DraftStore().path(draft.id).is_file()


def test_drafts_folder_follows_xdg_data_home(tmp_path: Path) -> None:
    assert drafts_folder() == tmp_path / "xdg-data" / "kyphocheck" / "drafts"


def test_list_and_discard() -> None:
    draft = make_draft()
    listed = runner.invoke(app, ["drafts"])
    assert listed.exit_code == 0, listed.output
    assert draft.id in listed.stdout and "ML" in listed.stdout and "5/32" in listed.stdout
    assert "Maria" not in listed.stdout
    assert (drafts_folder().stat().st_mode & 0o777) == 0o700
    removed = runner.invoke(app, ["drafts", "--discard", draft.id])
    assert removed.exit_code == 0 and f"Draft {draft.id} removed." in removed.stdout
    assert runner.invoke(app, ["drafts"]).stdout.strip() == "No drafts."


def test_discard_unknown_draft_suggests() -> None:
    draft = make_draft()
    result = runner.invoke(app, ["drafts", "--discard", draft.id[:-1] + "x"])
    assert result.exit_code == 2
    assert f"did you mean '{draft.id}'?" in result.stderr


def test_damaged_draft_is_a_clear_error() -> None:
    draft = make_draft()
    DraftStore().path(draft.id).write_text("{not json")
    result = runner.invoke(app, ["drafts", "--discard", draft.id])
    assert result.exit_code == 2 and "damaged draft" in result.stderr


def test_resume_without_a_terminal_exit_2() -> None:
    make_draft()
    result = runner.invoke(app, ["resume"])
    assert result.exit_code == 2
    assert "no terminal" in result.stderr


def test_resume_without_a_terminal_gives_advice_that_works_for_resume() -> None:
    """`resume` has no --non-interactive or --answers: its advice must not offer them."""
    make_draft()
    result = runner.invoke(app, ["resume"])
    assert result.exit_code == 2
    assert "--non-interactive" not in result.stderr and "--answers" not in result.stderr
    assert "resume the draft in a terminal (kyphocheck drafts lists them)" in result.stderr
    for option in ("--non-interactive", "--answers"):
        assert option not in runner.invoke(app, ["resume", "--help"]).stdout
