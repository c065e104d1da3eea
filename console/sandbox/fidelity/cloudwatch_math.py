"""Metric math for GetMetricData, as the CloudWatch User Guide's "Metric math syntax and functions" says.

moto 5.2.5 answers every expression with an empty series. The sandbox evaluates what runbooks and
dashboards use:

- operators `+ - * / ^` and unary minus between scalars (S), time series (TS) and arrays (TS[]);
  between two time series a value missing from one is treated as 0; a data point whose
  computation has no value (division by zero, LOG of 0) is dropped;
- comparisons `== != < <= > >=` and logic `AND && OR || NOT !`, each 1 (true) or 0 (false);
- `IF(condition, trueValue[, falseValue])`: for each data point of the condition, trueValue where
  it is not 0, else falseValue, or no data point when falseValue is omitted;
- `SUM AVG MIN MAX STDDEV` of a TS give a scalar, of a TS[] a TS (missing values treated as 0;
  STDDEV is the population standard deviation); `DATAPOINT_COUNT` and `PERIOD` of a TS a scalar;
- point by point: `ABS CEIL FLOOR LOG LOG10`; along a TS (each of a TS[]): `DIFF` (each value
  minus the one before), `DIFF_TIME` (seconds since the one before), `RATE` (DIFF / DIFF_TIME, per
  second), `RUNNING_SUM`;
- `FILL(TS, value | TS | REPEAT | LINEAR)` gives a value to each period of the request without
  one: the value, the other series' value then, the last value before (REPEAT), or the straight
  line between the values around the gap (LINEAR); REPEAT and LINEAR leave periods before the
  first value (and LINEAR those after the last) empty, having nothing to repeat or join;
- `METRICS()` / `METRICS("text")` the request's metrics (not expressions), optionally only those
  whose Id contains the text; `FIRST`, `LAST` and `REMOVE_EMPTY` of a TS[].

Function names are upper case, Ids start with a lower-case letter. Any other function (SEARCH,
ANOMALY_DETECTION_BAND, SORT, ...) is a ValidationException naming it.
"""

from __future__ import annotations

import bisect
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from console.sandbox.fidelity.cloudwatch_wire import CloudWatchError


@dataclass(frozen=True)
class Series:
    points: dict[float, float]  # timestamp -> value
    label: str
    period: int = 60  # seconds: where FILL finds the periods without a value


class Keyword(str):
    """FILL's REPEAT or LINEAR."""


Value = float | Series | list[Series]

_TOKEN = re.compile(r"""\s*(?:
    (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<symbol>==|!=|<=|>=|&&|\|\||[-+*/^(),\[\]<>!])
)""", re.VERBOSE)
_OPERATORS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "^": math.pow,
    "==": lambda a, b: float(a == b), "!=": lambda a, b: float(a != b), "<": lambda a, b: float(a < b),
    "<=": lambda a, b: float(a <= b), ">": lambda a, b: float(a > b), ">=": lambda a, b: float(a >= b),
    "AND": lambda a, b: float(bool(a) and bool(b)), "OR": lambda a, b: float(bool(a) or bool(b)),
}
_SYNONYMS = {"&&": "AND", "||": "OR", "!": "NOT"}
Timeline = Callable[[int], list[float]]


def invalid_expression(query_id: str, message: str) -> CloudWatchError:
    return CloudWatchError("ValidationException", f"Error in expression {query_id}: {message}")


def evaluate(query_id: str, expression: str, resolve: Callable[[str], Value],
             metrics: Callable[[str], list[Series]], timeline: Timeline) -> Value:
    """The value of `expression`; `resolve(id)` gives another query's value, `metrics(text)`
    METRICS(text), `timeline(period)` the starts of the request's periods (for FILL)."""
    parser = _Parser(query_id, _tokens(query_id, expression), resolve, metrics, timeline)
    value = parser.expression()
    if parser.peek() is not None:
        raise invalid_expression(query_id, f"unexpected {parser.peek()[1]!r}")
    if isinstance(value, Keyword):
        raise invalid_expression(query_id, f"{value} is an argument of FILL only")
    return value


