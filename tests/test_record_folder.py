"""Record folders: sanitised names, owner-only, atomic, never overwritten."""

from __future__ import annotations

import dataclasses
import json
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kyphocheck.errors import WriteError
from kyphocheck.record.folder import (
    Owner,
    committed_folders,
    folder_name,
    sanitise,
    this_process,
    write_record_folder,
)

# The least a record folder holds: the log names it by its record.json.
RECORD = {"record.json": b'{"record_id": "invented-1"}'}


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
    folder = write_record_folder(tmp_path / "out", "rec", {**RECORD, "a.txt": b"A", "b.txt": b"B"})
    assert folder == tmp_path / "out" / "rec"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("a.txt", "b.txt"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert (folder / "a.txt").read_bytes() == b"A"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["log.jsonl", "rec"]
    assert stat.S_IMODE((tmp_path / "out" / "log.jsonl").stat().st_mode) == 0o600


def test_never_overwrites(tmp_path: Path) -> None:
    first = write_record_folder(tmp_path, "rec", {**RECORD, "a.txt": b"first"})
    second = write_record_folder(tmp_path, "rec", {**RECORD, "a.txt": b"second"})
    third = write_record_folder(tmp_path, "rec", {**RECORD, "a.txt": b"third"})
    assert (first.name, second.name, third.name) == ("rec", "rec_2", "rec_3")
    assert (first / "a.txt").read_bytes() == b"first"


def test_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(WriteError):
        write_record_folder(
            out, "rec", {**RECORD, "a.txt": b"A", "../escape.txt": b"B", "bad/x": b"C"}
        )
    assert list(out.iterdir()) == []
    assert not (tmp_path / "escape.txt").exists()


def test_unwritable_output_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(WriteError, match="cannot create the output folder"):
        write_record_folder(blocker / "out", "rec", {**RECORD, "a.txt": b"A"})


def _interrupt_right_after(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, then Ctrl-C at once, as if it came the moment the call returned."""

    def then_interrupt(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        # To this thread: another thread of the test process could take a process-wide one.
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        return result

    return then_interrupt


def test_a_folder_renamed_in_just_before_an_interrupt_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    with committed_folders() as written:
        write_record_folder(out, "first", {**RECORD, "a.txt": b"A"})
        monkeypatch.setattr(Path, "rename", _interrupt_right_after(Path.rename))
        with pytest.raises(KeyboardInterrupt):
            write_record_folder(out, "second", {**RECORD, "a.txt": b"A"})
    assert written == [out / "first", out / "second"]
    assert sorted(p.name for p in out.iterdir()) == ["first", "log.jsonl", "second"]
    # Renamed in and logged in one step: the interrupt came after both.
    logged = [json.loads(line)["folder"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert logged == ["first", "second"]


def test_an_interrupt_as_the_staging_folder_is_made_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "mkdtemp", _interrupt_right_after(tempfile.mkdtemp))
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        write_record_folder(out, "rec", {**RECORD, "a.txt": b"A"})
    assert list(out.iterdir()) == []


def _staging(out: Path, owner: Owner, name: str = "2026-12-01_kyphoplasty_SH-001") -> Path:
    """A staging folder as a writer of `owner` leaves it, with a patient's file in it."""
    folder = out / f".{name}.{owner.tag}-abc123_x.partial"
    folder.mkdir(mode=0o700, parents=True)
    (folder / "record.json").write_text('{"patient": "invented"}')
    return folder


def _a_dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()  # reaped: its pid names no process now
    return process.pid


def test_the_next_write_removes_staging_folders_whose_writer_is_gone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    me = this_process()
    other_host = dataclasses.replace(me, host="0" * 8, pid=_a_dead_pid())
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as nurse:
        try:
            deadline = time.monotonic() + 10
            while (started := _start_of(nurse.pid)) is None and time.monotonic() < deadline:
                time.sleep(0.01)
            assert started is not None
            second_nurse = dataclasses.replace(me, pid=nurse.pid, start=started)
            stale = [
                _staging(out, dataclasses.replace(me, pid=_a_dead_pid())),
                _staging(out, dataclasses.replace(me, start=me.start + 1)),  # our pid, reused
                _staging(out, dataclasses.replace(me, boot="0" * 8)),  # an earlier boot
            ]
            live = [
                _staging(out, me),
                _staging(out, second_nurse),
                _staging(out, other_host),  # another host's pid: not ours to judge
                out / ".rec.k2j4h5.partial",  # an earlier version's: no owner named
            ]
            live[-1].mkdir()
            folder = write_record_folder(out, "rec", {**RECORD, "a.txt": b"A"})
        finally:
            nurse.kill()
    assert not any(p.exists() for p in stale)
    assert all(p.is_dir() for p in live)
    assert (live[1] / "record.json").read_text() == '{"patient": "invented"}'
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "a.txt").stat().st_mode) == 0o600


def _start_of(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2 :].split()[19])


# Writes a record whose second file never comes: the test kills it while it waits.
SLOW_WRITER = """
import sys, time
from pathlib import Path
from kyphocheck.record import folder

real = folder._write_file
def write_slowly(staging, name, content):
    real(staging, name, content)
    Path(sys.argv[2]).write_text(str(staging))  # the test may kill now
    time.sleep(30)
folder._write_file = write_slowly
folder.write_record_folder(Path(sys.argv[1]), "2026-12-01_kyphoplasty_SH-001",
                           {"record.json": b'{"record_id": "invented"}',
                            "take-home.md": b"invented"})
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_writer_killed_mid_record_leaves_data_the_next_write_removes(tmp_path: Path) -> None:
    out, ready = tmp_path / "out", tmp_path / "ready"
    writer = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(out), str(ready)])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert writer.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        writer.kill()
        writer.wait()
    left = Path(ready.read_text())
    assert left.parent == out and (left / "record.json").exists()  # what SIGKILL leaves
    folder = write_record_folder(out, "rec", {**RECORD, "a.txt": b"A"})
    assert sorted(p.name for p in out.iterdir()) == sorted([folder.name, "log.jsonl"])
