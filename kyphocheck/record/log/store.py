"""Reading and appending log.jsonl, under its lock.

Writers are serialised by an exclusive lock on log.jsonl itself (flock), held from reading the
last line to the fsync of the new one: two nurses writing to one folder at once both land in
the chain, in order, each line whole. flock rather than the `filelock` package: no lock file of
its own in the output folder, the kernel drops the lock of a writer that dies (none goes
stale), and it is the standard library; POSIX only, as the writer already is (signal masks,
fork). Readers take it shared, so that they see the log and the folder at one moment.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from kyphocheck.errors import WriteError
from kyphocheck.record.log.entries import (
    FORMAT,
    GENESIS,
    LOG_NAME,
    MAX_LINE_BYTES,
    MAX_LOG_BYTES,
    LogEntry,
    LogLine,
    Summary,
    first_error,
    parse_line,
    real_now,
    serialise,
    split_lines,
)

LOCK_TIMEOUT = 30.0  # seconds: a writer holds the lock for milliseconds
_CHUNK = 64 * 1024
# flock excludes other open files, even in this process; the thread lock is for file systems
# (NFS) where flock is a POSIX lock, which does not exclude the threads of one process.
_threads = threading.Lock()


class LogUnreadable(ValueError):
    """The log cannot be read as one: too large, not a regular file, or not readable."""


@dataclass(frozen=True)
class Snapshot:
    """The log's lines and the names in its output folder, read at one moment."""

    lines: list[LogLine]
    names: list[str]


def _open(path: Path, flags: int) -> int:
    """The log's descriptor; never through a symbolic link, never anything but a file."""
    descriptor = os.open(path, flags | os.O_NOFOLLOW, 0o600)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise LogUnreadable(f"{path}: not a regular file")
    return descriptor


def _lock(descriptor: int, kind: int, timeout: float) -> bool:
    """Take the lock, waiting at most `timeout`; False if another holds it all that time.

    Polled rather than blocking: a writer stopped with the lock held (Ctrl-Z) must not hang
    every other nurse's write, and the wait stays interruptible.
    """
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        try:
            fcntl.flock(descriptor, kind | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.02)


def _read(descriptor: int, limit: int) -> bytes:
    """At most `limit` bytes from the start, however many reads that takes."""
    chunks: list[bytes] = []
    position = 0
    while position < limit:
        chunk = os.pread(descriptor, min(_CHUNK * 16, limit - position), position)
        if not chunk:
            break
        chunks.append(chunk)
        position += len(chunk)
    return b"".join(chunks)


