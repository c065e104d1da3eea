"""A runbook's conditions: `FIGURE OP VALUE` over complete minutes of one stage, read through the read model.

A figure means what the pulse means by it (console.read.pulse: the window's sums from CloudWatch, `pct_4xx`
with the 429s in it, `pct_429` counted from the access log, p99 over the window's requests), and the canary's
figures what the canary comparison means (console.read.canary_compare: base and canary split by the access
log's request ids). A condition is read in one of two ways:
- over a window: the figure over the last `window` complete minutes, as one number;
- `for_minutes = N`: the figure of each of the last N complete minutes, and it holds only if every one does.
A minute CloudWatch has no count for (not yet published, or no requests) has no figure, and a condition
on a missing figure does not hold: a runbook never turns "no data" into "healthy". Below the pulse's
MIN_SAMPLE requests a share is no figure either (2 failures in 3 requests say little).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from console.read.canary_compare import compare
from console.read.metrics import MetricQuery, StageRef, fetch, ref_for
from console.read.pulse import Span, StagePulse, complete_minutes, throttled_in

# Each figure: (what it is, its unit). Shares are percent.
FIGURES: dict[str, tuple[str, str]] = {
    "requests": ("requests in the window", ""),
    "errors_4xx": ("4xx answers (429s included)", ""),
    "errors_5xx": ("5xx answers", ""),
    "throttled_429": ("429 answers, counted from the access log", ""),
    "pct_4xx": ("share of 4xx answers (429s included)", "%"),
    "pct_5xx": ("share of 5xx answers", "%"),
    "pct_429": ("share of 429 answers, counted from the access log", "%"),
    "p99_ms": ("p99 latency of the window's requests", " ms"),
    "cache_hits": ("cache hits (REST)", ""),
    "cache_misses": ("cache misses (REST)", ""),
    "pct_cache_miss": ("share of cache lookups that missed (REST)", "%"),
    "base_pct_5xx": ("5xx share of the stage's base release, from the access log", "%"),
    "canary_pct_5xx": ("5xx share of the stage's canary, from the access log", "%"),
}
OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
             "==": operator.eq, "!=": operator.ne}
_GRAMMAR = re.compile(r"^\s*([a-z0-9_]+)\s*(<=|>=|==|!=|<|>)\s*(\S.*?)\s*$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_PARAMETER = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")


@dataclass(frozen=True)
class Condition:
    figure: str
    op: str
    right: str  # a number, a "{parameter}" (until bound) or another figure
    text: str

    def bound(self, values: dict[str, Any]) -> "Condition":
        """With its parameter replaced by the parameter's value."""
        named = _PARAMETER.match(self.right)
        if not named:
            return self
        right = f"{values[named.group(1)]:g}"
        return replace(self, right=right, text=f"{self.figure} {self.op} {right}")

    @property
    def figures(self) -> tuple[str, ...]:
        return (self.figure,) + ((self.right,) if self.right in FIGURES else ())


def parse(text: str) -> Condition:
    """`pct_429 > 5`, `p99_ms < {max_p99}`, `canary_pct_5xx > base_pct_5xx`; ValueError says what is wrong."""
    found = _GRAMMAR.match(text)
    if not found:
        raise ValueError(f"a condition reads FIGURE OP VALUE, e.g. 'pct_429 > 5' (OP: {' '.join(OPERATORS)})")
    figure, op, right = found.groups()
    if figure not in FIGURES:
        raise ValueError(f"unknown figure {figure!r} (known: {', '.join(FIGURES)})")
    if not (_NUMBER.match(right) or _PARAMETER.match(right) or right in FIGURES):
        raise ValueError(f"{right!r} is neither a number, a {{parameter}} nor a figure")
    return Condition(figure, op, right, f"{figure} {op} {right}")


def parameter(condition: Condition) -> str | None:
    """The parameter a condition compares with, if any."""
    named = _PARAMETER.match(condition.right)
    return named.group(1) if named else None


@dataclass(frozen=True)
class Reading:
    """A condition read once: whether it holds, the figure's value(s) and the minutes they cover."""

    condition: Condition
    holds: bool
    window: Span
    values: tuple[float | None, ...]  # one (the window) or one per minute, oldest first
    right: float | None  # what the figure was compared with (another figure's value, in the latest span)

    @property
    def value(self) -> float | None:
        """The figure now: over the window, or in the latest minute."""
        return self.values[-1] if self.values else None

    def words(self) -> str:
        unit = FIGURES[self.condition.figure][1]
        shown = ", ".join("no data" if v is None else f"{v:.4g}{unit}" for v in self.values)
        each = " each minute" if len(self.values) > 1 else ""
        verdict = "holds" if self.holds else "does not hold"
        other = self.condition.right
        against = "" if other not in FIGURES else \
            f", {other} = {'no data' if self.right is None else f'{self.right:.4g}{FIGURES[other][1]}'}"
        return f"{self.condition.figure} = {shown}{against} ({self.window.label}{each}); {self.condition.text}: " \
               f"{verdict}"

    def to_json(self) -> dict[str, Any]:
        return {"condition": self.condition.text, "holds": self.holds, "values": list(self.values),
                "right": self.right, "window_start": self.window.start.isoformat(),
                "window_end": self.window.end.isoformat()}


