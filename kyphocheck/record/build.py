"""The canonical record: everything an auditor needs to trust an encounter later.

`record.json` is the source of truth; the Markdown documents are rendered from it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from kyphocheck import __version__
from kyphocheck.assess import Assessment
from kyphocheck.errors import InputError, Problem, quoted
from kyphocheck.expressions import suggest
from kyphocheck.intake.encounter import Allergy, Encounter, Medication
from kyphocheck.schema import Severity
from kyphocheck.site.checklist import Checklist
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import Clock
from kyphocheck.yamlio import format_loc, line_of

SCHEMA = "kyphocheck.record/1"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Medication | Allergy):
        return value.as_dict()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def check_overrides(
    encounter: Encounter, assessment: Assessment, source: str = "answers", data: Any = None
) -> None:
    """Every override must name a stop finding of this assessment."""
    stops = {f.id for f in assessment.findings if f.severity is Severity.STOP}
    everything = {f.id for f in assessment.findings}
    problems = []
    for index, override in enumerate(encounter.overrides):
        loc: list[str | int] = ["overrides", index, "finding"]
        if override.finding not in everything:
            message = f"no finding {quoted(override.finding)} in this record" + suggest(
                override.finding, everything
            )
            problems.append(Problem(source, line_of(data, loc), format_loc(loc), message))
        elif override.finding not in stops:
            message = (
                f"{quoted(override.finding)} is not a stop finding; "
                "only stop findings are overridden"
            )
            problems.append(Problem(source, line_of(data, loc), format_loc(loc), message))
    if problems:
        raise InputError(problems)


def build_record(
    checklist: Checklist,
    protocol: Protocol,
    encounter: Encounter,
    assessment: Assessment,
    clock: Clock,
    site_name: str,
) -> dict[str, Any]:
    """The record as plain JSON-ready data (without template hashes and signature yet)."""
    cleared = assessment.outcome(o.finding for o in encounter.overrides).cleared
    record = {
        "schema": SCHEMA,
        "record_id": None,
        "created_at": clock.now.isoformat(),
        "clock": "fixed" if clock.fixed else "system",
        "site": {"name": site_name},
        "checklist": {
            "id": checklist.id,
            "version": checklist.version,
            "sha256": checklist.sha256,
            "title": checklist.title,
            "files": list(checklist.files),
        },
        "protocol": {
            "name": protocol.info.name,
            "version": protocol.info.version,
            "sha256": protocol.sha256,
            "files": protocol.files,
        },
        "patient": encounter.patient.as_dict(),
        "procedure": encounter.procedure.as_dict(),
        "answers": {key: _plain(value) for key, value in encounter.answers.items()},
        "not_applicable": list(encounter.not_applicable),
        "notes": list(encounter.notes),
        "computed": assessment.computed,
        "findings": [f.as_dict() for f in assessment.findings],
        "overrides": [o.as_dict() for o in encounter.overrides],
        "cleared": cleared,
        "templates": {},
        "files": {},
        "signature": None,
        "tool": {"name": "kyphocheck", "version": __version__},
    }
    if encounter.ehr is not None:
        # Which values the EHR's bundle gave (run --fhir), by answers-file key; any other was
        # entered by the nurse or an answers file. Only in records made with a bundle.
        filled = [k for k in encounter.ehr["filled"] if _still_given(k, record)]
        record["sources"] = {key: "fhir" for key in filled}
        record["ehr"] = {"bundle_sha256": encounter.ehr["sha256"], "notes": encounter.ehr["notes"]}
    return record


def _still_given(key: str, record: dict[str, Any]) -> bool:
    """Whether a value the bundle filled is still in the record (not dropped as not applying)."""
    part, _, name = key.partition(".")
    return name in record.get(part, {})


def canonical_json(record: dict[str, Any]) -> bytes:
    """The record's bytes: sorted keys, UTF-8, a final newline; the same data, the same bytes."""
    return (json.dumps(record, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()


def seal_id(record: dict[str, Any]) -> dict[str, Any]:
    """Give the record an id derived from its content, so identical input gives the same id.

    The id covers everything but itself, the template and file hashes and the signature,
    which are added around the rendering of the documents that print the id.
    """
    content = canonical_json(
        {**record, "record_id": None, "templates": {}, "files": {}, "signature": None}
    )
    return {**record, "record_id": hashlib.sha256(content).hexdigest()[:16]}
