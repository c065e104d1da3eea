"""Rolling aggregates of access-log lines: what the live charts and the top-routes table draw.

CloudWatch metrics arrive a minute or more late; these come from the lines as they are tailed.
Lines are counted by the second they were written (not when they arrived, so a backfilled gap
lands where it belongs) into a ring of one-second slots covering the window: status-class counts
and a latency histogram on 4% steps, so p50/p90/p99 stay within a few percent at any rate and
memory stays fixed. Routes, and the causes of 4xx ($context.error.responseType), are kept per minute
(the top-routes table and the 4xx causes look at minutes, not seconds). Adding a line costs about a microsecond; nothing grows with the number of lines.

A percentile from log lines is only as good as the lines under it: `enough()` is the one rule (the
live charts, the top routes and the canary comparison use it) — below it a view shows the count of
lines, not a percentile, and where one is shown it says how many lines it comes from.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from console.logs.access_log import Facts

CLASSES = ("2xx", "3xx", "4xx", "5xx")
_STEP = math.log(1.04)
MIN_LINES = 30  # fewer lines: a count, no percentile (nor a share)


def min_lines(rank: float) -> int:
    """Lines a percentile needs: MIN_LINES, and enough that at least one line lies above it (p99: 100),
    so that it is not simply the slowest line or two."""
    return max(MIN_LINES, math.ceil(100 / (100 - rank) - 1e-9))


def enough(lines: int, rank: float) -> bool:
    return lines >= min_lines(rank)


def nearest_rank(ordered: Sequence[float], p: float) -> float:
    """The p-th percentile of sorted values by nearest rank: the smallest value with at least p% of the
    values at or below it."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _value(bin_index: int) -> float:
    return math.exp((bin_index + 0.5) * _STEP) if bin_index else 0.5


def percentiles(histogram: dict[int, int], ranks: Iterable[float]) -> list[float | None]:
    """Nearest-rank percentiles of a latency histogram (None when it is empty)."""
    ranks = list(ranks)
    total = sum(histogram.values())
    if not total:
        return [None] * len(ranks)
    answers: list[float | None] = []
    items = sorted(histogram.items())
    for rank in ranks:
        need = max(1, math.ceil(total * rank / 100))
        seen = 0
        for index, count in items:
            seen += count
            if seen >= need:
                answers.append(_value(index))
                break
    return answers


class _Slot:
    __slots__ = ("second", "counts", "latency")

    def __init__(self, second: int):
        self.second = second
        self.counts = [0, 0, 0, 0]  # 2xx 3xx 4xx 5xx
        self.latency: dict[int, int] = {}


class _RouteMinute:
    __slots__ = ("minute", "routes", "causes")

    def __init__(self, minute: int):
        self.minute = minute
        self.routes: dict[str, list] = {}  # route -> [count, 5xx, latency histogram]
        self.causes: dict[str | None, int] = {}  # a 4xx's gateway response type (None: none logged) -> lines


@dataclass(frozen=True)
class Point:
    """One step of the charts: its start (epoch s), counts by class, and latency percentiles of its
    `timed` lines (those with a latency); a percentile is None below `enough` lines."""

    start: int
    counts: tuple[int, int, int, int]
    p50: float | None
    p90: float | None
    p99: float | None
    timed: int = 0


@dataclass(frozen=True)
class RouteStat:
    route: str
    count: int
    errors5: int
    p99: float | None  # None below `enough` timed lines
    timed: int = 0  # lines with a latency: what the p99 comes from

    @property
    def error_rate(self) -> float:
        return 100.0 * self.errors5 / self.count if self.count else 0.0


