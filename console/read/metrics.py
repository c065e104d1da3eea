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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from console.aws.errors import explain

NAMESPACE = "AWS/ApiGateway"
MAX_QUERIES = 500  # GetMetricData: metrics per call
WHOLE = "window"  # a query's key suffix: the statistic over the whole window (its period is the window)

# The console's words for a metric -> its name for REST, HTTP and WebSocket APIs (None: not published).
METRIC_NAMES: dict[str, tuple[str | None, str | None, str | None]] = {
    "count": ("Count", "Count", "MessageCount"),
    "4xx": ("4XXError", "4xx", "ClientError"),
    "5xx": ("5XXError", "5xx", "ExecutionError"),
    "latency": ("Latency", "Latency", "IntegrationLatency"),
    "integration_latency": ("IntegrationLatency", "IntegrationLatency", "IntegrationLatency"),
    "cache_hits": ("CacheHitCount", None, None),
    "cache_misses": ("CacheMissCount", None, None),
    "data_processed": (None, "DataProcessed", None),
    "connects": (None, None, "ConnectCount"),
}
# What the views call a metric where a WebSocket API's differs: it counts messages (a connection's $connect,
# refused or not, is no message), its client errors are the gateway's refusals before an integration is
# called (ClientError) and its server errors the failed integration calls (ExecutionError); it publishes
# no Latency, only IntegrationLatency.
WORDS = {"count": "requests", "4xx": "4xx", "5xx": "5xx", "latency": "latency"}
WEBSOCKET_WORDS = {"count": "messages", "4xx": "client errors", "5xx": "execution errors",
                   "latency": "integration latency"}
PERCENTILES = ("p50", "p90", "p99")
# What the CloudWatch view of a stage shows: (metric, statistic).
STAGE_VIEW: tuple[tuple[str, str], ...] = (
    ("count", "Sum"), ("4xx", "Sum"), ("5xx", "Sum"),
    ("latency", "Average"), *(("latency", p) for p in PERCENTILES),
    ("integration_latency", "Average"), ("integration_latency", "p99"),
    ("cache_hits", "Sum"), ("cache_misses", "Sum"), ("data_processed", "Sum"), ("connects", "Sum"),
)


@dataclass(frozen=True)
class Window:
    """A look-back and the period its points are summed over (≤ 1,440 points, as the views draw them)."""

    name: str
    seconds: int
    period: int


WINDOWS = {w.name: w for w in (
    Window("3m", 180, 60), Window("5m", 300, 60), Window("15m", 900, 60), Window("1h", 3_600, 60),
    Window("3h", 10_800, 300), Window("24h", 86_400, 300),
)}


@dataclass(frozen=True)
class StageRef:
    """Which stage's metrics: REST metrics are found by API name, HTTP and WebSocket API metrics by API id."""

    api_id: str
    api_name: str
    stage: str
    http: bool = False  # an HTTP or WebSocket API (API Gateway v2)
    websocket: bool = False

    @property
    def protocol(self) -> str:
        return "WEBSOCKET" if self.websocket else "HTTP" if self.http else "REST"

    @property
    def metric_key(self) -> str:
        """The value of the API's dimension: its name (REST) or its id (v2)."""
        return self.api_id if self.http else self.api_name

    def dimensions(self) -> list[dict[str, str]]:
        first = {"Name": "ApiId", "Value": self.api_id} if self.http else {"Name": "ApiName", "Value": self.api_name}
        return [first, {"Name": "Stage", "Value": self.stage}]

    @property
    def dimension_pairs(self) -> tuple[tuple[str, str], ...]:
        """The dimensions as a MetricQuery takes them: (name, value) pairs."""
        return tuple((d["Name"], d["Value"]) for d in self.dimensions())

    def word(self, metric: str) -> str:
        """The views' word for one of WORDS: "requests", or a WebSocket API's "messages"."""
        return (WEBSOCKET_WORDS if self.websocket else WORDS)[metric]

    def metric_name(self, metric: str) -> str | None:
        """The CloudWatch name of one of METRIC_NAMES for this kind of API (None: not published)."""
        rest, http, websocket = METRIC_NAMES[metric]
        return websocket if self.websocket else http if self.http else rest


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

    def between(self, start: datetime, end: datetime) -> Series:
        """The points of [start, end)."""
        pairs = [(t, v) for t, v in zip(self.timestamps, self.values, strict=True) if start <= t < end]
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

    def over_window(self, metric: str, stat: str) -> float | None:
        """The statistic over the whole window, as CloudWatch computes it with the window as its period:
        a Sum's total, the Average of every request, the p99 of the window's requests (never an average
        of per-period percentiles). None when CloudWatch has no data for it."""
        return self.series.get((metric, stat, WHOLE), Series()).last

    @property
    def label(self) -> str:
        """The window's clock range, e.g. "02:15–03:15 UTC" (complete periods only)."""
        return f"{self.start:%H:%M}–{self.end:%H:%M} UTC"


BARS = "▁▂▃▄▅▆▇█"


NOT_PUBLISHED = "·"  # a minute that has ended but CloudWatch has not published yet


def sparkline(values: Sequence[float | None]) -> str:
    """A series as block characters scaled to its largest value; None (not yet published) as a dot."""
    top = max((v for v in values if v is not None), default=0)
    return "".join(NOT_PUBLISHED if v is None else BARS[0] if top <= 0 else
                   BARS[min(len(BARS) - 1, int(v / top * (len(BARS) - 1) + 0.5))] for v in values)


def _now() -> datetime:
    """The clock every window is cut by (one, so that tests can hold it still)."""
    return datetime.now(UTC)


def aligned_range(window: Window, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a window of complete periods: it ends where the running period began, which is
    never counted (CloudWatch buckets align to the start)."""
    now = now or _now()
    end_epoch = int(now.timestamp()) // window.period * window.period
    end = datetime.fromtimestamp(end_epoch, UTC)
    return end - timedelta(seconds=window.seconds), end


def stage_queries(ref: StageRef, window: Window,
                  wanted: Iterable[tuple[str, str]] = STAGE_VIEW) -> list[MetricQuery]:
    """The queries of a stage's view, per period and over the whole window; metrics its kind of API does
    not publish are left out."""
    dimensions = ref.dimension_pairs
    named = [(metric, stat, name) for metric, stat in wanted if (name := ref.metric_name(metric))]
    return [MetricQuery((metric, stat), name, dimensions, stat, window.period) for metric, stat, name in named] + [
        MetricQuery((metric, stat, WHOLE), name, dimensions, stat, window.seconds) for metric, stat, name in named]


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


def region_refs(gateway: Any, refresh: bool = False) -> list[StageRef]:
    """Every REST, HTTP and WebSocket API stage of the gateway's region."""
    return [ref_for(api, stage.name) for api in gateway.apis(refresh) for stage in gateway.stages(api, refresh)]


def ref_for(api: Any, stage_name: str) -> StageRef:
    """The metrics address of a stage of a read-model Api."""
    return StageRef(api.id, api.name, stage_name, http=api.protocol.is_v2, websocket=api.protocol.value == "WEBSOCKET")


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
