"""The outcome of an assessment under its overrides: open stops, cleared, and --fail-on.

One definition, used by the record, the interactive flow, the documents and the exit code:
a record is cleared when no stop finding is left without an override.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kyphocheck.assess.findings import Finding
from kyphocheck.schema import Severity


@dataclass(frozen=True)
class Outcome:
    """Findings, and which of them an override set aside."""

    findings: tuple[Finding, ...]
    overridden: frozenset[str]

    @classmethod
    def of_record(cls, record: Mapping[str, Any]) -> Outcome:
        """The outcome a record.json states (its findings and overrides)."""
        findings = tuple(
            Finding(f["id"], Severity(f["severity"]), f["item"], f["message"], f["source"])
            for f in record["findings"]
        )
        return cls(findings, frozenset(o["finding"] for o in record["overrides"]))

    def is_overridden(self, finding: Finding) -> bool:
        """Whether an override sets this finding aside (only stop findings are overridden)."""
        return finding.id in self.overridden

    @property
    def open_stops(self) -> tuple[Finding, ...]:
        """Stop findings without an override: the procedure must not go ahead."""
        return tuple(
            f for f in self.findings if f.severity is Severity.STOP and not self.is_overridden(f)
        )

    @property
    def cleared(self) -> bool:
        """No stop finding left without an override."""
        return not self.open_stops

    def fails_at(self, severity: Severity) -> bool:
        """Whether a finding at `severity` or worse is left (for `run --fail-on`)."""
        return any(
            f.severity.rank >= severity.rank and not self.is_overridden(f) for f in self.findings
        )
