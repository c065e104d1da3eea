"""The runbook file: TOML, validated whole before anything runs, every mistake named with its file and line.

    name = "throttle-storm"
    summary = "Confirm the 429s, raise the stage throttle (bounded), wait for 2 quiet minutes"

    [params.api]                      # typed: api, stage, key, string, number, integer
    type = "api"
    default = "orders-api"
    [params.factor]
    type = "number"
    default = 4
    min = 1                           # numbers have bounds; a default or --param outside them is refused
    max = 10

    [[steps]]
    check = "pct_429 > 5"             # a condition (console.runbook.conditions) over `window` complete minutes
    window = 3
    [[steps]]
    plan = "throttle.set"             # an action (console.runbook.plans) and its fields
    rate_factor = "{factor}"          # "{param}": the parameter's typed value; in text, its words
    max_rate = 5000
    [[steps]]
    wait_until = "pct_429 < 1"        # polled every `poll` s until it holds, or `timeout` s pass
    for_minutes = 2                   # ...in each of the last 2 complete minutes
    new_minutes = true                # ...counting only minutes that began after the run's last change
    [[steps]]
    confirm = "Disable the old key?"  # a person says yes, or the run stops

A step on a stage reads `api` and `stage` fields, "{api}" and "{stage}" by default. tomllib gives no
line numbers, so each key's line is found by reading the text as TOML lays it out (tables, arrays of
tables, `key = value` lines); a value spanning lines is pointed at by its first.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actions.plan import Invalid
from console.runbook import conditions
from console.runbook.plans import ACTIONS, NUMBER, STRING, STRINGS, Field, check_fields

KINDS = ("check", "plan", "wait_until", "confirm")
PARAM_TYPES = ("api", "stage", "key", "string", "number", "integer")
NUMERIC = ("number", "integer")
TOP_KEYS = ("name", "summary", "params", "steps")
PARAM_KEYS = ("type", "default", "min", "max", "help")
# The fields of each kind of step besides the kind's own key (`plan`'s action adds its fields).
READING = {"window": Field(NUMBER, "complete minutes the figure is read over", 1, 60),
           "for_minutes": Field(NUMBER, "the last N complete minutes must each hold", 1, 60)}
WAITING = {"poll": Field(NUMBER, "seconds between reads", 0.05, 600),
           "timeout": Field(NUMBER, "seconds before the wait fails", 0.1, 3600),
           "new_minutes": Field("boolean", "count only minutes that began after the run's last change "
                                            "(or, before any, after the step began)")}
TITLE = {"title": Field(STRING, "what the step is for, in words")}
WHERE = {"api": Field(STRING, "the API (id or name)"), "stage": Field(STRING, "the stage")}
DEFAULT_POLL, DEFAULT_TIMEOUT, DEFAULT_WINDOW = 15.0, 300.0, 3
_REFERENCE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_WHOLE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class RunbookInvalid(Invalid):
    """A runbook refused before anything ran: every problem, each as `FILE:LINE: what`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        ValueError.__init__(self, "\n".join(problems))
        self.field, self.rule, self.value = "runbook", "\n".join(problems), None


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    help: str = ""

    def read(self, text: str | Any) -> Any:
        """A value given as text (--param) or in TOML, typed and within bounds; ValueError says why not."""
        if self.type in NUMERIC:
            value = _as_number(text, whole=self.type == "integer")
            if not self.low <= value <= self.high:
                raise ValueError(f"{value:g} is outside {self.low:g}..{self.high:g}")
            return value
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"a {self.type} is a non-empty string")
        return text.strip()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "default": self.default, "min": self.low, "max": self.high,
                "help": self.help}


@dataclass(frozen=True)
class Step:
    number: int  # 1-based
    kind: str  # check | plan | wait_until | confirm
    subject: str  # the condition, the action, or the confirmation's message (templates unresolved)
    fields: dict[str, Any]
    line: int

    @property
    def title(self) -> str:
        return _title(self.kind, self.subject, self.fields)

    @property
    def on_stage(self) -> bool:
        return self.kind in ("check", "wait_until") or (self.kind == "plan" and ACTIONS[self.subject].on_stage)


