"""Where generated traffic goes: access-log lines to CloudWatch Logs, metrics to CloudWatch.

Writes are batched — one PutLogEvents per log stream per tick, one PutMetricData round per region
per minute — and go through the sandbox's public API, so the sandbox's extensions of Logs and
CloudWatch treat them as they treat any client's. Memory stays bounded over hours: a group's lines
go to a stream that is replaced every few minutes (or few thousand lines), and the generator
deletes its own streams once their lines are an hour old or the lines it keeps pass a cap (execution
logs have a cap of their own, so a storm of failures told there never evicts the access logs). For a
deleted stream's lines to be freed, moto must not hold them elsewhere: see `_untrack_log_events`.
"""

from __future__ import annotations

import logging
import math
import random
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from botocore.exceptions import ClientError

from console.sandbox import moto_seam
from console.sandbox.history import counter_minute, latency_bucket

log = logging.getLogger("apigw-console.sandbox.traffic")

STREAM_SECONDS = 600  # a log stream takes a group's lines for this long...
STREAM_EVENTS = 5_000  # ...or this many lines, whichever comes first
RETAIN_SECONDS = 3_600  # streams whose newest line is older are deleted
MAX_EVENTS = 60_000  # and the oldest streams go while the generator keeps more lines than this (~60 MB)
MAX_EXECUTION_EVENTS = 30_000  # execution-log lines are kept apart, so a storm of them never evicts access logs
EXECUTION_PREFIX = "API-Gateway-Execution-Logs_"
BATCH_BYTES = 1_000_000  # PutLogEvents takes at most 1,048,576 bytes, counting 26 a line
VALUES_PER_DATUM = 150  # PutMetricData: at most 150 values in a datum's Values
DATUMS_PER_CALL = 150  # ...and at most 1 MB a call: histograms are large datums

REST_NAMES = {"4xx": "4XXError", "5xx": "5XXError"}
HTTP_NAMES = {"4xx": "4xx", "5xx": "5xx"}


# --- Logs -----------------------------------------------------------------------------------------


@dataclass
class _Stream:
    region: str
    group: str
    name: str
    opened: float
    events: int = 0
    last: float = 0.0


