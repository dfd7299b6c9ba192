"""Forked jobs: results in order, errors raised in the parent, a fallback without fork."""

from __future__ import annotations

import os

import pytest

from kyphocheck import parallel
from kyphocheck.errors import InputError


def test_results_in_order_and_made_in_other_processes() -> None:
    parent = os.getpid()
    results = parallel.run_jobs([lambda: str(os.getpid()).encode()] * 3)
    assert results[0] == str(parent).encode()
    if parallel._can_fork():
        assert all(r != str(parent).encode() for r in results[1:])


def test_an_error_in_a_child_is_raised_here() -> None:
    def broken() -> bytes:
        raise InputError("templates/document.html.j2:3: broken")

    with pytest.raises(InputError, match="document.html.j2:3"):
        parallel.run_jobs([lambda: b"ok", broken])


def test_without_fork_the_jobs_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_can_fork", lambda: False)
    parent = str(os.getpid()).encode()
    assert parallel.run_jobs([lambda: str(os.getpid()).encode()] * 2) == [parent, parent]
