"""The encounter's header: the patient and procedure fields, their allowed values and words.

One table, read by the answers-file schema, the interactive prompts and the documents, so that
a value the file accepts is one the prompt offers and the summary can put into words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

Sex = Literal["female", "male", "other", "unknown"]
SEXES: tuple[str, ...] = get_args(Sex)

Anesthesia = Literal["local", "moderate_sedation", "general"]
ANESTHESIA_WORDS: dict[str, str] = {
    "local": "local anaesthetic",
    "moderate_sedation": "moderate sedation",
    "general": "general anaesthesia",
}

LANGUAGE_PATTERN = r"^[a-z]{2}(-[A-Z]{2})?$"
# Plausible body weights: a typo (620 for 62) is refused, not dosed.
WEIGHT_KG_ABOVE = 0.0
WEIGHT_KG_AT_MOST = 500.0
# A weight typed in pounds is offered in kilograms to one decimal (145 lb: 65.8 kg).
WEIGHT_DECIMALS = 1


@dataclass(frozen=True)
class HeaderField:
    """One field of the `patient:` or `procedure:` block, and how the nurse is asked for it."""

    part: str
    key: str
    prompt: str


# In asking order: the zone before the time, so the time is read and echoed in it.
HEADER_FIELDS: tuple[HeaderField, ...] = (
    HeaderField("patient", "name", "Patient's full name"),
    HeaderField("patient", "mrn", "MRN"),
    HeaderField("patient", "dob", "Date of birth (YYYY-MM-DD)"),
    HeaderField("patient", "sex", "Sex"),
    HeaderField("patient", "weight_kg", "Weight (kg)"),
    HeaderField("patient", "language", "Language of the take-home sheet"),
    HeaderField("procedure", "timezone", "Time zone (IANA, e.g. America/Chicago)"),
    HeaderField(
        "procedure", "scheduled", "Scheduled start (e.g. 2026-12-01 08:30, or 08:30 for today)"
    ),
    HeaderField("procedure", "levels", "Vertebral levels (e.g. T12, L1)"),
    HeaderField("procedure", "proceduralist", "Proceduralist"),
    HeaderField("procedure", "anesthesia", "Anaesthesia"),
)
HEADER_PROMPTS: dict[tuple[str, str], str] = {(f.part, f.key): f.prompt for f in HEADER_FIELDS}


def check_language(text: str) -> str:
    """A language code as the take-home sheet's language is written (en, es, pt-BR)."""
    if not re.match(LANGUAGE_PATTERN, text.strip()):
        raise ValueError("a two-letter language code, e.g. en or es")
    return text.strip()


def check_weight(value: float) -> float:
    """A plausible weight in kilograms."""
    if not WEIGHT_KG_ABOVE < value <= WEIGHT_KG_AT_MOST:
        raise ValueError(f"a weight between 1 and {WEIGHT_KG_AT_MOST:g} kg")
    return value
