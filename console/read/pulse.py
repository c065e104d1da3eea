"""The pulse: every stage of a region ranked by how much it is hurting now, from complete minutes only.

Figures (one definition each, everywhere):
- The window is the last `WINDOW_MINUTES` complete minutes that CloudWatch has published: the running
  minute is never counted, and a minute that has ended but is not published yet (no stage of the
  region has a point for it) is "not yet published" — left out of the window and drawn as such, never 0.
- requests, 4xx and 5xx are sums over the window; `pct_4xx` includes the 429s; `pct_429` is counted
  from the stage's access log (CloudWatch has no metric for it) for the stages whose 4xx share is
  notable, and is None where it was not read.
- p99 is CloudWatch's p99 with the window as its period — the percentile of the window's requests,
  never an average of per-minute percentiles.
- When CloudWatch is refused, every figure is counted from the access logs over the last complete
  minutes instead (p99 from the lines read, `source` "logs"), and the gap says why; a stage whose log
  cannot be read either has no figures (`source` "none"), never zeros.
- The leading cause of a stage's 4xx (`$context.error.responseType`: INVALID_API_KEY, THROTTLED, ...) is
  counted from the same access-log lines as its 429s, over the same window: its count and the 4xx lines
  read; "not logged" when the stage's format does not record it, never a guess.
- `score` = (5xx + 0.7 x 429 + 0.2 x other 4xx) per minute of the window: failed requests, weighted by
  how surely they hurt someone, so a prod stage shedding half of 300 req/s outranks a dev stage with
  2 failures in 3. Below `MIN_SAMPLE` requests a share means little: views show counts ("2/3").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import islice
from datetime import UTC, datetime, timedelta
from typing import Any

from console.aws.errors import Problem, explain
from console.read.metrics import NAMESPACE, MetricQuery, Series, StageRef, fetch
from console.read.metrics import _now as metrics_now

WINDOW_MINUTES = 3  # short enough that a fix shows within 3 complete minutes, long enough to count on
TREND_MINUTES = 15
MIN_SAMPLE = 20  # requests in the window below which shares are shown as counts
WEIGHTS = {"5xx": 1.0, "429": 0.7, "4xx": 0.2}  # per failed request: the score's definition
NOTABLE_4XX = 5.0  # percent: above it, the stage's 429s are counted from its access log
MAX_429_READS = 3  # stages whose access log is read per refresh (FilterLogEvents allows 5 a second)
MAX_LOG_LINES = 50_000  # access-log lines read per stage; past it a count says "at least"
MAX_LOG_STAGES = 10  # stages counted from their access logs per refresh when CloudWatch is refused
ALARM_ORDER = {"ALARM": 3, "INSUFFICIENT_DATA": 2, "OK": 1}


@dataclass(frozen=True)
class Span:
    """[start, end) of whole minutes, UTC."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M} UTC"


def complete_minutes(minutes: int, now: datetime | None = None) -> Span:
    """The last `minutes` minutes that have ended (the running one excluded)."""
    now = now or metrics_now()
    end = datetime.fromtimestamp(int(now.timestamp()) // 60 * 60, UTC)
    return Span(end - timedelta(minutes=minutes), end)


@dataclass(frozen=True)
class Causes:
    """The 4xx lines of a window by `$context.error.responseType`; `logged` False: the format has none."""

    logged: bool
    counts: tuple[tuple[str | None, int], ...] = ()  # most first; None: no gateway response (the backend's own)

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)

    @property
    def leading(self) -> tuple[str | None, int] | None:
        return self.counts[0] if self.logged and self.counts else None

    @classmethod
    def of(cls, lines, logged: bool) -> Causes:
        """Count the 4xx among `lines` (anything with `facts`) by cause."""
        counted: dict[str | None, int] = {}
        for line in lines:
            facts = line.facts
            if facts is not None and facts.status is not None and 400 <= facts.status < 500:
                counted[facts.cause] = counted.get(facts.cause, 0) + 1
        return cls(logged, tuple(sorted(counted.items(), key=lambda item: (-item[1], item[0] or ""))) if logged
                   else ())

    def to_json(self) -> dict[str, Any]:
        if not self.logged:
            return {"logged": False}
        leading = self.leading
        return {"logged": True, "lines_4xx": self.total,
                "leading": leading[0] if leading else None, "leading_count": leading[1] if leading else 0,
                "by_cause": {cause or "-": count for cause, count in self.counts}}


