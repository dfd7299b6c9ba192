"""Fixtures: the answers files every template is rendered against, and the clock of each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kyphocheck.site.folder import Site

# A fixture is checked at its own `now:`; one without it as on the morning of its procedure,
# unless --now says otherwise.
FIXTURE_CLOCK_BEFORE_START = timedelta(hours=1)


@dataclass(frozen=True)
class Fixture:
    """An answers file templates are rendered against."""

    path: Path
    display: str
    built_in: bool


def find_fixtures(site: Site) -> list[Fixture]:
    """The site's fixtures/*.yaml, then the built-in ones (examples/ of the defaults).

    A built-in fixture the site keeps an identical copy of (init-site copies them) is
    checked once, as the site's.
    """
    found: list[Fixture] = []
    if site.root is not None:
        for path in sorted((site.root / "fixtures").glob("*.y*ml")):
            found.append(Fixture(path, str(path), built_in=False))
    copies = {f.path.read_bytes() for f in found}
    examples = site.defaults / "examples"
    for path in sorted([*examples.glob("*.yaml"), *examples.glob("fixtures/*.yaml")]):
        if path.read_bytes() not in copies:
            shown = f"(built-in) {path.relative_to(site.defaults)}"
            found.append(Fixture(path, shown, built_in=True))
    return found


def fixture_zone(name: str | None) -> ZoneInfo:
    """The fixture's zone, or UTC for a zone that does not exist."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # the fixture's own check reports the bad zone


def morning_of(scheduled: str, zone: ZoneInfo) -> datetime:
    """An hour before the scheduled start; for a start that does not parse, now."""
    try:
        start = datetime.fromisoformat(scheduled)
    except ValueError:
        return datetime.now(zone)  # the fixture's own check reports the bad time
    if start.tzinfo is None:
        start = start.replace(tzinfo=zone)
    return start - FIXTURE_CLOCK_BEFORE_START
