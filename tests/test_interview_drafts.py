"""Drafts: saved atomically and owner-only, read back whole, damaged ones refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyphocheck.errors import InputError, UsageError
from kyphocheck.interview.drafts import Draft, DraftStore


def test_round_trip(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    draft = Draft.new({"checklist": "kyphoplasty", "patient": {"name": "Ana María Reyes"}})
    draft.visited = ["identity_verified"]
    draft.pending = {"item": "medications", "entry": {"name": "Eliquis"}}
    draft.amends = {"record": "/records/r1", "id": "213fb48650e01791", "reason": "typo"}
    store.save(draft)
    loaded = store.load(draft.id)
    assert loaded == draft
    assert loaded.initials == "AMR"
    assert store.path(draft.id).stat().st_mode & 0o777 == 0o600
    assert not [p for p in store.folder.iterdir() if p.name.startswith(".")]  # no temp left


def test_damaged_and_unknown_drafts(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    (tmp_path / "20261201-080000-abcd.json").write_text("{not json")
    with pytest.raises(InputError, match="damaged draft"):
        store.load("20261201-080000-abcd")
    assert store.all() == []  # listing skips it rather than failing
    with pytest.raises(UsageError, match="no draft 'nope'"):
        store.load("nope")
    with pytest.raises(UsageError, match="no draft to resume"):
        store.latest()


def test_discard_and_latest(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    first, second = Draft.new({}), Draft.new({})
    first.updated_at, second.updated_at = "2026-12-01T08:00", "2026-12-01T09:00"
    store.save(first)
    store.save(second)
    assert store.latest().id == second.id
    store.discard(second.id)
    assert [d.id for d in store.all()] == [first.id]
