"""Medication holds: match each medicine to the drug table and check its last dose."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from kyphocheck.assess.bleeding import other_bleeding_risks
from kyphocheck.assess.findings import DEFAULT_ACTION, Finding, sentence, slug
from kyphocheck.intake.encounter import Medication
from kyphocheck.schema import Duration, Severity
from kyphocheck.site.drugs import Drug, DrugVariant, normalise_name
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import format_local


def latest_permitted_dose(scheduled: datetime, hold: Duration) -> datetime:
    """The last moment a dose may be taken: the start minus the hold, in absolute time.

    The subtraction happens in UTC so a DST change between the two never stretches or shrinks
    the hold; the result is shown in the procedure's zone.
    """
    zone = scheduled.tzinfo
    if hold.not_on_procedure_day:
        return datetime.combine(scheduled.date(), time(0), tzinfo=zone)
    return (scheduled.astimezone(UTC) - hold.delta).astimezone(zone)


def choose_variant(
    drug: Drug, medication: Medication, context: dict[str, Any], known_as: str | None = None
) -> DrugVariant | None:
    """The variant that applies: named by `regimen`, implied by the name, by `when`, or default.

    The name is the one typed, the table's name a near-miss was read as, or the generic: a
    drug that only comes one way (liraglutide: daily) chooses its variant by generic too.
    """
    if not drug.variants:
        return None
    if medication.regimen:
        return next(v for v in drug.variants if v.id == medication.regimen)
    names = {normalise_name(n) for n in (medication.name, known_as or "", drug.generic) if n}
    for variant in drug.variants:
        implied = [normalise_name(brand) for brand in variant.brands]
        if any(name.startswith(brand) for name in names for brand in implied):
            return variant
    for variant in drug.variants:
        expression = drug.compiled_when.get(variant.id)
        if expression is not None and expression.evaluate(context):
            return variant
    return next(v for v in drug.variants if v.default)


def patient_plan(
    hold: Duration | None,
    variant: DrugVariant | None,
    drug: Drug,
    taking: Severity | None,
    confirm: bool,
) -> str:
    """What the take-home sheet says: hold it, keep taking it, or ask the doctor first.

    Without a plan in the data, a medicine whose taking is notify or stop, or whose row is not
    confirmed, is "ask": "keep taking" is only for what the protocol says to continue.
    """
    if hold is not None:
        return "hold"
    given = (variant and variant.patient_plan) or drug.patient_plan
    if given is not None:
        return given
    worrying = taking is not None and taking.rank >= Severity.NOTIFY.rank
    return "ask" if worrying or confirm else "continue"


def assess_medications(
    protocol: Protocol,
    medications: list[Medication],
    scheduled: datetime,
    context: dict[str, Any],
    made_ahead: bool = False,
) -> tuple[list[Finding], list[dict[str, Any]]]:
    """Findings for the medicines, and what was computed for each (for the record and sheet)."""
    table = protocol.drugs
    findings: list[Finding] = []
    computed: list[dict[str, Any]] = []
    zone = scheduled.tzinfo
    assert zone is not None
    used_ids: set[str] = set()
    bleeding_risks = other_bleeding_risks(protocol, medications, context)

    def add(finding_id: str, severity: Severity, message: str, source: str) -> Finding:
        unique, n = finding_id, 2
        while unique in used_ids:  # the same drug listed twice: "hold_not_met:warfarin-2"
            unique, n = f"{finding_id}-{n}", n + 1
        used_ids.add(unique)
        finding = Finding(unique, severity, "medications", message, source)
        findings.append(finding)
        return finding

    for medication in medications:
        matched = table.match(medication.name)
        drug = matched.drug
        if drug is None:
            computed.append({"name": medication.name, "dose": medication.dose, "known": False})
            near = (
                f"the name is close to {' and to '.join(matched.candidates)}: confirm which"
                if matched.candidates
                else ""
            )
            add(
                f"unknown_medicine:{slug(medication.name)}",
                table.policy.unknown_medicine,
                sentence(
                    f"{medication.name} is not in the protocol's drug table",
                    near,
                    "recorded; check with the pharmacist whether it affects bleeding or sedation",
                ),
                "Protocol policy (drugs.yaml): medicines not in the table are recorded for review",
            )
            continue
        if matched.near_miss:
            add(
                f"name_near_miss:{slug(drug.generic)}",
                table.policy.near_miss_name,
                sentence(f"{matched.display}: confirm the name with the patient's list"),
                "kyphocheck name matching: a near-miss of one drug's name is assessed as that drug",
            )

        drug_class = table.classes[drug.drug_class]
        variant = choose_variant(drug, medication, context, matched.known_as)
        hold = (variant.hold if variant else None) or drug.hold
        restart = (variant.restart if variant else None) or drug.restart
        severity = (variant and variant.severity) or drug.severity or drug_class.severity
        taking = (variant and variant.taking_severity) or drug.taking_severity
        advice = (variant and variant.advice) or drug.advice
        source = (variant and variant.source) or drug.source
        confirm = bool((variant and variant.confirm) or drug.confirm)
        if matched.near_miss:
            display = matched.display
        elif normalise_name(medication.name) == drug.generic:
            display = drug.generic
        else:
            display = f"{medication.name} ({drug.generic})"
        key = slug(drug.generic)
        entry: dict[str, Any] = {
            "name": medication.name,
            "dose": medication.dose,
            "known": True,
            "generic": drug.generic,
            "brands": list(drug.brands),  # the take-home sheet names the box at home
            "generic_names": table.names_in_languages(drug),  # and in the patient's language
            # The table's spelling a misspelled name was read as ("Eliquis", "apixaban").
            "read_as": (matched.known_as or drug.generic) if matched.near_miss else None,
            "display": display,
            "class": drug.drug_class,
            "class_label": drug_class.label,
            "variant": variant.label if variant else None,
            "hold": hold.text if hold else None,
            "hold_hours": (
                hold.delta.total_seconds() / 3600
                if hold and not hold.not_on_procedure_day
                else None
            ),
            "plan": patient_plan(hold, variant, drug, taking, confirm),
            "restart": restart.text if restart else None,
            "restart_hours": restart.delta.total_seconds() / 3600 if restart else None,
            # Counted from the scheduled start: the earliest a restart could be considered.
            "restart_after": (
                (scheduled.astimezone(UTC) + restart.delta).astimezone(zone).isoformat()
                if restart
                else None
            ),
            "latest_permitted_dose": None,
            "last_dose": medication.last_dose.isoformat() if medication.last_dose else None,
            "hold_met": None,
            "prescriber_approval_needed": bool(hold and drug_class.prescriber_approval),
            "prescriber_approved": medication.prescriber_approved,
            "advice": advice,
            "source": source,
            "confirm": confirm,
            # The finding that says whether this entry's hold is met (its own id, with any
            # de-duplication suffix), so a screen never has to rebuild it.
            "hold_finding": None,
        }
        computed.append(entry)

        if taking is not None:
            message = sentence(f"{display}: {advice or DEFAULT_ACTION[taking]}")
            raised = drug_class.with_other_bleeding_risk
            if raised is not None and bleeding_risks and raised.rank > taking.rank:
                taking, source = raised, table.policy.source_other_bleeding_risk or source
                message = sentence(
                    f"{display} is taken with other bleeding risks ({', '.join(bleeding_risks)})",
                    DEFAULT_ACTION[taking],
                    advice or "",
                )
            add(f"taking:{key}", taking, message, source)
        if hold is None:
            continue

        latest = latest_permitted_dose(scheduled, hold)
        entry["latest_permitted_dose"] = latest.isoformat()
        hold_words = f"hold {hold.text}" + (f", {variant.label}" if variant else "")
        if medication.last_dose is None:
            unknown = table.policy.last_dose_unknown
            if drug_class.last_dose_unknown is not None and not made_ahead:
                unknown = drug_class.last_dose_unknown
            verdict = add(
                f"last_dose_unknown:{key}",
                unknown,
                sentence(
                    f"{display}: the last dose is not recorded, so the hold cannot be confirmed "
                    f"({hold_words})",
                    f"confirm it was no later than {format_local(latest, zone)} before going ahead",
                ),
                source,
            )
            entry["hold_finding"] = {"id": verdict.id, "severity": verdict.severity.value}
        else:
            met = medication.last_dose <= latest
            entry["hold_met"] = met
            if not met:
                verdict = add(
                    f"hold_not_met:{key}",
                    severity,
                    sentence(
                        f"{display}: last dose {format_local(medication.last_dose, zone)} is "
                        f"after the latest permitted {format_local(latest, zone)} ({hold_words})",
                        DEFAULT_ACTION[severity],
                    ),
                    source,
                )
                entry["hold_finding"] = {"id": verdict.id, "severity": verdict.severity.value}
        if drug_class.prescriber_approval and medication.prescriber_approved is not True:
            add(
                f"not_prescriber_approved:{key}",
                table.policy.not_prescriber_approved,
                sentence(
                    f"{display}: the hold is not recorded as approved by the prescriber",
                    "confirm with the prescriber and tell the proceduralist",
                ),
                table.policy.source_prescriber_approval,
            )
    return findings, computed
