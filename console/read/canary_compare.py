"""Base vs canary, side by side, from the stage's own access logs — and CloudWatch where it has figures.

API Gateway logs every canary request twice, to the stage's access-log group and to `<group>/Canary`,
with the same request id. So the canary's requests are the Canary group's lines, and the base's are
the stage group's lines minus those ids. Each figure says how many requests it rests on, and below
`MIN_SAMPLE` (`MIN_P99_SAMPLE` for a p99: console.logs.stats's one rule for percentiles of log lines)
it is "too few" rather than a percentage that means nothing.

CloudWatch is asked what it publishes for the API (ListMetrics) instead of assuming dimensions: a
canary series is used only if one is there; otherwise its stage figures are shown as what they
are, not split by release. CloudWatch's figures are over the window's complete minutes (its clock range
is `cloudwatch_window`), each its statistic with the window as the period: p99 is the p99 of the window's
requests, the same number the pulse and the metrics view show. It holds figures only: console.render.canary turns them into text for the CLI and the screen.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from console.aws.errors import Problem, explain
from console.logs.access_log import parser_for
from console.logs.sources import stage_sources
from console.logs.stats import MIN_LINES, enough, min_lines, nearest_rank
from console.logs.tail import filter_budget, history, metered
from console.model import Api, Stage
from console.read.metrics import NAMESPACE, MetricQuery, fetch
from console.read.pulse import Span, complete_minutes

WINDOWS = (5, 15, 60)  # minutes the screen cycles through
MIN_SAMPLE = MIN_LINES  # fewer requests: a count, no percentage or median
MIN_P99_SAMPLE = min_lines(99)  # fewer: no p99 (it would be the slowest request or two)
MAX_LINES = 50_000  # read per log group per comparison; past this the figures say they are partial
STATS = (("Count", "Sum"), ("4XXError", "Sum"), ("5XXError", "Sum"), ("Latency", "p50"), ("Latency", "p99"))


@dataclass(frozen=True)
class Side:
    """One release's requests in the window, from the access log."""

    requests: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    latencies: tuple[float, ...] = ()  # sorted, ms, of the requests whose line has one

    @classmethod
    def of(cls, entries: list) -> "Side":
        statuses = [e.status for e in entries if e.status is not None]
        return cls(requests=len(entries), errors_4xx=sum(400 <= s < 500 for s in statuses),
                   errors_5xx=sum(s >= 500 for s in statuses),
                   latencies=tuple(sorted(e.latency_ms for e in entries if e.latency_ms is not None)))

    @property
    def share_4xx(self) -> float | None:
        return 100.0 * self.errors_4xx / self.requests if self.requests >= MIN_SAMPLE else None

    @property
    def share_5xx(self) -> float | None:
        return 100.0 * self.errors_5xx / self.requests if self.requests >= MIN_SAMPLE else None

    @property
    def p50(self) -> float | None:
        return nearest_rank(self.latencies, 50) if enough(len(self.latencies), 50) else None

    @property
    def p99(self) -> float | None:
        return nearest_rank(self.latencies, 99) if enough(len(self.latencies), 99) else None

    def as_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "errors_4xx": self.errors_4xx, "errors_5xx": self.errors_5xx,
                "percent_4xx": self.share_4xx, "percent_5xx": self.share_5xx, "p50_ms": self.p50,
                "p99_ms": self.p99, "latency_samples": len(self.latencies)}


@dataclass(frozen=True)
class CloudWatchFigures:
    """What CloudWatch published for one set of dimensions over the window."""

    label: str  # which series: "stage" or "canary", and its dimensions
    dimensions: tuple[tuple[str, str], ...]
    requests: float
    errors_4xx: float
    errors_5xx: float
    p50: float | None
    p99: float | None

    def share(self, errors: float) -> float | None:
        return 100.0 * errors / self.requests if self.requests >= MIN_SAMPLE else None


ACCESS_LOGS_UNAVAILABLE = "Access-log figures unavailable"
CLOUDWATCH_UNAVAILABLE = "CloudWatch figures unavailable"


