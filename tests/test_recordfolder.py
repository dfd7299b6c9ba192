"""Record folders: sanitised names, owner-only, atomic, never overwritten."""

from __future__ import annotations

import os
import signal
import stat
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kyphocheck.errors import WriteError
from kyphocheck.record.folder import (
    committed_folders,
    folder_name,
    sanitise,
    write_record_folder,
)


@pytest.mark.parametrize(
    ("mrn", "safe"),
    [
        ("00482913", "00482913"),
        ("../../x", "x"),
        ("a/b\\c", "a_b_c"),
        ("", "unknown"),
        ("..", "unknown"),
        ("MRN 12 34", "MRN_12_34"),
        ("x" * 80, "x" * 32),
        ("ñandú", "and"),
    ],
)
def test_sanitise(mrn: str, safe: str) -> None:
    assert sanitise(mrn) == safe


def test_folder_name() -> None:
    assert (
        folder_name(datetime(2026, 12, 1, 8, 30), "kyphoplasty", "../../x")
        == "2026-12-01_kyphoplasty_x"
    )


def test_writes_owner_only_files(tmp_path: Path) -> None:
    folder = write_record_folder(tmp_path / "out", "rec", {"a.txt": b"A", "b.txt": b"B"})
    assert folder == tmp_path / "out" / "rec"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("a.txt", "b.txt"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert (folder / "a.txt").read_bytes() == b"A"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["rec"]


def test_never_overwrites(tmp_path: Path) -> None:
    first = write_record_folder(tmp_path, "rec", {"a.txt": b"first"})
    second = write_record_folder(tmp_path, "rec", {"a.txt": b"second"})
    third = write_record_folder(tmp_path, "rec", {"a.txt": b"third"})
    assert (first.name, second.name, third.name) == ("rec", "rec_2", "rec_3")
    assert (first / "a.txt").read_bytes() == b"first"


def test_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(WriteError):
        write_record_folder(out, "rec", {"a.txt": b"A", "../escape.txt": b"B", "bad/x": b"C"})
    assert list(out.iterdir()) == []
    assert not (tmp_path / "escape.txt").exists()


def test_unwritable_output_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(WriteError, match="cannot create the output folder"):
        write_record_folder(blocker / "out", "rec", {"a.txt": b"A"})


def _interrupt_right_after(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, then Ctrl-C at once, as if it came the moment the call returned."""

    def then_interrupt(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)
        return result

    return then_interrupt


def test_a_folder_renamed_in_just_before_an_interrupt_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    with committed_folders() as written:
        write_record_folder(out, "first", {"a.txt": b"A"})
        monkeypatch.setattr(Path, "rename", _interrupt_right_after(Path.rename))
        with pytest.raises(KeyboardInterrupt):
            write_record_folder(out, "second", {"a.txt": b"A"})
    assert written == [out / "first", out / "second"]
    assert sorted(p.name for p in out.iterdir()) == ["first", "second"]


def test_an_interrupt_as_the_staging_folder_is_made_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "mkdtemp", _interrupt_right_after(tempfile.mkdtemp))
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        write_record_folder(out, "rec", {"a.txt": b"A"})
    assert list(out.iterdir()) == []
