"""The drug table (drugs.yaml): holds, restarts and severities, matched by generic or brand name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from kyphocheck.expressions import Expression, ExpressionError, compile_expression
from kyphocheck.schema import Duration, Severity, Sourced, Strict
from kyphocheck.site.drug_names import near_misses, normalise_name

# Names the drug `when` expressions may read.
DRUG_EXPRESSION_NAMES = frozenset({"computed", "patient", "procedure", "age_years"})


__all__ = ["DrugTable", "NameMatch", "normalise_name"]


class DrugClass(Strict):
    """Defaults shared by a class of drugs."""

    label: str
    severity: Severity
    prescriber_approval: bool = False
    # On the day, a last dose not known for this class: the hold cannot be confirmed. None: the
    # table's policy (last_dose_unknown) applies.
    last_dose_unknown: Severity | None = None
    # The class adds to the bleeding risk of the procedure (anticoagulants, antiplatelets,
    # NSAIDs): counted by a class whose own severity rises with another bleeding risk.
    bleeding_risk: bool = False
    # The severity of taking a drug of this class together with another bleeding risk
    # (SSRIs/SNRIs: info alone, notify with an anticoagulant, an NSAID or low platelets).
    with_other_bleeding_risk: Severity | None = None


# What the take-home sheet tells the patient about a medicine without a hold: keep taking it,
# or ask the doctor first (an unconfirmed or undecided hold, an unknown indication).
PatientPlan = Literal["continue", "ask"]


class KidneyCheck(Sourced):
    """A drug whose hold depends on kidney function (LMWH).

    Below this creatinine clearance, or with no creatinine to compute it, the hold must be
    decided with the team.
    """

    crcl_below: float = Field(gt=0)
    severity: Severity
    action: str


class LabAfterHold(Sourced):
    """A lab that only counts when drawn after the hold ended (warfarin: the INR)."""

    item: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    severity: Severity
    action: str


class DrugVariant(Strict):
    """One way a drug is taken (dose, route, indication) with its own hold."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    when: str | None = None
    # Names that imply this variant: brands ("Rybelsus") or a row's generic ("liraglutide").
    brands: tuple[str, ...] = ()
    default: bool = False
    # What applies when the answer is not known ("indication not known"): the default, never
    # offered as a choice at the terminal.
    unknown: bool = False
    patient_plan: PatientPlan | None = None
    hold: Duration | None = None
    restart: Duration | None = None
    severity: Severity | None = None
    taking_severity: Severity | None = None
    advice: str | None = None
    source: str | None = None
    confirm: bool | None = None

    @field_validator("when")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                expression = compile_expression(value)
            except ExpressionError as exc:
                raise ValueError(str(exc)) from None
            unknown = expression.names - DRUG_EXPRESSION_NAMES
            if unknown:
                raise ValueError(f"unknown name '{sorted(unknown)[0]}' in when")
        return value


class Drug(Sourced):
    """A row of the drug table. Row fields are the defaults of its variants."""

    generic: str = Field(min_length=2)
    brands: tuple[str, ...] = ()
    drug_class: str = Field(alias="class")
    hold: Duration | None = None
    restart: Duration | None = None
    severity: Severity | None = None
    taking_severity: Severity | None = None
    advice: str | None = None
    patient_plan: PatientPlan | None = None
    kidney: KidneyCheck | None = None
    lab_after_hold: LabAfterHold | None = None
    variants: tuple[DrugVariant, ...] = ()

    @model_validator(mode="after")
    def _one_default(self) -> Self:
        if self.variants:
            ids = [v.id for v in self.variants]
            if len(set(ids)) != len(ids):
                raise ValueError("variant ids must be unique")
            if sum(v.default for v in self.variants) != 1:
                raise ValueError("exactly one variant must be the default")
            if any(v.unknown and not v.default for v in self.variants):
                raise ValueError("the variant for an unknown answer must be the default")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        """The generic name and every brand name."""
        return (self.generic, *self.brands)

    @cached_property
    def compiled_when(self) -> dict[str, Expression]:
        """The variants' `when` expressions, compiled once."""
        return {v.id: compile_expression(v.when) for v in self.variants if v.when}


class DrugPolicy(Strict):
    """Severities for what the drug table cannot say row by row."""

    unknown_medicine: Severity
    # A name read as the one drug it nearly spells ("eliqus" as Eliquis): confirm the name.
    # Site tables made before this field existed get notify.
    near_miss_name: Severity = Severity.NOTIFY
    last_dose_unknown: Severity
    not_prescriber_approved: Severity
    source_prescriber_approval: str
    # Thresholds (thresholds.yaml ids) that count as a bleeding risk, like low platelets.
    bleeding_risk_thresholds: tuple[str, ...] = ()
    source_other_bleeding_risk: str | None = None


