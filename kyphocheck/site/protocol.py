"""The protocol: drug holds, fasting, thresholds, allergies and antibiotics, read from YAML.

Every number and every source lives in the data files; this module only gives them a shape
and refuses files that do not fit it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, Self

from pydantic import Field, ValidationError, model_validator

from kyphocheck.errors import InputError, Problem
from kyphocheck.header import Anesthesia
from kyphocheck.schema import Severity, Sourced, Strict, validation_problems
from kyphocheck.site.aftercare import AfterCare
from kyphocheck.site.drug_names import near_misses
from kyphocheck.site.drugs import DrugTable, normalise_name
from kyphocheck.site.folder import DataFile
from kyphocheck.yamlio import line_of

PROTOCOL_FILES = (
    "protocol.yaml",
    "drugs.yaml",
    "fasting.yaml",
    "thresholds.yaml",
    "allergies.yaml",
    "antibiotics.yaml",
    "aftercare.yaml",
)


class ProtocolInfo(Strict):
    """protocol.yaml: the protocol's name and version."""

    name: str
    version: str
    procedure_risk: dict[str, str] = {}


class FastingInterval(Sourced):
    """One fasting interval, counted back from the scheduled start."""

    hours: float = Field(ge=0)


FastingKind = Literal["light_meal", "fatty_meal", "clear_liquid"]


class FastingRules(Strict):
    """fasting.yaml."""

    severity: Severity
    applies_to_anesthesia: tuple[Anesthesia, ...]
    intervals: dict[FastingKind, FastingInterval]
    # The interval for a last meal whose kind was not given. Site files written before this
    # field get the longer, fatty-meal interval: a guess must err on the safe side.
    unstated_meal: FastingKind = "fatty_meal"
    take_home: dict[Literal["stop_food", "stop_clear_liquids"], FastingKind]

    @model_validator(mode="after")
    def _complete(self) -> Self:
        for needed in ("light_meal", "fatty_meal", "clear_liquid"):
            if needed not in self.intervals:
                raise ValueError(f"intervals.{needed} is missing")
        return self


