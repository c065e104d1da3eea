"""The Logs Insights query language, as much of it as the console uses: a parser and an evaluator.

moto 5.2.5 reads only `fields`, `sort @timestamp` and `limit` (no filter, no stats). The sandbox runs:

- `fields EXPR [as NAME], ...` and `display NAME, ...`;
- `filter EXPR`: `= != < <= > >=`, `like "text"` / `like /regex/` / `=~ /regex/` (and `not like`),
  `in [..]` / `not in [..]`, `and`, `or`, `not`, parentheses, arithmetic `+ - * / %`;
- `stats AGG(EXPR) [as NAME], ... [by EXPR [as NAME], ...]` with count, count_distinct, sum, avg,
  min, max, pct (percentile), stddev, earliest, latest; `bin(1m)` buckets @timestamp;
- `sort FIELD [asc|desc], ...`, `limit N`, `dedup FIELD, ...`;
- `parse FIELD "glob with *" as a, b` and `parse FIELD /(?<name>regex)/`;
- functions abs, ceil, floor, strlen, toupper, tolower, concat, coalesce, ispresent, isempty, isblank.

A JSON event's keys are discovered as fields (nested keys joined by dots), beside @timestamp,
@message, @logStream, @log and @ptr. Numbers written as strings ("status":"502", as API Gateway
writes them) compare and aggregate as numbers. Anything else is refused as AWS refuses a syntax error
(MalformedQuery), naming what the sandbox does not support and where.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]
Expr = Callable[[Record], Any]


class Malformed(ValueError):
    """A query the sandbox cannot run, with the character offsets it points at."""

    def __init__(self, message: str, start: int = 0, end: int = 0):
        super().__init__(message)
        self.start, self.end = start, end


class Instant(int):
    """Epoch milliseconds: shown as Logs Insights shows a time ("2026-12-04 09:30:00.000")."""

    def __str__(self) -> str:
        return datetime.fromtimestamp(self / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{self % 1000:03d}"


# --- Tokens ------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<duration>\d+(?:ms|mo|s|m|h|d|w|q|y)(?![\w.]))
  | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<backtick>`[^`]*`)
  | (?P<name>[A-Za-z_@$][\w@$.]*(?<!\.))
  | (?P<op>==|!=|<=|>=|=~|[=<>+\-*%^(),\[\]|])
  | (?P<slash>/)
""", re.VERBOSE)
_OPERAND_END = {"number", "string", "backtick", "name", "duration", "regex"}
_KEYWORDS = {"and", "or", "not", "like", "in", "as", "by", "asc", "desc"}


@dataclass(frozen=True)
class Token:
    kind: str  # duration number string backtick name op regex
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def word(self) -> str:
        return self.text.lower() if self.kind == "name" else ""


def tokens(query: str) -> list[Token]:
    found: list[Token] = []
    at = 0
    while at < len(query):
        previous = found[-1] if found else None
        operand_before = previous is not None and (
            (previous.kind in _OPERAND_END and previous.word() not in _KEYWORDS) or previous.text in (")", "]"))
        after_parse = len(found) >= 2 and found[-2].word() == "parse"  # parse FIELD /regex/
        if query[at] == "/" and (after_parse or not operand_before):  # a regular expression where an operand may start
            close = re.compile(r"(?:[^/\\]|\\.)*/").match(query, at + 1)
            if close is None:
                raise Malformed("unterminated regular expression", at, len(query))
            found.append(Token("regex", query[at:close.end()], at))
            at = close.end()
            continue
        match = _TOKEN.match(query, at)
        if match is None:
            raise Malformed(f"unexpected symbol {query[at]!r}", at, at + 1)
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(Token("op" if kind == "slash" else kind, match.group(), at))
        at = match.end()
    return found