@dataclass(frozen=True)
class Runbook:
    name: str
    summary: str
    params: dict[str, Param]
    steps: tuple[Step, ...]
    path: str
    lines: dict[tuple, int] = field(default_factory=dict, compare=False, repr=False)

    def values(self, given: dict[str, str], asked_as: str = "--param ") -> dict[str, Any]:
        """Every parameter's typed value: the given over the default; every problem at once, each naming the
        parameter as it was `asked_as` (the CLI's --param, the TUI's form)."""
        problems = [f"{asked_as}{name}: {self.name} has no parameter {name!r} (it has: "
                    f"{', '.join(self.params) or 'none'})" for name in given if name not in self.params]
        values: dict[str, Any] = {}
        for name, param in self.params.items():
            try:
                if name in given:
                    values[name] = param.read(given[name])
                elif param.default is not None:
                    values[name] = param.read(param.default)
                else:
                    problems.append(f"{asked_as}{name}: required ({param.type}"
                                    f"{': ' + param.help if param.help else ''})")
            except ValueError as why:
                problems.append(f"{asked_as}{name}={given.get(name, param.default)}: {why}")
        if problems:
            raise RunbookInvalid(problems)
        return values

    def bind(self, values: dict[str, Any]) -> list["Bound"]:
        """Every step with the parameters' values in place, each field checked against its bounds, before
        anything runs."""
        problems: list[str] = []
        bound = []
        for step in self.steps:
            fields = {name: substitute(value, values) for name, value in step.fields.items()}
            for name, value in fields.items():
                spec = _spec(step, name)
                if spec is not None and spec.kind == NUMBER:
                    why = _bounds(spec, value)
                    if why:
                        problems.append(f"{self.path}:{self.lines.get(('steps', step.number - 1, name), step.line)}: "
                                        f"{name} {why}")
            subject = substitute(step.subject, values) if step.kind == "confirm" else step.subject
            bound.append(Bound(step, subject, fields))
        if problems:
            raise RunbookInvalid(problems)
        return bound

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "summary": self.summary, "path": self.path,
                "params": [p.to_json() for p in self.params.values()],
                "steps": [{"step": s.number, "kind": s.kind, "subject": s.subject, "title": s.title, **s.fields}
                          for s in self.steps]}


@dataclass(frozen=True)
class Bound:
    """A step with its parameters' values in place."""

    step: Step
    subject: str
    fields: dict[str, Any]

    @property
    def condition(self) -> conditions.Condition | None:
        return conditions.parse(self.step.subject) if self.step.kind in ("check", "wait_until") else None

    @property
    def title(self) -> str:
        """The step's title with the run's values in it (a confirmation names the keys it is about)."""
        return _title(self.step.kind, self.subject, self.fields)


def _title(kind: str, subject: str, fields: dict[str, Any]) -> str:
    return str(fields.get("title") or {"check": "check", "plan": "plan", "wait_until": "wait until",
                                       "confirm": "confirm"}[kind] + f" {subject}")


def substitute(value: Any, values: dict[str, Any]) -> Any:
    """"{name}" alone: the parameter's typed value; within text: its words; tables and lists, each item."""
    if isinstance(value, str):
        whole = _WHOLE.match(value)
        if whole:
            return values[whole.group(1)]
        return _REFERENCE.sub(lambda m: _words(values[m.group(1)]), value)
    if isinstance(value, dict):
        return {k: substitute(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, values) for v in value]
    return value


def load(path: Path | str) -> Runbook:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise RunbookInvalid([f"{path}: cannot be read: {exc.strerror or exc}"]) from None
    return parse(text, str(path))


