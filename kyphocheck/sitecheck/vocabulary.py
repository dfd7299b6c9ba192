"""Medicine names and allergy words in a fixture that the protocol's tables do not recognise.

A name the drug table does not know is assessed as an unknown medicine (an info finding), and
a typo is assessed as the one drug it nearly spells; an allergy that matches no category gets
no premedication and no alternative antibiotic. A site's fixtures are written from what its
patients say, so such a word often means a row or a `match:` word missing from the tables.
It may also be there on purpose (a fixture that tests the unknown-medicine path), so each is a
warning, naming the fixture and the line of the entry: the site decides which file to change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kyphocheck.errors import quoted
from kyphocheck.intake.encounter import Allergy, Encounter, Medication
from kyphocheck.site.protocol import Protocol
from kyphocheck.sitecheck.report import SiteProblem
from kyphocheck.yamlio import line_of

CHECK = "vocabulary"


def unrecognised_words(
    fixture: str, encounter: Encounter, data: Any, protocol: Protocol
) -> Iterator[SiteProblem]:
    """A warning for each medicine and allergy of the encounter the tables do not recognise.

    `data` is the fixture as read (with its lines), for the line of each entry.
    """
    medications: list[Medication] = encounter.answers.get("medications") or []
    for index, medication in enumerate(medications):
        matched = protocol.drugs.match(medication.name)
        if matched.drug is not None and not matched.near_miss:
            continue
        message = f"medication {quoted(medication.name)} is not in the drug table"
        if matched.near_miss:
            message += f" (read as {matched.named})"
        elif matched.candidates:
            message += f" (close to {' and to '.join(matched.candidates)})"
        line = line_of(data, ["answers", "medications", index])
        yield SiteProblem(CHECK, fixture, line, message, "warning", subject=medication.name)
    allergies: list[Allergy] = encounter.answers.get("allergies") or []
    for index, allergy in enumerate(allergies):
        # An explicit category is the fixture's own classification: nothing to recognise.
        if allergy.category:
            continue
        read = protocol.allergies.match(allergy.substance)
        if read.category is not None and read.read_as is None:
            continue
        message = f"allergy {quoted(allergy.substance)} matches no allergy category"
        if read.category is not None:
            message += f" (read as {read.read_as}: {read.category.label})"
        line = line_of(data, ["answers", "allergies", index])
        yield SiteProblem(CHECK, fixture, line, message, "warning", subject=allergy.substance)
