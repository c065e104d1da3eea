"""Stage health from CloudWatch: GetMetricData queries built right, answered as plain series.

API Gateway publishes in namespace AWS/ApiGateway under different names and dimensions for REST
(`ApiName`, `Stage`; 4XXError, 5XXError, cache counts) and HTTP APIs (`ApiId`, `Stage`; 4xx, 5xx,
DataProcessed). A REST API's metrics are keyed by its *name*: two APIs of one name share them.

Every view asks in as few calls as GetMetricData allows: one call for a stage's whole view, one per
500 queries for the pulse across a region. Answers are `Series` with ascending timestamps and plain
floats, so screens, the CLI and the canary comparison need no CloudWatch knowledge.

No Textual; callers pass a CloudWatch client (`connection.client("cloudwatch")`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from console.aws.errors import explain

NAMESPACE = "AWS/ApiGateway"
MAX_QUERIES = 500  # GetMetricData: metrics per call

# The console's words for a metric -> its name for REST and for HTTP APIs (None: not published).
METRIC_NAMES: dict[str, tuple[str | None, str | None]] = {
    "count": ("Count", "Count"),
    "4xx": ("4XXError", "4xx"),
    "5xx": ("5XXError", "5xx"),
    "latency": ("Latency", "Latency"),
    "integration_latency": ("IntegrationLatency", "IntegrationLatency"),
    "cache_hits": ("CacheHitCount", None),
    "cache_misses": ("CacheMissCount", None),
    "data_processed": (None, "DataProcessed"),
}
PERCENTILES = ("p50", "p90", "p99")
# What the CloudWatch view of a stage shows: (metric, statistic).
STAGE_VIEW: tuple[tuple[str, str], ...] = (
    ("count", "Sum"), ("4xx", "Sum"), ("5xx", "Sum"),
    ("latency", "Average"), *(("latency", p) for p in PERCENTILES),
    ("integration_latency", "Average"), ("integration_latency", "p99"),
    ("cache_hits", "Sum"), ("cache_misses", "Sum"), ("data_processed", "Sum"),
)


@dataclass(frozen=True)
class Window:
    """A look-back and the period its points are summed over (≤ 1,440 points, as the views draw them)."""

    name: str
    seconds: int
    period: int


WINDOWS = {w.name: w for w in (
    Window("5m", 300, 60), Window("15m", 900, 60), Window("1h", 3_600, 60),
    Window("3h", 10_800, 300), Window("24h", 86_400, 300),
)}


@dataclass(frozen=True)
class StageRef:
    """Which stage's metrics: REST metrics are found by API name, HTTP API metrics by API id."""

    api_id: str
    api_name: str
    stage: str
    http: bool = False

    def dimensions(self) -> list[dict[str, str]]:
        first = {"Name": "ApiId", "Value": self.api_id} if self.http else {"Name": "ApiName", "Value": self.api_name}
        return [first, {"Name": "Stage", "Value": self.stage}]

    def metric_name(self, metric: str) -> str | None:
        """The CloudWatch name of one of METRIC_NAMES for this kind of API (None: not published)."""
        rest, http = METRIC_NAMES[metric]
        return http if self.http else rest


@dataclass(frozen=True)
class MetricQuery:
    """One metric and statistic to fetch: `key` is the caller's name for the answer."""

    key: Any
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period: int
    namespace: str = NAMESPACE


