"""Rendering documents from Jinja templates in a sandbox.

Templates are a site's code-free data: they run in an immutable sandbox with StrictUndefined,
whose operators cannot build huge values (`BoundedSandbox`) and whose output is bounded.
A patient's text is data, never template code or Markdown: every value a template prints is
escaped for Markdown unless it was produced as markup by kyphocheck itself.
"""

from __future__ import annotations

import hashlib
import re
import traceback
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    BytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.bccache import Bucket
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kyphocheck.errors import InputError, Problem
from kyphocheck.expressions import BoundedSandbox
from kyphocheck.record.take_home import medicine_name, name_list
from kyphocheck.record.time_words import TimeWords

# A document is a few pages; a template that writes more is looping out of control.
MAX_OUTPUT = 2_000_000

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|~])")
# Only what would start a block at the beginning of a line: "1. ", "- ", "+ ", "=".
_MD_LINE_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)|^([-+=])(?=[\s=]|$)")


def escape_markdown(value: object) -> str:
    """Make any text print literally in Markdown (and in the HTML made from it).

    Line breaks become spaces so a value can never start a heading, list or table row.
    """
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", text
    )


def _finalize(value: object) -> str:
    # Every printed value is data: templates write their markup literally.
    return "" if value is None else escape_markdown(value)


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept for the process, keyed by template and source checksum.

    Every record still reads its templates (so their hashes are exact) but does not parse and
    compile them again: in bulk runs that was most of the Markdown rendering time.
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill the bucket from memory, if this template was compiled before."""
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep a newly compiled template."""
        self._store[bucket.key] = bucket.bytecode_to_string()


BYTECODE_CACHE = MemoryBytecodeCache()


class RecordingLoader(FileSystemLoader):
    """A loader that remembers the SHA-256 of every template it reads, for the record."""

    def __init__(self, search_path: list[Path]) -> None:
        super().__init__([str(p) for p in search_path])
        self.hashes: dict[str, str] = {}

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        """Load as FileSystemLoader does, and record the source's hash."""
        source, filename, uptodate = super().get_source(environment, template)
        self.hashes[template] = hashlib.sha256(source.encode()).hexdigest()
        return source, filename, uptodate


def _moment(value: str | datetime, zone: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(zone)


def _babel_locale(language: str) -> str | None:
    """The language for Babel, or None for English and codes Babel does not know (English)."""
    if language == "en":  # English needs no Babel (and skips its 60 ms of loading; make bench)
        return None
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return None
    return language


def birth_date(value: str | date, language: str = "en") -> str:
    """A date of birth as its reader writes it: "April 12, 1951", "12 de abril de 1951"."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    locale = _babel_locale(language)
    if locale is None:
        return f"{day:%B} {day.day}, {day.year}"
    from babel.dates import format_date

    return str(format_date(day, "long", locale=locale))


def clinical_time(value: str | datetime, zone: ZoneInfo, language: str = "en") -> str:
    """A clinical time, short and exact: "Tue 01 Dec 2026 08:30", "mar 1 dic 2026 08:30"."""
    moment = _moment(value, zone)
    locale = _babel_locale(language)
    if locale is None:
        return moment.strftime("%a %d %b %Y %H:%M")
    from babel.dates import format_datetime

    return str(format_datetime(moment, "EEE d MMM y HH:mm", locale=locale))


def _patient_dates(
    zone: ZoneInfo, language: str
) -> tuple[Callable[[str | datetime], str], Callable[[str | datetime], str]]:
    """The `day` and `clock` filters for a language."""
    if language == "en":  # English needs no Babel (and skips its 60 ms of loading; make bench)

        def english_day(value: str | datetime) -> str:
            moment = _moment(value, zone)
            return f"{moment:%A, %B} {moment.day}, {moment.year}"

        def english_clock(value: str | datetime) -> str:
            return _moment(value, zone).strftime("%I:%M %p").lstrip("0")

        return english_day, english_clock
    from babel import Locale, UnknownLocaleError
    from babel.dates import format_date, format_time

    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        # A site's template for a code Babel does not know: its dates in English.
        return _patient_dates(zone, "en")

    def day(value: str | datetime) -> str:
        return str(format_date(_moment(value, zone), "full", locale=language))

    def clock(value: str | datetime) -> str:
        # CLDR puts a narrow no-break space before "a. m."; a plain one reads and prints the same.
        return str(format_time(_moment(value, zone), "h:mm a", locale=language)).replace(
            "\u202f", " "
        )

    return day, clock


def make_environment(
    template_dirs: list[Path], zone: ZoneInfo, language: str = "en"
) -> BoundedSandbox:
    """The sandboxed environment that renders kyphocheck's documents.

    Every date is in the document's language: clinical times (`when`) short and exact,
    "Tue 01 Dec 2026 08:30" ("mar 1 dic 2026 08:30"); the patient's (`day`, `clock`) in
    words, "Tuesday, December 1, 2026" and "8:30 AM" ("martes, 1 de diciembre de 2026" and
    "8:30 a. m."); a date of birth (`birthdate`) as its reader writes one, "April 12, 1951"
    ("12 de abril de 1951"). Babel writes all but English: a language Babel knows needs no
    code, only a template.
    """
    day, clock = _patient_dates(zone, language)
    env = BoundedSandbox(
        loader=RecordingLoader(template_dirs),
        undefined=StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=BYTECODE_CACHE,
    )
    env.filters.update(
        when=lambda v: clinical_time(v, zone, language),
        birthdate=lambda v: birth_date(v, language),
        day=day,
        clock=clock,
        markdown=escape_markdown,
    )
    env.filters.update(TimeWords(zone, language).filters())  # "midnight", "Friday evening"
    env.filters.update(
        medicine=lambda m: medicine_name(m, language),  # "Eliquis (apixabán)"
        names=lambda items, conjunction: name_list(items, conjunction),  # "A, B y C"
    )
    return env


def template_hashes(env: ImmutableSandboxedEnvironment) -> dict[str, str]:
    """SHA-256 of every template read so far."""
    loader = env.loader
    assert isinstance(loader, RecordingLoader)
    return dict(sorted(loader.hashes.items()))


def render(env: ImmutableSandboxedEnvironment, name: str, context: dict[str, Any]) -> str:
    """Render one template; any template error is bad input naming the template.

    Rendered piece by piece, so a template that writes more than MAX_OUTPUT characters (a loop
    printing a large value again and again) stops there instead of filling memory.
    """
    try:
        return _bounded(env.get_template(name).generate(context))
    except TemplateNotFound as exc:
        raise InputError(
            Problem(f"templates/{name}", message=f"template not found ({exc.name})")
        ) from None
    except TemplateError as exc:
        line = getattr(exc, "lineno", None) or _template_line(exc)
        raise InputError(
            Problem(f"templates/{name}", line, message=str(exc.message or exc))
        ) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        # A template that does something impossible with the data is a broken template.
        reason = f"{type(exc).__name__}: {exc}"
        raise InputError(
            Problem(f"templates/{name}", _template_line(exc), message=reason)
        ) from None


def _bounded(pieces: Iterator[str]) -> str:
    written: list[str] = []
    size = 0
    for piece in pieces:
        size += len(piece)
        if size > MAX_OUTPUT:
            raise SecurityError(f"the document would be longer than {MAX_OUTPUT:,} characters")
        written.append(piece)
    return "".join(written)


def _template_line(exc: BaseException) -> int | None:
    """The template line Jinja's rewritten traceback points at, if any."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    return frames[-1].lineno if frames else None