def _tokens(query_id: str, expression: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while at < len(expression.rstrip()):
        found = _TOKEN.match(expression, at)
        if not found or found.end() == at:
            raise invalid_expression(query_id, f"unrecognised text at {expression[at:].strip()!r}")
        text = found[found.lastgroup]
        tokens.append((found.lastgroup, _SYNONYMS.get(text, text)))
        at = found.end()
    return tokens


class _Parser:
    """Recursive descent: OR > AND > NOT > comparison > additive > multiplicative > unary minus >
    power > primary."""

    def __init__(self, query_id: str, tokens: list[tuple[str, str]], resolve, metrics, timeline: Timeline):
        self.query_id, self.tokens, self.at = query_id, tokens, 0
        self.resolve, self.metrics, self.timeline = resolve, metrics, timeline

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
        if token and token[0] in ("symbol", "name") and token[1] in texts:
            self.at += 1
            return token[1]
        return None

    def combine(self, left: Value, right: Value, symbol: str) -> Value:
        return combine(left, right, _OPERATORS[symbol], self.query_id)

    def expression(self) -> Value:
        value = self.conjunction()
        while self.accept("OR"):
            value = self.combine(value, self.conjunction(), "OR")
        return value

    def conjunction(self) -> Value:
        value = self.negation()
        while self.accept("AND"):
            value = self.combine(value, self.negation(), "AND")
        return value

    def negation(self) -> Value:
        if self.accept("NOT"):
            return combine(self.negation(), 0.0, lambda v, _: float(not v), self.query_id)
        return self.comparison()

    def comparison(self) -> Value:
        value = self.additive()
        while symbol := self.accept("==", "!=", "<", "<=", ">", ">="):
            value = self.combine(value, self.additive(), symbol)
        return value

    def additive(self) -> Value:
        value = self.multiplicative()
        while symbol := self.accept("+", "-"):
            value = self.combine(value, self.multiplicative(), symbol)
        return value

    def multiplicative(self) -> Value:
        value = self.unary()
        while symbol := self.accept("*", "/"):
            value = self.combine(value, self.unary(), symbol)
        return value

    def unary(self) -> Value:
        if self.accept("-"):
            return combine(-1.0, self.unary(), operator.mul, self.query_id)
        return self.power()

    def power(self) -> Value:
        base = self.primary()
        if self.accept("^"):
            return self.combine(base, self.unary(), "^")
        return base

    def primary(self) -> Value:
        kind, text = self.take()
        if kind == "number":
            return float(text)
        if text == "(":
            value = self.expression()
            self.take(")")
            return value
        if text == "[":
            return self.array()
        if kind == "name" and self.accept("("):
            return self.call(text)
        if kind == "name" and text in ("REPEAT", "LINEAR"):
            return Keyword(text)
        if kind == "name" and text[0].islower():
            return self.resolve(text)
        raise invalid_expression(self.query_id, f"unexpected {text!r}")

    def array(self) -> list[Series]:
        items = [self.expression()]
        while self.accept(","):
            items.append(self.expression())
        self.take("]")
        flat = [s for item in items for s in (item if isinstance(item, list) else [item])]
        if not all(isinstance(s, Series) for s in flat):
            raise invalid_expression(self.query_id, "an array holds time series only")
        return flat

    def call(self, name: str) -> Value:
        if name == "METRICS":
            text = self.take()[1][1:-1] if self.peek() and self.peek()[0] == "string" else ""
            self.take(")")
            return self.metrics(text)
        function = _FUNCTIONS.get(name)
        if function is None:
            raise invalid_expression(self.query_id, f"the sandbox does not evaluate the function {name}")
        arguments = [self.expression()]
        while self.accept(","):
            arguments.append(self.expression())
        self.take(")")
        arity, apply = function
        if not arity[0] <= len(arguments) <= arity[1]:
            raise invalid_expression(self.query_id, f"{name} takes {arity[0]} to {arity[1]} arguments, "
                                                    f"not {len(arguments)}")
        if name != "FILL" and any(isinstance(a, Keyword) for a in arguments):
            raise invalid_expression(self.query_id, f"REPEAT and LINEAR are arguments of FILL, not of {name}")
        return apply(self, name, *arguments)


# --- Functions ---------------------------------------------------------------------------------------


def _pointwise(function: Callable[[float], float]):
    return lambda parser, name, argument: combine(argument, 0.0, lambda v, _: function(v), parser.query_id)


def _log(base: float) -> Callable[[float], float]:
    return lambda v: math.log(v, base) if base else math.log(v)


def _stddev(values: list[float]) -> float:
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))


_REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "SUM": math.fsum, "AVG": lambda v: math.fsum(v) / len(v), "MIN": min, "MAX": max, "STDDEV": _stddev,
}


def reduce(name: str, argument: Value, query_id: str) -> Value:
    """SUM/AVG/MIN/MAX/STDDEV: a TS to a scalar; a TS[] to a TS, point by point, missing values as 0."""
    function = _REDUCERS[name]
    if isinstance(argument, Series):
        return function(list(argument.points.values())) if argument.points else math.nan
    if isinstance(argument, list) and argument:
        stamps = sorted({t for series in argument for t in series.points})
        return Series({t: function([s.points.get(t, 0.0) for s in argument]) for t in stamps}, "",
                      argument[0].period)
    raise invalid_expression(query_id, f"{name} takes a time series or an array of time series")


def _series(parser: _Parser, name: str, argument: Value) -> Series:
    if not isinstance(argument, Series):
        raise invalid_expression(parser.query_id, f"{name} takes a single time series")
    return argument


def _each(parser: _Parser, name: str, argument: Value, transform: Callable[[Series], Series]) -> Value:
    """`transform` applied to a TS, or to each TS of a TS[]."""
    if isinstance(argument, list):
        return [transform(series) for series in argument]
    return transform(_series(parser, name, argument))


def _along(step: Callable[[float, float, float, float], float]):
    """A TS from each pair of consecutive data points (t0, v0, t1, v1), named by the later."""
    def transform(series: Series) -> Series:
        stamps = sorted(series.points)
        points = {t1: _value(lambda: step(t0, series.points[t0], t1, series.points[t1]))
                  for t0, t1 in zip(stamps, stamps[1:])}
        return replace(series, points={t: v for t, v in points.items() if not math.isnan(v)})

    return lambda parser, name, argument: _each(parser, name, argument, transform)


def _running_sum(parser: _Parser, name: str, argument: Value) -> Value:
    def transform(series: Series) -> Series:
        total, points = 0.0, {}
        for stamp in sorted(series.points):
            total += series.points[stamp]
            points[stamp] = total
        return replace(series, points=points)

    return _each(parser, name, argument, transform)


def _fill(parser: _Parser, name: str, argument: Value, how: Value) -> Value:
    if isinstance(how, list):
        raise invalid_expression(parser.query_id, "FILL fills with a number, a time series, REPEAT or LINEAR")
    return _each(parser, name, argument, lambda series: _filled(series, how, parser.timeline(series.period)))


def _filled(series: Series, how: float | Series | Keyword, grid: list[float]) -> Series:
    points, known = dict(series.points), sorted(series.points)
    for stamp in (t for t in grid if t not in series.points):
        at = bisect.bisect_left(known, stamp)
        before, after = known[:at], known[at:]
        if isinstance(how, Series):
            if stamp in how.points:
                points[stamp] = how.points[stamp]
        elif how == "REPEAT":
            if before:
                points[stamp] = series.points[before[-1]]
        elif how == "LINEAR":
            if before and after:
                (t0, t1) = before[-1], after[0]
                v0, v1 = series.points[t0], series.points[t1]
                points[stamp] = v0 + (v1 - v0) * (stamp - t0) / (t1 - t0)
        else:
            points[stamp] = float(how)
    return replace(series, points=points)


