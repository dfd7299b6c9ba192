"""A complete interactive walk through the kyphoplasty checklist that gives the example's answers.

Used by the flow tests (the record must equal the scripted run's) and by the benchmark.
"""

from __future__ import annotations

SKIP = "__skip__"

HEADER = [
    "Maria Lopez",
    "00482913",
    "1951-04-12",
    "female",
    "62",
    "en",
    "America/Chicago",
    "2026-12-01 08:30",
    "T12, L1",
    "Dr. A. Patel",
    "moderate_sedation",
]
IDENTITY = [True, True, True, True, True]
MEDICATIONS = [
    "add",
    "Eliquis",
    "2026-11-27 20:00",
    "5 mg twice a day",
    True,
    "add",
    "sertraline",
    "2026-12-01 06:00",
    "50 mg daily",
    "done",
]
ALLERGIES = [
    "add",
    SKIP,
    "shellfish",
    "hives",
    "add",
    SKIP,
    "penicillin",
    "rash",
    "done",
]
REST = [
    "2026-11-30 22:00",
    "light_meal",
    "2026-12-01 05:30",
    True,
    "Ana Lopez",
    "555-0142",
    "2026-11-24",
    "1.1",
    "210",
    "12.4",
    "0.9",
    False,
    False,
    False,
    True,
    True,
    False,
    "138",
    "82",
    "76",
    "97",
    "36.8",
    ["pulse_oximeter", "blood_pressure", "ecg"],
    True,
    "marked",
    True,
    "clindamycin",
    True,
]
FINISH = ["finish"]


def full_walk() -> list[object]:
    """Every response, from an empty start to the review's Finish."""
    return [*HEADER, *IDENTITY, *MEDICATIONS, *ALLERGIES, *REST, *FINISH]
