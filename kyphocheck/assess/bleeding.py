"""Risks a medicine carries together with another answer.

A hold alone is judged in `medications`; these need the rest of the encounter: the creatinine
clearance for an LMWH, the date of the INR for warfarin, and the other medicines and the
platelet count for an SSRI.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from kyphocheck.assess.findings import Finding, sentence, slug
from kyphocheck.intake.encounter import Medication
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import format_local


def other_bleeding_risks(
    protocol: Protocol, medications: list[Medication], answers: dict[str, Any]
) -> list[str]:
    """What else raises the bleeding risk, in words.

    The drugs of a bleeding-risk class, and the policy's thresholds (low platelets) that fire.
    """
    table = protocol.drugs
    risks: list[str] = []
    for medication in medications:
        matched = table.match(medication.name)
        drug = matched.drug
        # Named as the table spells what was typed: "ketoprofen", not its row "other NSAID".
        name = matched.known_as or (drug.generic if drug else "")
        risky = drug is not None and table.classes[drug.drug_class].bleeding_risk
        if risky and name not in risks:
            risks.append(name)
    for threshold_id in table.policy.bleeding_risk_thresholds:
        threshold = protocol.thresholds.by_id(threshold_id)
        value = answers.get(threshold.item) if threshold else None
        if threshold is not None and isinstance(value, int | float) and threshold.fires(value):
            risks.append(f"{threshold.item.replace('_', ' ')} {value:g}")
    return risks


def assess_interplay(
    protocol: Protocol,
    medications: list[Medication],
    entries: list[dict[str, Any]],
    answers: dict[str, Any],
    crcl_ml_min: float | None,
    scheduled: datetime,
) -> list[Finding]:
    """Kidney function for the drugs it decides, and labs drawn before a hold ended."""
    zone = scheduled.tzinfo
    assert zone is not None
    findings: list[Finding] = []
    seen: set[str] = set()
    for medication, entry in zip(medications, entries, strict=True):
        drug = protocol.drugs.match(medication.name).drug if entry.get("known") else None
        if drug is None:
            continue
        key = slug(drug.generic)
        kidney = drug.kidney
        low = crcl_ml_min is None or (kidney is not None and crcl_ml_min < kidney.crcl_below)
        if kidney is not None and low and f"kidney:{key}" not in seen:
            seen.add(f"kidney:{key}")
            measured = (
                "no creatinine clearance could be computed (no creatinine)"
                if crcl_ml_min is None
                else f"creatinine clearance {crcl_ml_min:g} mL/min is below {kidney.crcl_below:g}"
            )
            findings.append(
                Finding(
                    f"kidney_function:{key}",
                    kidney.severity,
                    "medications",
                    sentence(f"{entry['display']}: {measured}", kidney.action),
                    kidney.source,
                )
            )
        lab = drug.lab_after_hold
        if lab is None or f"lab:{key}" in seen or medication.last_dose is None:
            continue
        if entry.get("hold_hours") is None or answers.get(lab.item) is None:
            continue
        # The last dose plus the hold: from then on a lab shows the effect of stopping.
        cleared = (
            medication.last_dose.astimezone(UTC) + timedelta(hours=entry["hold_hours"])
        ).astimezone(zone)
        drawn = answers.get(protocol.thresholds.lab_age.item)
        # A lab dated the day the hold ends may have been drawn before it ended: the safe side.
        if isinstance(drawn, date) and datetime.combine(drawn, time(0), tzinfo=zone) >= cleared:
            continue
        seen.add(f"lab:{key}")
        when = f"drawn {drawn:%a %d %b %Y}" if isinstance(drawn, date) else "date not given"
        findings.append(
            Finding(
                f"lab_before_hold_end:{key}",
                lab.severity,
                lab.item,
                sentence(
                    f"{entry['display']}: the {lab.item.replace('_', ' ')} ({when}) is from "
                    f"before the hold ended ({format_local(cleared, zone)})",
                    lab.action,
                ),
                lab.source,
            )
        )
    return findings
