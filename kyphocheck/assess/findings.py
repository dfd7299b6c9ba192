"""Findings: what a rule found, how serious it is, what to do, and the rule's source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kyphocheck.schema import Severity

# What to do, by severity, when a protocol row gives no action of its own.
DEFAULT_ACTION = {
    Severity.STOP: "do not go ahead unless the proceduralist overrides it",
    Severity.NOTIFY: "tell the proceduralist before going ahead",
    Severity.INFO: "recorded for the team",
}


@dataclass(frozen=True)
class Finding:
    """One fired rule."""

    id: str
    severity: Severity
    item: str
    message: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the record."""
        return {
            "id": self.id,
            "severity": self.severity.value,
            "item": self.item,
            "message": self.message,
            "source": self.source,
        }


def slug(text: str) -> str:
    """A finding-id-safe form of a drug or substance name."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "x"


def sentence(*parts: str) -> str:
    """Join clauses into one sentence that starts with a capital and ends with a full stop."""
    text = "; ".join(p.strip().rstrip(".") for p in parts if p and p.strip())
    return text[:1].upper() + text[1:] + "."