class Threshold(Sourced):
    """A numeric limit on an answer."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    item: str
    comparison: Literal["above", "at_least", "below", "at_most"]
    limit: float
    severity: Severity
    action: str

    def fires(self, value: float) -> bool:
        """Whether `value` is past the limit."""
        return {
            "above": value > self.limit,
            "at_least": value >= self.limit,
            "below": value < self.limit,
            "at_most": value <= self.limit,
        }[self.comparison]


class LabAge(Sourced):
    """How old lab results may be."""

    item: str
    max_days: int = Field(ge=0)
    severity: Severity


class CockcroftGault(Sourced):
    """The coefficients of the Cockcroft-Gault creatinine clearance."""

    age_from: float
    divisor: float
    female_factor: float


class PregnancyTest(Sourced):
    """Who is asked about pregnancy: anyone not male and younger than this."""

    age_below: int = Field(gt=0, le=150)


class Thresholds(Strict):
    """thresholds.yaml."""

    thresholds: tuple[Threshold, ...]
    lab_age: LabAge
    cockcroft_gault: CockcroftGault
    # None (a site file written before it): the checklist asks everyone who is not male.
    pregnancy_test: PregnancyTest | None = None

    def by_id(self, threshold_id: str) -> Threshold | None:
        """The threshold with this id, if any."""
        return next((t for t in self.thresholds if t.id == threshold_id), None)


class AllergyCategory(Sourced):
    """A kind of allergy that the protocol acts on."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    match: tuple[str, ...] = Field(min_length=1)
    severity: Severity
    action: str
    premedication: bool = False
    alternative_antibiotic: bool = False

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Whole-word match of any of the category's words, or their plural.

        A hyphen separates words ("amoxicillin-clavulanate" is amoxicillin): joined to the
        word, it hid a penicillin allergy and cefazolin was planned without a word.
        """
        words = sorted((re.escape(normalise_name(w)) for w in self.match), key=len, reverse=True)
        return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")s?(?!\w)")


class PremedicationDose(Strict):
    """One drug of a premedication regimen, given at hours before the start."""

    drug: str
    dose: str
    route: str
    hours_before: tuple[float, ...] = Field(min_length=1)


class PremedicationRegimen(Sourced):
    """A contrast premedication regimen."""

    id: str
    label: str
    doses: tuple[PremedicationDose, ...] = Field(min_length=1)

    @property
    def first_hours_before(self) -> float:
        """How long before the start the first dose is due."""
        return max(h for dose in self.doses for h in dose.hours_before)


class NoTimeForPremedication(Sourced):
    """Too little time left for any premedication to work: a decision, not a dose."""

    hours: float = Field(gt=0)
    severity: Severity
    action: str


class Premedication(Strict):
    """Contrast premedication regimens in order of preference."""

    regimens: tuple[PremedicationRegimen, ...] = Field(min_length=1)
    too_late_action: str
    too_late_source: str
    # Fewer hours than this before the start: not even IV steroids can take effect. None (a site
    # file written before it): the too-late action is given whatever the time left.
    no_time: NoTimeForPremedication | None = None


class AllergyRules(Strict):
    """allergies.yaml."""

    categories: tuple[AllergyCategory, ...]
    premedication: Premedication
    # An allergy that matches no category is still a finding, so that it shows in the summary.
    # Site files written before this field get info.
    unmatched_severity: Severity = Severity.INFO
    unmatched_source: str = "Protocol policy (allergies.yaml): every allergy is shown to the team"

    @model_validator(mode="after")
    def _unique(self) -> Self:
        ids = [c.id for c in self.categories]
        if len(set(ids)) != len(ids):
            raise ValueError("category ids must be unique")
        return self

    def category(self, category_id: str) -> AllergyCategory | None:
        """The category with this id."""
        return next((c for c in self.categories if c.id == category_id), None)

    def classify(self, substance: str) -> AllergyCategory | None:
        """The category of `substance`: by its words, or by the one category it nearly spells."""
        return self.match(substance).category

    def match(self, substance: str) -> AllergyMatch:
        """The first category whose words appear in `substance`; else a near-miss.

        A misspelt allergy ("penicilin") must not fall through to "no category" and a planned
        cefazolin: a word within one or two edits of the words of exactly one category is read
        as that category, and says so. Near two categories, nothing is guessed.
        """
        text = normalise_name(substance)
        exact = next((c for c in self.categories if c.pattern.search(text)), None)
        if exact is not None:
            return AllergyMatch(exact)
        words = text.split(" ")
        for start in range(len(words)):
            near = near_misses(" ".join(words[start:]), self._spellings, self._category_of)
            if len(near) == 1:
                [(category_id, spelling)] = near.items()
                return AllergyMatch(self.category(category_id), spelling)
        return AllergyMatch(None)

    @cached_property
    def _spellings(self) -> tuple[tuple[str, str], ...]:
        return tuple((normalise_name(w), w) for c in self.categories for w in c.match)

    def _category_of(self, spelling: str) -> str:
        key = normalise_name(spelling)
        return next(c.id for c in self.categories if key in map(normalise_name, c.match))


@dataclass(frozen=True)
class AllergyMatch:
    """What an allergy's substance was read as: a category, maybe through a near-miss word."""

    category: AllergyCategory | None
    read_as: str | None = None  # the category's word a misspelling was read as


class WeightDose(Strict):
    """A dose, for weights at or above `min_weight_kg`."""

    dose: str
    min_weight_kg: float = 0


