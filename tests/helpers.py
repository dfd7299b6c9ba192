"""Small helpers for tests that write their own site folders."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from kyphocheck.site.folder import Site, defaults_root

# What `kyphocheck check` requires of a site's site.yaml (the take-home sheet's phone and
# arrival), for the site folders tests make without a site.yaml of their own.
SHEET_FIELDS = 'clinic_phone: "555-0100"\narrive_minutes_before: 60\narrival_place: Door 3\n'


def make_site(tmp_path: Path, files: dict[str, str], copy_defaults: bool = False) -> Path:
    """A site folder in tmp_path with the given files (inline YAML is dedented).

    Without a site.yaml among them, it gets one with only the fields the sheet requires.
    """
    files = {"site.yaml": SHEET_FIELDS, **files}
    site = tmp_path / "site"
    if copy_defaults:
        shutil.copytree(defaults_root() / "checklists", site / "checklists")
    for relative, text in files.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    site.mkdir(exist_ok=True)
    return site


def site_with_drugs(tmp_path: Path, site: Site, old: str, new: str) -> Site:
    """A site whose drugs.yaml is the default one with `old` (which must be there) as `new`."""
    drugs = (site.defaults / "checklists/protocol/drugs.yaml").read_text()
    assert old in drugs
    return Site.open(
        make_site(tmp_path, {"checklists/protocol/drugs.yaml": drugs.replace(old, new, 1)})
    )


def record_folders(out: Path) -> list[Path]:
    """The record folders in an output folder, in name order: not its log.jsonl, nothing
    being written (dot names)."""
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
