"""PDFs made from the same Markdown as the Markdown documents, so the two never disagree.

Markdown -> HTML (markdown-it-py, raw HTML disabled) -> a sandboxed, autoescaped HTML layout with
a print stylesheet -> WeasyPrint, as tagged PDF/A-3a (PDF/A-3b plus a structure tree and /Lang)
with record.json attached (relationship Data).
WeasyPrint is imported here only (and in resources.py, which only `render_pdf` imports), so
commands that make no PDF never load it. A PDF loads only files in the template folders. Fonts are
subsetted by HarfBuzz (libharfbuzz-subset0): fontTools, WeasyPrint's fallback, took most of the
time of a record on DejaVu Sans (make bench).
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import FileSystemLoader, StrictUndefined
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

from kyphocheck.errors import InputError, Problem
from kyphocheck.expressions import BoundedSandbox
from kyphocheck.record.render import BYTECODE_CACHE, birth_date, clinical_time, render
from kyphocheck.record.workers import WorkerPool

LAYOUT = "document.html.j2"
STYLESHEET = "print.css"
_SEVERITY_HEADING = re.compile(r"^(STOP|NOTIFY|INFO)\b")
# A clock time's half of the day, and the space before it: "8:30 a. m." printed "8:30 a." at a
# line's end and "m." on the next.
_HALF_OF_DAY = re.compile(r"(?<=\d) (AM|PM|a\. m\.|p\. m\.)(?!\w)")


def _mark_severity(state: StateCore) -> None:
    """Give the "### STOP (n)" headings and the block after each a severity class."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag != "h3":
            continue
        match = _SEVERITY_HEADING.match(tokens[index + 1].content)
        if not match:
            continue
        css = f"severity severity-{match.group(1).lower()}"
        token.attrSet("class", css)
        following = index + 3  # heading_open, inline, heading_close
        if following < len(tokens) and tokens[following].type in (
            "bullet_list_open",
            "paragraph_open",
        ):
            tokens[following].attrSet("class", css)


def _mark_table_sections(state: StateCore) -> None:
    """Give a table row that only titles what follows (first cell alone) the class "section".

    So the stylesheet can keep it with the next row: the summary's answers table printed
    "Allergies" alone at the foot of a page and its question on the next.
    """
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "tr_open":
            continue
        end = next(i for i in range(index, len(tokens)) if tokens[i].type == "tr_close")
        cells = [t.content.strip() for t in tokens[index:end] if t.type == "inline"]
        if len(cells) > 1 and cells[0] and not any(cells[1:]):
            token.attrSet("class", "section")


# A list this short is one instruction ("Call 911 if you have: ..."): kept on one page. A
# longer one may break between its items.
SHORT_LIST = 5


def _mark_lists_kept_whole(state: StateCore) -> None:
    """Keep a short list with the paragraph that leads into it and the one that closes it.

    The sheet's 911 signs were split over two pages, and "Do not wait." printed alone on the
    next. A paragraph ending with ":" just before a list gets the class "lead-in"; one just
    after a list that leads into no other, "after-list"; a list of at most SHORT_LIST items,
    "short". The stylesheet keeps them together.
    """
    tokens = state.tokens

    def inline_text(paragraph_open: int) -> str:
        return tokens[paragraph_open + 1].content.strip()

    def list_at(index: int) -> bool:
        return index < len(tokens) and tokens[index].type == "bullet_list_open"

    for index, token in enumerate(tokens):
        if token.type == "bullet_list_open":
            close = next(
                i
                for i in range(index + 1, len(tokens))
                if tokens[i].type == "bullet_list_close" and tokens[i].level == token.level
            )
            items = [
                t
                for t in tokens[index:close]
                if t.type == "list_item_open" and t.level == token.level + 1
            ]
            if len(items) <= SHORT_LIST:
                _add_class(token, "short")
        elif token.type == "paragraph_open" and not token.hidden:
            lead_in = list_at(index + 3) and inline_text(index).endswith(":")
            if lead_in:
                _add_class(token, "lead-in")
            elif index > 0 and tokens[index - 1].type == "bullet_list_close":
                _add_class(token, "after-list")


def _add_class(token: Token, css: str) -> None:
    """Add a class to those a token has (a severity box's list may also be short)."""
    given = token.attrGet("class")
    token.attrSet("class", f"{given} {css}" if given else css)


class RefusedResources(InputError):
    """The layout asked for URLs a record's PDF may not load (or that could not be read)."""


@dataclass(frozen=True)
class PdfRequest:
    """Everything a worker needs to print one document: picklable, and made in one place."""

    kind: str  # "summary" or "take-home"
    markdown: str
    record: dict[str, Any]
    record_json: bytes  # attached to the PDF as record.json
    title: str
    procedure: str  # the procedure's name, for the page frame
    template_dirs: tuple[Path, ...]
    language: str = "en"

    @classmethod
    def for_document(
        cls,
        kind: str,
        markdown: str,
        record: dict[str, Any],
        record_json: bytes,
        checklist_title: str,
        procedure: str,
        template_dirs: list[Path],
        language: str,
    ) -> PdfRequest:
        """The request for one of a record's documents, titled as every record titles it."""
        title = checklist_title if kind == "summary" else f"Your {procedure}: what to do"
        return cls(
            kind, markdown, record, record_json, title, procedure, tuple(template_dirs), language
        )


def preload_pdf() -> None:
    """Import WeasyPrint (about half a second): what each PDF worker does first."""
    _import_weasyprint()


