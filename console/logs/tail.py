"""Tailing CloudWatch Logs: StartLiveTail where it works, FilterLogEvents polling where it does not,
and honest about every gap between them.

The complaint against every log-tailing tool is that it silently stops, repeats or drops lines. So
a `Tail` here:
- starts a LiveTail session first, then backfills the requested history by polling, so nothing
  between "history" and "live" is lost; the overlap is removed by deduplication;
- when the session drops (network, the 3-hour session limit, a forced reconnect) marks a gap,
  reconnects, and backfills the gap by polling; when LiveTail samples (over 500 lines/s) says so
  and backfills the sampled seconds by polling too;
- falls back to polling when LiveTail is not available (permissions, the ~15-session account
  limit, an endpoint without it): FilterLogEvents from a cursor with an overlap as wide as the
  observed ingestion delay, deduplicated by event id, an interval that adapts to the traffic, and
  exponential backoff on ThrottlingException;
- spends FilterLogEvents calls from one 5 TPS bucket shared by every tail of the same account and
  region in this process (the documented account limit), and a history's GetLogEvents and
  DescribeLogStreams calls (streams.py) from buckets of their own quotas (25 and 5 TPS);
- holds lines for a short settle time and releases them in timestamp order; a line that still
  arrives after newer ones were released is marked `late`, never dropped.

LiveTail events carry no event id, so across the two sources lines are matched by content
(stream, timestamp, message); polled lines are also matched by event id.

No Textual here: the log view drains a Tail on a timer, the CLI drains it in a loop.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from console.aws.budget import TokenBucket
from console.aws.errors import Problem, explain
from console.logs import streams
from console.logs.access_log import AccessLogParser, Entry, Facts
from console.logs.sources import LogGroup
from console.logs.streams import DESCRIBE_TPS, FILTER_TPS, GET_TPS

PAGE_EVENTS = 10_000
MIN_OVERLAP_MS = 3_000
MAX_OVERLAP_MS = 120_000
MIN_INTERVAL = 1.0  # seconds between polls while lines keep coming...
MAX_INTERVAL = 10.0  # ...stretching to this while the group is quiet
MAX_BACKOFF = 30.0
SETTLE_SECONDS = 1.0
START_ATTEMPTS = 3  # LiveTail sessions that fail to start before the tail polls instead
KEEP_KEYS_MS = 5_000  # keys are kept this long past the overlap: a margin for clock jitter
MAX_PENDING = 200_000  # lines held for a consumer that does not drain; past this the oldest go, said so
AHEAD = 20_000  # held lines past which the tail waits for a consumer that is behind (it needs the CPU)

_ARRIVALS = 24  # bits of a line's arrival number in its settle-heap order: lines of one millisecond keep it
_ARRIVAL_MASK = (1 << _ARRIVALS) - 1

_budgets: dict[tuple, TokenBucket] = {}
_budgets_lock = threading.Lock()


def filter_budget(connection: Any) -> TokenBucket:
    """The FilterLogEvents bucket of the connection's account (or profile) and region, one per process."""
    return _budget(connection, "FilterLogEvents", FILTER_TPS)


def read_budgets(connection: Any) -> dict[str, TokenBucket]:
    """The buckets of the connection's GetLogEvents and DescribeLogStreams, which a history uses too."""
    return {"GetLogEvents": _budget(connection, "GetLogEvents", GET_TPS),
            "DescribeLogStreams": _budget(connection, "DescribeLogStreams", DESCRIBE_TPS)}


