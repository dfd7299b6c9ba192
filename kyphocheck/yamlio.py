"""Reading YAML and JSON data files with the line of every key and item, for error messages.

Timestamps are left as strings: kyphocheck parses dates and times itself, so that YAML and JSON
files behave alike and a time without an offset is read in the site's zone, never as UTC.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kyphocheck.errors import InputError, Problem, quoted

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict[str, Any]):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence that remembers its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader that keeps line numbers and does not turn timestamps into datetimes."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            )
        key = str(key) if not isinstance(key, str) else key
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Keep timestamps as text (see the module docstring).
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Limits:
    """How much a data file may hold: no input may take minutes or gigabytes to read."""

    max_bytes: int
    max_depth: int = 32
    max_nodes: int = 200_000
    # An alias repeats a value written elsewhere. Answers files never need one; site files use
    # them for repeated sources and variants, counted as expanded against max_nodes: aliases
    # of aliases are how a 1.5 kB "billion laughs" file expands to gigabytes.
    aliases: bool = True


SITE_FILE = Limits(max_bytes=5 * 1024 * 1024)
ANSWERS_FILE = Limits(max_bytes=1024 * 1024, max_depth=12, max_nodes=50_000, aliases=False)
# A patient's pre-op bundle from the EHR (run --fhir): its resources, not their whole chart.
FHIR_BUNDLE = Limits(max_bytes=8 * 1024 * 1024, max_depth=32, max_nodes=200_000, aliases=False)
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)


def load_data_file(path: Path, display: str | None = None, limits: Limits = SITE_FILE) -> Any:
    """Read a YAML (or JSON, by suffix) file; a syntax error names the file and line."""
    name = display or str(path)
    text = decoded(read_limited(path, name, limits), name)
    return parse_data_text(text, name, as_json=path.suffix.lower() == ".json", limits=limits)


def read_limited(path: Path, name: str, limits: Limits, what: str = "a kyphocheck file") -> bytes:
    """A file's bytes, refused with one line when it is missing or larger than `limits`."""
    try:
        with path.open("rb") as handle:
            content = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise InputError(Problem(name, message="file not found")) from None
    except IsADirectoryError:
        raise InputError(Problem(name, message="is a folder, not a file")) from None
    except OSError as exc:
        raise InputError(Problem(name, message=f"cannot be read ({exc.strerror})")) from None
    if len(content) > limits.max_bytes:
        kb = limits.max_bytes // 1024
        limit = f"{kb // 1024} MB" if kb % 1024 == 0 and kb >= 1024 else f"{kb} kB"
        raise InputError(Problem(name, message=f"larger than {limit}: not {what}"))
    return content


def decoded(content: bytes, name: str) -> str:
    """UTF-8 text; a byte-order mark is harmless (some editors write one) and not data."""
    try:
        return content.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise InputError(Problem(name, message="not UTF-8 text")) from None


def parse_data_text(
    text: str, name: str, *, as_json: bool = False, limits: Limits = SITE_FILE
) -> Any:
    """Parse YAML or JSON text within `limits`; a syntax error names the file and line."""
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise InputError(Problem(name, message="holds a NUL byte: not a text file"))
    try:
        if as_json:
            data = _parse_json(text, name)
            _check_plain(data, name, limits)
            return data
        return _parse_yaml(text, name, limits)
    except RecursionError:
        raise InputError(Problem(name, message="nested too deeply")) from None


def _parse_json(text: str, name: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                # JSON would let the last one win silently; YAML refuses, and so do we.
                raise InputError(Problem(name, message=f"duplicate key {quoted(key)}"))
            result[key] = value
        return result

    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(name, exc.lineno, message=f"invalid JSON: {exc.msg}")) from None
    except ValueError as exc:  # a number of thousands of digits, NaN, Infinity
        reason = str(exc) if "kyphocheck" in str(exc) else "holds a number too long to read"
        raise InputError(Problem(name, message=f"invalid JSON: {reason}")) from None


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a number kyphocheck accepts")


def _parse_yaml(text: str, name: str, limits: Limits) -> Any:
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, name, limits)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = f"invalid YAML: {exc.problem or exc.context}"
        raise InputError(Problem(name, line, message=reason)) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(name, message=f"invalid YAML: {exc}")) from None
    except ValueError:  # an integer of thousands of digits
        raise InputError(Problem(name, message="holds a number too long to read")) from None
    finally:
        loader.dispose()


def _check_nodes(root: yaml.Node, name: str, limits: Limits) -> None:
    """Refuse, before anything is built, what a kyphocheck file never holds.

    An alias makes one node appear in many places; the size counted is the size once every
    alias is expanded (memoised, so counting is linear in the file), so a "billion laughs"
    file is refused here in milliseconds instead of being built.
    """
    expanded: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if id(node) in expanded:
            if not limits.aliases:
                line = node.start_mark.line + 1
                raise InputError(Problem(name, line, message="aliases (*name) not allowed here"))
            return expanded[id(node)]
        line = node.start_mark.line + 1
        if depth > limits.max_depth:
            raise InputError(Problem(name, line, message="nested too deeply"))
        if node.tag not in _PLAIN_TAGS:
            # !!binary, !!python/..., !!timestamp: values that skip the text checks.
            tag = quoted(node.tag)
            raise InputError(Problem(name, line, message=f"the tag {tag} is not allowed"))
        total = 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += size(key, depth + 1) + size(value, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child, depth + 1)
        if total > limits.max_nodes:
            raise InputError(Problem(name, message=f"more than {limits.max_nodes} values"))
        expanded[id(node)] = total
        return total

    size(root, 1)


def _check_plain(data: Any, name: str, limits: Limits) -> None:
    """The same bounds on parsed JSON: depth and number of values."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > limits.max_nodes:
            raise InputError(Problem(name, message=f"more than {limits.max_nodes} values"))
        if depth > limits.max_depth:
            raise InputError(Problem(name, message="nested too deeply"))
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def line_of(data: Any, loc: Sequence[str | int]) -> int | None:
    """The line of the deepest part of `data` that `loc` (a pydantic error path) reaches."""
    line: int | None = getattr(data, "line", None) or None
    node = data
    for part in loc:
        if isinstance(node, LineDict) and isinstance(part, str) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def format_loc(loc: Sequence[str | int]) -> str:
    """Write a pydantic error path as a field path: `sections[2].items[7].when`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
