"""How hard a patient sheet is to read: its school grade, and its hardest sentences.

textstat computes the grade, with syllables counted by Pyphen in the sheet's language. English
uses Flesch-Kincaid. Spanish uses Crawford's formula, which gives school years for Spanish text:
Flesch-Kincaid is fitted to English word lengths and scores plain Spanish three or four grades
too high (the default Spanish sheet: 9.5 by Flesch-Kincaid, 3.1 by Crawford, 89 "easy" by
Fernández-Huerta). Other languages fall back to Flesch-Kincaid, an estimate.
The Markdown is read as a patient reads the printed page: headings, list items and table cells
are sentences of their own, and markup is not text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
WORST_SHOWN = 3
FORMULAS = {"en": "flesch_kincaid_grade", "es": "crawford"}  # textstat's names
# A heading of three words scores like a long sentence; the hardest sentences shown are real ones.
WORST_MIN_WORDS = 5


@dataclass(frozen=True)
class ReadingGrade:
    """The reading grade of one rendered document."""

    document: str
    fixture: str
    language: str
    formula: str
    grade: float
    worst: tuple[tuple[float, str], ...]  # (grade, sentence), hardest first


def sentences(markdown: str) -> list[str]:
    """The sentences of a Markdown document as printed (no markup, no horizontal rules)."""
    blocks = []
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type != "inline" or token.children is None:
            continue
        text = "".join(
            child.content if child.type in ("text", "code_inline") else " "
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


def reading_grade(markdown: str, language: str, document: str, fixture: str) -> ReadingGrade:
    """The Flesch-Kincaid grade of a document and its hardest sentences."""
    from textstat.textstat import textstatistics

    stats = textstatistics()
    stats.set_lang(language)
    formula = FORMULAS.get(language, "flesch_kincaid_grade")
    score = getattr(stats, formula)
    found = sentences(markdown)
    grade = float(score(" ".join(found))) if found else 0.0
    candidates = [s for s in found if len(s.split()) >= WORST_MIN_WORDS] or found
    graded = sorted(
        ((float(score(s)), s) for s in candidates), key=lambda pair: pair[0], reverse=True
    )
    shown = formula.replace("_grade", "").replace("_", "-")
    return ReadingGrade(document, fixture, language, shown, grade, tuple(graded[:WORST_SHOWN]))
