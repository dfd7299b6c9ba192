"""Medicines on the take-home sheet are named in the reader's language, as on the box at home.

The generic names in other languages are data (drugs.yaml `generic_names`); brands stay as
they are. Lists of medicines in one sentence follow the language's grammar.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kyphocheck.errors import InputError
from kyphocheck.record.take_home import medicine_name, name_list
from kyphocheck.site.data import load_site_protocol
from kyphocheck.site.folder import Site
from kyphocheck.site.protocol import Protocol
from tests.helpers import site_with_drugs


def test_every_part_of_every_generic_has_a_spanish_name(protocol: Protocol) -> None:
    spanish = protocol.drugs.generic_names["es"]
    assert spanish.source
    unnamed = [d.generic for d in protocol.drugs.drugs if spanish.of(d.generic) is None]
    assert unnamed == []
    apixaban = protocol.drugs.find("apixaban")
    assert protocol.drugs.names_in_languages(apixaban) == {"es": "apixabán"}
    synjardy = protocol.drugs.find("Synjardy")
    assert spanish.of(synjardy.generic) == "empagliflozina/metformina"


def test_a_spanish_name_for_a_generic_the_table_lacks_is_refused(
    tmp_path: Path, site: Site
) -> None:
    bad = site_with_drugs(
        tmp_path, site, "      apixaban: apixabán", "      apixaban: apixabán\n      apixabam: x"
    )
    with pytest.raises(InputError) as info:
        load_site_protocol(bad)
    line = info.value.lines()[0]
    assert "drugs.yaml" in line and "generic_names.es: 'apixabam' is not a generic" in line


ENTRY = {"generic": "apixaban", "brands": ["Eliquis"], "generic_names": {"es": "apixabán"}}


@pytest.mark.parametrize(
    ("entry", "language", "named"),
    [
        ({**ENTRY, "name": "Eliquis"}, "en", "Eliquis (apixaban)"),
        ({**ENTRY, "name": "Eliquis"}, "es", "Eliquis (apixabán)"),
        ({**ENTRY, "name": "APIXABAN"}, "es", "apixabán (Eliquis)"),
        # A misspelling is named as the table's spelling it was read as, never as typed.
        ({**ENTRY, "name": "eliqus", "read_as": "Eliquis"}, "es", "Eliquis (apixabán)"),
        ({**ENTRY, "name": "apixabn", "read_as": "apixaban"}, "en", "apixaban (Eliquis)"),
        # A language the table has no names for keeps the table's; an unknown medicine, as typed.
        ({**ENTRY, "name": "Eliquis"}, "fr", "Eliquis (apixaban)"),
        ({"name": "Frobnicol", "generic": None}, "es", "Frobnicol"),
    ],
)
def test_a_medicine_is_named_as_the_patient_knows_it(
    entry: dict[str, object], language: str, named: str
) -> None:
    assert medicine_name(entry, language) == named


@pytest.mark.parametrize(
    ("names", "conjunction", "joined"),
    [
        ([], "and", ""),
        (["Eliquis"], "and", "Eliquis"),
        (["Eliquis", "Plavix"], "and", "Eliquis and Plavix"),
        (["A", "B", "C"], "or", "A, B or C"),
        (["Plavix", "ibuprofeno (Advil)"], "y", "Plavix e ibuprofeno (Advil)"),
        (["Plavix", "hidrocortisona"], "y", "Plavix e hidrocortisona"),
        (["Plavix", "hierro"], "y", "Plavix y hierro"),  # "hie" is not an i sound
        (["Plavix", "Ozempic"], "o", "Plavix u Ozempic"),
        (["Plavix", "Eliquis"], "ni", "Plavix ni Eliquis"),
    ],
)
def test_names_in_one_sentence(names: list[str], conjunction: str, joined: str) -> None:
    assert name_list(names, conjunction) == joined
