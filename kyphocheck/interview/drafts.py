"""Drafts of interrupted runs, saved after every answer so nothing a nurse typed is lost.

A draft is an answers file (version 1) plus where the run stood. It lives in the user data
folder (platformdirs; XDG_DATA_HOME moves it), owner-only, and is replaced atomically: a crash
in the middle of a save leaves the previous draft whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kyphocheck.errors import InputError, KyphocheckError, Problem, UsageError
from kyphocheck.expressions import suggest

SCHEMA = "kyphocheck.draft/1"


def drafts_folder() -> Path:
    """Where drafts live: <user data>/kyphocheck/drafts."""
    from platformdirs import user_data_path

    return user_data_path("kyphocheck", appauthor=False) / "drafts"


@dataclass
class Draft:
    """An interrupted run: its answers document and its place in the checklist."""

    id: str
    document: dict[str, Any]
    checklist_sha256: str | None = None
    visited: list[str] = field(default_factory=list)
    phase: str = "header"
    site: str | None = None
    out: str | None = None
    no_sign: bool = False
    created_at: str = ""
    updated_at: str = ""
    progress: dict[str, int] = field(default_factory=dict)
    # A medicine or allergy being entered, field by field: {"item": ..., "entry": {...}}.
    pending: dict[str, Any] | None = None
    # An interrupted `amend`: the record it corrects ({"record": folder, "id", "sha256",
    # "reason", "patient": {mrn, name, dob}}), so that resume finishes an amendment, not a run.
    amends: dict[str, Any] | None = None

    @classmethod
    def new(cls, document: dict[str, Any]) -> Draft:
        """A fresh draft with an id that sorts by the real time (not a --now clock)."""
        now = datetime.now().astimezone()
        stamp = now.strftime("%Y%m%d-%H%M%S")
        return cls(
            id=f"{stamp}-{secrets.token_hex(2)}",
            document=document,
            created_at=now.isoformat(),
            updated_at=now.isoformat(),
        )

    def as_json(self) -> dict[str, Any]:
        """The draft file's content."""
        return {
            "schema": SCHEMA,
            "id": self.id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "checklist_sha256": self.checklist_sha256,
            "phase": self.phase,
            "visited": self.visited,
            "progress": self.progress,
            "site": self.site,
            "out": self.out,
            "no_sign": self.no_sign,
            "pending": self.pending,
            "amends": self.amends,
            "document": self.document,
        }

    @property
    def initials(self) -> str:
        """The patient's initials, for listings that should not show the whole name."""
        name = str(self.document.get("patient", {}).get("name") or "")
        return "".join(part[0].upper() for part in name.split() if part[:1].isalpha()) or "-"

    @property
    def mrn(self) -> str:
        """The patient's MRN as given so far, or "-"."""
        patient = self.document.get("patient")
        return str(patient.get("mrn") or "-") if isinstance(patient, dict) else "-"

    def zone(self) -> ZoneInfo | None:
        """The zone to show the draft's times in: its procedure's, else its site's (site.yaml).

        None when neither is known (the computer's zone is used then). A site folder that has
        gone or a bad site.yaml is not an error here: the listing still has to show the draft.
        """
        from kyphocheck.site.folder import Site

        procedure = self.document.get("procedure")
        zone = _zone(procedure.get("timezone") if isinstance(procedure, dict) else None)
        if zone is None and self.site:
            with contextlib.suppress(KyphocheckError, OSError):
                zone = _zone(Site.open(Path(self.site)).config.timezone)
        return zone


def _zone(name: object) -> ZoneInfo | None:
    """The zone of an IANA name, or None for no name or one that is not a zone."""
    from kyphocheck.site.folder import check_timezone

    if not isinstance(name, str) or not name:
        return None
    try:
        return check_timezone(name)
    except ValueError:
        return None


class DraftStore:
    """The drafts folder."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or drafts_folder()

    def path(self, draft_id: str) -> Path:
        """The file of a draft."""
        return self.folder / f"{draft_id}.json"

    def save(self, draft: Draft) -> None:
        """Write the draft atomically (temp file, fsync, rename), mode 0600."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        content = json.dumps(draft.as_json(), indent=2, ensure_ascii=False, default=str).encode()
        descriptor, temp = tempfile.mkstemp(prefix=f".{draft.id}.", dir=self.folder)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            Path(temp).replace(self.path(draft.id))
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temp).unlink()
            raise

    def load(self, draft_id: str) -> Draft:
        """Read one draft; a missing or damaged draft is a clear error."""
        path = self.path(draft_id)
        if not path.is_file():
            known = [d.id for d in self.all()]
            raise UsageError(f"no draft '{draft_id}'{suggest(draft_id, known)}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("schema") != SCHEMA:
                raise ValueError("unknown schema")
            return Draft(
                id=data["id"],
                document=data["document"],
                checklist_sha256=data.get("checklist_sha256"),
                visited=list(data.get("visited", [])),
                phase=data.get("phase", "header"),
                site=data.get("site"),
                out=data.get("out"),
                no_sign=bool(data.get("no_sign")),
                created_at=data.get("created_at", ""),
                updated_at=data.get("updated_at", ""),
                progress=dict(data.get("progress", {})),
                pending=data.get("pending"),
                amends=data.get("amends"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(Problem(str(path), message=f"damaged draft ({exc})")) from None

    def all(self) -> list[Draft]:
        """Every readable draft, the most recently updated first."""
        drafts = []
        for path in self.folder.glob("*.json"):
            with contextlib.suppress(InputError, UsageError):
                drafts.append(self.load(path.stem))
        return sorted(drafts, key=lambda d: d.updated_at, reverse=True)

    def latest(self) -> Draft:
        """The most recently updated draft."""
        drafts = self.all()
        if not drafts:
            raise UsageError("there is no draft to resume")
        return drafts[0]

    def discard(self, draft_id: str) -> None:
        """Remove a draft."""
        self.load(draft_id)
        self.path(draft_id).unlink()
