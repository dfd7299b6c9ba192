"""The code mappings a FHIR bundle is read through: RxNorm to the drug table, LOINC to answers.

Kept in `checklists/protocol/rxnorm.yaml` and `loinc.yaml` beside the drug table, each with its
source, so that a site extends them in its own folder; `kyphocheck check` loads them and refuses
a code mapped to a name the drug table does not know, or to an answer the checklists lack.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, ValidationError, model_validator

from kyphocheck.errors import InputError, Problem
from kyphocheck.schema import Sourced, Strict, validation_problems
from kyphocheck.site.drug_names import normalise_name
from kyphocheck.site.drugs import DrugTable
from kyphocheck.site.folder import Site
from kyphocheck.yamlio import line_of

RXNORM_FILE = "checklists/protocol/rxnorm.yaml"
LOINC_FILE = "checklists/protocol/loinc.yaml"
# Answers an Observation may fill, with the header field the weight goes to.
LAB_ANSWERS = ("inr", "platelets", "hemoglobin", "creatinine")
PATIENT_FIELDS = ("weight_kg",)


class RxNormCodes(Sourced):
    """rxnorm.yaml: RxNorm code -> a generic or brand name of the drug table."""

    system: str
    codes: dict[str, str] = Field(min_length=1)


class ObservationCode(Sourced):
    """One kind of Observation: its LOINC codes, what it fills, and the units it may come in."""

    codes: tuple[str, ...] = Field(min_length=1)
    answer: str | None = None
    patient: str | None = None
    units: dict[str, float] = Field(min_length=1)
    # Decimals a converted value is rounded to, and the unit it is entered in (for messages);
    # by default the checklist item's own.
    decimals: int | None = Field(default=None, ge=0, le=6)
    unit: str | None = None
    label: str | None = None  # how messages name it ("weight"); by default the answer's id

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.answer is None) == (self.patient is None):
            raise ValueError("give either answer or patient")
        if self.answer is not None and self.answer not in LAB_ANSWERS:
            raise ValueError(f"answer: one of {', '.join(LAB_ANSWERS)}")
        if self.patient is not None and self.patient not in PATIENT_FIELDS:
            raise ValueError(f"patient: one of {', '.join(PATIENT_FIELDS)}")
        if any(factor <= 0 for factor in self.units.values()):
            raise ValueError("units: every factor must be above 0")
        return self


class PregnancyTests(Sourced):
    """The pregnancy tests: their LOINC codes and which coded or written results mean what."""

    codes: tuple[str, ...] = Field(min_length=1)
    answer: str = "pregnancy_status"
    results: dict[str, tuple[str, ...]]


class LoincCodes(Sourced):
    """loinc.yaml."""

    system: str
    units_system: str
    observations: tuple[ObservationCode, ...] = Field(min_length=1)
    pregnancy_tests: PregnancyTests

    def observation(self, code: str) -> ObservationCode | None:
        """What an Observation with this LOINC code fills, or None."""
        return next((o for o in self.observations if code in o.codes), None)


class CodeMaps(Strict):
    """Both mappings, as a site's files (over the defaults) give them."""

    rxnorm: RxNormCodes
    loinc: LoincCodes
    files: tuple[str, str]


def load_code_maps(site: Site, drugs: DrugTable) -> CodeMaps:
    """The site's RxNorm and LOINC mappings, checked against its drug table."""
    problems: list[Problem] = []
    rx_file, loinc_file = site.find(RXNORM_FILE), site.find(LOINC_FILE)
    parts: dict[str, Strict] = {}
    for key, data_file, model in (
        ("rxnorm", rx_file, RxNormCodes),
        ("loinc", loinc_file, LoincCodes),
    ):
        data = data_file.load()
        try:
            parts[key] = model.model_validate(data)
        except ValidationError as exc:
            problems.extend(validation_problems(exc, data, data_file.display))
    if problems:
        raise InputError(problems)
    rxnorm = parts["rxnorm"]
    assert isinstance(rxnorm, RxNormCodes)
    data = rx_file.load()
    for code, name in rxnorm.codes.items():
        if normalise_name(name) not in drugs.by_name:
            problems.append(
                Problem(
                    rx_file.display,
                    line_of(data, ("codes", code)),
                    f"codes.{code}",
                    f"'{name}' is not a generic or brand name in drugs.yaml",
                )
            )
    if problems:
        raise InputError(problems)
    loinc = parts["loinc"]
    assert isinstance(loinc, LoincCodes)
    return CodeMaps(rxnorm=rxnorm, loinc=loinc, files=(rx_file.display, loinc_file.display))
