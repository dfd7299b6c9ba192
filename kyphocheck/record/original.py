"""The record an amendment corrects: read, and verified whole, before anything is asked.

An amendment of a forgery is none, so the original is verified as `kyphocheck verify` does (same
folder checks, same trust), and the amendment names the bytes that were verified.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kyphocheck.errors import InputError
from kyphocheck.record.amendment import Amends
from kyphocheck.signatures.record_folder import MAX_RECORD_BYTES, RECORD, verify_folder
from kyphocheck.signatures.verify import Verifier


def resumed_original(amends: dict[str, Any], trusted: list[Any]) -> Amends:
    """The record an interrupted amendment corrects, verified again, and the one it started on.

    Between Ctrl-C and resume the original may have been changed or replaced; an amendment
    names the bytes the nurse corrected, so anything else is refused.
    """
    folder = Path(str(amends.get("record", "")))
    original = verified_original(folder, str(amends.get("reason", "")), trusted)
    if original.sha256 != amends.get("sha256"):
        raise InputError(
            f"{folder}: its record.json is not the one this amendment was started on; "
            "discard the draft (kyphocheck drafts --discard) and amend again"
        )
    return original


def verified_original(record: Path, reason: str, trusted: list[Any]) -> Amends:
    """The record to amend, once it verifies whole: an amendment of a forgery is none."""
    record_json = verified_record_json(record, trusted, "amend")
    return Amends(record_json, json.loads(record_json), reason.strip())


def verified_record_json(record: Path, trusted: list[Any], doing: str) -> bytes:
    """A signed record's record.json bytes, once the folder verifies whole (to `doing` it).

    Verified as `kyphocheck verify` does (same folder checks, same trust). The bytes returned
    are those read before verifying, and must still be there after it.
    """
    record_path = record / RECORD
    if not record.is_dir() or not record_path.is_file():
        raise InputError(f"{record}: not a record folder (no {RECORD})")
    if record_path.stat().st_size > MAX_RECORD_BYTES:
        raise InputError(f"{record_path}: too large to be a kyphocheck record")
    record_json = record_path.read_bytes()
    verifier = Verifier(trusted)
    verify_folder(verifier, record)
    failed = [c for c in verifier.results if not c.ok]
    if any(c.check == "signed" for c in failed):
        raise InputError(
            f"{record}: an UNSIGNED draft record (--no-sign); only a signed record can be "
            f"{doing}ed: make the record again with kyphocheck run"
        )
    if failed:
        first = failed[0]
        raise InputError(
            f"{record}: does not verify, so it cannot be {doing}ed ({first.file}: {first.check}: "
            f"{first.detail}; see kyphocheck verify {record})"
        )
    if record_path.read_bytes() != record_json:
        raise InputError(f"{record_path}: changed while it was verified; {doing} it again")
    return record_json