@dataclass(frozen=True)
class StagePulse:
    ref: StageRef
    window: Span
    requests: float
    errors_4xx: float
    errors_5xx: float
    throttled: float | None  # 429s in the window, from the access log (None: not read)
    p99_ms: float | None
    last_minute: float | None  # requests in the window's last minute
    per_minute: tuple[float | None, ...]  # TREND_MINUTES minutes up to the running one; None: not yet published
    alarm: str | None  # the worst state of CloudWatch alarms on the stage's metrics (None: none)
    source: str = "CloudWatch"  # where the figures come from: "CloudWatch", "logs" (access log), "none"
    lines: int | None = None  # access-log lines the figures were counted from (source "logs")
    alarm_read: bool = True  # False: alarm states could not be read (alarm None says nothing)
    causes: Causes | None = None  # the window's 4xx by cause, from the access log (None: not read)

    @property
    def protocol(self) -> str:
        return self.ref.protocol

    def share(self, count: float | None) -> float | None:
        return None if count is None or not self.requests else 100.0 * count / self.requests

    @property
    def pct_4xx(self) -> float | None:
        return self.share(self.errors_4xx)

    @property
    def pct_429(self) -> float | None:
        return self.share(self.throttled)

    @property
    def pct_5xx(self) -> float | None:
        return self.share(self.errors_5xx)

    @property
    def small_sample(self) -> bool:
        return self.requests < MIN_SAMPLE

    @property
    def score(self) -> float:
        throttled = self.throttled or 0.0
        weighted = (WEIGHTS["5xx"] * self.errors_5xx + WEIGHTS["429"] * throttled
                    + WEIGHTS["4xx"] * max(0.0, self.errors_4xx - throttled))
        return weighted / max(1, self.window.minutes)

    def to_json(self) -> dict[str, Any]:
        def rounded(value: float | None, digits: int = 3) -> float | None:
            return None if value is None else round(value, digits)

        if self.source == "none":
            return {"api": self.ref.api_name, "api_id": self.ref.api_id, "stage": self.ref.stage,
                    "protocol": self.protocol, "source": "none"}
        return {
            "api": self.ref.api_name, "api_id": self.ref.api_id, "stage": self.ref.stage,
            "protocol": self.protocol,
            "window_start": self.window.start.isoformat().replace("+00:00", "Z"),
            "window_end": self.window.end.isoformat().replace("+00:00", "Z"),
            "requests": self.requests, "errors_4xx": self.errors_4xx, "errors_5xx": self.errors_5xx,
            "throttled_429": self.throttled,
            "pct_4xx": rounded(self.pct_4xx), "pct_429": rounded(self.pct_429), "pct_5xx": rounded(self.pct_5xx),
            "p99_ms": rounded(self.p99_ms, 1), "requests_per_s_last_minute": rounded(
                None if self.last_minute is None else self.last_minute / 60),
            "alarm": self.alarm, "score": round(self.score, 3),
            "requests_per_minute": list(self.per_minute), "source": self.source,
            **({"lines": self.lines} if self.lines is not None else {}),
            **({} if self.alarm_read else {"alarm_read": False}),
            **({"cause_4xx": self.causes.to_json()} if self.causes is not None else {}),
        }


@dataclass(frozen=True)
class RegionPulse:
    rows: tuple[StagePulse, ...]  # worst first
    window: Span
    unpublished: int  # ended minutes CloudWatch has not published yet (left out of the window)
    notes: tuple[str, ...]  # what could not be read (CloudWatch, alarms, 429s), each a labelled gap in words
    fetched_at: datetime
    source: str = "CloudWatch"  # "logs": CloudWatch was refused and the figures are the access logs'

    @property
    def read_nothing(self) -> bool:
        """No stage has a figure: neither CloudWatch nor any access log could be read."""
        return bool(self.rows) and all(row.source == "none" for row in self.rows)


def region_pulse(connection: Any, gateway: Any, refs: Sequence[StageRef], now: datetime | None = None,
                 count_429s: bool = True) -> RegionPulse:
    """Every stage's pulse: two GetMetricData calls per 83 stages, one DescribeAlarms, and (`count_429s`)
    a few log reads, which a screen makes after drawing the rest (`with_429s`)."""
    cloudwatch = connection.client("cloudwatch")
    now = now or metrics_now()
    trend = complete_minutes(TREND_MINUTES + 1, now)
    try:
        counts = fetch(cloudwatch, [q for i, ref in enumerate(refs) for q in _count_queries(i, ref)],
                       trend.start, trend.end)
    except Exception as exc:  # CloudWatch refused: the access logs stand in, and the gap says why
        return from_logs(connection, gateway, refs, explain(exc), now)
    unpublished = 0
    last = trend.end - timedelta(minutes=1)
    if refs and not any(last in set(series.timestamps) for series in counts.values()) \
            and (now - trend.end).total_seconds() < 120:
        unpublished = 1  # CloudWatch publishes a minute about a minute after it ends
    end = trend.end - timedelta(minutes=unpublished)
    window = Span(end - timedelta(minutes=WINDOW_MINUTES), end)
    p99 = fetch(cloudwatch, [MetricQuery(i, name, ref.dimension_pairs, "p99", WINDOW_MINUTES * 60)
                             for i, ref in enumerate(refs) if (name := ref.metric_name("latency"))],
                window.start, window.end) if refs else {}
    notes: list[str] = []
    alarms = _alarms(cloudwatch, notes)
    alarm_read = not notes  # _alarms noted why it could not read them
    rows = []
    for i, ref in enumerate(refs):
        count, err4, err5 = (counts[(i, m)] if (i, m) in counts else Series() for m in ("count", "4xx", "5xx"))
        in_window = [s.between(window.start, window.end) for s in (count, err4, err5)]
        per_minute = _per_minute(count, trend.end - timedelta(minutes=TREND_MINUTES), trend.end, unpublished)
        last_minute = count.between(end - timedelta(minutes=1), end).total
        rows.append(StagePulse(ref, window, in_window[0].total, in_window[1].total, in_window[2].total, None,
                               p99.get(i, Series()).last, last_minute, per_minute,
                               alarms.get((ref.metric_key, ref.stage)), alarm_read=alarm_read))
    found = RegionPulse(_ranked(rows), window, unpublished, tuple(notes), datetime.now(UTC))
    return with_429s(connection, gateway, found) if count_429s else found


