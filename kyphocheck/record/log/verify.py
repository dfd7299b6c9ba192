"""`kyphocheck verify --log DIR`: an output folder's log against itself, its folders against it.

One row per finding, each by name: a line that breaks the chain (a line before it removed,
moved or changed), a line that is no entry, a record deleted (its line, no folder), replaced
(its record.json is not the one logged), or whose line says other than its record.json, and a
folder that no line names (added behind the log's back). Each record also gets the folder
checks of `verify RECORD` (record_folder.verify_folder), folded into its one row.

By default those checks leave out the signatures: each takes tens of milliseconds, and five of
them per record made a log of 1,000 records take minutes (make bench). The quick pass is the
chain, each record.json's SHA-256 against its line, and each file against record.json's list
(the Markdown and its signatures hash as listed, the PDFs are there, nothing added); `deep`
verifies every signature as well, as `verify RECORD` does. What the quick pass misses: a record
replaced together with a rewritten log (the log is not signed), and a PDF changed (it embeds
record.json, so record.json cannot list its hash).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Any

from kyphocheck.record.folder import STAGING_SUFFIX
from kyphocheck.record.log.entries import GENESIS, LOG_NAME, SUMMARY_FIELDS, LogLine, summarise
from kyphocheck.record.log.store import LogUnreadable, read_snapshot
from kyphocheck.signatures.record_folder import MAX_RECORD_BYTES, RECORD, verify_folder
from kyphocheck.signatures.verify import Check, Verifier


def what_was_checked(deep: bool) -> str:
    """The sentence the command prints under its table: exactly what a pass means."""
    if deep:
        return (
            "Checked: the log's hash chain; for each record it names, record.json's SHA-256 "
            "as logged and every file and signature as `verify RECORD` does; and that no "
            "folder was added behind the log's back."
        )
    return (
        "Checked: the log's hash chain; for each record it names, record.json's SHA-256 as "
        "logged and its files as record.json lists them; and that no folder was added behind "
        "the log's back. Signatures were NOT checked: add --deep to verify them too (slower)."
    )


def verify_log(out: Path, trusted: list[Any], deep: bool = False) -> list[Check]:
    """Check the log of output folder `out` and the folders in it; a row per check."""
    verifier = Verifier(trusted)
    log_path = out / LOG_NAME
    if not out.is_dir():
        verifier.add(out, "log", False, "no such folder")
        return verifier.results
    try:
        snapshot = read_snapshot(out)
    except FileNotFoundError:
        verifier.add(log_path, "log", False, "missing: no record written here was logged")
        return verifier.results
    except LogUnreadable as exc:
        verifier.add(log_path, "log", False, str(exc).removeprefix(f"{log_path}: "))
        return verifier.results
    _check_chain(verifier, log_path, snapshot.lines)
    versions: dict[str, set[str]] = defaultdict(set)  # record id -> SHA-256s logged
    for line in snapshot.lines:
        if line.entry is not None:
            versions[line.entry.record_id].add(line.entry.sha256)
    logged: dict[str, int] = {}  # folder -> the line that names it
    for line in snapshot.lines:
        if line.entry is None:
            continue
        folder = line.entry.folder
        if folder in logged:
            detail = f"line {line.number} names it again (line {logged[folder]} did)"
            verifier.add(out / folder, "logged record", False, detail)
            continue
        logged[folder] = line.number
        _check_record(verifier, out, line, versions, deep)
    for name in snapshot.names:
        if name == LOG_NAME or name in logged:
            continue
        if name.startswith(".") and name.endswith(STAGING_SUFFIX):
            continue  # being written (or a killed writer's, which the next write removes)
        detail = "added behind the log's back: no line of log.jsonl names it"
        verifier.add(out / name, "in the log", False, detail)
    return verifier.results


def _check_chain(verifier: Verifier, log_path: Path, lines: list[LogLine]) -> None:
    """Each line's `prev` is the SHA-256 of the line before and its `seq` follows on."""
    prev, seq, broken = GENESIS, 1, False
    for line in lines:
        if line.problem:
            verifier.add(log_path, f"line {line.number}", False, f"not a log entry: {line.problem}")
            broken = True
        entry = line.entry
        if entry is not None:
            why = []
            if entry.prev != prev:
                why.append(
                    "its previous-line hash is not the genesis value"
                    if line.number == 1
                    else f"its previous-line hash is not that of line {line.number - 1}"
                )
            if entry.seq != seq:
                why.append(f"it says it is entry {entry.seq}, not {seq}")
            if why:
                reasons = "; ".join(why)
                detail = f"the chain breaks here: {reasons} (lines removed, moved or changed)"
                verifier.add(log_path, f"line {line.number}", False, detail)
                broken = True
            seq = entry.seq + 1
        else:
            seq += 1
        prev = line.sha256
    if not broken:
        # The last line's hash: an auditor who noted it earlier can tell that no line was cut
        # off the end, which no chain can show by itself.
        detail = f"{len(lines)} lines; the last line's SHA-256 is {prev}"
        verifier.add(log_path, "hash chain", True, detail)


def _check_record(
    verifier: Verifier,
    out: Path,
    line: LogLine,
    versions: dict[str, set[str]],
    deep: bool,
) -> None:
    """One row for the record a line names: as logged, and as `verify RECORD` checks it."""
    entry = line.entry
    assert entry is not None
    folder = out / entry.folder
    if folder.is_symlink() or not folder.is_dir():
        what = "is not a folder" if folder.exists() else "is gone"
        detail = f"deleted: line {line.number} of the log names it; the folder {what}"
        verifier.add(folder, "logged record", False, detail)
        return
    problems = _as_logged(folder / RECORD, line)
    amends = entry.amends
    if amends is not None and amends.id in versions and amends.sha256 not in versions[amends.id]:
        problems.append(
            f"it amends record {amends.id}, but no version of it logged here has the SHA-256 "
            "it gives"
        )
    first = len(verifier.results)
    verify_folder(verifier, folder, signatures=deep)
    rows = verifier.results[first:]
    del verifier.results[first:]  # folded into this record's one row
    problems += [_row_text(folder, row) for row in rows if not row.ok]
    detail = "; ".join(problems) or (
        f"line {line.number}; signatures verified" if deep else f"line {line.number}"
    )
    verifier.add(folder, "logged record", not problems, detail)


def _as_logged(record_path: Path, line: LogLine) -> list[str]:
    """What differs between a line and its folder's record.json (nothing: an empty list)."""
    entry = line.entry
    assert entry is not None
    try:
        if record_path.stat().st_size > MAX_RECORD_BYTES:
            return []  # verify_folder says so
        record_json = record_path.read_bytes()
    except OSError:
        return []  # verify_folder says it is missing
    if hashlib.sha256(record_json).hexdigest() != entry.sha256:
        return [f"replaced: {RECORD}'s SHA-256 is not the one line {line.number} logged"]
    try:
        summary = summarise(record_json)
    except ValueError as exc:
        return [f"{RECORD} cannot be read ({exc})"]
    # The same bytes give the same summary: a difference is a line edited after it was written.
    differ = [name for name in SUMMARY_FIELDS if getattr(summary, name) != getattr(entry, name)]
    if differ:
        return [f"line {line.number} gives another {', '.join(differ)} than {RECORD}"]
    return []


def _row_text(folder: Path, row: Check) -> str:
    where = "" if row.file == folder.name else f"{row.file}: "
    return f"{where}{row.check}" + (f": {row.detail}" if row.detail else "")
