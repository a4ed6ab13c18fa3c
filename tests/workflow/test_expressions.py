"""Choice conditions: a whitelisted expression language evaluated without eval."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.workflow.expressions import ExpressionError, evaluate_condition, parse_condition

VARIABLES = {
    "outcome": "grant",
    "amount": 12,
    "outcomes": {"decide": "deny"},
    "departments": ["scjgj", "wjw"],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("outcome == 'grant'", True),
        ('outcome != "grant"', False),
        ("amount >= 10 and amount < 20", True),
        ("amount > 20 or outcomes.decide == 'deny'", True),
        ("not (outcome == 'grant')", False),
        ("'wjw' in departments", True),
        ("'zrzyj' not in departments", True),
        ("outcome in ['grant', 'deny']", True),
        ("missing == null", True),
        ("missing.deeper == null", True),
        ("amount < 'text'", False),
        ("true and not false", True),
    ],
)
def test_conditions_evaluate_over_variables(text: str, expected: bool) -> None:
    assert evaluate_condition(text, VARIABLES) is expected


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "outcome == ",
        "amount + 1 > 2",
        "(outcome == 'grant'",
        "outcome === 'grant'",
        "",
        "outcome.upper() == 'GRANT'",
    ],
)
def test_anything_outside_the_grammar_is_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_condition(text)


def test_error_names_the_position() -> None:
    with pytest.raises(ExpressionError, match="第 12 个字符"):
        parse_condition("outcome == @")


@given(
    st.integers(-1000, 1000), st.integers(-1000, 1000), st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
)
def test_integer_comparisons_agree_with_python(left: int, right: int, operator: str) -> None:
    expected = {
        "==": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[operator]
    assert evaluate_condition(f"a {operator} b", {"a": left, "b": right}) is expected


@given(st.booleans(), st.booleans(), st.booleans())
def test_boolean_precedence_is_not_over_and_over_or(a: bool, b: bool, c: bool) -> None:
    variables = {"a": a, "b": b, "c": c}
    assert evaluate_condition("a or b and not c", variables) is (a or (b and not c))
    assert evaluate_condition("not a and b or c", variables) is (((not a) and b) or c)
