"""A log group's history read stream by stream with GetLogEvents, where that costs fewer seconds of
quota than paging FilterLogEvents.

CloudWatch Logs quotas, per account and Region: FilterLogEvents 5 transactions a second,
GetLogEvents 25, DescribeLogStreams 5. Both reads answer at most 1 MB (or 10,000 events) a call, but
FilterLogEvents covers every stream while GetLogEvents reads one, and a stream's end is only known
from a call that gives back the token it was passed. So, for R more pages of FilterLogEvents,
reading S streams listed in D pages of DescribeLogStreams costs D/5 + (R + S)/25 seconds of quota
against R/5: the streams are read when S + 5D < 4R (`cheaper`). R is estimated from FilterLogEvents'
first page (the rest of the window at that page's density of events), so a window of one page costs
one call, as before, and a window of many pages over a few streams is read at five times the rate.

Which streams: DescribeLogStreams ordered by LastEventTime, newest first. lastEventTimestamp is
eventually consistent (it can lag ingestion by up to about an hour), so the listing stops only at a
stream listed as ending STALE_MS before the window, and a stream is read when its last event or its
last ingestion (PutLogEvents takes events up to 2 hours ahead of their ingestion) may reach the window.

Lines come merged in time order; GetLogEvents carries no event id, so lines of the same millisecond
in different streams come in ingestion order, then by stream name (FilterLogEvents documents no
order among them either). One call is in flight per stream, the next page fetched while the
consumer reads the current one.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from console.aws.errors import explain

FILTER_TPS = 5  # FilterLogEvents: transactions a second per account and Region
GET_TPS = 25  # GetLogEvents: likewise
DESCRIBE_TPS = 5  # DescribeLogStreams: likewise
FUTURE_MS = 2 * 3_600_000  # PutLogEvents takes events stamped up to 2 hours after their ingestion
STALE_MS = 6 * 3_600_000  # listed last events this far before the window end the listing
WORKERS = 8  # streams read at once


def cheaper(streams: int, describe_pages: int, remaining: float) -> bool:
    """Reading `streams` listed in `describe_pages` costs fewer seconds of quota than `remaining` pages
    of FilterLogEvents (see the module's docstring)."""
    return describe_pages / DESCRIBE_TPS + (remaining + streams) / GET_TPS < remaining / FILTER_TPS


def pages_left(page: list[dict[str, Any]], end_ms: int) -> float:
    """FilterLogEvents pages still to come, at the density of its first (full) page; 0 when it says nothing."""
    if len(page) < 2:
        return 0.0
    first, last = int(page[0]["timestamp"]), int(page[-1]["timestamp"])
    return max(0, end_ms - last) / max(1, last - first)


def overlapping(client: Any, group: str, start_ms: int, end_ms: int, remaining: float) -> list[str] | None:
    """The streams that may hold events in [start_ms, end_ms], or None when listing and reading them
    costs more than FilterLogEvents' `remaining` pages (pages_left)."""
    chosen: list[str] = []
    params: dict[str, Any] = {"logGroupName": group, "orderBy": "LastEventTime", "descending": True}
    pages = 0
    while cheaper(len(chosen), pages + 1, remaining):
        try:
            reply = client.describe_log_streams(**params)
        except Exception as exc:
            raise explain(exc) from None
        pages += 1
        for stream in reply.get("logStreams", []):
            first, last = stream.get("firstEventTimestamp"), stream.get("lastEventTimestamp")
            if last is not None and last < start_ms - STALE_MS:
                return chosen if cheaper(len(chosen), pages, remaining) else None
            if _may_hold(stream, first, last, start_ms, end_ms):
                chosen.append(stream["logStreamName"])
        if not reply.get("nextToken"):
            return chosen if cheaper(len(chosen), pages, remaining) else None
        params["nextToken"] = reply["nextToken"]
    return None


def _may_hold(stream: dict[str, Any], first: int | None, last: int | None, start_ms: int, end_ms: int) -> bool:
    if first is None:  # no events listed yet: they may be on their way
        return stream.get("creationTime", 0) <= end_ms
    if first > end_ms:
        return False
    ingested = stream.get("lastIngestionTime")
    return last is None or last >= start_ms or (ingested is not None and ingested >= start_ms - FUTURE_MS)


def read(client: Any, group: str, streams: list[str], start_ms: int, end_ms: int | None,
         line: Callable[[dict[str, Any], str], Any], skip: dict[str, int] | None = None,
         stop: Callable[[], bool] = lambda: False) -> Iterator[Any]:
    """Every event of `streams` in [start_ms, end_ms] as `line(event, stream)`, merged in time order.
    `skip[stream]` events stamped start_ms are left out at its head (already read another way)."""
    if not streams:
        return
    pool = ThreadPoolExecutor(max_workers=min(WORKERS, len(streams)), thread_name_prefix="log-streams")
    try:
        sources = []
        for name in sorted(streams):  # every stream's first page asked for at once
            params: dict[str, Any] = {"logGroupName": group, "logStreamName": name, "startTime": start_ms,
                                      "startFromHead": True}
            if end_ms is not None:
                params["endTime"] = end_ms + 1  # GetLogEvents leaves endTime out; FilterLogEvents keeps it
            first = pool.submit(_get, client, dict(params))
            sources.append(_stream(pool, client, params, first, line, (skip or {}).get(name, 0), stop))
        for _, item in heapq.merge(*sources, key=lambda keyed: keyed[0]):  # ties: the sources' (names') order
            yield item
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _stream(pool: ThreadPoolExecutor, client: Any, params: dict[str, Any], pending: Future,
            line: Callable[[dict[str, Any], str], Any], skip: int, stop: Callable[[], bool]) -> Iterator[tuple]:
    """One stream's events as ((timestamp, ingestion), line), a page fetched ahead of the one being read."""
    name, start_ms = params["logStreamName"], params["startTime"]
    while True:
        reply = pending.result()
        token = reply.get("nextForwardToken")
        done = not token or token == params.get("nextToken") or stop()
        if not done:
            params["nextToken"] = token
            pending = pool.submit(_get, client, dict(params))
        for event in reply.get("events", []):
            timestamp = int(event["timestamp"])
            if skip and timestamp == start_ms:
                skip -= 1
                continue
            yield (timestamp, event.get("ingestionTime") or 0), line(event, name)
        if done:
            return


def _get(client: Any, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return client.get_log_events(**params)
    except Exception as exc:
        raise explain(exc) from None