def parse(text: str, path: str) -> Runbook:
    """The runbook in `text` (read from `path`), or RunbookInvalid with every problem and its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise RunbookInvalid([f"{path}:{line.group(1) if line else 1}: not TOML: {exc}"]) from None
    lines = key_lines(text)
    problems: list[str] = []

    def at(where: tuple, what: str) -> None:
        problems.append(f"{path}:{_line(lines, where)}: {what}")

    for key in data:
        if key not in TOP_KEYS:
            at((key,), f"unknown key {key!r} (a runbook has: {', '.join(TOP_KEYS)})")
    for key in ("name", "summary"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            at((key,), f"`{key}` is required: a non-empty string")
    params = _params(data.get("params", {}), at)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        at(("steps",), "a runbook needs at least one [[steps]] table")
        raw_steps = []
    steps = [step for index, raw in enumerate(raw_steps) if (step := _step(index, raw, params, lines, at))]
    if problems:
        raise RunbookInvalid(problems)
    return Runbook(data["name"].strip(), data["summary"].strip(), params, tuple(steps), path, lines)


def _params(raw: Any, at) -> dict[str, Param]:
    if not isinstance(raw, dict):
        at(("params",), "`params` is a table of tables: [params.NAME]")
        return {}
    found = {}
    for name, spec in raw.items():
        where = ("params", name)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            at(where, f"parameter name {name!r}: letters, digits and _ only")
            continue
        if not isinstance(spec, dict):
            at(where, f"parameter {name!r} is a table: [params.{name}] with type = ...")
            continue
        for key in spec:
            if key not in PARAM_KEYS:
                at(where + (key,), f"unknown key {key!r} in parameter {name!r} (known: {', '.join(PARAM_KEYS)})")
        kind = spec.get("type")
        if kind not in PARAM_TYPES:
            at(where + ("type",), f"parameter {name!r}: type is one of {', '.join(PARAM_TYPES)} (got {kind!r})")
            continue
        low, high = spec.get("min"), spec.get("max")
        if (low is not None or high is not None) and kind not in NUMERIC:
            at(where + ("min" if low is not None else "max",), f"parameter {name!r}: only numbers have bounds")
            continue
        if kind in NUMERIC:
            if any(b is not None and (isinstance(b, bool) or not isinstance(b, (int, float))) for b in (low, high)):
                at(where + ("min",), f"parameter {name!r}: min and max are numbers")
                continue
            if low is None or high is None:
                at(where + ("type",), f"parameter {name!r}: a number needs both bounds, min and max")
                continue
            if low > high:
                at(where + ("min",), f"parameter {name!r}: min {low:g} is above max {high:g}")
                continue
        param = Param(name, kind, spec.get("default"), low, high, str(spec.get("help", "")))
        if param.default is not None:
            try:
                param.read(param.default)
            except ValueError as why:
                at(where + ("default",), f"parameter {name!r}: default {param.default!r}: {why}")
                continue
        found[name] = param
    return found


def _step(index: int, raw: Any, params: dict[str, Param], lines: dict[tuple, int], at) -> Step | None:
    where = ("steps", index)
    if not isinstance(raw, dict):
        at(where, "each step is a [[steps]] table")
        return None
    kinds = [k for k in KINDS if k in raw]
    if len(kinds) != 1:
        at(where, f"step {index + 1}: exactly one of {', '.join(KINDS)}" + (f" (has {', '.join(kinds)})" if kinds else ""))
        return None
    kind = kinds[0]
    subject = raw[kind]
    if not isinstance(subject, str) or not subject.strip():
        at(where + (kind,), f"step {index + 1}: `{kind}` is a non-empty string")
        return None
    allowed: dict[str, Field] = dict(TITLE)
    action = None
    if kind in ("check", "wait_until"):
        try:
            condition = conditions.parse(subject)
        except ValueError as why:
            at(where + (kind,), f"step {index + 1}: {why}")
            return None
        named = conditions.parameter(condition)
        if named and (named not in params or params[named].type not in NUMERIC):
            at(where + (kind,), f"step {index + 1}: {{{named}}} is not a number parameter of this runbook")
        allowed |= READING | WHERE | (WAITING if kind == "wait_until" else {})
        if "window" in raw and "for_minutes" in raw:
            at(where + ("for_minutes",), f"step {index + 1}: `window` and `for_minutes` exclude each other")
    elif kind == "plan":
        action = ACTIONS.get(subject)
        if action is None:
            at(where + (kind,), f"step {index + 1}: unknown action {subject!r} (known: {', '.join(ACTIONS)})")
            return None
        allowed |= action.fields | (WHERE if action.on_stage else {})
    fields = {k: v for k, v in raw.items() if k != kind}
    for name, value in fields.items():
        spec = allowed.get(name)
        if spec is None:
            what = f"action {subject}" if action else f"a {kind} step"
            at(where + (name,), f"step {index + 1}: unknown field {name!r} for {what} (known: "
                                f"{', '.join(n for n in allowed) or 'none'})")
            continue
        why = _typed(spec, value, params)
        if why:
            at(where + (name,), f"step {index + 1}: {name} {why}")
    for name in _references({k: v for k, v in raw.items() if k not in ("check", "wait_until")}):  # said above
        if name not in params:
            at(where, f"step {index + 1}: {{{name}}} names no parameter (declared: {', '.join(params) or 'none'})")
    if action is not None:
        for field_name, why in check_fields(action, fields):
            at(where + ((field_name,) if field_name else ()), f"step {index + 1}: {why}")
    step = Step(index + 1, kind, subject.strip(), fields, _line(lines, where))
    if step.on_stage:
        for name in ("api", "stage"):
            if name not in fields and name not in params:
                at(where, f"step {index + 1}: reads a stage, but has no `{name}` and the runbook no {name} parameter")
    return step


def _typed(spec: Field, value: Any, params: dict[str, Param]) -> str | None:
    """Why `value` does not fit `spec` (None: it does, or it is a parameter of a fitting type)."""
    whole = _WHOLE.match(value) if isinstance(value, str) else None
    if whole:
        param = params.get(whole.group(1))
        if param is None:
            return None  # reported as an unknown reference
        fits = param.type in NUMERIC if spec.kind == NUMBER else spec.kind == STRING
        return None if fits else f"is a {spec.kind}; {{{param.name}}} is a {param.type}"
    if spec.kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"is a number (got {value!r})"
        return _bounds(spec, value)
    if spec.kind == "boolean":
        return None if isinstance(value, bool) else f"is true or false (got {value!r})"
    if spec.kind == STRING:
        return None if isinstance(value, str) and value.strip() else f"is a non-empty string (got {value!r})"
    if spec.kind == STRINGS:
        ok = isinstance(value, list) and value and all(isinstance(v, str) for v in value)
        return None if ok else f"is a list of strings (got {value!r})"
    ok = isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values())
    return None if ok else f"is a table of strings (got {value!r})"


def _bounds(spec: Field, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"is a number (got {value!r})"
    if spec.low is not None and value < spec.low or spec.high is not None and value > spec.high:
        return f"{value:g} is outside {spec.low:g}..{spec.high:g} ({spec.help})"
    return None


def _spec(step: Step, name: str) -> Field | None:
    if step.kind == "plan":
        return ACTIONS[step.subject].fields.get(name)
    return {**READING, **WAITING}.get(name)


def _references(value: Any) -> list[str]:
    if isinstance(value, str):
        return _REFERENCE.findall(value)
    if isinstance(value, dict):
        return [n for v in value.values() for n in _references(v)]
    if isinstance(value, list):
        return [n for v in value for n in _references(v)]
    return []


def _as_number(value: Any, *, whole: bool) -> float | int:
    if isinstance(value, bool):
        raise ValueError("is a number, not true or false")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if not isinstance(value, (int, float)) or value != value:
        raise ValueError(f"{value!r} is not a number")
    if whole:
        if float(value) != int(value):
            raise ValueError(f"{value:g} is not a whole number")
        return int(value)
    return float(value)


def _words(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# -- where each key is -----------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*=")


def key_lines(text: str) -> dict[tuple, int]:
    """(table path..., key) -> 1-based line, with arrays of tables indexed: ("steps", 0, "plan")."""
    found: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    table: tuple = ()
    depth = 0  # open brackets of a multi-line value: its lines hold no keys of the table
    quote = None  # the quotes of a multi-line string still open
    for number, line in enumerate(text.splitlines(), 1):
        if quote:
            quote = None if line.count(quote) % 2 else quote
            continue
        if depth:
            depth = max(0, depth + _brackets(line))
            continue
        header = _HEADER.match(line)
        if header:
            path = tuple(_names(header.group(2)))
            if header.group(1) == "[[":
                index = counts.get(path, 0)
                counts[path] = index + 1
                table = path + (index,)
            else:
                table = _indexed(path, counts)
            found.setdefault(table, number)
            for cut in range(1, len(table)):
                found.setdefault(table[:cut], number)
            continue
        key = _KEY.match(line)
        if key:
            found.setdefault(table + tuple(_names(key.group(1))), number)
            value = line[key.end():]
            quote = next((q for q in ('"""', "'''") if value.count(q) % 2), None)
            depth = 0 if quote else max(0, _brackets(value))
    return found


def _indexed(path: tuple, counts: dict[tuple, int]) -> tuple:
    """[steps.x] under the latest [[steps]]: its index in the path."""
    for cut in range(len(path), 0, -1):
        if path[:cut] in counts:
            return path[:cut] + (counts[path[:cut]] - 1,) + path[cut:]
    return path


def _names(dotted: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", dotted)]


def _brackets(text: str) -> int:
    """Open minus closed brackets and braces outside strings (a multi-line array or table goes on)."""
    text = re.sub(r"\"(?:\\.|[^\"\\])*\"|'[^']*'|#.*$", "", text)
    return text.count("[") + text.count("{") - text.count("]") - text.count("}")


def _line(lines: dict[tuple, int], where: tuple) -> int:
    """The line of `where`, else of the nearest table or key that holds it (1: the file itself)."""
    for cut in range(len(where), 0, -1):
        if where[:cut] in lines:
            return lines[where[:cut]]
    return 1