class GenericNames(Sourced):
    """The generic names in one language: a combination is named by its parts."""

    names: dict[str, str]

    def of(self, generic: str) -> str | None:
        """The name of a generic in this language, None when a part has none."""
        parts = [self.names.get(part) for part in generic.split("/")]
        return "/".join(p for p in parts if p) if all(parts) else None


@dataclass(frozen=True)
class NameMatch:
    """What a typed medicine name was read as."""

    typed: str
    drug: Drug | None
    known_as: str | None = None  # the table's spelling of the name it matched
    near_miss: bool = False  # read as `known_as` though typed otherwise
    candidates: tuple[str, ...] = ()  # near two or more drugs: not guessed

    @property
    def named(self) -> str:
        """The drug it was read as, brand and generic: "Eliquis (apixaban)"."""
        if self.drug is None:
            return self.typed
        known = self.known_as or self.drug.generic
        return known if known == self.drug.generic else f"{known} ({self.drug.generic})"

    @property
    def display(self) -> str:
        """How the finding names it: "'eliqus' read as Eliquis (apixaban)"."""
        return f"'{self.typed}' read as {self.named}" if self.near_miss else self.named


class DrugTable(Strict):
    """drugs.yaml."""

    asra: str | None = None
    policy: DrugPolicy
    classes: dict[str, DrugClass]
    drugs: tuple[Drug, ...]
    # Language code -> the generic names the take-home sheet uses in it.
    generic_names: dict[str, GenericNames] = {}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.policy.source_other_bleeding_risk is None and any(
            c.with_other_bleeding_risk for c in self.classes.values()
        ):
            raise ValueError(
                "policy.source_other_bleeding_risk is needed by a class with "
                "with_other_bleeding_risk"
            )
        seen: dict[str, str] = {}
        for drug in self.drugs:
            if drug.drug_class not in self.classes:
                raise ValueError(f"{drug.generic}: unknown class '{drug.drug_class}'")
            for name in drug.names:
                key = normalise_name(name)
                if key in seen and seen[key] != drug.generic:
                    raise ValueError(
                        f"the name '{name}' is given to {seen[key]} and {drug.generic}"
                    )
                seen[key] = drug.generic
        parts = {part for drug in self.drugs for part in drug.generic.split("/")}
        for language, named in self.generic_names.items():
            unknown = sorted(set(named.names) - parts)
            if unknown:
                raise ValueError(
                    f"generic_names.{language}: '{unknown[0]}' is not a generic of the table"
                )
        return self

    def names_in_languages(self, drug: Drug) -> dict[str, str]:
        """The generic's name in each language that names it ({"es": "apixabán"})."""
        named = {language: g.of(drug.generic) for language, g in self.generic_names.items()}
        return {language: name for language, name in named.items() if name}

    @cached_property
    def by_name(self) -> dict[str, Drug]:
        """Every generic and brand name, normalised, to its row."""
        return {normalise_name(name): drug for drug in self.drugs for name in drug.names}

    @cached_property
    def spellings(self) -> tuple[tuple[str, str], ...]:
        """Every generic and brand name, normalised and as the table writes it."""
        return tuple((normalise_name(n), n) for drug in self.drugs for n in drug.names)

    def match(self, typed: str) -> NameMatch:
        """The drug a typed name means: exactly, as a near-miss of one drug's name, or none."""
        drug = self.find(typed)
        if drug is not None:
            key = normalise_name(typed)
            known = next(
                (
                    n
                    for n in drug.names
                    if key == normalise_name(n) or key.startswith(f"{normalise_name(n)} ")
                ),
                drug.generic,
            )
            return NameMatch(typed, drug, known)
        near = near_misses(typed, self.spellings, lambda s: self.by_name[normalise_name(s)].generic)
        if len(near) == 1:
            [spelling] = near.values()
            return NameMatch(typed, self.by_name[normalise_name(spelling)], spelling, True)
        return NameMatch(typed, None, candidates=tuple(sorted(near.values())))

    def find(self, name: str) -> Drug | None:
        """The row for a medicine name, generic or brand, in any case.

        A name with a dose after it ("Eliquis 5 mg") matches by its longest known beginning.
        """
        key = normalise_name(name)
        if key in self.by_name:
            return self.by_name[key]
        words = key.split(" ")
        for length in range(len(words) - 1, 0, -1):
            drug = self.by_name.get(" ".join(words[:length]))
            if drug is not None:
                return drug
        return None