@dataclass(frozen=True)
class Comparison:
    api: str
    stage: str
    minutes: int
    start: datetime
    end: datetime
    base: Side | None  # None: it could not be measured (`notes` say why)
    canary: Side | None
    cloudwatch: tuple[CloudWatchFigures, ...] = ()
    notes: tuple[str, ...] = field(default=())
    cloudwatch_window: Span | None = None  # the complete minutes CloudWatch's figures cover (None: not read)

    def as_dict(self) -> dict[str, Any]:
        return {"api": self.api, "stage": self.stage, "minutes": self.minutes, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "base": self.base.as_dict() if self.base else None,
                "canary": self.canary.as_dict() if self.canary else None,
                "cloudwatch": [{"label": c.label, "dimensions": dict(c.dimensions), "requests": c.requests,
                                "errors_4xx": c.errors_4xx, "errors_5xx": c.errors_5xx, "p50_ms": c.p50,
                                "p99_ms": c.p99} for c in self.cloudwatch],
                "cloudwatch_window": None if self.cloudwatch_window is None else {
                    "start": self.cloudwatch_window.start.isoformat(), "end": self.cloudwatch_window.end.isoformat()},
                "notes": list(self.notes), "min_sample": MIN_SAMPLE, "min_p99_sample": MIN_P99_SAMPLE}

    @property
    def gaps(self) -> tuple[str, ...]:
        """The notes that say a source could not be read (the CLI also warns of them on stderr)."""
        return tuple(n for n in self.notes if n.startswith((ACCESS_LOGS_UNAVAILABLE, CLOUDWATCH_UNAVAILABLE)))


def compare(connection: Any, api: Api, stage: Stage, minutes: int, *, since: datetime | None = None,
            now: datetime | None = None, cloudwatch: bool = True) -> Comparison:
    """Base vs canary over the last `minutes` (from `since`, if later): access logs, then (unless
    `cloudwatch` is False, as the gate needs only the logs) CloudWatch."""
    end = now or datetime.now(UTC)
    start = max(end - timedelta(minutes=minutes), since) if since else end - timedelta(minutes=minutes)
    notes: list[str] = []
    try:
        base, canary = _from_logs(connection, stage, start, end, notes)
    except Problem as problem:
        if problem.kind not in ("denied", "unavailable"):
            raise
        notes.append(f"{ACCESS_LOGS_UNAVAILABLE}: {problem.message}")  # CloudWatch's figures may still be read
        base = canary = None
    figures, span = _from_cloudwatch(connection, api, stage, complete_minutes(minutes, end), notes) \
        if cloudwatch else ((), None)
    return Comparison(api.name, stage.name, minutes, start, end, base, canary, figures, tuple(notes),
                      span if figures else None)


def _from_logs(connection: Any, stage: Stage, start: datetime, end: datetime,
               notes: list[str]) -> tuple[Side | None, Side | None]:
    found = stage_sources(connection, stage)
    if found.problem:
        notes.append(found.problem)
        return None, None
    parser = parser_for(found.format)
    client = metered(connection.client("logs"), filter_budget(connection))
    window = (int(start.timestamp() * 1000), int(end.timestamp() * 1000))
    # Read even with no canary attached: lines from before it was removed are still not the base's.
    canary_group = found.canary.name if found.canary else f"{found.access.name}/Canary"
    canary_entries = _entries(client, canary_group, window, parser, notes)
    canary = Side.of(canary_entries) if found.canary or canary_entries else None
    if found.canary is None:
        notes.append("No canary is attached now" + (": the canary's figures are its requests earlier in the "
                                                    "window." if canary else "."))
    if canary is not None and "requestId" not in parser.variables and "extendedRequestId" not in parser.variables:
        notes.append("The stage's access-log format has no $context.requestId, so the base's lines cannot be "
                     "told from the canary's; add it to the format to compare them.")
        return None, canary
    routed = {e.request_id for e in canary_entries if e.request_id}
    stage_entries = _entries(client, found.access.name, window, parser, notes)
    return Side.of([e for e in stage_entries if e.request_id not in routed]), canary


def _entries(client: Any, group: str, window: tuple[int, int], parser: Any, notes: list[str]) -> list:
    """The parsed lines of one group in the window, at most MAX_LINES; what was skipped is noted.
    A group that does not exist (yet) has no lines: API Gateway creates it with its first line."""
    try:
        lines = list(itertools.islice(history(client, [group], window[0], window[1], parser), MAX_LINES + 1))
    except Problem as problem:
        if problem.kind == "not-found":
            return []
        raise
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        notes.append(f"{group}: only the first {MAX_LINES:,} lines of the window were read; the figures are partial.")
    entries = [entry for entry in (line.entry for line in lines) if entry is not None]
    if len(entries) < len(lines):
        notes.append(f"{group}: {len(lines) - len(entries)} lines not in the stage's format were skipped.")
    return entries