def _budget(connection: Any, operation: str, rate: int) -> TokenBucket:
    """The quota's rate, with a fifth of its burst held back: AWS counts a call when it arrives, and calls
    sent evenly arrive unevenly, so a bucket exactly as full as the quota's would be refused now and then."""
    identity = getattr(connection, "identity", None)
    who = identity.account if identity else (connection.target.endpoint_url, connection.profile)
    key = (who, connection.region, operation)
    with _budgets_lock:
        if key not in _budgets:
            _budgets[key] = TokenBucket(rate=rate, burst=rate - max(1, rate // 5))
        return _budgets[key]


def metered(client: Any, budget: TokenBucket, reads: Mapping[str, TokenBucket] | None = None) -> Any:
    """Make every FilterLogEvents attempt of `client` (retries included) take a token from `budget`, and
    every attempt of an operation in `reads` (read_budgets) one from its bucket."""
    for operation, bucket in {"FilterLogEvents": budget, **(reads or {})}.items():
        def take(_bucket: TokenBucket = bucket, **_kwargs: Any) -> None:  # a returned value would be the response
            _bucket.acquire()

        client.meta.events.register(f"before-send.cloudwatch-logs.{operation}", take,
                                    unique_id=f"apigw-console-{operation}-budget-{id(bucket)}")
    return client


class LogLine(NamedTuple):
    """A tailed line (a named tuple: made for every line, at tens of thousands a second).

    Every line has its Facts (what the charts and filters need); its whole Entry is parsed when asked
    for: at 50,000 lines a second a view keeps under half a second of them, and shows 20.
    """

    timestamp: int  # epoch ms, when API Gateway wrote the line
    group: str
    stream: str
    message: str
    facts: Facts | None  # None: the line is not in the stage's format
    ingestion: int | None = None  # epoch ms, when CloudWatch Logs took it
    event_id: str | None = None  # FilterLogEvents only
    late: bool = False  # released after lines newer than it
    parser: AccessLogParser | None = None

    @property
    def entry(self) -> Entry | None:
        """Every field of the line (parsed again at each call: keep it while you use it)."""
        return None if self.facts is None else self.parser.parse(self.message)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.stream, self.timestamp, self.message)


@dataclass(frozen=True)
class Notice:
    """Something the operator must be told: mode changes, sampling, gaps and their backfill, throttling."""

    kind: str  # live | polling | sampled | unsampled | gap | backfilled | throttled | dropped | error
    text: str
    at: float  # epoch seconds
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True)
class Batch:
    lines: list[LogLine]
    notices: list[Notice]


@dataclass(frozen=True)
class TailState:
    mode: str  # connecting | live | polling | stopped
    sampling: bool
    newest_ms: int | None  # the newest line's timestamp
    lag_seconds: float | None  # now minus that
    held: int  # FilterLogEvents calls waiting for the budget
    received: int
    duplicates: int
    gaps: int
    dropped: int
    reason: str  # why polling, when polling


# --- History ------------------------------------------------------------------------------------


def history(client: Any, groups: Sequence[str], start_ms: int, end_ms: int | None, parser: AccessLogParser | None,
            pattern: str | None = None, stop: Callable[[], bool] = lambda: False) -> Iterator[LogLine]:
    """Every line of `groups` in [start_ms, end_ms], oldest first, interleaved across groups and streams."""
    sources = [_group_history(client, group, start_ms, end_ms, parser, pattern, stop) for group in groups]
    if len(sources) == 1:
        return sources[0]
    return heapq.merge(*sources, key=lambda line: (line.timestamp, line.event_id or ""))


def _group_history(client: Any, group: str, start_ms: int, end_ms: int | None, parser: AccessLogParser | None,
                   pattern: str | None, stop: Callable[[], bool]) -> Iterator[LogLine]:
    """FilterLogEvents' first page; past it, unfiltered, the streams' own reads where they cost less
    (streams.py); else FilterLogEvents' next pages."""
    page, token = _filter_page(client, _filter_params(group, start_ms, end_ms, pattern))
    for event in page:
        yield to_line(event, group, parser)
    if not token or stop():
        return
    if not pattern:
        lines = _streams_history(client, group, page, end_ms, parser, stop)
        if lines is not None:
            yield from lines
            return
    for page in filter_pages(client, group, start_ms, end_ms, pattern, stop, token):
        for event in page:
            yield to_line(event, group, parser)