def _if(parser: _Parser, name: str, condition: Value, when_true: Value, when_false: Value | None = None) -> Value:
    if isinstance(condition, list):
        def pick(value: Value | None, index: int) -> Value | None:
            if not isinstance(value, list):
                return value
            if len(value) != len(condition):
                raise invalid_expression(parser.query_id, "IF's arrays must have as many time series each")
            return value[index]

        return [_if(parser, name, series, pick(when_true, i), pick(when_false, i))
                for i, series in enumerate(condition)]
    if isinstance(when_true, list) or isinstance(when_false, list):
        raise invalid_expression(parser.query_id, "IF takes an array as a value only with an array as condition")
    if not isinstance(condition, Series):
        chosen = when_true if condition else when_false
        if chosen is None:
            raise invalid_expression(parser.query_id, "IF's condition is false and it has no falseValue")
        return chosen

    def at(value: Value | None, stamp: float) -> float | None:
        return value.points.get(stamp) if isinstance(value, Series) else value

    points = {stamp: at(when_true if truth else when_false, stamp) for stamp, truth in condition.points.items()}
    label = next((v.label for v in (when_true, when_false) if isinstance(v, Series)), condition.label)
    return Series({t: v for t, v in points.items() if v is not None}, label, condition.period)


def _first_or_last(parser: _Parser, name: str, argument: Value) -> Value:
    if not isinstance(argument, list) or not argument:
        raise invalid_expression(parser.query_id, f"{name} takes a non-empty array of time series")
    return argument[0] if name == "FIRST" else argument[-1]


def _remove_empty(parser: _Parser, name: str, argument: Value) -> Value:
    if isinstance(argument, Series):
        argument = [argument]
    if not isinstance(argument, list):
        raise invalid_expression(parser.query_id, f"{name} takes an array of time series")
    return [series for series in argument if series.points]


# name -> ((fewest, most) arguments, function(parser, name, *arguments))
_FUNCTIONS: dict[str, tuple[tuple[int, int], Callable[..., Value]]] = {
    "ABS": ((1, 1), _pointwise(abs)),
    "CEIL": ((1, 1), _pointwise(lambda v: float(math.ceil(v)))),
    "FLOOR": ((1, 1), _pointwise(lambda v: float(math.floor(v)))),
    "LOG": ((1, 1), _pointwise(_log(0))),
    "LOG10": ((1, 1), _pointwise(_log(10))),
    **{name: ((1, 1), lambda parser, name, argument: reduce(name, argument, parser.query_id)) for name in _REDUCERS},
    "DATAPOINT_COUNT": ((1, 1), lambda parser, name, argument: float(len(_series(parser, name, argument).points))),
    "PERIOD": ((1, 1), lambda parser, name, argument: float(_series(parser, name, argument).period)),
    "DIFF": ((1, 1), _along(lambda t0, v0, t1, v1: v1 - v0)),
    "DIFF_TIME": ((1, 1), _along(lambda t0, v0, t1, v1: t1 - t0)),
    "RATE": ((1, 1), _along(lambda t0, v0, t1, v1: (v1 - v0) / (t1 - t0))),
    "RUNNING_SUM": ((1, 1), _running_sum),
    "FILL": ((2, 2), _fill),
    "IF": ((2, 3), _if),
    "FIRST": ((1, 1), _first_or_last),
    "LAST": ((1, 1), _first_or_last),
    "REMOVE_EMPTY": ((1, 1), _remove_empty),
}


# --- Operators -----------------------------------------------------------------------------------------


def combine(left: Value, right: Value, op: Callable[[float, float], float], query_id: str) -> Value:
    """`left op right` for scalars, series and arrays, as metric math defines it."""
    if isinstance(left, Keyword) or isinstance(right, Keyword):
        raise invalid_expression(query_id, "REPEAT and LINEAR are arguments of FILL only")
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
    return replace(sides[0], points={t: v for t, v in points.items() if not math.isnan(v)})


def _apply(op, a: float, b: float) -> float:
    """One data point; NaN (dropped from series) where the operation has no value."""
    return _value(lambda: op(a, b))


def _value(compute: Callable[[], float]) -> float:
    try:
        result = compute()
    except (ZeroDivisionError, OverflowError, ValueError):
        return math.nan
    return float(result) if isinstance(result, (int, float)) and math.isfinite(result) else math.nan
