"""Amendments: a corrected new version of a signed record, which names the one it replaces.

The original is never touched. The new record says which record it amends (its id and the
SHA-256 of its record.json bytes), why, and what changed: each answer whose value differs (old
and new, as the answers give them) and each finding added or resolved. What changed is worked
out here from the two records alone (pure), and kept in the new record.json, so it is signed
with it and an auditor reads it without the original at hand.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from kyphocheck.errors import InputError, Problem

# Who the record is of: an amendment of another patient's record is refused.
SAME_PATIENT = ("mrn", "name", "dob")


@dataclass(frozen=True)
class Amends:
    """The record being amended: its record.json (bytes and parsed), and the reason."""

    record_json: bytes
    original: dict[str, Any]
    reason: str

    @property
    def sha256(self) -> str:
        """The SHA-256 of the original's record.json bytes: what the amendment names."""
        return hashlib.sha256(self.record_json).hexdigest()

    def answers_document(self) -> dict[str, Any]:
        """The original's answers as an answers file holds them, to start the amendment from."""
        original = self.original
        document: dict[str, Any] = {
            "checklist": original["checklist"]["id"],
            "patient": dict(original["patient"]),
            "procedure": dict(original["procedure"]),
            "answers": dict(original["answers"]),
        }
        if original.get("overrides"):
            document["overrides"] = list(original["overrides"])
        return document


def check_same_encounter(amends: Amends, record: dict[str, Any], source: str) -> None:
    """The amendment is of the same patient and checklist; an InputError naming the field."""
    original = amends.original
    if record["checklist"]["id"] != original["checklist"]["id"]:
        raise InputError(
            Problem(
                source,
                field="checklist",
                message=f"is {record['checklist']['id']!r}; the record amended is "
                f"{original['checklist']['id']!r}",
            )
        )
    for field in SAME_PATIENT:
        if record["patient"].get(field) != original["patient"].get(field):
            raise InputError(
                Problem(
                    source,
                    field=f"patient.{field}",
                    message="differs from the record amended: an amendment is of the same patient",
                )
            )


def amendment_fields(amends: Amends, record: dict[str, Any]) -> dict[str, Any]:
    """The fields an amended record adds: status, amends, reason, and what changed."""
    original = amends.original
    changed = [
        *_changed(original.get("patient", {}), record.get("patient", {}), "patient."),
        *_changed(original.get("procedure", {}), record.get("procedure", {}), "procedure."),
        *_changed(original.get("answers", {}), record.get("answers", {}), ""),
    ]
    # A finding is the same when its id, severity and words are: one that changed severity
    # (sertraline notify -> info once the blood thinner is gone) is resolved and added.
    old_findings = {_key(f): f for f in original.get("findings", [])}
    new_findings = {_key(f): f for f in record.get("findings", [])}
    return {
        "status": "amended",
        "amends": {"id": original["record_id"], "sha256": amends.sha256},
        "amendment_reason": amends.reason,
        "amendment": {
            "answers_changed": changed,
            "findings_added": [
                _finding(f) for i, f in new_findings.items() if i not in old_findings
            ],
            "findings_resolved": [
                _finding(f) for i, f in old_findings.items() if i not in new_findings
            ],
            "cleared_before": original.get("cleared"),
        },
    }


def _changed(old: dict[str, Any], new: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """Each field whose value differs: `item` is an answer's id, or patient.X / procedure.X."""
    return [
        {"item": prefix + key, "old": old.get(key), "new": new.get(key)}
        for key in sorted(set(old) | set(new))
        if _canonical(old.get(key)) != _canonical(new.get(key))
    ]


def _key(finding: dict[str, Any]) -> tuple[str, str, str]:
    return (str(finding.get("id")), str(finding.get("severity")), str(finding.get("message")))


def _finding(finding: dict[str, Any]) -> dict[str, Any]:
    return {key: finding.get(key) for key in ("id", "severity", "message")}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
