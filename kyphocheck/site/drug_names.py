"""Medicine names as people type them: exact, a near-miss of one known name, or unknown.

A misspelt blood thinner ("eliqus") must never fall through to "not in the table" and a cleared
record: a name within one or two edits (a letter left out, added, changed, or two swapped) of
the names of exactly one drug is read as that drug, and says so. A name near two different
drugs is not guessed: it stays unknown and names both, for the nurse to settle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rapidfuzz.distance import OSA

# Shorter names are too close to each other (and to unrelated words) to correct.
MIN_NEAR_MISS_LENGTH = 5
# Edits allowed: one for names up to 8 letters, two from 9 ("clopidogrl", "rivaroxabn").
TWO_EDITS_FROM_LENGTH = 9


def normalise_name(name: str) -> str:
    """Case- and space-insensitive form of a medicine or substance name."""
    return " ".join(name.casefold().split())


def allowed_edits(length: int) -> int:
    """How many edits a name of `length` letters may be from a known one."""
    return 1 if length < TWO_EDITS_FROM_LENGTH else 2


def near_misses(
    typed: str, names: Iterable[tuple[str, str]], drug_of: Callable[[str], str]
) -> dict[str, str]:
    """The drugs (by `drug_of` a spelling) a typed name nearly spells, each with that spelling.

    `names` are (normalised, as written) pairs. The whole name is tried, then its beginnings
    ("eliqus 5 mg" as "eliqus"); the first that is near any name decides.
    """
    words = normalise_name(typed).split(" ")
    names = [(key, s) for key, s in names if len(key) >= MIN_NEAR_MISS_LENGTH]
    for length in range(len(words), 0, -1):
        query = " ".join(words[:length])
        if len(query) < MIN_NEAR_MISS_LENGTH:
            continue
        edits = allowed_edits(len(query))
        near: dict[str, str] = {}
        for key, spelling in names:
            if abs(len(key) - len(query)) > edits:
                continue
            if OSA.distance(query, key, score_cutoff=edits) <= edits:
                near.setdefault(drug_of(spelling), spelling)
        if near:
            return near
    return {}
