"""Reading printed PDFs back as a person sees them: text per page, blocks, word boxes.

pdftotext (poppler-utils) gives each page's text and each word's box; the Markdown a PDF was
printed from gives its blocks (headings, paragraphs, list items), so a test can ask on which
page each block landed, whole or cut in two.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

# What pdftotext prints that is not the text: list bullets, soft hyphens.
_NOT_TEXT = str.maketrans({"•": " ", "\u00ad": ""})


def flat(text: str) -> str:
    """Text with every run of white space one space (lines and bullets do not count)."""
    return " ".join(text.translate(_NOT_TEXT).split())


def page_texts(pdf: Path) -> list[str]:
    """Each page's text, flattened."""
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [flat(page) for page in text.split("\f") if page.strip()]


@dataclass(frozen=True)
class Block:
    """A heading, paragraph, list item or table cell of a Markdown document, as printed."""

    kind: str  # heading, p, li, cell
    text: str


def blocks(markdown: str) -> list[Block]:
    """The blocks of a document in reading order, without markup."""
    found = []
    open_tags: list[str] = []
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type.endswith("_open"):
            open_tags.append(token.tag)
        elif token.type.endswith("_close"):
            open_tags.pop()
        elif token.type == "inline" and token.children is not None:
            text = "".join(
                child.content
                if child.type in ("text", "code_inline")
                else (" " if child.type in ("softbreak", "hardbreak") else "")
                for child in token.children
            )
            tag = open_tags[-1] if open_tags else ""
            if tag in ("h1", "h2", "h3", "h4"):
                kind = "heading"
            elif tag in ("th", "td"):
                kind = "cell"
            else:
                kind = "li" if "li" in open_tags else "p"
            if flat(text):
                found.append(Block(kind, flat(text)))
    return found


def page_break_problems(markdown: str, pdf: Path) -> list[str]:
    """Blocks cut by a page break, and pages whose last block is a heading."""
    pages = page_texts(pdf)
    document = blocks(markdown)
    # A table cell's lines interleave with its neighbour's in the extracted text when both wrap
    # (the sheet's two-column plan and calendar): a cell is whole on a page that holds each of
    # its words. Other blocks must read through. Letters only are compared: a line may end
    # after a slash ("empagliflozin/" "metformin"), which the extracted text reads as a space.
    on_pages = [letters(page) for page in pages]

    def whole_cell(text: str, n: int) -> bool:
        return all(letters(word) in on_pages[n] for word in text.split())

    where = [
        [
            n
            for n, page in enumerate(pages)
            if letters(block.text) in on_pages[n]
            or (block.kind == "cell" and whole_cell(block.text, n))
        ]
        for block in document
    ]
    problems = [
        f"{block.kind} split across pages: {block.text!r}"
        for block, on in zip(document, where, strict=True)
        if not on
    ]
    for number in range(len(pages) - 1):
        on_page = [b for b, on in zip(document, where, strict=True) if number in on]
        if on_page and on_page[-1].kind == "heading":
            problems.append(f"page {number + 1} ends with the heading {on_page[-1].text!r}")
    problems += [
        f"short list parted from its sentences: {flat(chain)[:80]!r}"
        for chain in _kept_together(markdown)
        if not any(letters(chain) in page for page in on_pages)
    ]
    return problems


_TAG = re.compile(r"<[^>]+>")
_KEPT = re.compile(
    r'(?:<p class="lead-in">(?:(?!</p>).)*</p>\n)?<ul class="short">(?:(?!</ul>).)*</ul>'
    r'(?:\n<p class="after-list">(?:(?!</p>).)*</p>)?',
    re.S,
)


def _kept_together(markdown: str) -> list[str]:
    """The text of each short list with the sentences before and after it, as the PDF marks them."""
    from kyphocheck.record.pdf import markdown_to_html

    return [
        html.unescape(_TAG.sub(" ", m.group())) for m in _KEPT.finditer(markdown_to_html(markdown))
    ]


def letters(text: str) -> str:
    """Letters and digits only: what a line break, hyphen or slash at a line end cannot change."""
    return re.sub(r"[\W_]", "", text)


@dataclass(frozen=True)
class Word:
    """One word as pdftotext -bbox places it (points, from the top left of the page)."""

    page: int
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float

    @property
    def height(self) -> float:
        """The word's box height: about 1.164 em in DejaVu Sans."""
        return self.y_max - self.y_min


_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def words(pdf: Path) -> list[Word]:
    """Every word of a PDF with its box."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [
        Word(number, text, float(x0), float(y0), float(x1), float(y1))
        for number, page in enumerate(_PAGE.findall(xml), start=1)
        for x0, y0, x1, y1, text in _WORD.findall(page)
    ]


def overlapping_words(pdf: Path, tolerance: float = 0.5) -> list[tuple[Word, Word]]:
    """Pairs of words on the same page whose boxes overlap (text printed over text)."""
    found = []
    by_page: dict[int, list[Word]] = {}
    for word in words(pdf):
        by_page.setdefault(word.page, []).append(word)
    for page_words in by_page.values():
        page_words.sort(key=lambda w: w.x_min)
        for index, first in enumerate(page_words):
            for second in page_words[index + 1 :]:
                if second.x_min >= first.x_max - tolerance:
                    break
                if (
                    min(first.y_max, second.y_max) - max(first.y_min, second.y_min) > tolerance
                    and min(first.x_max, second.x_max) - second.x_min > tolerance
                ):
                    found.append((first, second))
    return found


def last_body_lines(pdf: Path, top: float, bottom: float) -> list[str]:
    """The last line of each page between the page margins (points from the top of the page)."""
    lines: dict[int, dict[float, list[Word]]] = {}
    for word in words(pdf):
        if top < word.y_min and word.y_max < bottom:
            lines.setdefault(word.page, {}).setdefault(round(word.y_max), []).append(word)
    last = []
    for page in sorted(lines):
        line = lines[page][max(lines[page])]
        last.append(" ".join(w.text for w in sorted(line, key=lambda w: w.x_min)))
    return last
