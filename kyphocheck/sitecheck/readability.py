"""How hard a patient sheet is to read: its school grade by each formula, and its hardest sentences.

textstat computes the grades, with syllables counted by Pyphen in the sheet's language. Short
bullets flatter Flesch-Kincaid, which sees few words a sentence, so an English sheet is graded
by SMOG (long words) and Dale-Chall (unfamiliar words) too. Spanish uses Crawford's formula,
which gives school years for Spanish text: Flesch-Kincaid is fitted to English word lengths and
scores plain Spanish three or four grades too high (the default Spanish sheet: 9.5 by
Flesch-Kincaid, 3.1 by Crawford). Which formulas grade a language and the highest grade each may
give are data (templates/reading.yaml), which a site's site.yaml overrides.
The Markdown is read as a patient reads the printed page: headings, list items and table cells
are sentences of their own, and markup is not text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from markdown_it import MarkdownIt
from pydantic import Field, ValidationError

from kyphocheck.errors import InputError
from kyphocheck.schema import Strict, validation_problems
from kyphocheck.site.folder import ReadingFormula, Site

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
WORST_SHOWN = 3
POLICY_FILE = "templates/reading.yaml"
FALLBACK_FORMULA: ReadingFormula = "flesch_kincaid"
# A heading of three words scores like a long sentence; the hardest sentences shown are real ones.
WORST_MIN_WORDS = 5


class ReadingFile(Strict):
    """templates/reading.yaml: the formulas for each language and each formula's target."""

    formulas: dict[str, tuple[ReadingFormula, ...]]
    targets: dict[ReadingFormula, Annotated[float, Field(gt=0)] | None] = {}


@dataclass(frozen=True)
class ReadingPolicy:
    """How a site grades its sheets: formulas by language, the limit of each (None: shown only)."""

    formulas: dict[str, tuple[ReadingFormula, ...]]
    limits: dict[ReadingFormula, float | None]

    def formulas_for(self, language: str) -> tuple[ReadingFormula, ...]:
        """The formulas that grade a sheet in `language`."""
        return self.formulas.get(language, (FALLBACK_FORMULA,))


def reading_policy(site: Site) -> ReadingPolicy:
    """The defaults' or the site's reading.yaml, with site.yaml's targets and maximum over it.

    A formula's limit is its target, never above max_reading_grade; a formula without a target
    is held to max_reading_grade; a target of null shows the grade without a limit.
    """
    data_file = site.find(POLICY_FILE)
    data: Any = data_file.load()
    try:
        loaded = ReadingFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, data, data_file.display)) from None
    config = site.config
    targets = {**loaded.targets, **config.reading_targets}
    formulas = {f for chosen in loaded.formulas.values() for f in chosen} | {FALLBACK_FORMULA}
    limits: dict[ReadingFormula, float | None] = {}
    for formula in sorted(formulas):
        target = targets.get(formula, config.max_reading_grade)
        limits[formula] = None if target is None else min(target, config.max_reading_grade)
    return ReadingPolicy(dict(loaded.formulas), limits)


@dataclass(frozen=True)
class ReadingGrade:
    """The reading grade of one rendered document by one formula."""

    document: str
    fixture: str
    language: str
    formula: str
    grade: float
    worst: tuple[tuple[float, str], ...]  # (grade, sentence), hardest first
    limit: float | None = None  # the highest grade allowed; None: shown only

    @property
    def too_hard(self) -> bool:
        """Whether the grade is above its limit."""
        return self.limit is not None and self.grade > self.limit


def sentences(markdown: str) -> list[str]:
    """The sentences of a Markdown document as printed (no markup, no horizontal rules)."""
    blocks = []
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type != "inline" or token.children is None:
            continue
        # Markup is no text ("**Eliquis**," is "Eliquis,"), a line break is a space.
        text = "".join(
            child.content
            if child.type in ("text", "code_inline")
            else (" " if child.type in ("softbreak", "hardbreak") else "")
            for child in token.children
        )
        text = " ".join(text.split())
        if text:
            blocks.append(text)
    found = []
    for block in blocks:
        for sentence in _SENTENCE_END.split(block):
            sentence = sentence.strip()
            if any(c.isalpha() for c in sentence):
                found.append(sentence if sentence[-1] in ".!?:" else f"{sentence}.")
    return found


def _grader(stats: Any, formula: ReadingFormula) -> Callable[[str], float]:
    """A function from text to the formula's grade."""
    if formula == "smog":

        def smog(text: str) -> float:
            # textstat's SMOG is 0 below three sentences: a sentence's own grade is needed.
            count = max(1, stats.sentence_count(text))
            return 1.043 * math.sqrt(30 * stats.polysyllabcount(text) / count) + 3.1291

        return smog
    if formula == "dale_chall":

        def dale_chall(text: str) -> float:
            # A score, not a grade: its published bands (5.0-5.9 grades 5-6, 6.0-6.9 grades
            # 7-8, ... to 9.0-9.9 grades 13-15) are two grades a point, so 2 x score - 5.8
            # ends each band at its highest grade and keeps the sentences in order.
            return max(0.0, 2 * float(stats.dale_chall_readability_score(text)) - 5.8)

        return dale_chall
    name = "crawford" if formula == "crawford" else "flesch_kincaid_grade"
    return lambda text: float(getattr(stats, name)(text))


def reading_grades(
    markdown: str, language: str, document: str, fixture: str, policy: ReadingPolicy
) -> list[ReadingGrade]:
    """A document's grade by each of its language's formulas, with its hardest sentences."""
    from textstat.textstat import textstatistics

    stats = textstatistics()
    stats.set_lang(language)
    found = sentences(markdown)
    text = " ".join(found)
    candidates = [s for s in found if len(s.split()) >= WORST_MIN_WORDS] or found
    grades = []
    for formula in policy.formulas_for(language):
        score = _grader(stats, formula)
        graded = sorted(((score(s), s) for s in candidates), key=lambda p: p[0], reverse=True)
        grades.append(
            ReadingGrade(
                document,
                fixture,
                language,
                formula.replace("_", "-"),
                score(text) if found else 0.0,
                tuple(graded[:WORST_SHOWN]),
                policy.limits.get(formula),
            )
        )
    return grades