class LogSink:
    """Access-log lines, buffered for a tick, then written one PutLogEvents per stream."""

    def __init__(self, clients: Callable[[str], Any], rng: random.Random):
        _untrack_log_events()
        self._clients = clients  # region -> an object with a `logs` client
        self._rng = rng  # stream names
        self._pending: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self._current: dict[tuple[str, str], _Stream] = {}
        # every stream still kept, oldest first, and their lines: access logs [0], execution logs [1]
        self._streams: tuple[deque[_Stream], deque[_Stream]] = (deque(), deque())
        self._kept = [0, 0]
        self._groups: set[tuple[str, str]] = set()  # groups known to exist

    def add(self, region: str, group: str, timestamp_ms: int, message: str) -> None:
        self._pending[(region, group)].append({"timestamp": timestamp_ms, "message": message})

    def flush(self, now: float) -> None:
        """Write every buffered line, then let go of streams past their time or over the cap."""
        pending, self._pending = self._pending, defaultdict(list)
        for (region, group), events in pending.items():
            events.sort(key=itemgetter("timestamp"))  # two stages may share a group
            try:
                self._write(region, group, events, now)
            except ClientError as error:  # the group was deleted, or the sandbox reset
                log.info("access-log lines for %s not written: %s", group, error)
                self._forget(region, group)
        self._trim(now)

    def _write(self, region: str, group: str, events: list[dict[str, Any]], now: float) -> None:
        logs = self._clients(region).logs
        if (region, group) not in self._groups:
            _create_group(logs, group)
            self._groups.add((region, group))
        for batch in _batches(events):
            stream = self._stream(logs, region, group, now)
            logs.put_log_events(logGroupName=group, logStreamName=stream.name, logEvents=batch)
            stream.events += len(batch)
            stream.last = now
            self._kept[_kind(group)] += len(batch)

    def _stream(self, logs: Any, region: str, group: str, now: float) -> _Stream:
        """The group's current stream, replaced when it is old or full; named like API Gateway's."""
        stream = self._current.get((region, group))
        if stream is None or stream.events >= STREAM_EVENTS or now - stream.opened >= STREAM_SECONDS:
            stream = _Stream(region, group, self._create_stream(logs, group), now)
            self._current[(region, group)] = stream
            self._streams[_kind(group)].append(stream)
        return stream

    def _create_stream(self, logs: Any, group: str) -> str:
        """A new stream's name (32 hex digits, like API Gateway's), drawn again if already taken."""
        while True:
            name = f"{self._rng.getrandbits(128):032x}"
            try:
                logs.create_log_stream(logGroupName=group, logStreamName=name)
                return name
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                    raise

    def _trim(self, now: float) -> None:
        for kind, cap in enumerate((MAX_EVENTS, MAX_EXECUTION_EVENTS)):
            streams = self._streams[kind]
            while streams and (self._kept[kind] > cap or streams[0].last < now - RETAIN_SECONDS):
                self._drop(streams.popleft(), kind)

    def _drop(self, stream: _Stream, kind: int) -> None:
        self._kept[kind] -= stream.events
        if self._current.get((stream.region, stream.group)) is stream:
            del self._current[(stream.region, stream.group)]
        try:
            self._clients(stream.region).logs.delete_log_stream(
                logGroupName=stream.group, logStreamName=stream.name)
        except ClientError:
            pass  # already gone with its group

    def _forget(self, region: str, group: str) -> None:
        """Stop assuming a group and its streams exist."""
        self._groups.discard((region, group))
        self._current.pop((region, group), None)
        kind = _kind(group)
        streams = self._streams[kind]
        gone = [s for s in streams if (s.region, s.group) == (region, group)]
        kept = [s for s in streams if (s.region, s.group) != (region, group)]
        streams.clear()
        streams.extend(kept)
        self._kept[kind] -= sum(s.events for s in gone)


def _kind(group: str) -> int:
    """Which budget a group's lines count against: 0 access logs, 1 execution logs."""
    return 1 if group.startswith(EXECUTION_PREFIX) else 0


def _untrack_log_events() -> None:
    """Stop moto keeping every log event and stream it ever made (in-process sandboxes only).

    moto's models register each instance in a class-wide list for its dashboard, emptied only by a
    reset; at hundreds of lines a second that list alone outgrows any trimming. Events and streams
    are the only models the generator makes in bulk, so only they are left out of it.
    """
    for model in moto_seam.log_models():
        model.__new__ = staticmethod(_untracked_new)


def _untracked_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    return object.__new__(cls)


def _create_group(logs: Any, group: str) -> None:
    """Create a log group unless it exists (API Gateway creates a canary's group itself)."""
    try:
        logs.create_log_group(logGroupName=group)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
            raise


