"""`kyphocheck init-site`: a site folder a hospital can keep in git, ready for its CI.

It holds editable copies of the default checklists, protocol data and templates, a site.yaml,
the built-in fixtures (invented patients), and a CI workflow that runs `kyphocheck check`. The
folder is assembled beside the target and renamed into place, so it is whole or not there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from kyphocheck import __version__
from kyphocheck.errors import UsageError, WriteError
from kyphocheck.site.folder import defaults_root

VERSION_MARK = "@KYPHOCHECK_VERSION@"
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


def init_site(target: Path) -> list[Path]:
    """Scaffold a site folder at `target` (new or empty); the files written, relative to it."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target}: not an empty folder; init-site writes nothing over files")
    defaults = defaults_root()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise WriteError(f"{target}: cannot create the folder ({exc.strerror})") from None
    try:
        shutil.copytree(defaults / "examples" / "site", staging, dirs_exist_ok=True, ignore=_SKIP)
        shutil.copytree(defaults / "checklists", staging / "checklists", ignore=_SKIP)
        shutil.copytree(defaults / "templates", staging / "templates", ignore=_SKIP)
        fixtures = staging / "fixtures"
        fixtures.mkdir()
        examples = defaults / "examples"
        for fixture in sorted([*examples.glob("*.yaml"), *examples.glob("fixtures/*.yaml")]):
            shutil.copy2(fixture, fixtures / fixture.name)
        workflow = staging / ".github" / "workflows" / "kyphocheck.yml"
        workflow.write_text(workflow.read_text().replace(VERSION_MARK, __version__))
        _make_shareable(staging)
        if target.exists():
            target.rmdir()  # empty, checked above
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise WriteError(f"{target}: cannot write the site folder ({exc.strerror})") from None
    return sorted(p.relative_to(target) for p in target.rglob("*") if p.is_file())


def _make_shareable(folder: Path) -> None:
    """A site folder goes into git: usual permissions (mkdtemp made it owner-only)."""
    mask = os.umask(0)
    os.umask(mask)
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)
