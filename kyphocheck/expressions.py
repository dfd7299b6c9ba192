"""Expressions in checklist and protocol files (`when`, rules, validators), run sandboxed.

They are Jinja expressions compiled once in an immutable sandbox with StrictUndefined, as copier
does: no home-made parser, and a site's file can never run Python or change the data it sees.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment


class ExpressionError(Exception):
    """An expression that does not compile, names something unknown, or fails when run."""


@cache
def sandbox() -> ImmutableSandboxedEnvironment:
    """The one sandboxed environment that compiles every expression."""
    return ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@dataclass(frozen=True)
class Expression:
    """A compiled expression and the top-level names it reads."""

    source: str
    names: frozenset[str]
    _compiled: Any = field(repr=False, compare=False)

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """Run the expression; any failure becomes an ExpressionError naming the expression."""
        try:
            result = self._compiled(**context)
        except (UndefinedError, SecurityError, TypeError, ValueError, ArithmeticError) as exc:
            raise ExpressionError(f"'{self.source}' failed: {exc}") from None
        if isinstance(result, Undefined):
            # An unsafe attribute (`patient.__class__`) comes back as an undefined value that
            # fails only when used, deep in the caller: fail here, naming the expression.
            raise ExpressionError(f"'{self.source}' failed: {result._undefined_message}")
        return result


def compile_expression(source: str) -> Expression:
    """Compile `source`; a syntax error raises ExpressionError with Jinja's reason."""
    env = sandbox()
    try:
        compiled = env.compile_expression(source, undefined_to_none=False)
        tree = env.parse("{{ " + source + " }}")
    except TemplateSyntaxError as exc:
        raise ExpressionError(f"'{source}' is not a valid expression: {exc.message}") from None
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            name: object = node.attr
        else:
            assert isinstance(node, nodes.Getitem)
            name = getattr(node.arg, "value", "")
        if isinstance(name, str) and name.startswith("_"):
            # The sandbox would refuse it when run, in the middle of a nurse's checklist;
            # refuse it here, where `check` names the file and line.
            raise ExpressionError(f"'{source}' reads {name!r}: names starting with _ are private")
    return Expression(source, frozenset(meta.find_undeclared_variables(tree)), compiled)


def suggest(name: str, known: Collection[str]) -> str:
    """A "; did you mean 'x'?" hint for a misspelt name, or nothing."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_names(expression: Expression, known: Collection[str], what: str) -> None:
    """Raise if the expression reads a name that is not among `known`."""
    for name in sorted(expression.names - set(known)):
        raise ExpressionError(f"unknown {what} '{name}'{suggest(name, known)}")
