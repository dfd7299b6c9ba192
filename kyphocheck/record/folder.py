"""Writing a record folder: all files at once, owner-only, never over an existing record.

The files are written and fsynced in a hidden temporary folder beside the target, which is then
renamed into place in one step: a reader sees either no record or the whole record.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

from kyphocheck.errors import WriteError
from kyphocheck.record.workers import interrupts_held

_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")
MAX_MRN_CHARS = 32
_committing: list[list[Path]] = []  # the lists of `committed_folders` blocks now running


def sanitise(text: str, fallback: str = "unknown") -> str:
    """A file-name-safe form of patient data: letters, digits and hyphens only."""
    cleaned = _UNSAFE.sub("_", text).strip("_")[:MAX_MRN_CHARS]
    return cleaned or fallback


def folder_name(scheduled: datetime, checklist_id: str, mrn: str) -> str:
    """`2026-12-01_kyphoplasty_00482913`: date, checklist and sanitised MRN."""
    return f"{scheduled:%Y-%m-%d}_{sanitise(checklist_id)}_{sanitise(mrn)}"


@contextlib.contextmanager
def committed_folders() -> Iterator[list[Path]]:
    """The record folders written while the block runs, each counted as it is renamed in.

    A caller's count of the folders it got back misses one when an interrupt comes between the
    rename and the return (while the folder is fsynced, say); `kyphocheck sheet` then said one
    sheet fewer than it had written. Each folder is counted here in the same step as its rename.
    """
    written: list[Path] = []
    _committing.append(written)
    try:
        yield written
    finally:
        _committing.remove(written)


def _write_file(folder: Path, name: str, content: bytes) -> None:
    if Path(name).name != name or name in ("", ".", ".."):
        raise WriteError(f"refusing to write a file named {name!r} outside the record folder")
    path = folder / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _rename_in(staging: Path, out: Path, name: str) -> Path:
    """Rename the staging folder to `out/name` (or `name_2`, `name_3`...), never over a record."""
    for attempt in range(1, 1000):
        target = out / (name if attempt == 1 else f"{name}_{attempt}")
        if target.exists():
            continue
        try:
            # rename() never replaces a non-empty folder: a record that appeared in the
            # meantime is kept and we try the next name.
            with interrupts_held():  # renamed in and counted, or neither
                staging.rename(target)
                for written in _committing:
                    written.append(target)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                continue
            raise
        return target
    raise WriteError(f"{out}: too many records named {name}")


def write_record_folder(out: Path, name: str, files: Mapping[str, bytes]) -> Path:
    """Write `files` as a new folder `out/name` (or `name_2`, `name_3`...); return its path."""
    staging: Path | None = None
    try:
        try:
            out.mkdir(mode=0o700, parents=True, exist_ok=True)
            with interrupts_held():  # an interrupt cannot leave a staging folder unknown here
                staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=out))
        except OSError as exc:
            raise WriteError(f"{out}: cannot create the output folder ({exc.strerror})") from None
        try:
            staging.chmod(0o700)
            for file_name, content in files.items():
                _write_file(staging, file_name, content)
            _fsync_dir(staging)
            target = _rename_in(staging, out, name)
            _fsync_dir(out)
        except OSError as exc:
            raise WriteError(f"{out}: cannot write the record ({exc.strerror})") from None
        return target
    finally:
        if staging is not None and staging.exists():
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
