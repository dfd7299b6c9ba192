"""One patient's encounter: who, which procedure, when, and the answers given.

These are the engine's inputs, already validated and typed: times are timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kyphocheck.header import Anesthesia, Sex
from kyphocheck.times import age_in_years, format_local


@dataclass(frozen=True)
class Patient:
    """The patient, as the answers file gives them."""

    name: str
    mrn: str
    dob: date
    sex: Sex
    weight_kg: float
    language: str = "en"
    large_print: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the record and for expressions."""
        return {
            "name": self.name,
            "mrn": self.mrn,
            "dob": self.dob.isoformat(),
            "sex": self.sex,
            "weight_kg": self.weight_kg,
            "language": self.language,
            "large_print": self.large_print,
        }


@dataclass(frozen=True)
class Procedure:
    """The planned procedure."""

    scheduled: datetime
    zone: ZoneInfo
    levels: tuple[str, ...]
    proceduralist: str
    anesthesia: Anesthesia

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the record and for expressions."""
        return {
            "scheduled": self.scheduled.isoformat(),
            "timezone": self.zone.key,
            "levels": list(self.levels),
            "proceduralist": self.proceduralist,
            "anesthesia": self.anesthesia,
        }


@dataclass(frozen=True)
class Medication:
    """A medicine the patient takes."""

    name: str
    last_dose: datetime | None = None
    dose: str | None = None
    prescriber_approved: bool | None = None
    regimen: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the record."""
        return {
            "name": self.name,
            "last_dose": self.last_dose.isoformat() if self.last_dose else None,
            "dose": self.dose,
            "prescriber_approved": self.prescriber_approved,
            "regimen": self.regimen,
        }


@dataclass(frozen=True)
class Allergy:
    """An allergy: the substance, the reaction, and optionally its category."""

    substance: str
    reaction: str
    category: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the record."""
        return {"substance": self.substance, "reaction": self.reaction, "category": self.category}


@dataclass(frozen=True)
class Override:
    """The proceduralist's decision to go ahead despite a stop finding."""

    finding: str
    by: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the record."""
        return {"finding": self.finding, "by": self.by, "reason": self.reason}


@dataclass(frozen=True)
class Encounter:
    """Everything the engine needs about one patient's procedure."""

    checklist: str
    patient: Patient
    procedure: Procedure
    answers: dict[str, Any]
    overrides: tuple[Override, ...] = ()
    notes: tuple[str, ...] = field(default=())
    not_applicable: tuple[str, ...] = ()  # items not asked: their condition (`when`) was false
    # A take-home sheet prepared days ahead: day-of answers (a last dose) may not exist yet.
    # On the day (`run`, the interview) an unknown last dose of a blood thinner is a stop.
    made_ahead: bool = False
    # run --fhir: the bundle's SHA-256, the values it filled ("answers.inr") and its notes.
    ehr: dict[str, Any] | None = None

    @property
    def age_years(self) -> int:
        """Age on the day of the procedure."""
        return age_in_years(self.patient.dob, self.procedure.scheduled.date())


# A start this far behind the clock is a wrong date, not a procedure running late.
RUNNING_LATE = timedelta(hours=12)
# A start further ahead than this is a typo in the year.
FAR_AHEAD = timedelta(days=366)


def unexpected_start(scheduled: datetime, now: datetime) -> str | None:
    """Why a scheduled start needs a second look (in the past, or over a year ahead), or None."""
    zone = scheduled.tzinfo
    assert zone is not None
    if scheduled < now:
        behind = now - scheduled
        hours, minutes = divmod(int(behind.total_seconds() // 60), 60)
        ago = f"{hours // 24} days" if hours >= 48 else f"{hours} h {minutes} min"
        return (
            f"the scheduled start {format_local(scheduled, zone)} is {ago} before now "
            f"({format_local(now, zone)})"
        )
    if scheduled - now > FAR_AHEAD:
        return (
            f"the scheduled start {format_local(scheduled, zone)} is more than a year after now "
            f"({format_local(now, zone)})"
        )
    return None
