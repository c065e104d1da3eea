"""GetLogEvents as the CloudWatch Logs API reference describes it, from moto's stored events.

moto 5.2.5 pages GetLogEvents by count only (no 1 MB limit), treats endTime as inclusive (the
reference: "Events with a timestamp equal to or later than this time are not included"), keeps no
quota, and makes its tokens from list positions, which move when events arrive out of order. Here:
- a page holds at most `limit` (default and most 10,000) events and at most 1 MB;
- tokens name the last event returned (its timestamp and event id), so they survive new arrivals;
  at the end of the stream the token passed in comes back unchanged, as the reference says;
- events come oldest first in either direction (startFromHead=false starts from the newest page);
- 25 transactions a second per account and Region (CloudWatch Logs quotas); over it,
  ThrottlingException.

Each stream's events are sorted once per change (cached by the stream and its event count), so a
page costs what the page holds, not what the stream holds.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections import OrderedDict
from typing import Any

from console.aws.budget import TokenBucket
from console.sandbox.router import AwsError, Reply

GET_TPS = 25  # GetLogEvents quota: transactions a second per account and Region
MAX_PAGE_BYTES = 1_048_576  # a page of FilterLogEvents or GetLogEvents: at most 1 MB ...
EVENT_OVERHEAD = 26  # ... counting each event's message and these bytes
_TOKEN = re.compile(r"^(?P<direction>[fb])/(?P<stamp>\d{20})(?P<event>\d{36})$")
_SORTED_KEPT = 16  # streams whose sorted events are kept
_FAR = 10**19  # a timestamp after every other


class Quotas:
    """Token buckets of one operation, one per account and Region, shared by every caller."""

    def __init__(self, rate: int):
        self._rate = rate
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def admit(self, account: str, region: str) -> None:
        """Take a transaction from the quota, or refuse the call as AWS does."""
        with self._lock:
            bucket = self._buckets.get((account, region))
            if bucket is None:
                bucket = self._buckets[(account, region)] = TokenBucket(rate=self._rate, burst=self._rate)
        if not bucket.try_acquire():
            raise AwsError(400, "ThrottlingException", "Rate exceeded")


_get_quota = Quotas(GET_TPS)
_sorted: OrderedDict[int, tuple[Any, int, list[tuple[int, int]], list[Any]]] = OrderedDict()
_sorted_lock = threading.Lock()


def sorted_events(stream) -> tuple[list[tuple[int, int]], list[Any]]:
    """(keys, events) of a moto stream in (timestamp, event id) order, sorted again only after it changed."""
    events = stream.events
    count = len(events)
    with _sorted_lock:
        kept = _sorted.get(id(stream))
        if kept is not None and kept[0] is stream and kept[1] == count:
            _sorted.move_to_end(id(stream))
            return kept[2], kept[3]
    ordered = sorted(events[:count], key=lambda e: (e.timestamp, e.event_id))
    keys = [(e.timestamp, e.event_id) for e in ordered]
    with _sorted_lock:
        _sorted[id(stream)] = (stream, count, keys, ordered)
        while len(_sorted) > _SORTED_KEPT:
            _sorted.popitem(last=False)
    return keys, ordered


def get_log_events(call, params: dict[str, Any], group_and_limit, invalid) -> Reply:
    """One page of a stream's events in [startTime, endTime), forward or backward from the token."""
    _get_quota.admit(call.account, call.region)
    group, limit = group_and_limit(call, params)
    stream = group.streams.get(params.get("logStreamName") or "")
    if stream is None:
        raise AwsError(400, "ResourceNotFoundException", "The specified log stream does not exist.")
    keys, events = sorted_events(stream)
    start, end = params.get("startTime"), params.get("endTime")
    low = 0 if start is None else bisect_left(keys, (start, -1))
    high = len(keys) if end is None else bisect_left(keys, (end, -1))  # endTime itself is excluded
    token = params.get("nextToken")
    if token:
        forward, after = _decode(token, invalid)
    else:
        forward, after = bool(params.get("startFromHead", False)), None
    if forward:
        first = low if after is None else max(low, bisect_left(keys, (after[0], after[1] + 1)))
        last = first
        size = 0
        while last < high and last - first < limit:
            size += len(events[last].message.encode()) + EVENT_OVERHEAD
            if last > first and size > MAX_PAGE_BYTES:
                break
            last += 1
    else:
        last = high if after is None else min(high, max(low, bisect_left(keys, after)))
        first = last
        size = 0
        while first > low and last - first < limit:
            size += len(events[first - 1].message.encode()) + EVENT_OVERHEAD
            if first < last and size > MAX_PAGE_BYTES:
                break
            first -= 1
    page = events[first:last]
    if page:
        forward_token = _encode("f", keys[last - 1])
        backward_token = _encode("b", keys[first])
    elif forward:  # nothing more this way: the token passed in comes back
        here = after if after is not None else (start or 0, -1)
        forward_token = token or _encode("f", here)
        backward_token = _encode("b", (here[0], here[1] + 1))
    else:
        here = after if after is not None else (_FAR if end is None else end, -1)
        backward_token = token or _encode("b", here)
        forward_token = _encode("f", (start or 0, -1))
    body = {"events": [{"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time}
                       for e in page],
            "nextForwardToken": forward_token, "nextBackwardToken": backward_token}
    return Reply.json(body)


def _encode(direction: str, key: tuple[int, int]) -> str:
    """f/KEY: events after KEY; b/KEY: events before it. 56 digits, the length of AWS's tokens."""
    return f"{direction}/{key[0]:020d}{key[1] + 1:036d}"


def _decode(token: str, invalid) -> tuple[bool, tuple[int, int]]:
    found = _TOKEN.match(token)
    if found is None:
        raise invalid("The specified nextToken is invalid.")
    return found["direction"] == "f", (int(found["stamp"]), int(found["event"]) - 1)

