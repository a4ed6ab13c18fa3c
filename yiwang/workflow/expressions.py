"""Conditions of exclusive choices (条件表达式): a tiny whitelisted language, parsed and evaluated without ``eval``.

Grammar::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") operand)?
    operand    := NAME ("." NAME)* | STRING | NUMBER | "true" | "false" | "null" | "[" literals "]" | "(" expr ")"

Names are read from the instance variables (dotted names look into nested objects); a missing name is ``null``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?)
      | (?P<string>'[^'\\]*'|"[^"\\]*")
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda left, right: bool(left == right),
    "!=": lambda left, right: bool(left != right),
    "<": lambda left, right: bool(left < right),
    "<=": lambda left, right: bool(left <= right),
    ">": lambda left, right: bool(left > right),
    ">=": lambda left, right: bool(left >= right),
    "in": lambda left, right: left in right,
    "not in": lambda left, right: left not in right,
}


class ExpressionError(ValueError):
    """The text is not a valid condition; ``position`` is the character offset of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(
            _("%(problem)s (at character %(position)s)") % {"problem": message, "position": position + 1}
        )
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, op, name, keyword, end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN_RE.match(text, position)
        if match is None or match.end() == position:
            offending = position + len(text[position:]) - len(text[position:].lstrip())
            raise ExpressionError(
                _("unexpected character %(char)s") % {"char": repr(text[offending])}, offending
            )
        kind = match.lastgroup or ""
        value = match.group(kind)
        start = match.start(kind)
        if kind == "name" and value in KEYWORDS:
            kind = "keyword"
        tokens.append(Token(kind, value, start))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _found(token: Token) -> str:
    return repr(token.text) if token.kind != "end" else str(_("the end"))


# A parsed condition is a tree of tuples: ("or"|"and", left, right), ("not", operand),
# ("compare", operator, left, right), ("name", dotted), ("literal", value), ("list", [nodes]).
Node = tuple[Any, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token.kind in ("op", "keyword") and token.text == text:
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            token = self.peek()
            raise ExpressionError(
                _("expected %(expected)s, found %(found)s")
                % {"expected": repr(text), "found": _found(token)},
                token.position,
            )

    def parse(self) -> Node:
        node = self.or_expr()
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(_("unexpected %(found)s") % {"found": _found(token)}, token.position)
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.accept("or"):
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.accept("and"):
            node = ("and", node, self.not_expr())
        return node

    def not_expr(self) -> Node:
        if self.accept("not"):
            return ("not", self.not_expr())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        token = self.peek()
        if token.kind == "op" and token.text in COMPARISONS:
            self.take()
            return ("compare", token.text, left, self.operand())
        if self.accept("in"):
            return ("compare", "in", left, self.operand())
        if token.kind == "keyword" and token.text == "not":
            self.take()
            self.expect("in")
            return ("compare", "not in", left, self.operand())
        return left

    def operand(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return ("literal", float(token.text) if "." in token.text else int(token.text))
        if token.kind == "string":
            return ("literal", token.text[1:-1])
        if token.kind == "name":
            return ("name", token.text)
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            return ("literal", {"true": True, "false": False, "null": None}[token.text])
        if token.kind == "op" and token.text == "(":
            node = self.or_expr()
            self.expect(")")
            return node
        if token.kind == "op" and token.text == "[":
            items: list[Node] = []
            if not self.accept("]"):
                items.append(self.operand())
                while self.accept(","):
                    items.append(self.operand())
                self.expect("]")
            return ("list", items)
        raise ExpressionError(
            _("expected a value, found %(found)s") % {"found": _found(token)}, token.position
        )


def parse_condition(text: str) -> Node:
    """Parse ``text`` into a condition tree; raises ExpressionError with the position of the first problem."""
    return _Parser(text).parse()


def _lookup(variables: Mapping[str, Any], dotted: str) -> Any:
    value: Any = variables
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _value(node: Node, variables: Mapping[str, Any]) -> Any:
    kind = node[0]
    if kind == "literal":
        return node[1]
    if kind == "name":
        return _lookup(variables, node[1])
    if kind == "list":
        return [_value(item, variables) for item in node[1]]
    if kind == "or":
        return _value(node[1], variables) or _value(node[2], variables)
    if kind == "and":
        return _value(node[1], variables) and _value(node[2], variables)
    if kind == "not":
        return not _value(node[1], variables)
    _compare, operator, left, right = node
    try:
        return COMPARISONS[operator](_value(left, variables), _value(right, variables))
    except TypeError:  # e.g. 3 < "a", or "in" a number: the condition does not hold
        return False


def evaluate_condition(text: str, variables: Mapping[str, Any]) -> bool:
    """Whether the condition ``text`` holds for ``variables``."""
    return bool(_value(parse_condition(text), variables))
