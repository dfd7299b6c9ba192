"""Small helpers for tests that write their own site folders."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from kyphocheck.site.folder import defaults_root


def make_site(tmp_path: Path, files: dict[str, str], copy_defaults: bool = False) -> Path:
    """A site folder in tmp_path with the given files (inline YAML is dedented)."""
    site = tmp_path / "site"
    if copy_defaults:
        shutil.copytree(defaults_root() / "checklists", site / "checklists")
    for relative, text in files.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    site.mkdir(exist_ok=True)
    return site
