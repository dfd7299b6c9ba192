"""Rendering: patient text is data, never template code, Markdown or HTML."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kyphocheck.errors import InputError
from kyphocheck.record.render import escape_markdown, make_environment, render

INJECTION = "{{ 7*7 }} <b>x</b> **y**"


def test_injection_is_escaped() -> None:
    escaped = escape_markdown(INJECTION)
    assert escaped == r"\{\{ 7\*7 \}\} &lt;b&gt;x&lt;/b&gt; \*\*y\*\*"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60))
def test_escaped_text_renders_as_the_same_plain_text(text: str) -> None:
    """Whatever a patient types, Markdown shows exactly those characters, as one paragraph."""
    html = MarkdownIt("commonmark").render("Name: " + escape_markdown(text))
    tokens = MarkdownIt("commonmark").parseInline("Name: " + escape_markdown(text))
    children = tokens[0].children or []
    assert all(t.type in ("text", "softbreak") for t in children), html
    expected = "Name: " + " ".join(text.split())
    assert "".join(t.content for t in children) == expected.rstrip() or expected.strip()


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("1. first", r"1\. first"),
        ("- item", r"\- item"),
        ("# heading", r"\# heading"),
        ("1.5", "1.5"),
        ("Dr. A. Patel", "Dr. A. Patel"),
        ("a|b", r"a\|b"),
        ("line\nbreak", "line break"),
        ("[link](http://x)", r"\[link\](http://x)"),
    ],
)
def test_escape_cases(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def _env(tmp_path: Path, template: str):
    (tmp_path / "t.md.j2").write_text(template)
    return make_environment([tmp_path], ZoneInfo("America/Chicago"))


def test_templates_are_sandboxed(tmp_path: Path) -> None:
    env = _env(tmp_path, "{{ name.__class__.__mro__ }}")
    with pytest.raises(InputError, match="templates/t.md.j2"):
        render(env, "t.md.j2", {"name": "x"})


def test_undefined_variable_is_an_error_with_line(tmp_path: Path) -> None:
    env = _env(tmp_path, "line one\n{{ nothing_here }}\n")
    with pytest.raises(InputError, match=r"templates/t.md.j2.*'nothing_here' is undefined"):
        render(env, "t.md.j2", {})


def test_syntax_error_names_line(tmp_path: Path) -> None:
    env = _env(tmp_path, "ok\n{% if %}\n")
    with pytest.raises(InputError, match=r"templates/t.md.j2:2:"):
        render(env, "t.md.j2", {})


def test_template_hash_recorded(tmp_path: Path) -> None:
    from kyphocheck.record.render import template_hashes

    env = _env(tmp_path, "Hello {{ name }}\n")
    assert render(env, "t.md.j2", {"name": "**Bo**"}) == "Hello \\*\\*Bo\\*\\*\n"
    import hashlib

    assert template_hashes(env) == {"t.md.j2": hashlib.sha256(b"Hello {{ name }}\n").hexdigest()}


def test_date_filters(tmp_path: Path) -> None:
    env = _env(tmp_path, "{{ t | when }}|{{ t | day }}|{{ t | clock }}")
    out = render(env, "t.md.j2", {"t": "2026-12-01T14:30:00+00:00"})
    assert out == "Tue 01 Dec 2026 08:30|Tuesday, December 1, 2026|8:30 AM"


def test_every_date_is_in_the_documents_language(tmp_path: Path) -> None:
    """A Spanish sheet has no "Tue 01 Dec 2026": clinical times too are in Spanish."""
    (tmp_path / "t.md.j2").write_text(
        "{{ t | when }}|{{ t | day }}|{{ t | clock }}|{{ born | birthdate }}"
    )
    values = {"t": "2026-12-01T19:30:00+00:00", "born": "1951-04-12"}
    env = make_environment([tmp_path], ZoneInfo("America/Chicago"), "es")
    assert render(env, "t.md.j2", values) == (
        "mar 1 dic 2026 13:30|martes, 1 de diciembre de 2026|1:30 p. m.|12 de abril de 1951"
    )
    english = make_environment([tmp_path], ZoneInfo("America/Chicago"))
    assert render(english, "t.md.j2", values) == (
        "Tue 01 Dec 2026 13:30|Tuesday, December 1, 2026|1:30 PM|April 12, 1951"
    )
    unknown = make_environment([tmp_path], ZoneInfo("America/Chicago"), "xx")
    assert render(unknown, "t.md.j2", values) == render(english, "t.md.j2", values)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "April 12, 1951"), ("es", "12 de abril de 1951"), ("fr", "12 avril 1951")],
)
def test_birth_date_as_its_reader_writes_it(language: str, expected: str) -> None:
    from datetime import date

    from kyphocheck.record.render import birth_date

    assert birth_date("1951-04-12", language) == expected
    assert birth_date(date(1951, 4, 12), language) == expected


def test_compiled_template_cache_follows_a_changed_file(tmp_path: Path) -> None:
    """Compiled templates are reused across records, but never a stale one."""
    import hashlib
    import os

    from kyphocheck.record.render import template_hashes

    path = tmp_path / "t.md.j2"
    path.write_text("one {{ x }}\n")
    first = make_environment([tmp_path], ZoneInfo("UTC"))
    assert render(first, "t.md.j2", {"x": 1}) == "one 1\n"
    path.write_text("two {{ x }}\n")
    os.utime(path, (1, 1))  # a new mtime whatever the clock's resolution
    second = make_environment([tmp_path], ZoneInfo("UTC"))
    assert render(second, "t.md.j2", {"x": 2}) == "two 2\n"
    assert template_hashes(second) == {"t.md.j2": hashlib.sha256(b"two {{ x }}\n").hexdigest()}
