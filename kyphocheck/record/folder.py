"""Writing a record folder: all files at once, owner-only, never over an existing record.

The files are written and fsynced in a hidden staging folder beside the target, which is then
renamed into place in one step: a reader sees either no record or the whole record.

A writer killed in the middle (SIGKILL, power cut) leaves its staging folder behind, holding
patient data. Each staging folder is named after the process that made it, so the next write to
the same folder removes those whose process is gone, and never one whose process is alive (a
second nurse writing there at that moment). The name holds the host and pid namespace, the boot,
the pid and the process's start time, so a pid used again by another process is no mistake;
folders made on another host (a shared drive) are left to that host.

Each folder renamed in gets its line in the output folder's log.jsonl (record/log/) in the same
step: see `_commit` for how neither comes without the other.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kyphocheck.errors import WriteError
from kyphocheck.record.log.entries import Summary, summarise
from kyphocheck.record.log.store import RecordLog
from kyphocheck.record.workers import interrupts_held

_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")
MAX_MRN_CHARS = 32
RECORD = "record.json"
STAGING_SUFFIX = ".partial"
# .NAME.HOST-BOOT-PID-START-RANDOM.partial (RANDOM from tempfile.mkdtemp)
_STAGING = re.compile(
    r"^\..+\.(?P<host>[0-9a-f]{8})-(?P<boot>[0-9a-f]{8})-(?P<pid>\d+)-(?P<start>\d+)-[a-z0-9_]+"
    + re.escape(STAGING_SUFFIX)
    + "$"
)
_committing: list[list[Path]] = []  # the lists of `committed_folders` blocks now running


def sanitise(text: str, fallback: str = "unknown") -> str:
    """A file-name-safe form of patient data: letters, digits and hyphens only."""
    cleaned = _UNSAFE.sub("_", text).strip("_")[:MAX_MRN_CHARS]
    return cleaned or fallback


def folder_name(scheduled: datetime, checklist_id: str, mrn: str) -> str:
    """`2026-12-01_kyphoplasty_00482913`: date, checklist and sanitised MRN."""
    return f"{scheduled:%Y-%m-%d}_{sanitise(checklist_id)}_{sanitise(mrn)}"


@dataclass(frozen=True)
class Owner:
    """The process that made a staging folder, as written in the folder's name."""

    host: str  # hash of the host name and pid namespace: where `pid` means this process
    boot: str  # hash of the boot id: a process of an earlier boot is gone
    pid: int
    start: int  # start time in clock ticks since boot (0 where unknown): a reused pid differs

    @property
    def tag(self) -> str:
        """The owner as it is written in a staging folder's name."""
        return f"{self.host}-{self.boot}-{self.pid}-{self.start}"


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:8]


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _process_start(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot); 0 where unknown; None if it is gone.

    A zombie is gone: it writes nothing more.
    """
    if not Path("/proc/self/stat").exists():  # no /proc (macOS): whether it exists at all
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "PID (command) "
    return None if fields[0] in ("Z", "X") else int(fields[19])


def _pid_namespace() -> str:
    try:
        return str(Path("/proc/self/ns/pid").stat().st_ino)
    except OSError:
        return ""


@functools.lru_cache(maxsize=4)
def _this_process(pid: int) -> Owner:
    return Owner(
        host=_hash(socket.gethostname(), _pid_namespace()),
        boot=_hash(_read("/proc/sys/kernel/random/boot_id")),
        pid=pid,
        start=_process_start(pid) or 0,
    )


def this_process() -> Owner:
    """This process as the owner of the staging folders it makes, so that others can tell."""
    return _this_process(os.getpid())  # by pid: a forked child is another owner


def staging_owner(name: str) -> Owner | None:
    """The owner named in a staging folder's name, to judge whether it is stale.

    None for any other name, and for the staging folders of earlier versions, which named no
    owner: those are left alone.
    """
    match = _STAGING.match(name)
    if match is None:
        return None
    return Owner(match["host"], match["boot"], int(match["pid"]), int(match["start"]))


def is_stale(owner: Owner) -> bool:
    """Whether the process that made a staging folder is gone, so its folder can be removed.

    Only this host can tell for its own processes: another host's (or container's) folder is
    never stale here. A folder of an earlier boot is. Otherwise it is stale unless a process
    with its pid is running and started when the name says (a pid since given to another
    process does not keep it).
    """
    here = this_process()
    if owner.host != here.host:
        return False
    if owner.boot != here.boot:
        return True
    started = _process_start(owner.pid)
    return started is None or (owner.start != 0 and started not in (0, owner.start))


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove the staging folders in `out` whose writer is gone (they hold patient data).

    Called before each write there, so the data of a killed writer stays no longer than the
    next record. Best effort: a folder that cannot be removed (another user's) stays, and the
    write goes on. Returns the folders removed.
    """
    removed: list[Path] = []
    try:
        with os.scandir(out) as listing:
            entries = [e for e in listing if e.name.endswith(STAGING_SUFFIX)]
    except OSError:
        return removed
    for entry in entries:
        owner = staging_owner(entry.name)
        if owner is None or not entry.is_dir(follow_symlinks=False) or not is_stale(owner):
            continue
        with contextlib.suppress(OSError):  # another writer may be removing it too
            shutil.rmtree(entry.path)
            removed.append(Path(entry.path))
    return removed


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


