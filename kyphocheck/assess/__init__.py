"""The assessment engine: checklist + protocol + encounter + clock in, findings out.

Pure: no I/O, no clock, no prompts. Everything it needs is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kyphocheck.assess.allergies import assess_allergies
from kyphocheck.assess.bleeding import assess_interplay
from kyphocheck.assess.fasting import assess_fasting
from kyphocheck.assess.findings import Finding
from kyphocheck.assess.medications import assess_medications
from kyphocheck.assess.outcome import Outcome
from kyphocheck.assess.rules import assess_rules
from kyphocheck.assess.thresholds import assess_thresholds
from kyphocheck.intake.context import encounter_context
from kyphocheck.intake.encounter import Encounter
from kyphocheck.schema import Severity
from kyphocheck.site.checklist import Checklist
from kyphocheck.site.protocol import Protocol

__all__ = ["Assessment", "Finding", "Outcome", "assess"]


@dataclass(frozen=True)
class Assessment:
    """The findings, most serious first, and the values computed on the way."""

    findings: tuple[Finding, ...]
    computed: dict[str, Any]

    def outcome(self, overridden: Iterable[str]) -> Outcome:
        """The outcome under overrides of the finding ids `overridden`."""
        return Outcome(self.findings, frozenset(overridden))

    def open_stops(self, overridden: Iterable[str]) -> tuple[Finding, ...]:
        """Stop findings that no override sets aside."""
        return self.outcome(overridden).open_stops

    def fails_at(self, severity: Severity, overridden: Iterable[str]) -> bool:
        """Whether a finding at `severity` or worse is left under the overrides."""
        return self.outcome(overridden).fails_at(severity)


def assess(
    checklist: Checklist, protocol: Protocol, encounter: Encounter, now: datetime
) -> Assessment:
    """Check every answer of `encounter` against the protocol, as of `now`."""
    answers = encounter.answers
    scheduled = encounter.procedure.scheduled
    item_ids = [c.item.id for c in checklist.items]
    context = encounter_context(protocol, encounter, answers, now, item_ids)

    med_findings, medications = assess_medications(
        protocol, answers.get("medications") or [], scheduled, context, encounter.made_ahead
    )
    med_findings += assess_interplay(
        protocol,
        answers.get("medications") or [],
        medications,
        answers,
        context["computed"]["crcl_ml_min"],
        scheduled,
    )
    allergy_findings, allergy_computed = assess_allergies(
        protocol, answers.get("allergies") or [], scheduled, now, encounter.patient.weight_kg
    )
    fasting_findings, fasting = assess_fasting(
        protocol, encounter.procedure.anesthesia, scheduled, answers
    )
    threshold_findings = assess_thresholds(
        protocol,
        answers,
        units={c.item.id: c.item.unit for c in checklist.items},
        prompts={c.item.id: c.item.prompt for c in checklist.items},
        procedure_day=scheduled.date(),
    )
    rule_findings = assess_rules(checklist, context)

    # Most serious first; within a severity, in checklist order so the summary reads in order.
    order = {item_id: index for index, item_id in enumerate(item_ids)}
    findings = sorted(
        [*med_findings, *allergy_findings, *fasting_findings, *threshold_findings, *rule_findings],
        key=lambda f: (-f.severity.rank, order.get(f.item, len(order))),
    )
    computed = {
        "age_years": encounter.age_years,
        "crcl_ml_min": context["computed"]["crcl_ml_min"],
        "medications": medications,
        "fasting": fasting,
        **allergy_computed,
        # What the take-home sheet says after the procedure, with its sources: in the record,
        # so the record holds every number the patient was told.
        "aftercare": protocol.aftercare.model_dump(mode="json"),
    }
    return Assessment(findings=tuple(findings), computed=computed)
