"""`kyphocheck drafts` and `kyphocheck resume` at the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kyphocheck.cli.app import app
from kyphocheck.interview.drafts import Draft, DraftStore, drafts_folder

runner = CliRunner()


def make_draft() -> Draft:
    draft = Draft.new(
        {"checklist": "kyphoplasty", "patient": {"name": "Maria Lopez", "mrn": "00482913"}}
    )
    draft.progress = {"answered": 5, "total": 32}
    DraftStore().save(draft)
    return draft


def test_drafts_folder_follows_xdg_data_home(tmp_path: Path) -> None:
    assert drafts_folder() == tmp_path / "xdg-data" / "kyphocheck" / "drafts"


def test_list_and_discard() -> None:
    draft = make_draft()
    listed = runner.invoke(app, ["drafts"])
    assert listed.exit_code == 0, listed.output
    assert draft.id in listed.stdout and "ML" in listed.stdout and "5 of 32" in listed.stdout
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
