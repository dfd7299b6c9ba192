"""Files a command writes for the user that hold a patient's data: owner-only, never replaced."""

from __future__ import annotations

import os
from pathlib import Path

from kyphocheck.errors import InputError


def write_new_file(path: Path, text: str, option: str) -> None:
    """Write `text` to a new file readable by the owner only; refuse one that exists.

    `option` names the command-line option the path came from, for the one-line refusal.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"{option}: {path} exists; it is never overwritten") from None
    except OSError as exc:
        raise InputError(f"{option}: cannot write {path} ({exc.strerror})") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