def _streams_history(client: Any, group: str, page: list[dict[str, Any]], end_ms: int | None,
                     parser: AccessLogParser | None, stop: Callable[[], bool]) -> Iterator[LogLine] | None:
    """The rest of the window after FilterLogEvents' first `page`, read from the streams; None when that
    costs more, or when DescribeLogStreams or GetLogEvents is refused (an IAM policy allowing only
    FilterLogEvents, an emulator without them) before a line was read: FilterLogEvents goes on then."""
    since = int(page[-1]["timestamp"]) if page else 0
    until = end_ms if end_ms is not None else int(time.time() * 1000)
    # events stamped `since` already given, per stream: the streams' reads leave them out
    done = Counter(event.get("logStreamName", "") for event in page if int(event["timestamp"]) == since)
    try:
        chosen = streams.overlapping(client, group, since, until, streams.pages_left(page, until))
        if not chosen:  # none listed, though FilterLogEvents has more: the listing lags; trust FilterLogEvents
            return None
        lines = streams.read(client, group, chosen, since, end_ms,
                             lambda event, stream: to_line(event, group, parser, stream), done, stop)
        first = next(lines, None)  # every stream's first page is in by now
    except Problem as problem:
        if problem.kind in ("denied", "unavailable"):
            return None
        raise
    return iter(()) if first is None else itertools.chain((first,), lines)


def _filter_params(group: str, start_ms: int, end_ms: int | None, pattern: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"logGroupName": group, "startTime": start_ms, "limit": PAGE_EVENTS}
    if end_ms is not None:
        params["endTime"] = end_ms
    if pattern:
        params["filterPattern"] = pattern
    return params