class StageFigures:
    """The figures of one stage, read on demand through the read model (an engine's connection and gateway)."""

    def __init__(self, connection: Any, gateway: Any, api: Any, stage: str):
        self.connection, self.gateway, self.api, self.stage = connection, gateway, api, stage
        self.ref: StageRef = ref_for(api, stage)

    def over(self, span: Span, names: tuple[str, ...]) -> dict[str, float | None]:
        """Each named figure over `span` (None: no data)."""
        sums = self._sums(span)
        pulse = StagePulse(self.ref, span, sums["count"] or 0.0, sums["4xx"] or 0.0, sums["5xx"] or 0.0,
                           None, sums["p99"], None, (), None)
        if "pct_429" in names or "throttled_429" in names:
            pulse = replace(pulse, throttled=throttled_in(self.connection, self.gateway, self.ref, span))
        published = sums["count"] is not None
        lookups = (sums["hits"] or 0.0) + (sums["misses"] or 0.0)
        found: dict[str, float | None] = {
            "requests": sums["count"], "errors_4xx": sums["4xx"], "errors_5xx": sums["5xx"],
            "throttled_429": pulse.throttled,
            "pct_4xx": pulse.pct_4xx, "pct_5xx": pulse.pct_5xx, "pct_429": pulse.pct_429,
            "p99_ms": sums["p99"], "cache_hits": sums["hits"], "cache_misses": sums["misses"],
            "pct_cache_miss": 100.0 * (sums["misses"] or 0.0) / lookups if lookups else None,
        }
        if not published:
            found = {k: None for k in found}
        elif pulse.small_sample:  # the pulse's rule: a share of fewer requests means little
            found.update(pct_4xx=None, pct_5xx=None, pct_429=None)
        if {"base_pct_5xx", "canary_pct_5xx"} & set(names):
            stage = self.gateway.stage(self.api, self.stage, refresh=True)
            side = compare(self.connection, self.api, stage, span.minutes, now=span.end, cloudwatch=False)
            found["base_pct_5xx"] = side.base.share_5xx if side.base else None
            found["canary_pct_5xx"] = side.canary.share_5xx if side.canary else None
        return {name: found.get(name) for name in names}

    def _sums(self, span: Span) -> dict[str, float | None]:
        """One GetMetricData call: the counts' sums and the p99 with the span as the period."""
        seconds = span.minutes * 60
        wanted = {"count": ("count", "Sum"), "4xx": ("4xx", "Sum"), "5xx": ("5xx", "Sum"),
                  "p99": ("latency", "p99"), "hits": ("cache_hits", "Sum"), "misses": ("cache_misses", "Sum")}
        queries = [MetricQuery(key, name, self.ref.dimension_pairs, stat, seconds)
                   for key, (metric, stat) in wanted.items() if (name := self.ref.metric_name(metric))]
        answers = fetch(self.connection.client("cloudwatch"), queries, span.start, span.end)
        return {key: (answers[key].total if key != "p99" else answers[key].last)
                if key in answers and answers[key].values else None for key in wanted}


def evaluate(condition: Condition, figures: StageFigures, *, window: int | None = None,
             for_minutes: int | None = None, since: datetime | None = None,
             now: datetime | None = None) -> Reading:
    """Read `condition` over the last `window` complete minutes, or in each of the last `for_minutes`;
    with `since`, a minute that began before it has no figure (it belongs to what came before)."""
    if for_minutes:
        whole = complete_minutes(for_minutes, now)
        spans = [Span(whole.start + timedelta(minutes=i), whole.start + timedelta(minutes=i + 1))
                 for i in range(for_minutes)]
    else:
        whole = complete_minutes(window or 3, now)
        spans = [whole]
    right_figure = condition.right if condition.right in FIGURES else None
    values: list[float | None] = []
    rights: list[float | None] = []
    for span in spans:
        if since is not None and span.start < since:
            values.append(None)
            rights.append(None)
            continue
        read = figures.over(span, condition.figures)
        values.append(read[condition.figure])
        rights.append(read[right_figure] if right_figure else float(condition.right))
    compare_with = OPERATORS[condition.op]
    holds = all(v is not None and r is not None and compare_with(v, r) for v, r in zip(values, rights))
    return Reading(condition, holds, whole, tuple(values), rights[-1] if rights else None)