@dataclass(frozen=True)
class Series:
    """A metric's points, oldest first. CloudWatch leaves out periods without data."""

    timestamps: tuple[datetime, ...] = ()
    values: tuple[float, ...] = ()

    @property
    def total(self) -> float:
        return sum(self.values)

    @property
    def last(self) -> float | None:
        return self.values[-1] if self.values else None

    def since(self, moment: datetime) -> Series:
        pairs = [(t, v) for t, v in zip(self.timestamps, self.values, strict=True) if t >= moment]
        return Series(tuple(t for t, _ in pairs), tuple(v for _, v in pairs))

    def dense(self, start: datetime, end: datetime, period: int, fill: float = 0.0) -> list[float]:
        """One value per period from `start` to `end`, `fill` where CloudWatch had none (counts: 0)."""
        by_time = {int(t.timestamp()) // period: v for t, v in zip(self.timestamps, self.values, strict=True)}
        first, last = int(start.timestamp()) // period, int(end.timestamp()) // period
        return [by_time.get(slot, fill) for slot in range(first, last)]


@dataclass(frozen=True)
class StageMetrics:
    """One stage's view: a series per (metric, statistic) over one window."""

    ref: StageRef
    window: Window
    start: datetime
    end: datetime
    series: dict[tuple[str, str], Series]
    fetched_at: datetime

    def get(self, metric: str, stat: str) -> Series:
        return self.series.get((metric, stat), Series())


@dataclass(frozen=True)
class Pulse:
    """A stage's health over the last 5 and 15 minutes, as the pulse lists it."""

    ref: StageRef
    requests_5m: float
    requests_15m: float
    errors4_5m: float  # percent of requests
    errors4_15m: float
    errors5_5m: float
    errors5_15m: float
    p99_5m: float | None  # milliseconds
    p99_15m: float | None
    per_minute: tuple[float, ...] = field(default=())  # requests, the last 15 minutes

    @property
    def severity(self) -> tuple[float, float, float, float]:
        """Worst first: 5xx share, then 4xx share, then p99, then load."""
        return (self.errors5_5m, self.errors4_5m, self.p99_5m or 0.0, self.requests_5m)


BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """A series as block characters scaled to its largest value (all low when there is nothing)."""
    top = max(values, default=0)
    if top <= 0:
        return BARS[0] * len(values)
    return "".join(BARS[min(len(BARS) - 1, int(v / top * (len(BARS) - 1) + 0.5))] for v in values)


def _now() -> datetime:
    return datetime.now(UTC)


def aligned_range(window: Window, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a window ending at the current period boundary (CloudWatch buckets align to start)."""
    now = now or _now()
    end_epoch = int(now.timestamp()) // window.period * window.period + window.period
    end = datetime.fromtimestamp(end_epoch, UTC)
    return end - timedelta(seconds=window.seconds), end


def stage_queries(ref: StageRef, window: Window,
                  wanted: Iterable[tuple[str, str]] = STAGE_VIEW) -> list[MetricQuery]:
    """The queries of a stage's view; metrics its kind of API does not publish are left out."""
    dimensions = tuple((d["Name"], d["Value"]) for d in ref.dimensions())
    return [MetricQuery((metric, stat), name, dimensions, stat, window.period)
            for metric, stat in wanted if (name := ref.metric_name(metric))]


def fetch(cloudwatch: Any, queries: Sequence[MetricQuery], start: datetime, end: datetime) -> dict[Any, Series]:
    """Answer queries in GetMetricData calls of ≤500 metrics (following NextToken); keyed by `query.key`."""
    answers: dict[Any, Series] = {}
    try:
        for offset in range(0, len(queries), MAX_QUERIES):
            chunk = queries[offset:offset + MAX_QUERIES]
            points: dict[int, tuple[list, list]] = {i: ([], []) for i in range(len(chunk))}
            params: dict[str, Any] = {
                "MetricDataQueries": [_wire(f"q{i}", q) for i, q in enumerate(chunk)],
                "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending",
            }
            while True:
                reply = cloudwatch.get_metric_data(**params)
                for result in reply.get("MetricDataResults", ()):
                    stamps, values = points[int(result["Id"][1:])]
                    stamps += result.get("Timestamps", ())
                    values += result.get("Values", ())
                if not reply.get("NextToken"):
                    break
                params["NextToken"] = reply["NextToken"]
            for i, query in enumerate(chunk):
                stamps, values = points[i]
                ordered = sorted(zip(stamps, values, strict=True))
                answers[query.key] = Series(tuple(_utc(t) for t, _ in ordered), tuple(float(v) for _, v in ordered))
    except Exception as exc:
        raise explain(exc) from None
    return answers


def stage_metrics(cloudwatch: Any, ref: StageRef, window: Window | str = "1h",
                  now: datetime | None = None) -> StageMetrics:
    """A stage's CloudWatch view over a window: one GetMetricData call."""
    window = WINDOWS[window] if isinstance(window, str) else window
    start, end = aligned_range(window, now)
    series = fetch(cloudwatch, stage_queries(ref, window), start, end)
    return StageMetrics(ref, window, start, end, series, _now())


def pulse(cloudwatch: Any, refs: Sequence[StageRef], now: datetime | None = None) -> list[Pulse]:
    """Every stage's last 5 and 15 minutes, worst first: six queries a stage, 83 stages a call."""
    start, end = aligned_range(WINDOWS["15m"], now)
    five_ago = end - timedelta(minutes=5)
    queries: list[MetricQuery] = []
    for index, ref in enumerate(refs):
        dimensions = tuple((d["Name"], d["Value"]) for d in ref.dimensions())
        for metric in ("count", "4xx", "5xx"):
            queries.append(MetricQuery((index, metric), ref.metric_name(metric) or "", dimensions, "Sum", 60))
        for period in (60, 300, 900):  # p99 does not add up: ask for it over each span itself
            queries.append(MetricQuery((index, f"p99@{period}"), "Latency", dimensions, "p99", period))
    answers = fetch(cloudwatch, queries, start, end)
    rows = []
    for index, ref in enumerate(refs):
        count, err4, err5 = (answers[(index, m)] for m in ("count", "4xx", "5xx"))
        n5, n15 = count.since(five_ago).total, count.total
        rows.append(Pulse(
            ref=ref,
            requests_5m=n5, requests_15m=n15,
            errors4_5m=_percent(err4.since(five_ago).total, n5), errors4_15m=_percent(err4.total, n15),
            errors5_5m=_percent(err5.since(five_ago).total, n5), errors5_15m=_percent(err5.total, n15),
            p99_5m=answers[(index, "p99@300")].since(five_ago).last,
            p99_15m=answers[(index, "p99@900")].last,
            per_minute=tuple(count.dense(start, end, 60)),
        ))
    return sorted(rows, key=lambda row: row.severity, reverse=True)


def region_refs(gateway: Any, refresh: bool = False) -> list[StageRef]:
    """Every REST and HTTP API stage of the gateway's region (WebSocket APIs publish other metrics)."""
    refs = []
    for api in gateway.apis(refresh):
        if api.protocol.value == "WEBSOCKET":
            continue
        refs += [StageRef(api.id, api.name, stage.name, http=api.protocol.is_v2)
                 for stage in gateway.stages(api, refresh)]
    return refs


def ref_for(api: Any, stage_name: str) -> StageRef:
    """The metrics address of a stage of a read-model Api."""
    return StageRef(api.id, api.name, stage_name, http=api.protocol.is_v2)


@dataclass(frozen=True)
class MetricIdentity:
    """A published metric: its name and every dimension (e.g. a REST stage's Method and Resource)."""

    name: str
    dimensions: tuple[tuple[str, str], ...]

    def dimension(self, name: str) -> str | None:
        return next((value for key, value in self.dimensions if key == name), None)


def discover(cloudwatch: Any, ref: StageRef, metric: str = "count") -> list[MetricIdentity]:
    """The metrics published under a stage (ListMetrics): per-method, per-route or canary dimensions."""
    name = ref.metric_name(metric)
    if name is None:
        return []
    found = []
    try:
        for page in cloudwatch.get_paginator("list_metrics").paginate(
                Namespace=NAMESPACE, MetricName=name, Dimensions=[{"Name": d["Name"], "Value": d["Value"]}
                                                                  for d in ref.dimensions()]):
            for item in page.get("Metrics", ()):
                found.append(MetricIdentity(item["MetricName"], tuple(
                    (d["Name"], d["Value"]) for d in item.get("Dimensions", ()))))
    except Exception as exc:
        raise explain(exc) from None
    return sorted(set(found), key=lambda m: m.dimensions)


def _wire(query_id: str, query: MetricQuery) -> dict[str, Any]:
    return {"Id": query_id, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": query.namespace, "MetricName": query.name,
                   "Dimensions": [{"Name": n, "Value": v} for n, v in query.dimensions]},
        "Period": query.period, "Stat": query.stat}}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _percent(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0
