"""The protocol data: loads, is consistent, and flags rows a site must confirm."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyphocheck.errors import InputError
from kyphocheck.schema import Duration
from kyphocheck.site.data import load_site_protocol
from kyphocheck.site.folder import Site
from kyphocheck.site.protocol import PROTOCOL_FILES, Protocol
from kyphocheck.sitecheck.checks import unconfirmed_rows
from tests.helpers import make_site, site_with_drugs


def test_every_drug_has_a_source_and_a_known_class(protocol: Protocol) -> None:
    for drug in protocol.drugs.drugs:
        # A row from outside the reference's guidelines must be confirmed by the site.
        assert drug.source.startswith(("ASRA", "ASA", "FDA")) or drug.confirm, drug.generic
        assert drug.drug_class in protocol.drugs.classes


def test_unconfirmed_rows_are_listed(site: Site) -> None:
    unconfirmed = {
        f"{name}: {row}"
        for name in PROTOCOL_FILES
        for _, row in unconfirmed_rows(site.find(f"checklists/protocol/{name}").load())
    }
    # U in clinical-reference.md
    for generic in (
        "apixaban",
        "rivaroxaban",
        "dabigatran",
        "clopidogrel",
        "celecoxib",
        "fish oil",
    ):
        assert f"drugs.yaml: {generic}" in unconfirmed
    # V in clinical-reference.md
    for generic in ("warfarin", "enoxaparin", "ibuprofen", "cilostazol", "empagliflozin"):
        assert f"drugs.yaml: {generic}" not in unconfirmed
    assert "antibiotics.yaml: vancomycin" in unconfirmed


def test_brand_names_find_their_generic(protocol: Protocol) -> None:
    assert protocol.drugs.find("jantoven").generic == "warfarin"
    # Brand families with aspirin-free products are not aspirin without the word.
    assert protocol.drugs.find("Alka-Seltzer") is None
    assert protocol.drugs.find("Excedrin") is None
    for name in ("ASA 81", "baby aspirin", "low-dose aspirin", "Durlaza", "Yosprala"):
        assert protocol.drugs.find(name).generic == "aspirin", name
    assert protocol.drugs.find("Vitamin   E").generic == "vitamin e"
    assert protocol.drugs.find("unknownium") is None


@pytest.mark.parametrize(
    ("duration", "text", "hours"),
    [
        ({"days": 3}, "3 days", 72),
        ({"days": 1}, "1 day", 24),
        ({"hours": [12, 24]}, "12-24 hours", 24),
        ({"days": [7, 10]}, "7-10 days", 240),
        ({"not_on_procedure_day": True}, "not on the day of the procedure", 0),
    ],
)
def test_durations(duration: dict, text: str, hours: float) -> None:
    parsed = Duration.model_validate(duration)
    assert parsed.text == text
    assert parsed.delta.total_seconds() == hours * 3600


@pytest.mark.parametrize(
    "duration", [{}, {"days": 1, "hours": 2}, {"days": -1}, {"hours": [24, 12]}]
)
def test_bad_durations(duration: dict) -> None:
    with pytest.raises(ValueError):
        Duration.model_validate(duration)


def test_a_brand_given_to_two_drugs_is_refused(tmp_path: Path, site: Site) -> None:
    bad = site_with_drugs(tmp_path, site, "brands: [Xarelto]", "brands: [Xarelto, Eliquis]")
    with pytest.raises(InputError, match="the name 'Eliquis' is given to rivaroxaban and apixaban"):
        load_site_protocol(bad)


def test_bad_protocol_row_names_file_line_field(tmp_path: Path, site: Site) -> None:
    bad = site_with_drugs(
        tmp_path,
        site,
        "    hold: {days: 3}\n    restart: {hours: 24}\n    confirm: true\n    advice: some sites",
        "    hold: {weeks: 3}\n    restart: {hours: 24}\n    confirm: true\n    advice: some sites",
    )
    with pytest.raises(InputError) as info:
        load_site_protocol(bad)
    line = info.value.lines()[0]
    text = bad.find("checklists/protocol/drugs.yaml").path.read_text()
    number = text.splitlines().index("    hold: {weeks: 3}") + 1
    row = [d.generic for d in load_site_protocol(site).drugs.drugs].index("apixaban")
    assert "checklists/protocol/drugs.yaml:" in line
    assert f"drugs.yaml:{number}: drugs[{row}].hold.weeks: unknown field" in line


def test_site_override_changes_a_hold(tmp_path: Path, site: Site, protocol: Protocol) -> None:
    custom = site_with_drugs(
        tmp_path,
        site,
        "    hold: {days: 3}\n    restart: {hours: 24}\n    confirm: true\n    advice: some sites",
        "    hold: {days: 5}\n    restart: {hours: 24}\n    confirm: true\n    advice: some sites",
    )
    changed = load_site_protocol(custom)
    assert changed.drugs.find("Eliquis").hold.text == "5 days"
    assert changed.sha256 != protocol.sha256


def test_after_care_is_protocol_data_with_sources(protocol: Protocol) -> None:
    care = protocol.aftercare
    assert (care.no_driving.hours, care.no_lifting.pounds, care.fever.fahrenheit) == (24, 10, 101)
    for part in (care.rest, care.no_driving, care.no_lifting, care.bandage_dry, care.fever):
        assert part.source.startswith("clinical-reference.md section 8")


def test_a_bad_after_care_number_names_file_line_field(tmp_path: Path, site: Site) -> None:
    text = site.find("checklists/protocol/aftercare.yaml").path.read_text()
    bad = text.replace("no_driving:\n  hours: 24", "no_driving:\n  hours: -24")
    assert bad != text
    folder = Site.open(make_site(tmp_path, {"checklists/protocol/aftercare.yaml": bad}))
    with pytest.raises(InputError) as info:
        load_site_protocol(folder)
    number = bad.splitlines().index("  hours: -24") + 1
    assert f"aftercare.yaml:{number}: no_driving.hours:" in info.value.lines()[0]
