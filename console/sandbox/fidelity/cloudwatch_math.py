"""Metric math for GetMetricData, as the CloudWatch User Guide's "Metric math syntax and functions" says.

moto 5.2.5 answers every expression with an empty series. The sandbox evaluates the arithmetic the
console builds (error rates such as `100*(m1/m2)`, sums such as `SUM([m1,m2])`):

- operators `+ - * / ^` and unary minus between scalars (S), time series (TS) and arrays (TS[]);
- between two time series, a value missing from one is treated as 0; a data point whose
  computation divides by zero is dropped;
- `SUM AVG MIN MAX` of a TS give a scalar, of a TS[] a TS (missing values treated as 0);
- `ABS` point by point; `METRICS()` / `METRICS("text")` the request's metrics (not expressions),
  optionally only those whose Id contains the text.

Function names are upper case, Ids start with a lower-case letter. Anything else is a
ValidationError naming what the sandbox does not evaluate.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from console.sandbox.fidelity.cloudwatch_wire import CloudWatchError


@dataclass(frozen=True)
class Series:
    points: dict[float, float]  # timestamp -> value
    label: str


Value = float | Series | list[Series]

_TOKEN = re.compile(r"""\s*(?:
    (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>"[^"]*")
  | (?P<symbol>[-+*/^(),\[\]])
)""", re.VERBOSE)
_OPERATORS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "^": math.pow,
}


def invalid_expression(query_id: str, message: str) -> CloudWatchError:
    return CloudWatchError("ValidationException", f"Error in expression {query_id}: {message}")


def evaluate(query_id: str, expression: str, resolve: Callable[[str], Value],
             metrics: Callable[[str], list[Series]]) -> Value:
    """The value of `expression`; `resolve(id)` gives another query's value, `metrics(text)` METRICS(text)."""
    parser = _Parser(query_id, _tokens(query_id, expression), resolve, metrics)
    value = parser.additive()
    if parser.peek() is not None:
        raise invalid_expression(query_id, f"unexpected {parser.peek()[1]!r}")
    return value


def _tokens(query_id: str, expression: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while at < len(expression.rstrip()):
        found = _TOKEN.match(expression, at)
        if not found or found.end() == at:
            raise invalid_expression(query_id, f"unrecognised text at {expression[at:].strip()!r}")
        tokens.append((found.lastgroup, found[found.lastgroup]))
        at = found.end()
    return tokens


class _Parser:
    """Recursive descent: additive > multiplicative > unary minus > power > primary."""

    def __init__(self, query_id: str, tokens: list[tuple[str, str]], resolve, metrics):
        self.query_id, self.tokens, self.at = query_id, tokens, 0
        self.resolve, self.metrics = resolve, metrics

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, text: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (text is not None and token[1] != text):
            found = token[1] if token else "the end"
            raise invalid_expression(self.query_id, f"expected {text or 'more'}, found {found}")
        self.at += 1
        return token

    def accept(self, *texts: str) -> str | None:
        token = self.peek()
        if token and token[0] == "symbol" and token[1] in texts:
            self.at += 1
            return token[1]
        return None

    def additive(self) -> Value:
        value = self.multiplicative()
        while symbol := self.accept("+", "-"):
            value = combine(value, self.multiplicative(), _OPERATORS[symbol], self.query_id)
        return value

    def multiplicative(self) -> Value:
        value = self.unary()
        while symbol := self.accept("*", "/"):
            value = combine(value, self.unary(), _OPERATORS[symbol], self.query_id)
        return value

    def unary(self) -> Value:
        if self.accept("-"):
            return combine(-1.0, self.unary(), operator.mul, self.query_id)
        return self.power()

    def power(self) -> Value:
        base = self.primary()
        if self.accept("^"):
            return combine(base, self.unary(), math.pow, self.query_id)
        return base

    def primary(self) -> Value:
        kind, text = self.take()
        if kind == "number":
            return float(text)
        if text == "(":
            value = self.additive()
            self.take(")")
            return value
        if text == "[":
            return self.array()
        if kind == "name" and self.accept("("):
            return self.call(text)
        if kind == "name" and text[0].islower():
            return self.resolve(text)
        raise invalid_expression(self.query_id, f"unexpected {text!r}")

    def array(self) -> list[Series]:
        items = [self.additive()]
        while self.accept(","):
            items.append(self.additive())
        self.take("]")
        flat = [s for item in items for s in (item if isinstance(item, list) else [item])]
        if not all(isinstance(s, Series) for s in flat):
            raise invalid_expression(self.query_id, "an array holds time series only")
        return flat

    def call(self, name: str) -> Value:
        if name == "METRICS":
            text = self.take()[1].strip('"') if self.peek() and self.peek()[0] == "string" else ""
            self.take(")")
            return self.metrics(text)
        argument = self.additive()
        self.take(")")
        if name == "ABS":
            return combine(argument, 0.0, lambda v, _: abs(v), self.query_id)
        if name in _REDUCERS:
            return reduce(name, argument, self.query_id)
        raise invalid_expression(self.query_id, f"the sandbox does not evaluate the function {name}")


_REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "SUM": math.fsum, "AVG": lambda v: math.fsum(v) / len(v), "MIN": min, "MAX": max,
}


def reduce(name: str, argument: Value, query_id: str) -> Value:
    """SUM/AVG/MIN/MAX: a TS to a scalar; a TS[] to a TS, point by point, missing values as 0."""
    function = _REDUCERS[name]
    if isinstance(argument, Series):
        return function(list(argument.points.values())) if argument.points else math.nan
    if isinstance(argument, list):
        stamps = sorted({t for series in argument for t in series.points})
        return Series({t: function([s.points.get(t, 0.0) for s in argument]) for t in stamps}, "")
    raise invalid_expression(query_id, f"{name} takes a time series or an array of time series")


def combine(left: Value, right: Value, op: Callable[[float, float], float], query_id: str) -> Value:
    """`left op right` for scalars, series and arrays, as metric math defines it."""
    if isinstance(left, list) and isinstance(right, list):
        raise invalid_expression(query_id, "two arrays of time series cannot be combined")
    if isinstance(left, list):
        return [combine(series, right, op, query_id) for series in left]
    if isinstance(right, list):
        return [combine(left, series, op, query_id) for series in right]
    if isinstance(left, Series) or isinstance(right, Series):
        return _combine_series(left, right, op)
    return _apply(op, left, right)


def _combine_series(left: Series | float, right: Series | float, op) -> Series:
    sides = [side for side in (left, right) if isinstance(side, Series)]
    stamps = sorted({t for series in sides for t in series.points})

    def at(side: Series | float, stamp: float) -> float:
        return side.points.get(stamp, 0.0) if isinstance(side, Series) else side

    points = {t: _apply(op, at(left, t), at(right, t)) for t in stamps}
    return Series({t: v for t, v in points.items() if not math.isnan(v)}, sides[0].label)


def _apply(op, a: float, b: float) -> float:
    """One data point; NaN (dropped from series) where the operation has no value."""
    try:
        result = op(a, b)
    except (ZeroDivisionError, OverflowError, ValueError):
        return math.nan
    return result if isinstance(result, float) and math.isfinite(result) else math.nan