def _batches(events: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Chronological events in PutLogEvents-sized batches (no more than a stream takes at once)."""
    batch: list[dict[str, Any]] = []
    size = 0
    for event in events:
        cost = len(event["message"]) + 26
        if batch and (len(batch) >= STREAM_EVENTS or size + cost > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += cost
    if batch:
        yield batch


# --- Metrics --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricTarget:
    """Where one stage's metrics go: its region and dimensions (in name order, as moto matches them)."""

    region: str
    dimensions: tuple[tuple[str, str], ...]
    http: bool


@dataclass
class _Minute:
    """One stage's requests in one minute, as CloudWatch would aggregate them."""

    count: int = 0
    errors: dict[str, int] = field(default_factory=lambda: {"4xx": 0, "5xx": 0})
    hits: int = 0
    misses: int = 0
    data_sum: int = 0  # response bytes
    data_min: float = math.inf
    data_max: int = 0
    latency: dict[float, int] = field(default_factory=lambda: defaultdict(int))
    integration: dict[float, int] = field(default_factory=lambda: defaultdict(int))


class MetricSink:
    """Per-minute aggregates of each stage's requests, sent once their minute is over."""

    def __init__(self, clients: Callable[[str], Any]):
        self._clients = clients  # region -> an object with a `cloudwatch` client
        self._minutes: dict[tuple[MetricTarget, int], _Minute] = {}

    def add(self, target: MetricTarget, epoch_ms: int, status: int, latency_ms: int,
            integration_ms: int | None, cache_hit: bool | None, length: int) -> None:
        """Count one request: `cache_hit` None when the request never reached a cache."""
        key = (target, epoch_ms // 60_000)
        minute = self._minutes.get(key)
        if minute is None:
            minute = self._minutes[key] = _Minute()
        minute.count += 1
        if status >= 400:
            minute.errors["5xx" if status >= 500 else "4xx"] += 1
        if cache_hit is not None:
            if cache_hit:
                minute.hits += 1
            else:
                minute.misses += 1
        minute.data_sum += length
        minute.data_min = min(minute.data_min, length)
        minute.data_max = max(minute.data_max, length)
        minute.latency[latency_bucket(latency_ms)] += 1
        if integration_ms is not None:
            minute.integration[latency_bucket(integration_ms)] += 1

    def flush(self, now: float, *, everything: bool = False) -> None:
        """Send the minutes that are over (all of them, with `everything`), batched per region."""
        current = int(now // 60)
        done = [key for key in self._minutes if everything or key[1] < current]
        by_region: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for key in done:
            target, minute = key
            by_region[target.region] += _datums(target, minute, self._minutes.pop(key))
        for region, datums in by_region.items():
            self.put(region, datums)

    def put(self, region: str, datums: list[dict[str, Any]]) -> None:
        """Send datums to a region's CloudWatch (a WebSocket stage's, counted by traffic.websocket, too)."""
        cloudwatch = self._clients(region).cloudwatch
        for start in range(0, len(datums), DATUMS_PER_CALL):
            try:
                cloudwatch.put_metric_data(Namespace="AWS/ApiGateway",
                                           MetricData=datums[start:start + DATUMS_PER_CALL])
            except ClientError as error:
                log.info("metrics not written: %s", error)


def _datums(target: MetricTarget, minute_index: int, minute: _Minute) -> list[dict[str, Any]]:
    """PutMetricData datums of one stage-minute: counters as 0/1 values per request (Sum counts,
    Average is the rate, as API Gateway's), latencies as histograms, bytes as a statistic set."""
    base = {"Dimensions": [{"Name": n, "Value": v} for n, v in target.dimensions],
            "Timestamp": datetime.fromtimestamp(minute_index * 60, UTC)}
    names = HTTP_NAMES if target.http else REST_NAMES
    counters = [("Count", minute.count, minute.count)]
    counters += [(names[kind], n, minute.count) for kind, n in minute.errors.items()]
    cached = minute.hits + minute.misses
    if cached and not target.http:
        counters += [("CacheHitCount", minute.hits, cached), ("CacheMissCount", minute.misses, cached)]
    datums = [base | {"MetricName": name, "Unit": "Count", **counter_minute(ones, of)} for name, ones, of in counters]
    if target.http:
        datums.append(base | {"MetricName": "DataProcessed", "Unit": "Bytes", "StatisticValues": {
            "SampleCount": minute.count, "Sum": minute.data_sum, "Minimum": minute.data_min,
            "Maximum": minute.data_max}})
    datums += _histogram(base | {"MetricName": "Latency"}, minute.latency)
    datums += _histogram(base | {"MetricName": "IntegrationLatency"}, minute.integration)
    return datums


def _histogram(base: dict[str, Any], counts: dict[float, int]) -> list[dict[str, Any]]:
    """Values/Counts datums of a latency histogram, split to stay within PutMetricData's 150 values."""
    items = sorted(counts.items())
    return [base | {"Values": [v for v, _ in chunk], "Counts": [c for _, c in chunk], "Unit": "Milliseconds"}
            for chunk in (items[i:i + VALUES_PER_DATUM] for i in range(0, len(items), VALUES_PER_DATUM))]