def _filter_page(client: Any, params: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    try:
        reply = client.filter_log_events(**params)
    except Exception as exc:
        raise explain(exc) from None
    return reply.get("events", []), reply.get("nextToken")


def filter_pages(client: Any, group: str, start_ms: int, end_ms: int | None, pattern: str | None,
                 stop: Callable[[], bool] = lambda: False, token: str | None = None) -> Iterator[list[dict[str, Any]]]:
    """FilterLogEvents pages (raw events) until the last one, from `token` if given; raises Problem on failure."""
    params = _filter_params(group, start_ms, end_ms, pattern)
    if token:
        params["nextToken"] = token
    while not stop():
        page, token = _filter_page(client, params)
        yield page
        if not token:
            return
        params["nextToken"] = token


def to_line(event: dict[str, Any], group: str, parser: AccessLogParser | None, stream: str | None = None) -> LogLine:
    """A Logs event as a line; `stream` for an event that does not name its own (GetLogEvents')."""
    message = event.get("message", "").rstrip("\n")
    return LogLine(int(event["timestamp"]), group, stream or event.get("logStreamName", ""), message,
                   parser.facts(message) if parser else None, event.get("ingestionTime"), event.get("eventId"),
                   parser=parser)


# --- The tail -----------------------------------------------------------------------------------


class _Unavailable(Exception):
    """LiveTail cannot be used here: poll instead, for the reason given."""


class Tail:
    """Follow log groups from `since_ms` (None: from now) until `stop()`; drain lines with `drain()`."""

    def __init__(self, client: Any, groups: Sequence[LogGroup], parser: AccessLogParser | None, *,
                 budget: TokenBucket, since_ms: int | None = None, pattern: str | None = None,
                 live: bool = True, settle: float = SETTLE_SECONDS, reconnect_delay: float = 1.0,
                 backfill_delay: float = 2.0, max_pending: int = MAX_PENDING,
                 clock: Callable[[], float] = time.time):
        if not groups:
            raise ValueError("a tail needs at least one log group")
        self._client = metered(client, budget)
        self._groups = list(groups)
        self._by_arn = {g.arn: g.name for g in groups} | {g.name: g.name for g in groups}
        self._parser = parser
        self._budget = budget
        self._pattern = pattern
        self._live_wanted = live
        self._settle = settle
        self._reconnect_delay = reconnect_delay
        self._backfill_delay = backfill_delay
        self._max_pending = max_pending
        self._clock = clock
        self._started_ms = int(clock() * 1000)
        self._since_ms = since_ms

        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._stream: Any = None  # the open LiveTail event stream
        self._forced = False  # the operator (or a test) dropped the session
        self._connected = False  # the current session has started

        self._seen_content: set[int] = set()  # hashes of (stream, timestamp, message) of accepted lines
        self._seen_ids: set[str] = set()
        # (timestamp, content hash, event id) in arrival order, which is nearly time order: a key leaves
        # once the keys before it have, never before its time.
        self._expiry: deque[tuple[int, int, str | None]] = deque()
        self._seq = itertools.count()
        # The settle heap: (order, arrived, timestamp, group, stream, message, ingestion, event id); `order` is
        # the timestamp and the arrival number in one int, so that heap comparisons stop at the first element.
        self._held: list[tuple[int, float, int, str, str, str, int | None, str | None]] = []
        self._released_ms = -1
        self._notices: list[Notice] = []
        self._backfills: deque[tuple[int, int | None, str, float]] = deque()  # start, end, why, not before
        self._running_from: int | None = None  # the start of the backfill being fetched

        self._mode = "connecting"
        self._reason = ""
        self._sampling = False
        self._newest_ms: int | None = None
        self._overlap_ms = MIN_OVERLAP_MS
        self._received = self._duplicates = self._gaps = self._dropped = 0

    # -- consumer side -------------------------------------------------------------------------

    def start(self) -> Tail:
        workers = [self._fetch_loop] + ([self._live_loop] if self._live_wanted else [])
        if not self._live_wanted:
            self._set_mode("polling", "asked to poll")
        for target in workers:
            thread = threading.Thread(target=target, name=f"tail-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._close_stream()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)
        self._mode = "stopped"

    def reconnect(self) -> None:
        """Drop the LiveTail session as a network failure would; the tail marks and backfills the gap."""
        self._forced = True
        self._close_stream()

    def drain(self, limit: int | None = None) -> Batch:
        """Lines whose settle time is over, in timestamp order (at most `limit`, so a consumer can take
        a burst in slices), and every notice since the last drain."""
        ready_by = time.monotonic() - self._settle
        taken: list[tuple] = []
        room = limit if limit is not None else len(self._held)
        with self._lock:
            held = self._held
            released = self._released_ms
            while held and len(taken) < room and (held[0][1] <= ready_by or self._stopping.is_set()):
                item = heapq.heappop(held)
                late = item[2] < released
                if not late:
                    released = item[2]
                taken.append((item, late))
            self._released_ms = released
            notices, self._notices = self._notices, []
        # Read here, as they are taken, not as they arrive: lines only settling (a second's worth at any
        # rate) stay plain tuples, which the garbage collector stops scanning, and dropped lines cost nothing.
        parser = self._parser
        facts = parser.facts if parser else _no_facts
        lines = [LogLine(timestamp, group, stream, message, facts(message), ingestion, event_id, late, parser)
                 for (_, _, timestamp, group, stream, message, ingestion, event_id), late in taken]
        return Batch(lines, notices)

    @property
    def state(self) -> TailState:
        newest = self._newest_ms
        return TailState(self._mode, self._sampling, newest,
                         None if newest is None else max(0.0, self._clock() - newest / 1000),
                         self._budget.waiting, self._received, self._duplicates, self._gaps, self._dropped,
                         self._reason)

    @property
    def pending(self) -> int:
        return len(self._held)

    # -- intake --------------------------------------------------------------------------------

    def _accept(self, events: list[dict[str, Any]], live: bool) -> int:
        """Take raw events from either source; returns how many were new."""
        fresh: list[tuple[int, str, str, str, Any, str | None]] = []
        with self._lock:
            seen_content, seen_ids, expiry = self._seen_content, self._seen_ids, self._expiry
            for event in events:
                message = event.get("message", "").rstrip("\n")
                timestamp = int(event["timestamp"])
                stream = event.get("logStreamName", "")
                key = hash((stream, timestamp, message))
                event_id = None if live else event.get("eventId")
                if key in seen_content or (event_id is not None and event_id in seen_ids):
                    self._duplicates += 1
                    continue
                seen_content.add(key)
                if event_id is not None:
                    seen_ids.add(event_id)
                expiry.append((timestamp, key, event_id))
                group = self._by_arn.get(event.get("logGroupIdentifier", ""), "") if live else event["_group"]
                fresh.append((timestamp, group, stream, message, event.get("ingestionTime"), event_id))
        if not fresh:
            return 0
        arrived = time.monotonic()
        with self._lock:
            held, seq = self._held, self._seq
            newest = self._newest_ms if self._newest_ms is not None else -1
            slowest = 0
            for timestamp, group, stream, message, ingestion, event_id in fresh:
                order = timestamp << _ARRIVALS | next(seq) & _ARRIVAL_MASK
                heapq.heappush(held, (order, arrived, timestamp, group, stream, message, ingestion, event_id))
                if timestamp > newest:
                    newest = timestamp
                if ingestion and ingestion - timestamp > slowest:
                    slowest = ingestion - timestamp
            self._newest_ms = newest
            self._overlap_ms = max(self._overlap_ms, min(MAX_OVERLAP_MS, 2 * slowest + 1_000))
            self._received += len(fresh)
            dropped = 0
            while len(held) > self._max_pending:
                heapq.heappop(held)
                dropped += 1
            if dropped:
                self._dropped += dropped
                self._notice("dropped", f"{dropped} lines dropped: they came faster than the view took them")
            self._expire()
        return len(fresh)

    def _expire(self) -> None:
        """Forget keys older than the overlap behind the newest line: they cannot come again."""
        horizon = (self._newest_ms or 0) - self._overlap_ms - KEEP_KEYS_MS
        starts = [start for start, _, _, _ in self._backfills] + [self._running_from or horizon]
        pending_from = min(starts)
        horizon = min(horizon, pending_from)
        expiry = self._expiry
        while expiry and expiry[0][0] < horizon:
            _, key, event_id = expiry.popleft()
            self._seen_content.discard(key)
            if event_id is not None:
                self._seen_ids.discard(event_id)

    def _notice(self, kind: str, text: str, start_ms: int | None = None, end_ms: int | None = None) -> None:
        self._notices.append(Notice(kind, text, self._clock(), start_ms, end_ms))

    def _set_mode(self, mode: str, reason: str = "") -> None:
        with self._lock:
            if mode == self._mode and reason == self._reason:
                return
            self._mode, self._reason = mode, reason
            text = {"live": "Live (StartLiveTail).",
                    "polling": f"Polling FilterLogEvents: {reason}."}.get(mode, mode)
            self._notice(mode, text)

    # -- LiveTail ------------------------------------------------------------------------------

    def _live_loop(self) -> None:
        # The first session backfills the history asked for (or the moments before it started).
        gap_from: int | None = self._since_ms if self._since_ms is not None else self._started_ms
        why = "history"
        delay = self._reconnect_delay
        failures = 0  # sessions in a row that never started
        while not self._stopping.is_set():
            self._connected = False
            try:
                self._session(gap_from, why)
            except _Unavailable as reason:
                self._set_mode("polling", str(reason))
                with self._wake:
                    self._wake.notify_all()
                return
            except Exception as exc:  # the session dropped: a gap from the newest line we hold
                if self._stopping.is_set():
                    return
                cause = "reconnect asked for" if self._forced else explain(exc).message
                self._forced = False
                if self._connected:  # the session was live: what it would have sent next is the gap
                    gap_from, why = self._newest_ms or int(self._clock() * 1000), "gap"
                    delay = self._reconnect_delay
                failures = 0 if self._connected else failures + 1
                if failures >= START_ATTEMPTS:  # lines must flow: poll rather than keep trying
                    self._set_mode("polling", f"StartLiveTail failed {failures} times ({cause})")
                    with self._wake:
                        self._wake.notify_all()
                    return
                with self._lock:
                    self._mode = "connecting"
                    if self._connected:
                        self._gaps += 1
                        self._notice("gap", f"LiveTail disconnected ({cause}); reconnecting, then filling the "
                                            "gap by polling.", gap_from)
                    else:
                        self._notice("error", f"LiveTail could not start ({cause}); retrying in {delay:.0f} s.")
            if self._stopping.wait(delay):
                return
            delay = min(MAX_BACKOFF, delay * 2)

    def _session(self, gap_from: int | None, why: str) -> None:
        """One LiveTail session, from start to its end (an exception when it ends unasked)."""
        params: dict[str, Any] = {"logGroupIdentifiers": [g.arn for g in self._groups]}
        if self._pattern:
            params["logEventFilterPattern"] = self._pattern
        try:
            stream = self._client.start_live_tail(**params)["responseStream"]
        except AttributeError:
            raise _Unavailable("this botocore has no StartLiveTail") from None
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("AccessDeniedException", "UnknownOperationException", "InvalidAction") or status in (404, 501):
                raise _Unavailable(f"StartLiveTail is not available here ({code or status})") from None
            if code == "LimitExceededException":
                raise _Unavailable("the account has no LiveTail session left (about 15 at once)") from None
            raise
        self._stream = stream
        try:
            for event in stream:
                if self._stopping.is_set():
                    return
                if "sessionStart" in event:
                    self._started(gap_from, why)
                elif "sessionUpdate" in event:
                    self._update(event["sessionUpdate"])
        finally:
            self._stream = None
            self._close(stream)
        if not self._stopping.is_set():
            raise Problem("the session ended")

    def _started(self, gap_from: int | None, why: str) -> None:
        """The session is live: fetch what came before it by polling (history, or the gap it closes)."""
        self._connected = True
        self._set_mode("live")
        if gap_from is not None:
            end = int(self._clock() * 1000) + self._overlap_ms
            start = gap_from if why == "history" else gap_from - self._overlap_ms
            self._queue_backfill(start, end, why, 0.0 if why == "history" else self._backfill_delay)

    def _keep_pace(self) -> None:
        """Wait while the consumer is far behind (many lines, the oldest ready for a while and not taken):
        taking more in only takes the CPU it needs. Lines merely settling are no reason to wait."""
        deadline = time.monotonic() + 5.0
        while (len(self._held) > AHEAD and self._held[0][1] < time.monotonic() - self._settle - 0.25
               and time.monotonic() < deadline and not self._stopping.is_set()):
            time.sleep(0.005)

    def _update(self, update: dict[str, Any]) -> None:
        self._keep_pace()
        events = update.get("sessionResults") or []
        sampled = bool((update.get("sessionMetadata") or {}).get("sampled"))
        if sampled != self._sampling:
            self._sampling = sampled
            with self._lock:
                if sampled:
                    self._notice("sampled", "LiveTail is sampling (over 500 lines/s): the rest are filled in "
                                            "by polling, behind the live lines.")
                else:
                    self._notice("unsampled", "LiveTail has stopped sampling.")
        if sampled and events:
            stamps = [int(e["timestamp"]) for e in events]
            # The left-out lines were ingested in the same second, so they lie around the sample's times.
            self._queue_backfill(min(stamps) - self._overlap_ms, max(stamps) + self._overlap_ms, "sampled",
                                 self._backfill_delay)
        if events:
            self._accept(events, live=True)

    def _close_stream(self) -> None:
        stream = self._stream
        if stream is not None:
            self._close(stream)

    @staticmethod
    def _close(stream: Any) -> None:
        try:
            stream.close()
        except Exception:  # already closed by the other side
            pass

    # -- FilterLogEvents -----------------------------------------------------------------------

    def _queue_backfill(self, start_ms: int, end_ms: int | None, why: str, delay: float) -> None:
        """Fetch [start_ms, end_ms] by polling, never from before where the tail began: a gap's overlap
        reaching back past it brought lines the operator never asked for."""
        floor = self._since_ms if self._since_ms is not None else self._started_ms
        with self._wake:
            self._backfills.append((max(floor, start_ms), end_ms, why, time.monotonic() + delay))
            self._wake.notify_all()

    def _fetch_loop(self) -> None:
        """Backfills whenever queued; polling too once LiveTail is out of the picture."""
        cursors = {g.name: self._since_ms if self._since_ms is not None else self._started_ms
                   for g in self._groups}
        interval = MIN_INTERVAL
        backoff = 0.0
        next_poll = time.monotonic()
        while not self._stopping.is_set():
            job = self._next_backfill()
            polling = self._mode == "polling"
            try:
                if job:
                    self._backfill(*job)
                elif polling and time.monotonic() >= next_poll:
                    got = self._poll(cursors)
                    interval = MIN_INTERVAL if got else min(MAX_INTERVAL, interval * 1.5)
                    next_poll = time.monotonic() + interval
                else:
                    with self._wake:
                        wait = next_poll - time.monotonic() if polling else MAX_INTERVAL
                        if self._backfills:
                            wait = min(wait, max(0.0, self._backfills[0][3] - time.monotonic()))
                        self._wake.wait(max(0.05, wait))
                    continue
                backoff = 0.0
            except Problem as problem:
                if self._stopping.is_set():
                    return
                if job:
                    with self._lock:
                        self._backfills.appendleft((*job, 0.0))
                backoff = min(MAX_BACKOFF, backoff * 2 or 2.0)
                kind = "throttled" if problem.kind == "throttled" else "error"
                with self._lock:
                    self._notice(kind, f"{problem.message} Retrying in {backoff:.0f} s.")
                if self._stopping.wait(backoff):
                    return

    def _next_backfill(self) -> tuple[int, int | None, str] | None:
        with self._lock:
            if self._backfills and self._backfills[0][3] <= time.monotonic():
                start, end, why, _ = self._backfills.popleft()
                self._running_from = start
                return start, end, why
        return None

    def _backfill(self, start_ms: int, end_ms: int | None, why: str) -> None:
        added = 0
        for group in self._groups:
            for page in filter_pages(self._client, group.name, start_ms, end_ms, self._pattern, self._stopping.is_set):
                self._keep_pace()
                added += self._accept([e | {"_group": group.name} for e in page], live=False)
        with self._lock:
            self._running_from = None
            if why == "gap":
                self._notice("backfilled", f"Gap filled by polling: {added} lines recovered.", start_ms, end_ms)

    def _poll(self, cursors: dict[str, int]) -> int:
        """One round over every group from its cursor (less the overlap); returns the new lines."""
        added = 0
        for group in self._groups:
            floor = self._since_ms if self._since_ms is not None else self._started_ms  # nothing before it was asked for
            start = max(floor, cursors[group.name] - self._overlap_ms)
            for page in filter_pages(self._client, group.name, start, None, self._pattern, self._stopping.is_set):
                if page:
                    cursors[group.name] = max(cursors[group.name], max(int(e["timestamp"]) for e in page))
                added += self._accept([e | {"_group": group.name} for e in page], live=False)
        return added


def _no_facts(_message: str) -> None:
    return None
