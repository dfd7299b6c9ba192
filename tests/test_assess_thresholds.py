"""Lab and vital-sign limits, and the age of the labs."""

from __future__ import annotations

import pytest

from tests.conftest import Builder, by_id


@pytest.mark.parametrize(
    ("item", "fine", "past", "finding", "severity"),
    [
        ("inr", 1.5, 1.51, "inr_high", "stop"),
        ("platelets", 50, 49, "platelets_low", "stop"),
        ("hemoglobin", 8.0, 7.9, "hemoglobin_low", "notify"),
        ("temperature_c", 37.9, 38.0, "temperature_fever", "notify"),
    ],
)
def test_threshold_boundaries(build: Builder, item, fine, past, finding, severity) -> None:
    assert finding not in by_id(build.assess({item: fine}))
    assert by_id(build.assess({item: past}))[finding] == severity


def test_threshold_message_names_value_unit_and_limit(build: Builder) -> None:
    result = build.assess({"platelets": 40})
    finding = next(f for f in result.findings if f.id == "platelets_low")
    assert finding.message.startswith("Platelet count 40 x10^9/L is below 50 x10^9/L")
    assert "SIR 2019" in finding.source


@pytest.mark.parametrize(("drawn", "fires"), [("2026-11-01", False), ("2026-10-31", True)])
def test_labs_older_than_30_days(build: Builder, drawn: str, fires: bool) -> None:
    assert ("labs_too_old" in by_id(build.assess({"labs_date": drawn}))) is fires
