"""One header vocabulary: what the file schema accepts, the prompts ask and the documents say."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from kyphocheck import header
from kyphocheck.intake.answers_file import PatientFields, ProcedureFields
from kyphocheck.site.protocol import FastingRules


def test_every_header_field_of_the_schema_is_asked() -> None:
    asked = {(f.part, f.key) for f in header.HEADER_FIELDS}
    schema = {("patient", k) for k in PatientFields.model_fields if k != "large_print"} | {
        ("procedure", k) for k in ProcedureFields.model_fields
    }
    assert asked == schema


def test_every_anaesthesia_value_has_words_and_fasting_rules_use_them() -> None:
    assert set(header.ANESTHESIA_WORDS) == set(get_args(header.Anesthesia))
    with pytest.raises(ValidationError):
        FastingRules.model_validate(
            {"severity": "stop", "applies_to_anesthesia": ["sedation"], "intervals": {}}
        )
    with pytest.raises(ValidationError):
        ProcedureFields.model_validate(
            {"scheduled": "x", "levels": ["L1"], "proceduralist": "Dr X", "anesthesia": "sedation"}
        )


def test_the_schema_accepts_exactly_the_sexes_the_prompt_offers() -> None:
    data = {"name": "A B", "mrn": "1", "dob": "1950-01-01", "weight_kg": 70}
    for sex in header.SEXES:
        PatientFields.model_validate({**data, "sex": sex})
    with pytest.raises(ValidationError):
        PatientFields.model_validate({**data, "sex": "f"})


@pytest.mark.parametrize("weight", [0, -1, 500.1, 620])
def test_an_implausible_weight_is_refused_by_file_and_prompt(weight: float) -> None:
    with pytest.raises(ValueError):
        header.check_weight(weight)
    with pytest.raises(ValidationError):
        PatientFields.model_validate(
            {"name": "A B", "mrn": "1", "dob": "1950-01-01", "sex": "female", "weight_kg": weight}
        )


@pytest.mark.parametrize(
    ("code", "ok"), [("en", True), ("pt-BR", True), ("EN", False), ("e", False)]
)
def test_language_codes_agree(code: str, ok: bool) -> None:
    data = {"name": "A B", "mrn": "1", "dob": "1950-01-01", "sex": "male", "weight_kg": 70}
    try:
        PatientFields.model_validate({**data, "language": code})
        by_file = True
    except ValidationError:
        by_file = False
    try:
        header.check_language(code)
        by_prompt = True
    except ValueError:
        by_prompt = False
    assert by_file is by_prompt is ok