def _from_cloudwatch(connection: Any, api: Api, stage: Stage, span: Span,
                     notes: list[str]) -> tuple[tuple[CloudWatchFigures, ...], Span]:
    """The stage's and (if published) the canary's CloudWatch figures over `span`, found with ListMetrics:
    one query per figure with the span as its period, so each answer is one point, the window's. As in the
    pulse, a last minute CloudWatch has not published yet (no series has a point for it: CloudWatch publishes
    a minute about a minute after it ends) is left out: the window moves back a minute, never counts it as 0."""
    cloudwatch = connection.client("cloudwatch")
    try:
        published = _published(cloudwatch, api.name)
    except Problem as problem:
        notes.append(f"{CLOUDWATCH_UNAVAILABLE}: {problem.message}")
        return (), span
    series = [("stage", dims) for dims in published if _stage_of(dims) == stage.name and len(dims) == 2]
    series += [("canary", dims) for dims in published if _is_canary(dims, stage.name)]
    if not any(kind == "canary" for kind, _ in series) and stage.canary is not None:
        notes.append("CloudWatch publishes no separate canary metrics for this stage (ListMetrics), so its "
                     "figures are the whole stage's, not split by release.")
    if not series:
        return (), span
    period = span.minutes * 60
    queries = [MetricQuery((index, name, stat), name, dims, stat, period)
               for index, (_, dims) in enumerate(series)
               for name, stat in STATS]
    by_minute = [MetricQuery((index, "minutes"), "Count", dims, "Sum", 60) for index, (_, dims) in enumerate(series)]
    try:
        answers = fetch(cloudwatch, queries + by_minute, span.start, span.end)
        last = span.end - timedelta(minutes=1)
        if not any(last in answers[(index, "minutes")].timestamps for index in range(len(series))):
            notes.append(f"CloudWatch has not published {last:%H:%M} yet: its figures are of the "
                         f"{span.minutes} complete minutes before.")
            span = Span(span.start - timedelta(minutes=1), last)
            answers = fetch(cloudwatch, queries, span.start, span.end)
    except Problem as problem:
        notes.append(f"{CLOUDWATCH_UNAVAILABLE}: {problem.message}")
        return (), span
    figures = []
    for index, (kind, dims) in enumerate(series):
        count, err4, err5, p50, p99 = (answers[(index, name, stat)] for name, stat in STATS)
        label = f"{kind} ({', '.join(f'{k}={v}' for k, v in dims if k != 'ApiName')})"
        figures.append(CloudWatchFigures(label, dims, count.total, err4.total, err5.total, p50.last, p99.last))
    return tuple(figures), span


def _published(cloudwatch: Any, api_name: str) -> list[tuple[tuple[str, str], ...]]:
    """Every dimension set AWS/ApiGateway publishes Count under for this REST API. Asked by API name
    alone: a canary published under a Stage value of its own would escape a filter on the stage."""
    found: set[tuple[tuple[str, str], ...]] = set()
    try:
        for page in cloudwatch.get_paginator("list_metrics").paginate(
                Namespace=NAMESPACE, MetricName="Count", Dimensions=[{"Name": "ApiName", "Value": api_name}]):
            for metric in page.get("Metrics", ()):
                found.add(tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", ()))))
    except Exception as exc:
        raise explain(exc) from None
    return sorted(found)


def _stage_of(dims: tuple[tuple[str, str], ...]) -> str | None:
    return next((value for name, value in dims if name == "Stage"), None)


def _is_canary(dims: tuple[tuple[str, str], ...], stage: str) -> bool:
    """A stage-level series that names a canary, in a dimension's name or in its Stage value."""
    if any(name in ("Method", "Resource") for name, _ in dims):
        return False
    named = any("canary" in name.lower() for name, _ in dims)
    stage_value = _stage_of(dims) or ""
    return (named and stage_value == stage) or (stage_value.startswith(stage) and stage_value != stage
                                                and "canary" in stage_value.lower())
