"""Where data files come from: the defaults shipped with kyphocheck, overridden by a site folder.

A site folder (`--site DIR` or KYPHOCHECK_SITE) holds its own `checklists/` and `templates/`;
any file there replaces the default file of the same relative path, file by file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator

from kyphocheck.errors import InputError, Problem, UsageError
from kyphocheck.schema import Strict, validation_problems
from kyphocheck.yamlio import load_data_file

SITE_ENV = "KYPHOCHECK_SITE"
# What a patient's sheet needs from site.yaml: who to call, and when and where to arrive.
# `kyphocheck check` requires them of a site; a run without them warns.
SHEET_FIELDS = ("clinic_phone", "arrive_minutes_before", "arrival_place")


def defaults_root() -> Path:
    """The folder holding the default `checklists/`, `templates/` and `examples/`.

    A wheel carries them inside the package (`_defaults`); a source checkout or editable
    install finds them at the top of the source tree.
    """
    package = Path(__file__).resolve().parent.parent  # kyphocheck/, from kyphocheck/site/
    packaged = package / "_defaults"
    return packaged if packaged.is_dir() else package.parent


# The reading-grade formulas `kyphocheck check` knows (textstat's, by their usual names).
ReadingFormula = Literal["flesch_kincaid", "smog", "dale_chall", "crawford"]
# A sheet's language, as its template names it (take-home.es.md.j2).
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


class SiteConfig(Strict):
    """site.yaml: what a site sets for itself."""

    name: str = "kyphocheck"
    timezone: str | None = None
    clinic_phone: str | None = None
    # A phone answered day and night (the sheet's "24-hour phone"); else the sheet says to
    # go to the emergency room when the office is closed.
    after_hours_phone: str | None = None
    # How long before the scheduled start the patient arrives, and where ("Main Hospital,
    # 2nd floor, Surgery Check-in").
    arrive_minutes_before: int | None = Field(default=None, ge=0, le=24 * 60)
    # One text, or one per sheet language ({en: "Main Hospital ...", es: "Hospital ..."}):
    # a Spanish sheet is Spanish throughout.
    arrival_place: str | dict[str, str] | None = None
    output_folder: str | None = None
    trust_anchors: tuple[str, ...] = ()
    # The site's RFC 3161 time-stamping authority: every signature then carries a timestamp
    # that proves its time. A run stops (exit 2) when it cannot be reached, unless the site
    # allows signing without one (then a warning, and the time is the signer's claim).
    timestamp_url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$", max_length=2000)
    sign_without_timestamp: bool = False
    # The highest grade any formula may give a patient sheet; reading_targets are stricter
    # limits by formula, over the defaults in templates/reading.yaml (null: report only).
    max_reading_grade: float = Field(default=8, gt=0)
    reading_targets: dict[ReadingFormula, Annotated[float, Field(gt=0)] | None] = Field(
        default_factory=dict
    )

    def arrival_place_in(self, language: str) -> str | None:
        """Where to arrive, in the sheet's language (else in English, else the first given)."""
        place = self.arrival_place
        if place is None or isinstance(place, str):
            return place
        return place.get(language) or place.get("en") or next(iter(place.values()), None)

    def missing_for_sheets(self) -> list[str]:
        """The SHEET_FIELDS this site.yaml leaves out."""
        values = {name: getattr(self, name) for name in SHEET_FIELDS}
        return [name for name, value in values.items() if value is None or str(value).strip() == ""]

    @field_validator("arrival_place", mode="before")
    @classmethod
    def _text_or_one_per_language(cls, value: Any) -> Any:
        """One clear message for any other shape (a union would give one per branch)."""
        if value is None or isinstance(value, str):
            return value
        shape = "give one text, or one per sheet language, e.g. {en: Main Hospital, es: ...}"
        if not isinstance(value, dict) or not value:
            raise ValueError(shape)
        for code, text in value.items():
            if not isinstance(code, str) or not _LANGUAGE_CODE.fullmatch(code):
                raise ValueError(f"{code!r} is not a language code (2 or 3 lower-case letters)")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{code}: no text; {shape}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            check_timezone(value)
        return value


def check_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name; a ValueError names a zone that does not exist."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{name}' (use an IANA name like America/Chicago)"
        ) from None


@dataclass(frozen=True)
class DataFile:
    """A resolved data file and the name to show for it in messages."""

    path: Path
    display: str

    def load(self) -> Any:
        """The file's parsed data, with line numbers."""
        return load_data_file(self.path, self.display)


@dataclass(frozen=True)
class Site:
    """The defaults, and optionally a site folder that overrides them."""

    root: Path | None = None
    defaults: Path = field(default_factory=defaults_root)

    @classmethod
    def open(cls, site: Path | None) -> Site:
        """The site named by an option, or by KYPHOCHECK_SITE, or none."""
        if site is None and os.environ.get(SITE_ENV):
            site = Path(os.environ[SITE_ENV])
        if site is not None and not site.is_dir():
            raise UsageError(f"site folder {site} does not exist")
        return cls(root=site)

    @property
    def search_path(self) -> list[Path]:
        """Folders to look in, the site first."""
        return [p for p in (self.root, self.defaults) if p is not None]

    def find(self, relative: str) -> DataFile:
        """The file at `relative` (e.g. "checklists/kyphoplasty.yaml"), site first."""
        for base in self.search_path:
            candidate = base / relative
            if candidate.is_file():
                shown = relative if base == self.defaults else str(candidate)
                return DataFile(candidate, shown)
        raise InputError(
            Problem(relative, message="file not found in the site folder or the defaults")
        )

    def files_in(self, folder: str, pattern: str = "*.yaml") -> dict[str, DataFile]:
        """Files directly in `folder`, by name, the site's replacing the defaults'."""
        found: dict[str, DataFile] = {}
        for base in reversed(self.search_path):
            for path in sorted((base / folder).glob(pattern)):
                shown = f"{folder}/{path.name}" if base == self.defaults else str(path)
                found[path.name] = DataFile(path, shown)
        return dict(sorted(found.items()))

    @property
    def template_dirs(self) -> list[Path]:
        """Template folders, the site's first."""
        return [base / "templates" for base in self.search_path if (base / "templates").is_dir()]

    def sheet_warning(self) -> str | None:
        """What the take-home sheets will lack for want of site.yaml fields, said once a run."""
        missing = self.config.missing_for_sheets()
        if not missing:
            return None
        lacks = []
        if "clinic_phone" in missing:
            lacks.append("no phone number to call")
        if {"arrive_minutes_before", "arrival_place"} & set(missing):
            lacks.append("no arrival time or place")
        where = (
            "no site folder (--site)"
            if self.root is None
            else f"{self.root / 'site.yaml'} sets no {', '.join(missing)}"
        )
        return f"{where}: the take-home sheet has {' and '.join(lacks)}"

    @cached_property
    def config(self) -> SiteConfig:
        """site.yaml of the site folder, or the defaults when there is none."""
        if self.root is None or not (self.root / "site.yaml").is_file():
            return SiteConfig()
        path = self.root / "site.yaml"
        data = load_data_file(path) or {}
        try:
            return SiteConfig.model_validate(data)
        except ValidationError as exc:
            raise InputError(validation_problems(exc, data, str(path))) from None
