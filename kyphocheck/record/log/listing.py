"""`kyphocheck records`: the records of an output folder, from its log alone.

The log carries what a listing shows (time, initials and MRN, checklist, cleared, signer,
amendment), so a day's list reads one file however many folders there are. It lists what the
log says; whether the folders still agree is `verify --log`'s question.

An amended record (`status: amended`, `amends: {id, sha256}`, written by `kyphocheck amend`)
is listed as the version in force, with the record it replaces; the record it replaces is
listed as superseded by it. Both stay in the log and the folder: nothing is ever removed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from kyphocheck.errors import InputError
from kyphocheck.record.log.entries import LOG_NAME, LogEntry, LogLine
from kyphocheck.record.log.store import LogUnreadable, read_snapshot


@dataclass(frozen=True)
class ListedRecord:
    """One record as the listing shows it."""

    line: int
    entry: LogEntry
    made_at: datetime  # in the listing's zone
    superseded_by: tuple[str, ...]  # ids of the records that amend this one

    @property
    def replaces(self) -> str | None:
        """The id of the record this one amends, if it is an amendment."""
        return self.entry.amends.id if self.entry.amends is not None else None

    @property
    def status(self) -> str:
        """The record's standing: "amended (replaces ID)", "superseded by ID", both, or ""."""
        parts = []
        if self.entry.status == "amended":
            parts.append(f"amended (replaces {self.replaces})" if self.replaces else "amended")
        elif self.entry.status:
            parts.append(self.entry.status)
        if self.superseded_by:
            parts.append(f"superseded by {', '.join(self.superseded_by)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Listing:
    """The records of one day (or all), and what the log held that could not be listed."""

    records: list[ListedRecord]
    logged: int  # records in the whole log
    unreadable: list[LogLine]  # lines that are no entry (verify --log says more)


def _made_at(entry: LogEntry, zone: tzinfo) -> datetime:
    """When the record was made (its clock: --now when fixed), else when it was logged."""
    for text in (entry.created_at, entry.logged_at):
        try:
            moment = datetime.fromisoformat(text or "")
        except ValueError:
            continue
        if moment.tzinfo is not None:
            return moment.astimezone(zone)
    return datetime.min.replace(tzinfo=zone)


def list_records(out: Path, day: date | None, zone: tzinfo) -> Listing:
    """The records of `out` made on `day` in `zone` (every one for None), in log order.

    An InputError (exit 2) when `out` is no folder or has no log that can be read.
    """
    if not out.is_dir():
        raise InputError(f"{out}: no such folder (give the output folder: kyphocheck records DIR)")
    try:
        lines = read_snapshot(out).lines
    except FileNotFoundError:
        raise InputError(
            f"{out / LOG_NAME}: no log here (no record written to this folder was logged)"
        ) from None
    except LogUnreadable as exc:
        raise InputError(str(exc)) from None
    entries = [(line.number, line.entry) for line in lines if line.entry is not None]
    amended_by: dict[tuple[str, str], list[str]] = defaultdict(list)
    for _, entry in entries:
        if entry.amends is not None:
            amended_by[(entry.amends.id, entry.amends.sha256)].append(entry.record_id)
    records = []
    for number, entry in entries:
        made_at = _made_at(entry, zone)
        if day is not None and made_at.date() != day:
            continue
        superseded = tuple(amended_by.get((entry.record_id, entry.sha256), ()))
        records.append(ListedRecord(number, entry, made_at, superseded))
    return Listing(records, len(entries), [line for line in lines if line.entry is None])