# --- Parsing -------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, items: list[Token], end: int):
        self.items, self.at, self.end = items, 0, end

    def peek(self, offset: int = 0) -> Token | None:
        index = self.at + offset
        return self.items[index] if index < len(self.items) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise Malformed("the query ends where more was expected", self.end, self.end)
        self.at += 1
        return token

    def accept(self, *texts: str) -> Token | None:
        token = self.peek()
        if token is not None and (token.text in texts or token.word() in texts):
            self.at += 1
            return token
        return None

    def expect(self, text: str) -> Token:
        token = self.take()
        if token.text != text and token.word() != text:
            raise Malformed(f"expected {text!r}, found {token.text!r}", token.start, token.end)
        return token

    def done(self) -> bool:
        return self.at >= len(self.items)


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _regex(token: Token) -> re.Pattern:
    body = token.text[1:-1].replace("\\/", "/")
    body = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", body)  # Logs Insights' named groups, in Python's spelling
    try:
        return re.compile(body)
    except re.error as exc:
        raise Malformed(f"invalid regular expression {token.text}: {exc}", token.start, token.end) from None


def number(value: Any) -> float | None:
    """A value as a number, also when written as a string; None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        found = float(str(value).strip())
    except ValueError:
        return None
    return found if math.isfinite(found) else None


def _equal(a: Any, b: Any) -> bool:
    x, y = number(a), number(b)
    if x is not None and y is not None:
        return x == y
    return str(a) == str(b)


def _order(a: Any, b: Any) -> int | None:
    x, y = number(a), number(b)
    if x is None or y is None:
        x, y = str(a), str(b)
    return (x > y) - (x < y)


_COMPARE = {"=": lambda c: c == 0, "==": lambda c: c == 0, "!=": lambda c: c != 0, "<": lambda c: c < 0,
            "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0}
_ARITHMETIC = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
               "/": lambda a, b: a / b if b else None, "%": lambda a, b: a % b if b else None,
               "^": lambda a, b: a ** b}
_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": lambda x: None if number(x) is None else abs(number(x)),
    "ceil": lambda x: None if number(x) is None else math.ceil(number(x)),
    "floor": lambda x: None if number(x) is None else math.floor(number(x)),
    "strlen": lambda s: None if s is None else len(str(s)),
    "toupper": lambda s: None if s is None else str(s).upper(),
    "tolower": lambda s: None if s is None else str(s).lower(),
    "concat": lambda *parts: "".join(str(p) for p in parts if p is not None),
    "coalesce": lambda *values: next((v for v in values if v is not None), None),
    "ispresent": lambda v: v is not None,
    "isempty": lambda v: v is None or str(v) == "",
    "isblank": lambda v: v is None or str(v).strip() == "",
}
_VARIADIC = {"concat", "coalesce"}  # one or more arguments; every other function takes one
AGGREGATES = ("count", "count_distinct", "sum", "avg", "min", "max", "pct", "percentile", "stddev",
              "earliest", "latest")


class _Expressions:
    """Recursive descent over one command's tokens; each parse returns a function of a record."""

    def __init__(self, reader: _Reader, query: str):
        self.r, self.query = reader, query

    def text(self, start: Token, end: Token) -> str:
        return self.query[start.start:end.end]

    def expression(self) -> Expr:
        return self._or()

    def _or(self) -> Expr:
        left = self._and()
        while self.r.accept("or"):
            right, first = self._and(), left
            left = lambda rec, a=first, b=right: bool(a(rec)) or bool(b(rec))
        return left

    def _and(self) -> Expr:
        left = self._not()
        while self.r.accept("and"):
            right, first = self._not(), left
            left = lambda rec, a=first, b=right: bool(a(rec)) and bool(b(rec))
        return left

    def _not(self) -> Expr:
        if self.r.accept("not"):
            inner = self._not()
            return lambda rec: not inner(rec)
        return self._comparison()

    def _comparison(self) -> Expr:
        left = self._sum()
        token = self.r.peek()
        if token is None:
            return left
        negate = False
        if token.word() == "not" and (after := self.r.peek(1)) is not None and after.word() in ("like", "in"):
            self.r.take()
            negate, token = True, self.r.peek()
        if token.text in _COMPARE:
            self.r.take()
            right, test = self._sum(), _COMPARE[token.text]
            return lambda rec: (a := left(rec)) is not None and (b := right(rec)) is not None and test(_order(a, b))
        if token.word() == "like" or token.text == "=~":
            self.r.take()
            match = self._pattern(regex_only=token.text == "=~")  # a missing field matches neither way
            return lambda rec: (v := left(rec)) is not None and negate != match(v)
        if token.word() == "in":
            self.r.take()
            items = self._list()
            return lambda rec: negate != ((v := left(rec)) is not None and any(_equal(v, i(rec)) for i in items))
        return left

    def _pattern(self, regex_only: bool) -> Callable[[Any], bool]:
        token = self.r.take()
        if token.kind == "regex":
            regex = _regex(token)
            return lambda value: value is not None and regex.search(str(value)) is not None
        if token.kind == "string" and not regex_only:
            text = _unquote(token.text)
            return lambda value: value is not None and text in str(value)
        raise Malformed(f"expected a string or /regex/ after like, found {token.text!r}", token.start, token.end)

    def _list(self) -> list[Expr]:
        self.r.expect("[")
        items = []
        if not self.r.accept("]"):
            items.append(self._sum())
            while self.r.accept(","):
                items.append(self._sum())
            self.r.expect("]")
        return items

    def _sum(self) -> Expr:
        left = self._product()
        while (token := self.r.accept("+", "-")) is not None:
            left = self._arithmetic(left, token.text, self._product())
        return left

    def _product(self) -> Expr:
        left = self._unary()
        while (token := self.r.accept("*", "/", "%", "^")) is not None:
            left = self._arithmetic(left, token.text, self._unary())
        return left

    @staticmethod
    def _arithmetic(left: Expr, op: str, right: Expr) -> Expr:
        apply = _ARITHMETIC[op]

        def value(rec: Record) -> Any:
            a, b = number(left(rec)), number(right(rec))
            return None if a is None or b is None else apply(a, b)
        return value

    def _unary(self) -> Expr:
        if self.r.accept("-"):
            inner = self._unary()
            return lambda rec: None if number(inner(rec)) is None else -number(inner(rec))
        return self._primary()

    def _primary(self) -> Expr:
        token = self.r.take()
        if token.kind == "number":
            value = float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
            return lambda rec: value
        if token.kind == "string":
            text = _unquote(token.text)
            return lambda rec: text
        if token.kind == "backtick":
            name = token.text[1:-1]
            return lambda rec: rec.get(name)
        if token.text == "(":
            inner = self.expression()
            self.r.expect(")")
            return inner
        if token.kind == "name" and token.word() not in _KEYWORDS:
            following = self.r.peek()
            if following is not None and following.text == "(":
                return self._call(token)
            return lambda rec, name=token.text: rec.get(name)
        raise Malformed(f"unexpected symbol {token.text!r}", token.start, token.end)

    def _call(self, name: Token) -> Expr:
        function = name.text.lower()
        self.r.expect("(")
        if function == "bin":
            size = self.r.take()
            if size.kind != "duration" or size.text.endswith(("mo", "q", "y")):
                raise Malformed(f"bin() takes a duration such as 1m or 5m, not {size.text!r}", size.start, size.end)
            self.r.expect(")")
            unit = re.sub(r"^\d+", "", size.text)
            width = int(size.text[:-len(unit)]) * _UNITS_MS[unit]
            return lambda rec: None if rec.get("@timestamp") is None else Instant(rec["@timestamp"] // width * width)
        if function in AGGREGATES:
            raise Malformed(f"{function}() is an aggregate: use it in stats", name.start, name.end)
        if function not in _FUNCTIONS:
            raise Malformed(f"the sandbox does not support the function {name.text}()", name.start, name.end)
        arguments = [] if self.r.accept(")") else self._arguments()
        if len(arguments) != 1 and not (function in _VARIADIC and arguments):
            raise Malformed(f"{function}() does not take {len(arguments)} argument(s)", name.start, name.end)
        apply = _FUNCTIONS[function]
        return lambda rec: apply(*(a(rec) for a in arguments))

    def _arguments(self) -> list[Expr]:
        found = [self.expression()]
        while self.r.accept(","):
            found.append(self.expression())
        self.r.expect(")")
        return found


# --- Commands ----------------------------------------------------------------------------------


@dataclass
class Query:
    """A compiled query: its commands in order, and what the answer shows."""

    steps: list[Callable[[list[Record]], list[Record]]] = field(default_factory=list)
    columns: list[str] | None = None  # None: every field of each record
    aggregated: bool = False
    matched_at: int | None = None  # records entering this step count as matched (the first stats or limit)
    limit: int | None = None
    sorted: bool = False


def compile_query(query: str) -> Query:
    """Parse `query` into steps over records; raises Malformed naming what is wrong and where."""
    items = tokens(query)
    compiled = Query()
    commands: list[list[Token]] = [[]]
    for token in items:
        if token.text == "|":
            commands.append([])
        else:
            commands[-1].append(token)
    if not any(commands):
        raise Malformed("the query is empty", 0, len(query))
    for command in commands:
        if not command:
            raise Malformed("an empty command between pipes", 0, len(query))
        _command(command, query, compiled)
    return compiled


def _named_list(reader: _Reader, parse: _Expressions) -> list[tuple[str, Expr]]:
    """`EXPR [as NAME], ...`: each expression named by its alias or by its own text."""
    found = []
    while True:
        first = reader.peek()
        value = parse.expression()
        last = reader.items[reader.at - 1]
        name = parse.text(first, last) if first is not None else ""
        value = _by_name(name, value)
        if reader.accept("as"):
            alias = reader.take()
            name = alias.text[1:-1] if alias.kind == "backtick" else alias.text
        found.append((name, value))
        if not reader.accept(","):
            return found


def _command(command: list[Token], query: str, compiled: Query) -> None:
    head = command[0]
    reader = _Reader(command[1:], command[-1].end)
    parse = _Expressions(reader, query)
    verb = head.word()
    if verb in ("fields", "display"):
        named = _named_list(reader, parse)
        compiled.steps.append(lambda records: [rec | {n: v(rec) for n, v in named} for rec in records])
        shown = [n for n, _ in named]
        compiled.columns = shown if verb == "display" else [*(compiled.columns or []), *shown]
    elif verb == "filter":
        test = parse.expression()
        compiled.steps.append(lambda records: [rec for rec in records if test(rec)])
    elif verb == "stats":
        _stats(reader, parse, compiled)
    elif verb == "sort":
        keys = []
        while True:
            first = reader.peek()
            value = parse.expression()
            value = _by_name(parse.text(first, reader.items[reader.at - 1]) if first else "", value)
            descending = reader.accept("desc", "asc")
            keys.append((value, descending is not None and descending.word() == "desc"))
            if not reader.accept(","):
                break
        compiled.steps.append(lambda records: _sorted(records, keys))
        compiled.sorted = True
    elif verb == "limit":
        size = reader.take()
        if size.kind != "number" or not size.text.isdigit() or int(size.text) < 1:
            raise Malformed(f"limit takes a positive whole number, not {size.text!r}", size.start, size.end)
        count = int(size.text)
        if compiled.matched_at is None:
            compiled.matched_at = len(compiled.steps)
        compiled.steps.append(lambda records: records[:count])
        compiled.limit = count if compiled.limit is None else min(compiled.limit, count)
    elif verb == "dedup":
        names = [name for name, _ in _named_list(reader, parse)]
        compiled.steps.append(lambda records: _dedup(records, names))
    elif verb == "parse":
        _parse(reader, parse, compiled)
    else:
        raise Malformed(f"the sandbox does not support the {head.text} command (it runs fields, display, filter, "
                        "stats, sort, limit, dedup and parse)", head.start, head.end)
    if not reader.done():
        extra = reader.peek()
        raise Malformed(f"unexpected symbol {extra.text!r} in {head.text}", extra.start, extra.end)


def _by_name(text: str, value: Expr) -> Expr:
    """An expression that names a column made earlier (`stats ... by bin(5m) | sort bin(5m)`) reads it."""
    return lambda rec: rec[text] if text in rec else value(rec)


def _sorted(records: list[Record], keys: list[tuple[Expr, bool]]) -> list[Record]:
    """Stable sorts from the last key to the first; a record missing a key sorts after the others."""
    out = list(records)
    for value, descending in reversed(keys):
        present = [r for r in out if value(r) is not None]
        absent = [r for r in out if value(r) is None]
        present.sort(key=functools.cmp_to_key(lambda a, b: _order(value(a), value(b))), reverse=descending)
        out = present + absent
    return out


def _dedup(records: list[Record], names: list[str]) -> list[Record]:
    seen, kept = set(), []
    for rec in records:
        key = tuple(str(rec.get(n)) for n in names)
        if None in (rec.get(n) for n in names) or key not in seen:
            seen.add(key)
            kept.append(rec)
    return kept


def _parse(reader: _Reader, parse: _Expressions, compiled: Query) -> None:
    source = parse.expression()
    pattern = reader.take()
    if pattern.kind == "regex":
        regex = _regex(pattern)
        names = list(regex.groupindex)
        if not names:
            raise Malformed("parse with a /regex/ needs named groups (?<name>...)", pattern.start, pattern.end)
    elif pattern.kind == "string":
        glob = _unquote(pattern.text)
        parts = [re.escape(part) for part in glob.split("*")]
        # `*` takes as little as it can between fixed text; at either end of the glob, the rest of the value
        body = "(.*?)".join(parts[:-1]) + ("(.*)" if len(parts) > 1 else "") + parts[-1]
        regex = re.compile(("^" if glob.startswith("*") else "") + body, re.DOTALL)
        reader.expect("as")
        names = [n for n, _ in _named_list(reader, parse)]
        if len(names) != glob.count("*"):
            raise Malformed(f"the pattern has {glob.count('*')} * but {len(names)} names follow as",
                            pattern.start, pattern.end)
    else:
        raise Malformed(f"parse takes a \"glob with *\" or a /regex/, not {pattern.text!r}", pattern.start, pattern.end)

    def step(records: list[Record]) -> list[Record]:
        out = []
        for rec in records:
            value = source(rec)
            found = regex.search(str(value)) if value is not None else None
            out.append(rec | dict(zip(names, found.groups())) if found else rec)
        return out
    compiled.steps.append(step)


# --- stats ------------------------------------------------------------------------------------


def _stats(reader: _Reader, parse: _Expressions, compiled: Query) -> None:
    aggregates = []
    while True:
        first = reader.take()
        function = first.word()
        if first.kind != "name" or function not in AGGREGATES:
            if first.kind == "name" and (after := reader.peek()) is not None and after.text == "(":
                raise Malformed(f"the sandbox does not support the aggregate {first.text}() (it has "
                                f"{', '.join(AGGREGATES)})", first.start, first.end)
            raise Malformed(f"stats needs an aggregate such as count(*), not {first.text!r}", first.start, first.end)
        reader.expect("(")
        arguments: list[Expr] = []
        if reader.accept("*"):
            reader.expect(")")
        elif not reader.accept(")"):
            arguments = parse._arguments()
        last = reader.items[reader.at - 1]
        name = parse.text(first, last)
        if reader.accept("as"):
            name = reader.take().text.strip("`")
        aggregates.append((name, _aggregate(function, arguments, first)))
        if not reader.accept(","):
            break
    groups = _named_list(reader, parse) if reader.accept("by") else []
    if compiled.matched_at is None:
        compiled.matched_at = len(compiled.steps)

    def step(records: list[Record]) -> list[Record]:
        buckets: dict[tuple, list[Record]] = {}
        keys: dict[tuple, Record] = {}
        for rec in records:
            values = {n: g(rec) for n, g in groups}
            key = tuple(str(v) for v in values.values())
            buckets.setdefault(key, []).append(rec)
            keys.setdefault(key, values)
        return [keys[k] | {n: a(rs) for n, a in aggregates} for k, rs in buckets.items()]

    compiled.steps.append(step)
    compiled.aggregated = True
    compiled.columns = [*(n for n, _ in groups), *(n for n, _ in aggregates)]


def _aggregate(function: str, arguments: list[Expr], token: Token) -> Callable[[list[Record]], Any]:
    wants = {"count": (0, 1), "pct": (2, 2), "percentile": (2, 2)}.get(function, (1, 1))
    if not wants[0] <= len(arguments) <= wants[1]:
        raise Malformed(f"{function}() does not take {len(arguments)} argument(s)", token.start, token.end)
    if function == "count":
        if not arguments:
            return len
        return lambda rs: sum(1 for r in rs if arguments[0](r) is not None)
    value = arguments[0]
    if function == "count_distinct":
        return lambda rs: len({str(v) for r in rs if (v := value(r)) is not None})
    if function in ("earliest", "latest"):
        pick = min if function == "earliest" else max
        return lambda rs: (value(pick(present, key=lambda r: r.get("@timestamp") or 0))
                           if (present := [r for r in rs if value(r) is not None]) else None)
    if function in ("min", "max"):
        pick = min if function == "min" else max

        def extreme(rs: list[Record]) -> Any:
            found = [v for r in rs if (v := value(r)) is not None]
            numbers = [number(v) for v in found]
            if found and None not in numbers:
                chosen = pick(numbers)
                return Instant(chosen) if all(isinstance(v, Instant) for v in found) else chosen
            return pick((str(v) for v in found), default=None)
        return extreme
    if function in ("pct", "percentile"):
        rank = arguments[1]({})
        if number(rank) is None or not 0 <= number(rank) <= 100:
            raise Malformed(f"{function}() takes a percentile between 0 and 100", token.start, token.end)
        return lambda rs: _percentile(_numbers(rs, value), number(rank))
    return lambda rs: _summary(function, _numbers(rs, value))


def _numbers(records: Iterable[Record], value: Expr) -> list[float]:
    return [n for r in records if (n := number(value(r))) is not None]


def _percentile(values: list[float], rank: float) -> float | None:
    """Nearest rank, as Logs Insights' pct() reports a value that occurred."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


def _summary(function: str, values: list[float]) -> float | None:
    if not values:
        return None
    if function == "sum":
        return sum(values)
    mean = sum(values) / len(values)
    if function == "avg":
        return mean
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0


def evaluate(compiled: Query, records: list[Record]) -> tuple[list[list[tuple[str, Any]]], int]:
    """The rows (fields in the answer's order, absent ones left out) and how many records matched."""
    matched = None
    for index, step in enumerate(compiled.steps):
        if index == compiled.matched_at:
            matched = len(records)
        records = step(records)
    rows = []
    for rec in records:
        names = compiled.columns if compiled.columns is not None else list(rec)
        if not compiled.aggregated and "@ptr" not in names:
            names = [*names, "@ptr"]
        rows.append([(name, rec[name]) for name in names if rec.get(name) is not None])
    return rows, len(records) if matched is None else matched


# --- Records and results --------------------------------------------------------------------------


def record(message: str, timestamp: int, stream: str, group: str, ptr: str) -> Record:
    """An event as Logs Insights sees it: the @ fields, and a JSON message's keys discovered as fields."""
    found: Record = {}
    if message.lstrip().startswith("{"):
        try:
            document = json.loads(message)
        except ValueError:
            document = None
        if isinstance(document, dict):
            _flatten(document, "", found)
    return found | {"@timestamp": Instant(timestamp), "@message": message, "@logStream": stream, "@log": group,
                    "@ptr": ptr}


def _flatten(value: Any, prefix: str, into: Record) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}{key}.", into)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _flatten(inner, f"{prefix}{index}.", into)
    elif value is not None:
        into[prefix[:-1]] = value


def shown(value: Any) -> str:
    """A value as GetQueryResults writes it: always a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".10g")
    return str(value)