class StandardAntibiotic(Sourced):
    """The usual prophylaxis, dosed by weight."""

    drug: str
    route: str
    doses: tuple[WeightDose, ...] = Field(min_length=1)
    timing: str

    def dose_for(self, weight_kg: float) -> str:
        """The dose for this weight: the band with the highest minimum it reaches."""
        bands = [d for d in self.doses if weight_kg >= d.min_weight_kg]
        return max(bands, key=lambda d: d.min_weight_kg).dose if bands else self.doses[0].dose


class AlternativeAntibiotic(Sourced):
    """An antibiotic for a beta-lactam allergy: a fixed dose or mg per kg."""

    drug: str
    route: str
    dose: str | None = None
    mg_per_kg: float | None = None
    timing: str

    @model_validator(mode="after")
    def _one_dose(self) -> Self:
        if (self.dose is None) == (self.mg_per_kg is None):
            raise ValueError("give exactly one of dose or mg_per_kg")
        return self

    def dose_for(self, weight_kg: float) -> str:
        """The dose for this weight."""
        if self.dose is not None:
            return self.dose
        assert self.mg_per_kg is not None
        return f"{round(self.mg_per_kg * weight_kg):g} mg ({self.mg_per_kg:g} mg/kg)"


class AntibioticRules(Strict):
    """antibiotics.yaml."""

    standard: StandardAntibiotic
    beta_lactam_allergy: tuple[AlternativeAntibiotic, ...] = Field(min_length=1)


class Protocol(Strict):
    """The whole protocol a checklist is assessed against."""

    info: ProtocolInfo
    drugs: DrugTable
    fasting: FastingRules
    thresholds: Thresholds
    allergies: AllergyRules
    antibiotics: AntibioticRules
    aftercare: AfterCare
    sha256: str
    files: dict[str, str]

    def as_context(self) -> dict[str, Any]:
        """The protocol as plain data for expressions and templates."""
        return {
            "name": self.info.name,
            "version": self.info.version,
            "fasting": self.fasting.model_dump(mode="json"),
            "thresholds": self.thresholds.model_dump(mode="json"),
        }


_PARTS: dict[str, tuple[str, Callable[..., Strict]]] = {
    "protocol.yaml": ("info", ProtocolInfo.model_validate),
    "drugs.yaml": ("drugs", DrugTable.model_validate),
    "fasting.yaml": ("fasting", FastingRules.model_validate),
    "thresholds.yaml": ("thresholds", Thresholds.model_validate),
    "allergies.yaml": ("allergies", AllergyRules.model_validate),
    "antibiotics.yaml": ("antibiotics", AntibioticRules.model_validate),
    "aftercare.yaml": ("aftercare", AfterCare.model_validate),
}


def load_protocol(files: dict[str, DataFile]) -> Protocol:
    """Build the protocol from its data files (already resolved against the site folder)."""
    parts: dict[str, Any] = {}
    problems: list[Problem] = []
    digest = hashlib.sha256()
    for name in PROTOCOL_FILES:
        data_file = files[name]
        data = data_file.load()
        digest.update(name.encode() + b"\0" + json.dumps(data, sort_keys=True).encode() + b"\0")
        key, validate = _PARTS[name]
        try:
            parts[key] = validate(data)
        except ValidationError as exc:
            problems.extend(validation_problems(exc, data, data_file.display))
    if problems:
        raise InputError(problems)
    known = {t.id for t in parts["thresholds"].thresholds}
    data = files["drugs.yaml"].load()
    for index, threshold_id in enumerate(parts["drugs"].policy.bleeding_risk_thresholds):
        if threshold_id not in known:
            loc = ("policy", "bleeding_risk_thresholds", index)
            problems.append(
                Problem(
                    files["drugs.yaml"].display,
                    line_of(data, loc),
                    "policy.bleeding_risk_thresholds",
                    f"'{threshold_id}' is not a threshold in thresholds.yaml",
                )
            )
    if problems:
        raise InputError(problems)
    return Protocol(
        **parts,
        sha256=digest.hexdigest(),
        files={name: files[name].display for name in PROTOCOL_FILES},
    )
