"""What a line of log.jsonl is: its fields, how it is made from a record.json, and read back.

The writer and verify make a record's summary with the same function (`summarise`), so a line
and its folder's record.json can be compared field by field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

LOG_NAME = "log.jsonl"
FORMAT = "kyphocheck.log/1"
GENESIS = "0" * 64  # the `prev` of the first line: there is no line before it
# A line is a few hundred bytes (an MRN is at most 64 characters, a name's initials fewer);
# anything longer is not one of ours, and is not parsed.
MAX_LINE_BYTES = 4096
# About 50,000 records, years of one clinic's output folder; beyond it a read would take
# long and hold it all in memory, so a larger log is refused rather than read.
MAX_LOG_BYTES = 32 * 1024 * 1024
_SHA256 = r"^[0-9a-f]{64}$"
# What folder.folder_name makes (and its `_2` suffixes): never a path, a dot name or `..`.
FOLDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$")

Sha256 = Annotated[str, Field(pattern=_SHA256)]


class _Model(BaseModel):
    # strict: `"cleared": "yes"` is no boolean and `"seq": "2"` no number.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LoggedPatient(_Model):
    """Who the record is of, as little as a listing needs to tell two patients apart."""

    initials: str = Field(max_length=200)
    mrn: str = Field(max_length=200)


class LoggedAmends(_Model):
    """The record an amended record replaces: its id and the SHA-256 of its record.json."""

    id: str = Field(max_length=64)
    sha256: Sha256


class Summary(_Model):
    """What a line says of its record, all taken from the record's record.json (`summarise`)."""

    record_id: str = Field(min_length=1, max_length=64)
    signer: str | None = Field(max_length=200)
    certificate_sha256: Sha256 | None
    patient: LoggedPatient
    checklist: str | None = Field(max_length=200)
    cleared: bool | None
    created_at: str | None = Field(max_length=64)
    clock: str | None = Field(max_length=16)
    status: str | None = Field(max_length=32)
    amends: LoggedAmends | None


class LogEntry(Summary):
    """One line of the log: its place in the chain, its folder, and the record's summary."""

    format: Literal["kyphocheck.log/1"]
    seq: int = Field(ge=1)
    prev: Sha256
    logged_at: str = Field(max_length=64)
    folder: str = Field(pattern=FOLDER_NAME.pattern)
    sha256: Sha256


SUMMARY_FIELDS = tuple(Summary.model_fields)


def initials(name: str) -> str:
    """The initials of a name (ML for Maria Lopez): a listing shows them, never the name."""
    return "".join(part[0].upper() for part in name.split() if part[:1].isalpha()) or "-"


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def summarise(record_json: bytes) -> Summary:
    """The summary of a record from its record.json's bytes; a ValueError if it has none.

    The writer and verify both call this, so a line and its record.json can be compared
    field by field. Only the id is required; a field the record lacks is null.
    """
    try:
        record = json.loads(record_json)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    signature = record.get("signature")
    signed = _mapping(signature)
    patient = _mapping(record.get("patient"))
    amends = record.get("amends")
    data = {
        "record_id": record.get("record_id"),
        "signer": _mapping(signed.get("signer")).get("name") if signature is not None else None,
        "certificate_sha256": signed.get("certificate_sha256") if signature is not None else None,
        "patient": {
            "initials": initials(str(patient.get("name") or "")),
            "mrn": patient.get("mrn") if patient.get("mrn") is not None else "",
        },
        "checklist": _mapping(record.get("checklist")).get("id"),
        "cleared": record.get("cleared"),
        "created_at": record.get("created_at"),
        "clock": record.get("clock"),
        "status": record.get("status"),
        # Only what identifies the original: whatever else an amendment says stays in it.
        "amends": (
            {"id": amends.get("id"), "sha256": amends.get("sha256")}
            if isinstance(amends, Mapping)
            else amends
        ),
    }
    try:
        return Summary.model_validate(data)
    except ValidationError as exc:
        raise ValueError(first_error(exc)) from None


def first_error(exc: ValidationError) -> str:
    """The first of pydantic's errors as one line: `patient.mrn: Input should be a string`."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice")
    return dict(pairs)


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a JSON number")


def parse_line(raw: bytes) -> LogEntry:
    """One line (without its newline) as an entry; a ValueError saying why it is not one."""
    if len(raw) > MAX_LINE_BYTES:
        raise ValueError(f"longer than {MAX_LINE_BYTES} bytes")
    try:
        data = json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    try:
        return LogEntry.model_validate(data)
    except ValidationError as exc:
        raise ValueError(first_error(exc)) from None


def serialise(entry: Mapping[str, Any]) -> bytes:
    """A line's bytes: ASCII (an initial like Á escaped), no spaces, without its newline."""
    return json.dumps(entry, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode()


def real_now() -> datetime:
    """When a line is appended: a fact of the write, so the real clock, never --now."""
    return datetime.now().astimezone()


@dataclass(frozen=True)
class LogLine:
    """One line as read: its number, its SHA-256 (the next line's `prev`), and its entry."""

    number: int  # 1-based
    sha256: str
    entry: LogEntry | None  # None: not an entry (`problem` says why)
    problem: str = ""


def split_lines(data: bytes) -> list[LogLine]:
    """The log's bytes as lines; a line that is not an entry is kept, with its reason."""
    lines: list[LogLine] = []
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        unended = end < 0
        end = len(data) if unended else end
        raw = data[start:end]
        entry: LogEntry | None = None
        try:
            entry = parse_line(raw)
            problem = ""
        except ValueError as exc:
            problem = str(exc)
        if unended:
            # A writer writes a line and its newline in one write: this one was cut short
            # (a power cut) or the log was edited.
            problem = "; ".join(p for p in (problem, "the last line has no newline") if p)
        lines.append(LogLine(len(lines) + 1, hashlib.sha256(raw).hexdigest(), entry, problem))
        start = end + 1
    return lines