def with_429s(connection: Any, gateway: Any, found: RegionPulse) -> RegionPulse:
    """The pulse with the 429s counted from the access logs, ranked again by the score they complete."""
    if found.source != "CloudWatch":  # counted from the logs already
        return found
    notes = list(found.notes)
    rows = _with_throttled(connection, gateway, list(found.rows), notes)
    return RegionPulse(_ranked(rows), found.window, found.unpublished, tuple(notes), found.fetched_at, found.source)


def from_logs(connection: Any, gateway: Any, refs: Sequence[StageRef], refused: Problem,
              now: datetime | None = None) -> RegionPulse:
    """The pulse counted from the access logs of the last complete minutes, for when CloudWatch is refused:
    requests, 4xx, 429, 5xx and the p99 of the lines read, for up to MAX_LOG_STAGES stages."""
    window = complete_minutes(WINDOW_MINUTES, now)
    notes = [f"CloudWatch unavailable, figures counted from the access logs: {refused.message}"]
    log_problems: dict[str, int] = {}
    unlogged = 0
    rows = []
    refused_logs = False
    for i, ref in enumerate(refs):
        counted = None
        if i < MAX_LOG_STAGES and not refused_logs:
            try:
                counted = _counted(connection, gateway, ref, window)
                unlogged += counted is None
            except Problem as problem:
                log_problems[problem.message] = log_problems.get(problem.message, 0) + 1
                refused_logs = problem.kind in ("denied", "unavailable")  # every other log would be refused alike
        rows.append(counted or StagePulse(ref, window, 0.0, 0.0, 0.0, None, None, None, (), None,
                                          source="none", alarm_read=False))
    for message, stages in log_problems.items():
        notes.append(f"access logs unavailable{'' if refused_logs else f' for {stages} stage' + 's' * (stages > 1)}: "
                     f"{message}")
    if unlogged:
        notes.append(f"{unlogged} stage{'s have' if unlogged > 1 else ' has'} no access log: no figures")
    if len(refs) > MAX_LOG_STAGES:
        notes.append(f"{len(refs) - MAX_LOG_STAGES} stages not counted: at most {MAX_LOG_STAGES} access logs are "
                     "read per refresh")
    notes.append("alarm states unavailable: they are CloudWatch's")
    return RegionPulse(_ranked(rows), window, 0, tuple(notes), datetime.now(UTC), source="logs")