def read_snapshot(out: Path, timeout: float = LOCK_TIMEOUT) -> Snapshot:
    """The log of `out` and the names beside it, with no writer in between.

    FileNotFoundError when there is no log; LogUnreadable when it cannot be read as one.
    """
    path = out / LOG_NAME
    try:
        descriptor = _open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise LogUnreadable(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        with contextlib.suppress(OSError):  # no locks on this file system: read all the same
            if not _lock(descriptor, fcntl.LOCK_SH, timeout):
                raise LogUnreadable(f"{path}: a writer has held it for {timeout:.0f} s")
        size = os.fstat(descriptor).st_size
        if size > MAX_LOG_BYTES:
            raise LogUnreadable(f"{path}: {size} bytes, more than a log may hold ({MAX_LOG_BYTES})")
        data = _read(descriptor, MAX_LOG_BYTES + 1)
        if len(data) > MAX_LOG_BYTES:  # it grew: a writer that does not lock
            raise LogUnreadable(f"{path}: more than a log may hold ({MAX_LOG_BYTES} bytes)")
        names = sorted(entry.name for entry in out.iterdir())
    finally:
        os.close(descriptor)  # and with it the lock
    return Snapshot(split_lines(data), names)


def _line_start(descriptor: int, end: int) -> int:
    """Where the line that ends at `end` begins: after the newline before it, or at 0."""
    position = end
    while position > 0:
        begin = max(0, position - _CHUNK)
        found = os.pread(descriptor, position - begin, begin).rfind(b"\n")
        if found >= 0:
            return begin + found + 1
        position = begin
    return 0


def _digest(descriptor: int, start: int, end: int) -> tuple[str, bytes]:
    """The SHA-256 of bytes start..end, read in chunks, and their first MAX_LINE_BYTES + 1."""
    digest = hashlib.sha256()
    head = b""
    position = start
    while position < end:
        chunk = os.pread(descriptor, min(_CHUNK, end - position), position)
        if not chunk:
            break
        if len(head) <= MAX_LINE_BYTES:
            head += chunk[: MAX_LINE_BYTES + 1 - len(head)]
        digest.update(chunk)
        position += len(chunk)
    return digest.hexdigest(), head


def _count_lines(descriptor: int, size: int) -> int:
    count, position = 0, 0
    while position < size:
        chunk = os.pread(descriptor, min(_CHUNK, size - position), position)
        if not chunk:
            break
        count += chunk.count(b"\n")
        position += len(chunk)
    return count


def _tail(descriptor: int) -> tuple[int, str, bool]:
    """(seq, prev, unended) for the next line, whatever the last line holds.

    A last line without its newline (a write cut short by a power cut) is kept as it is and
    ended: the next line chains to it, and verify reports it, rather than a fragment being
    silently dropped or glued to the new line. A last line that is no entry gives no seq: the
    next is then numbered by its line.
    """
    size = os.fstat(descriptor).st_size
    if size == 0:
        return 1, GENESIS, False
    unended = os.pread(descriptor, 1, size - 1) != b"\n"
    end = size if unended else size - 1
    start = _line_start(descriptor, end)
    prev, head = _digest(descriptor, start, end)
    try:
        return parse_line(head).seq + 1, prev, unended
    except ValueError:
        return _count_lines(descriptor, size) + unended + 1, prev, unended


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


class RecordLog:
    """The log of one output folder, open and locked for appending (see `locked`)."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor = descriptor

    @classmethod
    @contextlib.contextmanager
    def locked(cls, out: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[RecordLog]:
        """The log of `out` (made, owner only, if there is none), locked against other writers.

        Hold it from before the rename of a folder to after its line is appended.
        """
        path = out / LOG_NAME
        if not _threads.acquire(timeout=timeout):
            raise WriteError(f"{path}: another writer has held the log for {timeout:.0f} s")
        try:
            try:
                descriptor = _open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND)
            except (OSError, LogUnreadable) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else "not a regular file"
                raise WriteError(f"{path}: cannot open the log ({reason})") from None
            try:
                with contextlib.suppress(PermissionError):  # another user's: left as it is
                    os.fchmod(descriptor, 0o600)  # patient initials and MRNs: owner only
                try:
                    got = _lock(descriptor, fcntl.LOCK_EX, timeout)
                except OSError as exc:
                    # Without the lock two writers could both chain to the same line: refuse.
                    raise WriteError(f"{path}: cannot lock the log ({exc.strerror})") from None
                if not got:
                    raise WriteError(
                        f"{path}: another writer has held the log for {timeout:.0f} s; "
                        "nothing was written"
                    )
                yield cls(path, descriptor)
            finally:
                os.close(descriptor)  # and with it the lock
        finally:
            _threads.release()

    def ends_with(self, folder: str, record_sha256: str) -> bool:
        """Whether the last line logs this folder with this record.json.

        The log itself, not a flag set after the append, says whether the line was written:
        an interrupt can fall between the two.
        """
        try:
            size = os.fstat(self._descriptor).st_size
            if size == 0 or os.pread(self._descriptor, 1, size - 1) != b"\n":
                return False
            start = _line_start(self._descriptor, size - 1)
            entry = parse_line(_digest(self._descriptor, start, size - 1)[1])
        except (OSError, ValueError):
            return False
        return entry.folder == folder and entry.sha256 == record_sha256

    def append(self, folder: str, record_sha256: str, summary: Summary) -> LogEntry:
        """Append the line of a folder just renamed in, and fsync it: all of it or none.

        A WriteError when it cannot be written; the log is then as it was.
        """
        seq, prev, unended = _tail(self._descriptor)
        line = {
            "format": FORMAT,
            "seq": seq,
            "prev": prev,
            "logged_at": real_now().isoformat(),
            "folder": folder,
            "sha256": record_sha256,
            **summary.model_dump(),
        }
        try:
            entry = LogEntry.model_validate(line)  # what verify will read back
        except ValidationError as exc:
            raise WriteError(f"{self.path}: cannot log {folder} ({first_error(exc)})") from None
        data = serialise(line)
        if len(data) > MAX_LINE_BYTES:
            raise WriteError(f"{self.path}: the line of {folder} is longer than a line may be")
        size = os.fstat(self._descriptor).st_size
        try:
            _write_all(self._descriptor, (b"\n" if unended else b"") + data + b"\n")
            os.fsync(self._descriptor)
        except OSError as exc:
            with contextlib.suppress(OSError):  # no part of a line left behind
                os.ftruncate(self._descriptor, size)
                os.fsync(self._descriptor)
            reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "error")
            raise WriteError(f"{self.path}: cannot append to the log ({reason})") from None
        return entry
