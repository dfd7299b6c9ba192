"""Expressions in checklist and protocol files (`when`, rules, validators), run sandboxed.

They are Jinja expressions compiled once in an immutable sandbox with StrictUndefined, as copier
does: no home-made parser, and a site's file can never run Python or change the data it sees.
`BoundedSandbox` is that sandbox, shared with the document templates and the PDF layout, so one
class decides what a site's Jinja may cost.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

# The largest text or list an operator in a site's Jinja may make, and the largest whole number
# (in bits): far above what any document needs, far below what hangs a run or fills memory.
MAX_SEQUENCE = 100_000
MAX_INTEGER_BITS = 10_000


class ExpressionError(Exception):
    """An expression that does not compile, names something unknown, or fails when run."""


def _size(value: object) -> int | None:
    """The length of a text, list or tuple an operator would grow; None for anything else."""
    return len(value) if isinstance(value, str | list | tuple) else None


def _bits(value: object) -> int | None:
    """The size in bits of a whole number (not a bool); None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value).bit_length()
    return None


def _result_size(operator: str, left: object, right: object) -> tuple[int, int] | None:
    """(size, limit) of what `left operator right` would make, if it grows; else None.

    Worked out before the operation runs: `'x' * 4000000000` must fail at once, not after
    Python has tried to allocate four gigabytes.
    """
    left_size, right_size = _size(left), _size(right)
    left_bits, right_bits = _bits(left), _bits(right)
    if operator == "+" and left_size is not None and right_size is not None:
        return left_size + right_size, MAX_SEQUENCE
    if operator == "*":
        if left_size is not None and isinstance(right, int):
            return left_size * max(right, 0), MAX_SEQUENCE
        if right_size is not None and isinstance(left, int):
            return right_size * max(left, 0), MAX_SEQUENCE
        if left_bits is not None and right_bits is not None:
            return left_bits + right_bits, MAX_INTEGER_BITS
    if operator == "**" and left_bits is not None and isinstance(right, int) and right > 0:
        return left_bits * right, MAX_INTEGER_BITS
    return None


def _refuse(operator: str, size: int, limit: int) -> SecurityError:
    what = "bits" if limit == MAX_INTEGER_BITS else "items"
    return SecurityError(
        f"the result of '{operator}' would have {size:,} {what}; at most {limit:,} are allowed"
    )


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's compiler, with every `~` (which no operator hook reaches) checked by the sandbox."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """Compile `a ~ b` as before, its result passed through `BoundedSandbox.joined`."""
        self.write("environment.joined(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with the operators that can build huge values bounded.

    The sandbox keeps a site's Jinja from running Python or changing the data, but not from
    asking for `'x' * 4000000000`: that hung a run (Jinja even tries it while compiling, to
    fold constants) and ate memory. Intercepted operators are never folded, and `call_binop`
    refuses a text or list over MAX_SEQUENCE items or a number over MAX_INTEGER_BITS bits with
    a SecurityError, which the callers report as a broken template or expression. `range()` is
    already bounded by the sandbox (jinja2.sandbox.MAX_RANGE items). Text joined with `~`
    is checked once made: it is at most as long as its parts, so it can grow only by doubling.
    """

    intercepted_binops = frozenset({"*", "**", "+"})
    code_generator_class = _BoundedCodeGenerator

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Run `left operator right`, unless the result would be too big to make."""
        grows = _result_size(operator, left, right)
        if grows is not None and grows[0] > grows[1]:
            raise _refuse(operator, *grows)
        return super().call_binop(context, operator, left, right)

    def joined(self, text: str) -> str:
        """The result of `~`, refused when it is longer than MAX_SEQUENCE characters."""
        if len(text) > MAX_SEQUENCE:
            raise _refuse("~", len(text), MAX_SEQUENCE)
        return text


@cache
def sandbox() -> BoundedSandbox:
    """The one sandboxed environment that compiles every expression."""
    return BoundedSandbox(undefined=StrictUndefined, autoescape=False)


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
