"""`when.evaluate`: a safe evaluator for the part of expr-lang that pipeline conditions use.

Literals (strings, numbers, true, false, nil, [lists]), names (environment variables; unknown is
nil), parentheses, `! not && and || or == != < <= > >= in "not in" matches contains startsWith
endsWith`. The whole expression must yield a boolean.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_TOKENS = re.compile(
    r"""\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
    r"""|(?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\],])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"""
)
_BINARY: dict[str, int] = {
    "||": 1,
    "or": 1,
    "&&": 2,
    "and": 2,
    "==": 3,
    "!=": 3,
    "<": 3,
    "<=": 3,
    ">": 3,
    ">=": 3,
    "in": 3,
    "not in": 3,
    "matches": 3,
    "contains": 3,
    "startsWith": 3,
    "endsWith": 3,
}
Value = str | float | bool | None | list["Value"]


class ExpressionError(ValueError):
    """The expression cannot be parsed or does not yield a boolean."""


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKENS.match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"unexpected character at {pos}: {text[pos : pos + 10]!r}")
        tokens.append(match.group(0).strip())
        pos = match.end()
    merged: list[str] = []
    for token in tokens:  # "not in" is one operator
        if token == "in" and merged and merged[-1] == "not":
            merged[-1] = "not in"
        else:
            merged.append(token)
    return merged


class _Parser:
    def __init__(self, tokens: list[str], env: Mapping[str, str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.env = env

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ExpressionError(f"expected {expected or 'a value'}, found {token or 'the end'}")
        self.pos += 1
        return token

    def expression(self, min_prec: int = 1) -> Value:
        left = self.unary()
        while (op := self.peek()) in _BINARY and _BINARY[op] >= min_prec:
            self.take()
            right = self.expression(_BINARY[op] + 1)
            left = _binary(op, left, right)
        return left

    def unary(self) -> Value:
        if self.peek() in ("!", "not"):
            self.take()
            return not _truth(self.unary())
        return self.primary()

    def primary(self) -> Value:
        token = self.take()
        if token == "(":
            value = self.expression()
            self.take(")")
            return value
        if token == "[":
            items: list[Value] = []
            while self.peek() != "]":
                items.append(self.expression())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return items
        if token[0] in "\"'":
            return re.sub(r"\\(.)", r"\1", token[1:-1])
        if token[0].isdigit():
            return float(token)
        if token in ("true", "false"):
            return token == "true"
        if token == "nil":
            return None
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
            return self.env.get(token)
        raise ExpressionError(f"unexpected {token!r}")


def _truth(value: Value) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError(f"{value!r} is not a boolean")
    return value


def _text(value: Value) -> str:
    return "" if value is None else str(value)


def _compare(op: str, left: Value, right: Value) -> bool:
    if isinstance(left, str) and isinstance(right, float):
        left = float(left) if re.fullmatch(r"-?\d+(\.\d+)?", left) else left
    if isinstance(left, float) and isinstance(right, str):
        right = float(right) if re.fullmatch(r"-?\d+(\.\d+)?", right) else right
    if type(left) is not type(right) or not isinstance(left, (str, float)):
        raise ExpressionError(f"cannot compare {left!r} and {right!r}")
    checks: dict[str, Callable[[], bool]] = {
        "<": lambda: left < right,  # type: ignore[operator]
        "<=": lambda: left <= right,  # type: ignore[operator]
        ">": lambda: left > right,  # type: ignore[operator]
        ">=": lambda: left >= right,  # type: ignore[operator]
    }
    return checks[op]()


def _binary(op: str, left: Value, right: Value) -> Value:
    if op in ("||", "or"):
        return _truth(left) or _truth(right)
    if op in ("&&", "and"):
        return _truth(left) and _truth(right)
    if op in ("==", "!="):
        return (left == right) == (op == "==")
    if op in ("in", "not in"):
        if not isinstance(right, list):
            raise ExpressionError("`in` needs a list on its right")
        return (left in right) == (op == "in")
    if op == "matches":
        try:
            return re.search(_text(right), _text(left)) is not None
        except re.error as exc:
            raise ExpressionError(f"bad regular expression: {exc}") from exc
    if op == "contains":
        return _text(right) in _text(left)
    if op == "startsWith":
        return _text(left).startswith(_text(right))
    if op == "endsWith":
        return _text(left).endswith(_text(right))
    return _compare(op, left, right)


def evaluate(text: str, env: Mapping[str, str]) -> bool:
    """Evaluate `text` over `env` to a boolean."""
    parser = _Parser(_tokenize(text), env)
    value = parser.expression()
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected {parser.peek()!r}")
    return _truth(value)
