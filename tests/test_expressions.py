"""Sandboxed expressions: compile once, name what they read, never run Python."""

from __future__ import annotations

import pytest

from kyphocheck.expressions import ExpressionError, check_names, compile_expression, suggest


def test_an_expression_reads_its_names() -> None:
    expression = compile_expression("inr > 1.5 and patient.sex == 'female'")
    assert expression.names == {"inr", "patient"}
    assert expression.evaluate({"inr": 2.0, "patient": {"sex": "female"}}) is True


@pytest.mark.parametrize("source", ["inr >", "(", "a |"])
def test_a_syntax_error_is_an_expression_error(source: str) -> None:
    with pytest.raises(ExpressionError, match="is not a valid expression"):
        compile_expression(source)


def test_an_undefined_name_fails_when_run() -> None:
    with pytest.raises(ExpressionError, match="failed"):
        compile_expression("missing + 1").evaluate({})


@pytest.mark.parametrize(
    "source",
    ["patient.__class__", "patient.__class__.__mro__", "().__class__.__base__.__subclasses__()"],
)
def test_private_names_are_refused_when_compiled(source: str) -> None:
    with pytest.raises(ExpressionError, match="names starting with _ are private"):
        compile_expression(source)


def test_an_unsafe_attribute_fails_where_it_is_evaluated() -> None:
    # getattr() with a computed name slips past the compile-time check; the sandbox's undefined
    # must fail in evaluate, naming the expression, not later in its caller.
    expression = compile_expression("patient | attr('__cl' ~ 'ass__')")
    with pytest.raises(ExpressionError, match="failed"):
        expression.evaluate({"patient": {"sex": "female"}})


def test_the_sandbox_cannot_change_the_data() -> None:
    data = {"items": [1, 2]}
    with pytest.raises(ExpressionError):
        compile_expression("items.append(3)").evaluate(data)
    assert data == {"items": [1, 2]}


def test_check_names_suggests_the_close_name() -> None:
    with pytest.raises(ExpressionError, match="did you mean 'inr'"):
        check_names(compile_expression("inrr > 1"), ["inr", "platelets"], "item")
    assert suggest("zzz", ["inr"]) == ""