def _import_weasyprint() -> None:
    """WeasyPrint, imported without its library search running gcc.

    WeasyPrint finds Pango, HarfBuzz and fontconfig by trying each library's names for every
    platform in turn, and cffi hands each name it cannot open to ctypes.util.find_library, which
    on Linux runs ldconfig, gcc and ld (WeasyPrint issue #1125): about 40 processes and 0.3 s per
    import here (make bench). Each list also holds the Linux soname (libpango-1.0.so.0), which
    the dynamic loader opens directly, so on Linux the search is skipped while WeasyPrint loads.
    """
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint  # noqa: F401

        return
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = search


def start_pdf_workers(processes: int = 2) -> WorkerPool:
    """Workers for PDFs, forked now so that they load WeasyPrint while the caller goes on.

    Two by default: a record has two PDFs. Start them before loading the signing key (they
    must never hold it) and as early as the command can, so the loading is hidden.
    """
    return WorkerPool.start(processes, preload_pdf)


def markdown_to_html(text: str) -> str:
    """CommonMark with tables; raw HTML in the Markdown is shown as text, never passed on."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("kyphocheck_severity", _mark_severity)
    md.core.ruler.push("kyphocheck_sections", _mark_table_sections)
    md.core.ruler.push("kyphocheck_lists", _mark_lists_kept_whole)
    return _HALF_OF_DAY.sub(
        lambda m: "\u00a0" + m.group(1).replace(" ", "\u00a0"), str(md.render(text))
    )


def layout_hashes(template_dirs: list[Path]) -> dict[str, str]:
    """SHA-256 of the HTML layout and stylesheet the PDFs are printed with."""
    import hashlib

    hashes = {}
    for name in (LAYOUT, STYLESHEET):
        path = next(d / name for d in template_dirs if (d / name).is_file())
        hashes[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


@functools.lru_cache(maxsize=4)
def _font_config(template_dirs: tuple[Path, ...]) -> Any:
    """One WeasyPrint font configuration per process (and site), kept for every PDF.

    WeasyPrint makes a new one per document unless given one: a Fontconfig setup and a Pango
    font map each time, which took time and was never given back (memory grew by about 20 MB
    per 100 sheets in a batch; make bench). A site's @font-face fonts are added to it once.
    """
    from weasyprint.text.fonts import FontConfiguration

    del template_dirs  # the key: one configuration per site's set of templates
    return FontConfiguration()


def page_html(request: PdfRequest) -> str:
    """The HTML page a PDF is printed from: the Markdown in the layout, with the stylesheet."""
    record = request.record
    env = BoundedSandbox(
        loader=FileSystemLoader([str(p) for p in request.template_dirs]),
        undefined=StrictUndefined,
        autoescape=True,
        bytecode_cache=BYTECODE_CACHE,
    )
    stylesheet = env.loader.get_source(env, STYLESHEET)[0]  # type: ignore[union-attr]
    signature = record.get("signature")
    zone = ZoneInfo(record["procedure"]["timezone"])
    signed_at = (
        f"{clinical_time(signature['signed_at'], zone, request.language)} "
        f"{datetime.fromisoformat(signature['signed_at']).astimezone(zone):%Z}"
        if signature
        else ""
    )
    context = dict(
        record=record,
        body=Markup(markdown_to_html(request.markdown)),  # noqa: S704 - markdown-it output, raw HTML off
        stylesheet=Markup(stylesheet),  # noqa: S704 - the site's own stylesheet file
        signed=signature is not None,
        signature=signature,
        signed_at_local=signed_at,
        born=birth_date(record["patient"]["dob"], request.language),
        kind=request.kind,
        title=request.title,
        procedure=request.procedure,
        language=request.language,
        author=signature["signer"]["name"] if signature else "kyphocheck",
    )
    # A broken layout is bad input naming its line, as a broken Markdown template is.
    return render(env, LAYOUT, context)


def render_pdf(request: PdfRequest) -> bytes:
    """One PDF/A-3a document with the record attached (a worker's job)."""
    _import_weasyprint()
    from weasyprint import HTML, Attachment

    record, template_dirs = request.record, request.template_dirs
    html = page_html(request)
    # In UTC: WeasyPrint writes the time as it is, followed by Z.
    made_at = datetime.fromisoformat(record["created_at"]).astimezone(UTC)
    attachment = Attachment(
        file_obj=io.BytesIO(request.record_json),
        name="record.json",
        description="kyphocheck record (canonical data of this document)",
        relationship="Data",
        # The record's own time, not the moment of printing: the same record, the same PDF.
        created=made_at,
        modified=made_at,
    )
    from kyphocheck.record.resources import RefusedResource, TemplateFetcher

    fetcher = TemplateFetcher(template_dirs)
    document = HTML(string=html, base_url=str(template_dirs[0]), url_fetcher=fetcher)
    pdf: bytes = b""
    with contextlib.suppress(RefusedResource):  # the fetcher keeps what it refused
        pdf = document.write_pdf(
            font_config=_font_config(template_dirs),
            # PDF/A-3a: -3b plus tags (a structure tree, /Lang from <html lang>, headings as
            # H1/H2), so a screen reader reads the sheet in order (issue 14).
            pdf_variant="pdf/a-3a",
            attachments=[attachment],
            pdf_identifier=record["record_id"].encode(),
        )
    if fetcher.refused:
        raise RefusedResources(
            Problem(f"templates/{LAYOUT}", message=f"{url}: {reason}")
            for url, reason in dict(fetcher.refused).items()
        )
    return pdf