def _rename_in(staging: Path, out: Path, name: str, chosen: list[Path]) -> Path:
    """Rename the staging folder to `out/name` (or `name_2`, `name_3`...), never over a record.

    Each name is noted in `chosen` before it is tried, so that a caller interrupted in here can
    tell where the folder went.
    """
    for attempt in range(1, 1000):
        target = out / (name if attempt == 1 else f"{name}_{attempt}")
        if target.exists():
            continue
        chosen.append(target)
        try:
            # rename() never replaces a non-empty folder: a record that appeared in the
            # meantime is kept and we try the next name.
            staging.rename(target)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                continue
            raise
        return target
    raise WriteError(f"{out}: too many records named {name}")


def _commit(staging: Path, out: Path, name: str, digest: str, summary: Summary) -> Path:
    """Rename the staging folder in and append its line to the log, as one step.

    Under the log's lock, so that no other writer comes between the name chosen, the rename
    and the line (and the lines keep the order of the folders). With Ctrl-C, SIGTERM and
    SIGHUP held, so that they come before the rename or after the line; an interrupt already
    on its way when they were held, or a line that cannot be written (disk full), takes the
    folder back out, so the write fails whole. The folder is fsynced into place before its
    line is written: a SIGKILL or power cut in between can leave a folder without its line,
    which verify --log reports, never a line for a folder that is not there.
    """
    chosen: list[Path] = []
    with RecordLog.locked(out) as log, interrupts_held():
        try:
            target = _rename_in(staging, out, name, chosen)
            _fsync_dir(out)
            log.append(target.name, digest, summary)
        except BaseException:
            if chosen and not staging.exists():
                if log.ends_with(chosen[-1].name, digest):
                    _count(chosen[-1])  # renamed in and logged: written, and counted
                else:
                    # Renamed in but not logged (the log's last line says so): take it back.
                    try:
                        chosen[-1].rename(staging)
                    except OSError as exc:
                        raise WriteError(
                            f"{chosen[-1]}: written but not logged, and cannot be taken back "
                            f"({exc.strerror})"
                        ) from None
            raise
        _count(target)
    return target


def _count(target: Path) -> None:
    """Tell each `committed_folders` block that `target` is written."""
    for written in _committing:
        written.append(target)


def write_record_folder(out: Path, name: str, files: Mapping[str, bytes]) -> Path:
    """Write `files` as a new folder `out/name` (or `name_2`, `name_3`...); return its path.

    `files` must hold record.json: the folder's line in the log names it by its SHA-256.
    """
    record_json = files.get(RECORD)
    if record_json is None:
        raise WriteError(f"{out / name}: a record folder needs its {RECORD}")
    try:
        summary = summarise(record_json)
    except ValueError as exc:
        raise WriteError(f"{out / name}: {RECORD} cannot be logged ({exc})") from None
    digest = hashlib.sha256(record_json).hexdigest()
    staging: Path | None = None
    try:
        try:
            out.mkdir(mode=0o700, parents=True, exist_ok=True)
            remove_stale_staging(out)
            prefix = f".{name}.{this_process().tag}-"
            with interrupts_held():  # an interrupt cannot leave a staging folder unknown here
                staging = Path(tempfile.mkdtemp(prefix=prefix, suffix=STAGING_SUFFIX, dir=out))
        except OSError as exc:
            raise WriteError(f"{out}: cannot create the output folder ({exc.strerror})") from None
        try:
            staging.chmod(0o700)
            for file_name, content in files.items():
                _write_file(staging, file_name, content)
            _fsync_dir(staging)
            target = _commit(staging, out, name, digest, summary)
        except OSError as exc:
            raise WriteError(f"{out}: cannot write the record ({exc.strerror})") from None
        return target
    finally:
        if staging is not None and staging.exists():
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