class Rollup:
    """The last `window` seconds of lines, by second (and by minute for routes)."""

    def __init__(self, window: int = 900):
        self.window = window
        self._slots: list[_Slot | None] = [None] * window
        self._minutes: list[_RouteMinute | None] = [None] * (window // 60 + 1)
        self.newest = 0  # epoch second of the newest line
        self.lines = 0

    def add(self, facts: Facts | None, timestamp_ms: int) -> None:
        second = timestamp_ms // 1000
        if second > self.newest:
            self.newest = second
        elif second <= self.newest - self.window:
            return  # older than the window
        self.lines += 1
        if facts is None:
            return
        slot = self._slots[second % self.window]
        if slot is None or slot.second != second:
            slot = self._slots[second % self.window] = _Slot(second)
        status = facts.status
        if status is not None and 200 <= status < 600:
            slot.counts[status // 100 - 2] += 1
        latency = facts.latency_ms
        bin_index = -1
        if latency is not None:
            bin_index = int(math.log(latency) / _STEP) if latency >= 1 else 0
            histogram = slot.latency
            histogram[bin_index] = histogram.get(bin_index, 0) + 1
        route = facts.route
        client_error = status is not None and 400 <= status < 500
        if route is not None or client_error:
            minute = second // 60
            ring = self._minutes
            holder = ring[minute % len(ring)]
            if holder is None or holder.minute != minute:
                holder = ring[minute % len(ring)] = _RouteMinute(minute)
            if client_error:
                holder.causes[facts.cause] = holder.causes.get(facts.cause, 0) + 1
            if route is None:
                return
            stats = holder.routes.get(route)
            if stats is None:
                stats = holder.routes[route] = [0, 0, {}]
            stats[0] += 1
            if status is not None and status >= 500:
                stats[1] += 1
            if bin_index >= 0:
                stats[2][bin_index] = stats[2].get(bin_index, 0) + 1

    def add_lines(self, lines: Iterable) -> None:
        """Add tailed lines (anything with `facts` and `timestamp`)."""
        add = self.add
        for line in lines:
            add(line.facts, line.timestamp)

    def points(self, now: int, span: int, step: int) -> list[Point]:
        """Chart points for the `span` seconds up to `now` (epoch s), `step` seconds each, oldest first."""
        span = min(span, self.window)
        first = (now - span) // step * step + step
        return [self.point(start, step) for start in range(first, now + 1, step)]

    def point(self, start: int, seconds: int) -> Point:
        """The lines of the `seconds` from `start` (epoch s) as one point."""
        counts = [0, 0, 0, 0]
        histogram: dict[int, int] = {}
        for second in range(start, start + min(seconds, self.window)):
            slot = self._slots[second % self.window]
            if slot is None or slot.second != second:
                continue
            for i, n in enumerate(slot.counts):
                counts[i] += n
            for index, n in slot.latency.items():
                histogram[index] = histogram.get(index, 0) + n
        timed = sum(histogram.values())
        p50, p90, p99 = (value if enough(timed, rank) else None
                         for rank, value in zip((50, 90, 99), percentiles(histogram, (50, 90, 99)), strict=True))
        return Point(start, tuple(counts), p50, p90, p99, timed)  # type: ignore[arg-type]

    def causes(self, now: int, span: int) -> list[tuple[str | None, int]]:
        """The 4xx lines of the last `span` seconds (whole minutes) by cause, the most frequent first;
        None counts the 4xx whose line names no gateway response (the backend's own, or not logged)."""
        since = (now - span) // 60
        merged: dict[str | None, int] = {}
        for holder in self._minutes:
            if holder is not None and since < holder.minute <= now // 60:
                for cause, count in holder.causes.items():
                    merged[cause] = merged.get(cause, 0) + count
        return sorted(merged.items(), key=lambda item: (-item[1], item[0] or ""))

    def routes(self, now: int, span: int) -> list[RouteStat]:
        """Every route seen in the last `span` seconds (whole minutes)."""
        since = (now - span) // 60
        merged: dict[str, list] = {}
        for holder in self._minutes:
            if holder is None or not since < holder.minute <= now // 60:
                continue
            for route, (count, errors, histogram) in holder.routes.items():
                into = merged.setdefault(route, [0, 0, {}])
                into[0] += count
                into[1] += errors
                for index, n in histogram.items():
                    into[2][index] = into[2].get(index, 0) + n
        stats = []
        for route, (count, errors, histogram) in merged.items():
            timed = sum(histogram.values())
            p99 = percentiles(histogram, (99,))[0] if enough(timed, 99) else None
            stats.append(RouteStat(route, count, errors, p99, timed))
        return stats

    def top_routes(self, now: int, span: int, by: str = "5xx", limit: int = 5) -> list[RouteStat]:
        """The worst routes: by 5xx count (then rate), or by p99 (of the routes with enough lines for one)."""
        stats = self.routes(now, span)
        if by == "5xx":
            stats = [s for s in stats if s.errors5]
            stats.sort(key=lambda s: (s.errors5, s.error_rate), reverse=True)
        else:
            stats = [s for s in stats if s.p99 is not None]
            stats.sort(key=lambda s: s.p99 or 0.0, reverse=True)
        return stats[:limit]
