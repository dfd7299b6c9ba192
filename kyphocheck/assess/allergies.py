"""Allergies: contrast premedication times, bone cement, latex, and the antibiotic to give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kyphocheck.assess.findings import Finding, sentence, slug
from kyphocheck.intake.encounter import Allergy
from kyphocheck.schema import Severity
from kyphocheck.site.protocol import AllergyCategory, Protocol
from kyphocheck.times import format_local


def premedication_schedule(
    protocol: Protocol, scheduled: datetime, now: datetime
) -> dict[str, Any]:
    """The first regimen that can still be given in full, with its dose times; or too late."""
    zone = scheduled.tzinfo
    for regimen in protocol.allergies.premedication.regimens:
        first = scheduled.astimezone(UTC) - timedelta(hours=regimen.first_hours_before)
        if first < now:
            continue
        doses: list[dict[str, Any]] = sorted(
            (
                {
                    "at": (scheduled.astimezone(UTC) - timedelta(hours=h))
                    .astimezone(zone)
                    .isoformat(),
                    "hours_before": h,
                    "drug": dose.drug,
                    "dose": dose.dose,
                    "route": dose.route,
                }
                for dose in regimen.doses
                for h in dose.hours_before
            ),
            key=lambda d: (-float(d["hours_before"]), str(d["drug"])),
        )
        return {
            "regimen": regimen.id,
            "label": regimen.label,
            "doses": doses,
            "source": regimen.source,
            "too_late": False,
        }
    premedication = protocol.allergies.premedication
    hours_left = (scheduled - now).total_seconds() / 3600
    no_time = premedication.no_time
    if no_time is not None and hours_left < no_time.hours:
        minutes = int(hours_left * 60)  # rounded down: "5 h 59 min", never "6.0 h" under 6
        left = (
            "the start has passed"
            if minutes <= 0
            else f"{minutes // 60} h {minutes % 60} min are left"
        )
        return {
            "regimen": None,
            "label": None,
            "doses": [],
            "source": no_time.source,
            "too_late": True,
            "no_time": True,
            "severity": no_time.severity.value,
            "action": f"{left}, fewer than the {no_time.hours:g} hours steroids need: "
            f"{no_time.action}",
        }
    return {
        "regimen": None,
        "label": None,
        "doses": [],
        "source": premedication.too_late_source,
        "too_late": True,
        "no_time": False,
        "action": premedication.too_late_action,
    }


def antibiotic_plan(protocol: Protocol, weight_kg: float, beta_lactam: bool) -> dict[str, Any]:
    """The prophylaxis to give: cefazolin by weight, or the alternatives for an allergy."""
    rules = protocol.antibiotics
    if not beta_lactam:
        standard = rules.standard
        return {
            "beta_lactam_allergy": False,
            "options": [
                {
                    "drug": standard.drug,
                    "dose": standard.dose_for(weight_kg),
                    "route": standard.route,
                    "timing": standard.timing,
                    "source": standard.source,
                }
            ],
        }
    return {
        "beta_lactam_allergy": True,
        "options": [
            {
                "drug": alt.drug,
                "dose": alt.dose_for(weight_kg),
                "route": alt.route,
                "timing": alt.timing,
                "source": alt.source,
            }
            for alt in rules.beta_lactam_allergy
        ],
    }


def assess_allergies(
    protocol: Protocol,
    allergies: list[Allergy],
    scheduled: datetime,
    now: datetime,
    weight_kg: float,
) -> tuple[list[Finding], dict[str, Any]]:
    """One finding per allergy category met, and the premedication and antibiotic plans."""
    zone = scheduled.tzinfo
    assert zone is not None
    by_category: dict[str, tuple[AllergyCategory, list[Allergy]]] = {}
    classified = []
    unmatched: list[Allergy] = []
    read_as: dict[int, str] = {}  # id(allergy) -> the category word a misspelling was read as
    for allergy in allergies:
        if allergy.category:
            category = protocol.allergies.category(allergy.category)
        else:
            matched = protocol.allergies.match(allergy.substance)
            category = matched.category
            if matched.read_as is not None:
                read_as[id(allergy)] = matched.read_as
        classified.append(
            {
                **allergy.as_dict(),
                "category": category.id if category else None,
                "category_label": category.label if category else None,
                "read_as": read_as.get(id(allergy)),
            }
        )
        if category is not None:
            by_category.setdefault(category.id, (category, []))[1].append(allergy)
        else:
            unmatched.append(allergy)

    beta_lactam = any(c.alternative_antibiotic for c, _ in by_category.values())
    antibiotic = antibiotic_plan(protocol, weight_kg, beta_lactam)
    findings = []
    premedication = None
    for category, entries in by_category.values():
        what = ", ".join(
            f"'{a.substance}' read as {read_as[id(a)]}: confirm it ({a.reaction})"
            if id(a) in read_as
            else f"{a.substance} ({a.reaction})"
            for a in entries
        )
        action, severity, source = category.action, category.severity, category.source
        if category.premedication:
            premedication = premedication_schedule(protocol, scheduled, now)
            if premedication.get("no_time"):
                action, source = premedication["action"], premedication["source"]
                severity = max(severity, Severity(premedication["severity"]), key=lambda s: s.rank)
            elif premedication["too_late"]:
                action = premedication["action"]
            else:
                first = datetime.fromisoformat(premedication["doses"][0]["at"])
                action = f"{action}; first dose {format_local(first, zone)}"
        if category.alternative_antibiotic:
            options = " or ".join(
                f"{o['drug']} {o['dose']} {o['route']} {o['timing']}" for o in antibiotic["options"]
            )
            action = f"{action}: {options}"
        findings.append(
            Finding(
                id=f"allergy:{category.id}",
                severity=severity,
                item="allergies",
                message=sentence(f"Allergy to {category.label}: {what}", action),
                source=source,
            )
        )
    for index, allergy in enumerate(unmatched, start=1):
        findings.append(
            Finding(
                id=f"allergy_other:{slug(allergy.substance)}" + (f"-{index}" if index > 1 else ""),
                severity=protocol.allergies.unmatched_severity,
                item="allergies",
                message=sentence(
                    f"Allergy to {allergy.substance} ({allergy.reaction})",
                    "not in the protocol's allergy categories; tell the proceduralist",
                ),
                source=protocol.allergies.unmatched_source,
            )
        )
    computed = {"allergies": classified, "premedication": premedication, "antibiotic": antibiotic}
    return findings, computed