def _counted(connection: Any, gateway: Any, ref: StageRef, window: Span) -> StagePulse | None:
    """A stage's pulse from its access log's lines in the window (None: it has no log to read)."""
    from console.logs.stats import enough, nearest_rank

    read = _window_lines(connection, gateway, ref, window, None)
    if read is None:
        return None
    lines, logged = read
    statuses = [line.facts.status for line in lines if line.facts is not None]
    latencies = sorted(line.facts.latency_ms for line in lines
                       if line.facts is not None and line.facts.latency_ms is not None)
    p99 = nearest_rank(latencies, 99) if enough(len(latencies), 99) else None  # not just the slowest line or two
    per_minute = [0.0] * window.minutes
    start_ms = window.start.timestamp() * 1000
    for line in lines:
        per_minute[min(window.minutes - 1, max(0, int((line.timestamp - start_ms) // 60_000)))] += 1
    return StagePulse(ref, window, float(len(lines)),
                      float(sum(1 for s in statuses if s is not None and 400 <= s < 500)),
                      float(sum(1 for s in statuses if s is not None and s >= 500)),
                      float(statuses.count(429)), p99, per_minute[-1] if per_minute else None, tuple(per_minute),
                      None, source="logs", lines=len(lines), alarm_read=False, causes=Causes.of(lines, logged))


def _ranked(rows: list[StagePulse]) -> tuple[StagePulse, ...]:
    return tuple(sorted(rows, key=lambda r: (r.score, ALARM_ORDER.get(r.alarm or "", 0), r.requests), reverse=True))


def _count_queries(index: int, ref: StageRef) -> list[MetricQuery]:
    return [MetricQuery((index, metric), name, ref.dimension_pairs, "Sum", 60)
            for metric in ("count", "4xx", "5xx") if (name := ref.metric_name(metric))]


def _per_minute(count: Series, start: datetime, end: datetime, unpublished: int) -> tuple[float | None, ...]:
    values: list[float | None] = list(count.dense(start, end, 60))
    for i in range(1, unpublished + 1):
        values[-i] = None
    return tuple(values)


def _alarms(cloudwatch: Any, notes: list[str]) -> dict[tuple[str, str], str]:
    """The worst alarm state per (API name or id, stage), from every alarm on AWS/ApiGateway metrics."""
    worst: dict[tuple[str, str], str] = {}
    try:
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
            for alarm in page.get("MetricAlarms", ()):
                if alarm.get("Namespace") != NAMESPACE:
                    continue
                dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", ())}
                api, stage = dims.get("ApiName") or dims.get("ApiId"), dims.get("Stage")
                state = alarm.get("StateValue", "")
                if api and stage and ALARM_ORDER.get(state, 0) > ALARM_ORDER.get(worst.get((api, stage), ""), 0):
                    worst[(api, stage)] = state
    except Exception as exc:  # the pulse stands without alarms; it says why they are missing
        notes.append(f"alarm states unavailable: {explain(exc).message}")
    return worst


def _with_throttled(connection: Any, gateway: Any, rows: list[StagePulse], notes: list[str]) -> list[StagePulse]:
    """Count the 429s and the 4xx causes of the stages whose 4xx share is notable, from their access logs
    (worst first): one read of each stage's 4xx lines gives both."""
    candidates = sorted((r for r in rows if not r.small_sample and (r.pct_4xx or 0) >= NOTABLE_4XX),
                        key=lambda r: r.errors_4xx, reverse=True)[:MAX_429_READS]
    counted: dict[StageRef, tuple[float | None, Causes | None]] = {}
    for row in candidates:
        try:
            counted[row.ref] = client_errors_in(connection, gateway, row.ref, row.window)
        except Problem as problem:
            if problem.kind in ("denied", "unavailable"):  # every other stage's log would be refused alike
                notes.append(f"429 counts unavailable (they are counted from the access logs): {problem.message}")
                break
            notes.append(f"429s of {row.ref.api_name}/{row.ref.stage} unavailable: {problem.message}")
    return [replace(r, throttled=counted[r.ref][0], causes=counted[r.ref][1]) if r.ref in counted else r
            for r in rows]


def throttled_in(connection: Any, gateway: Any, ref: StageRef, window: Span) -> float | None:
    """429s the stage answered in the window, counted from its access log (None: it has none to read)."""
    return client_errors_in(connection, gateway, ref, window)[0]


def client_errors_in(connection: Any, gateway: Any, ref: StageRef,
                     window: Span) -> tuple[float | None, Causes | None]:
    """The 429s and the 4xx by cause the stage answered in the window, from one read of its access log's
    4xx lines ((None, None): it has no access log to read)."""
    read = _window_lines(connection, gateway, ref, window, frozenset({"4xx"}))
    if read is None:
        return None, None
    lines, logged = read
    return (float(sum(1 for line in lines if line.facts is not None and line.facts.status == 429)),
            Causes.of(lines, logged))


def _window_lines(connection: Any, gateway: Any, ref: StageRef, window: Span, statuses: frozenset[str] | None):
    """The stage's access-log lines in the window (of `statuses` only, filtered by CloudWatch Logs), at most
    MAX_LOG_LINES, and whether its format logs the 4xx cause; None when the stage has no access log to read.
    Raises Problem when Logs refuses."""
    from console.logs.access_log import logs_cause, parser_for
    from console.logs.filter import LineFilter
    from console.logs.sources import stage_sources
    from console.logs.tail import filter_budget, history, metered

    api = gateway.find_api(ref.api_id)
    found = stage_sources(connection, gateway.stage(api, ref.stage))
    if found.problem or found.access is None:
        return None
    parser = parser_for(found.format)
    client = metered(connection.client("logs"), filter_budget(connection))
    start_ms, end_ms = int(window.start.timestamp() * 1000), int(window.end.timestamp() * 1000) - 1
    pattern = LineFilter(statuses=statuses).pattern(parser) if statuses else None
    lines = list(islice(history(client, [found.access.name], start_ms, end_ms, parser, pattern), MAX_LOG_LINES))
    return lines, logs_cause(found.format)
