"""An amendment is of the same patient: the identity fields it may not change.

Refused as they are typed, not when the record is written, so the nurse loses nothing; another
patient's checklist is a new record.
"""

from __future__ import annotations

from typing import Any


def fixed_identity(amends: dict[str, Any] | None, part: str, key: str) -> Any:
    """The value an amendment keeps for this header field (who the record is of), or None."""
    if amends is None or part != "patient":
        return None
    return amends.get("patient", {}).get(key)


def identity_refusal(amends: dict[str, Any] | None, part: str, key: str, value: Any) -> str | None:
    """One line refusing a change of who an amended record is of, or None if it may change."""
    fixed = fixed_identity(amends, part, key)
    if fixed is None or value == fixed:
        return None
    return (
        f"{part}.{key}: an amendment is of the same patient; it stays {fixed} "
        "(another patient's checklist is a new record: kyphocheck run)"
    )
