"""CloudWatch Logs filter patterns, as the "Filter and pattern syntax" reference defines them.

moto 5.2.5 understands plain terms only: `{ $.status >= 500 }` or `[ip, id, status=5*]` match every
event. FilterLogEvents and StartLiveTail both compile a pattern here once and test each message:

- terms: every term must occur (case-sensitive); `"quoted phrases"`; `-term` excludes; `?term`
  terms match if any of them occurs; a term with characters other than letters, digits and `_`
  must be quoted; `%regex%` is a regular expression term;
- JSON `{ SELECTOR OP VALUE }` with `= != < > <= >=`, `&&`, `||` (&& binds tighter) and
  parentheses; `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`; strings, quoted or not, with `*`
  wildcards; the selector must point at a value (not an object or array) or nothing matches;
- space-delimited `[ip, user, ..., status = 5*, size > 1000]`: fields split on spaces, text in
  `[]` or `""` is one field, `...` stands for any number of fields, an empty slot (a trailing
  comma) for one unnamed field, conditions may combine fields with `&&` and `||`.

Numbers compare numerically, also when the log writes them as strings ("status":"502"), as API
Gateway access logs do; `=`/`!=` with a non-numeric value compare text, with `*` as a wildcard.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Matcher = Callable[[str], bool]
Getter = Callable[[Any], Any]  # a JSON selector or a field name, compiled
_MISSING = object()
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_WORD = re.compile(r"^\w+$", re.ASCII)
_TOKEN = re.compile(r"""\s*(?:
    (?P<paren>[()])
  | (?P<logic>&&|\|\|)
  | (?P<op>>=|<=|!=|=|<|>)
  | (?P<quoted>"(?:[^"\\]|\\.)*")
  | (?P<word>[^\s()=!<>&|"]+)
)""", re.VERBOSE)


class PatternError(ValueError):
    """A filter pattern the syntax does not allow (InvalidParameterException)."""


def compile_pattern(pattern: str | None) -> Matcher:
    """A predicate on log messages for `pattern` (empty: every message matches)."""
    text = (pattern or "").strip()
    if not text:
        return lambda message: True
    if text.startswith("{"):
        return _json_pattern(text)
    if text.startswith("["):
        return _delimited_pattern(text)
    return _term_pattern(text)


# --- Terms ------------------------------------------------------------------------------------

_TERM = re.compile(r'\s*([-?]?)\s*("(?:[^"\\]|\\.)*"|%[^%]+%|\S+)')


def _term_pattern(text: str) -> Matcher:
    required, excluded, optional = [], [], []
    for sign, term in _TERM.findall(text):
        test = _term(term)
        {"": required, "-": excluded, "?": optional}[sign].append(test)

    def matches(message: str) -> bool:
        return (all(t(message) for t in required) and not any(t(message) for t in excluded)
                and (not optional or any(t(message) for t in optional)))

    return matches


def _term(term: str) -> Matcher:
    if term.startswith('"'):
        if len(term) < 2 or not term.endswith('"'):
            raise PatternError(f"Unterminated quoted term {term}")
        phrase = _unquote(term)
        return lambda message: phrase in message
    if len(term) > 2 and term.startswith("%") and term.endswith("%"):
        try:
            regex = re.compile(term[1:-1])
        except re.error as exc:
            raise PatternError(f"Invalid regular expression {term}: {exc}") from exc
        return lambda message: regex.search(message) is not None
    if not _WORD.match(term):
        raise PatternError(f"Invalid character(s) in term '{term}': quote terms with characters other "
                           "than letters, digits and _")
    return lambda message: term in message


def _unquote(quoted: str) -> str:
    return re.sub(r"\\(.)", r"\1", quoted[1:-1])


# --- Conditions (JSON and space-delimited) -----------------------------------------------------


@dataclass(frozen=True)
class _Literal:
    text: str
    number: float | None  # set when the pattern wrote a bare number

    def equals(self, value: Any) -> bool:
        if self.number is not None and (found := _as_number(value)) is not None:
            return found == self.number
        return _text(value) is not None and _wildcard(self.text).fullmatch(_text(value)) is not None


_ORDER = {"<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
          ">=": lambda a, b: a >= b}


def _comparison(get: Getter, op: str, literal: _Literal) -> Callable[[Any], bool]:
    """`operand op literal` against a context; a missing or non-value operand never matches."""
    if op in _ORDER and literal.number is None:
        raise PatternError(f"The operator {op} needs a number, not {literal.text}")

    def test(context: Any) -> bool:
        value = get(context)
        if value is _MISSING or isinstance(value, (dict, list)):
            return False
        if op == "=":
            return literal.equals(value)
        if op == "!=":
            return not literal.equals(value)
        found = _as_number(value)
        return found is not None and _ORDER[op](found, literal.number)

    return test


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return float(value) if isinstance(value, str) and _NUMBER.match(value.strip()) else None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _wildcard(text: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in text.split("*")), re.DOTALL)


class _Conditions:
    """Recursive descent over `a OP v && (b OP v || c IS NULL)`: || < && < parentheses."""

    def __init__(self, text: str, operand: Callable[[str], Getter]):
        self.tokens = _lex(text)
        self.at, self.operand = 0, operand

    def parse(self) -> Callable[[Any], bool]:
        test = self._or()
        if self.at != len(self.tokens):
            raise PatternError(f"Unexpected {self.tokens[self.at][1]!r} in filter pattern")
        return test

    def _next(self, kind: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens) or (kind and self.tokens[self.at][0] != kind):
            raise PatternError("Incomplete condition in filter pattern")
        self.at += 1
        return self.tokens[self.at - 1]

    def _peek(self, text: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at][1] == text

    def _or(self) -> Callable[[Any], bool]:
        tests = [self._and()]
        while self._peek("||"):
            self.at += 1
            tests.append(self._and())
        return tests[0] if len(tests) == 1 else (lambda context: any(t(context) for t in tests))

    def _and(self) -> Callable[[Any], bool]:
        tests = [self._unary()]
        while self._peek("&&"):
            self.at += 1
            tests.append(self._unary())
        return tests[0] if len(tests) == 1 else (lambda context: all(t(context) for t in tests))

    def _unary(self) -> Callable[[Any], bool]:
        if self._peek("("):
            self.at += 1
            test = self._or()
            if not self._peek(")"):
                raise PatternError("Unbalanced parentheses in filter pattern")
            self.at += 1
            return test
        return self._condition()

    def _condition(self) -> Callable[[Any], bool]:
        operand = self._next("word")[1]
        get = self.operand(operand)
        if self._peek("IS") or self._peek("NOT"):
            return self._keyword(operand, get)
        op = self._next("op")[1]
        kind, text = self._next()
        if kind not in ("word", "quoted"):
            raise PatternError(f"A value must follow {operand} {op}")
        number = float(text) if kind == "word" and _NUMBER.match(text) else None
        literal = _Literal(_unquote(text) if kind == "quoted" else text, number)
        return _comparison(get, op, literal)

    def _keyword(self, operand: str, get: Getter) -> Callable[[Any], bool]:
        phrase = f"{self._next('word')[1]} {self._next('word')[1]}"
        expected = {"IS NULL": None, "IS TRUE": True, "IS FALSE": False}
        if phrase == "NOT EXISTS":
            return lambda context: get(context) is _MISSING
        if phrase not in expected:
            raise PatternError(f"Unknown condition {operand} {phrase}")
        wanted = expected[phrase]
        return lambda context: get(context) is wanted


def _lex(text: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while text[at:].strip():
        found = _TOKEN.match(text, at)
        if not found:
            raise PatternError(f"Cannot read the filter pattern at {text[at:].strip()!r}")
        tokens.append((found.lastgroup, found[found.lastgroup]))
        at = found.end()
    return tokens


# --- JSON ---------------------------------------------------------------------------------------

_SELECTOR_STEP = re.compile(r"\.([A-Za-z0-9_\-@]+)|\[(\d+)\]")


def _json_pattern(text: str) -> Matcher:
    if not text.endswith("}"):
        raise PatternError("A JSON filter pattern must end with }")
    test = _Conditions(text[1:-1], _selector).parse()

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, (dict, list)) and test(document)

    return matches


def _selector(selector: str) -> Getter:
    """A getter for `$.a.b[0]`: the value there in a document, or _MISSING."""
    if not selector.startswith("$"):
        raise PatternError(f"A JSON selector starts with $, not {selector}")
    steps, at = [], 1
    while at < len(selector):
        step = _SELECTOR_STEP.match(selector, at)
        if not step:
            raise PatternError(f"Invalid JSON selector {selector}")
        key, index = step.groups()
        steps.append(key if key is not None else int(index))
        at = step.end()

    def get(document: Any) -> Any:
        value = document
        for step in steps:
            if isinstance(step, str):
                value = value.get(step, _MISSING) if isinstance(value, dict) else _MISSING
            else:
                value = value[step] if isinstance(value, list) and step < len(value) else _MISSING
            if value is _MISSING:
                break
        return value

    return get


# --- Space-delimited ----------------------------------------------------------------------------

_FIELD = re.compile(r'\[[^\]]*\]|"(?:[^"\\]|\\.)*"|\S+')
_SLOT_SPLIT = re.compile(r',(?=(?:[^"]*"[^"]*")*[^"]*$)')
_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)")


def _delimited_pattern(text: str) -> Matcher:
    if not text.endswith("]"):
        raise PatternError("A space-delimited filter pattern must end with ]")
    slots = [slot.strip() for slot in _SLOT_SPLIT.split(text[1:-1])]
    names: list[str | None] = []
    tests = []
    for slot in slots:
        if slot in ("...", ""):  # an ellipsis; or an unnamed field, as after [..., status_code=4*,]
            names.append(None if slot else "")
            continue
        name = _NAME.match(slot)
        if not name:
            raise PatternError(f"Invalid field {slot!r} in a space-delimited filter pattern")
        names.append(name[1])
        if slot[name.end():].strip():
            tests.append(_Conditions(slot, _field).parse())

    def matches(message: str) -> bool:
        values = [_field_text(f) for f in _FIELD.findall(message)]
        return any(all(t(fields) for t in tests) for fields in _bindings(names, values))

    return matches


def _field(name: str) -> Getter:
    return lambda fields: fields.get(name, _MISSING)


def _field_text(field: str) -> str:
    if len(field) >= 2 and (field[0], field[-1]) in (("[", "]"), ('"', '"')):
        return field[1:-1]
    return field


def _bindings(names: list[str | None], values: list[str]):
    """Every way the pattern's fields line up with the message's (`None` is an ellipsis)."""
    if not names:
        if not values:
            yield {}
        return
    head, rest = names[0], names[1:]
    if head is None:
        for skip in range(len(values) + 1):
            yield from _bindings(rest, values[skip:])
    elif values:
        for fields in _bindings(rest, values[1:]):
            yield {head: values[0], **fields}
