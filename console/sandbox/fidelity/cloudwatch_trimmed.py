"""CloudWatch's ranged statistics, as the User Guide's "CloudWatch statistics definitions" gives them:
trimmed mean (TM), winsorized mean (WM), trimmed count (TC), trimmed sum (TS), percentile rank (PR)
and the interquartile mean (IQM = TM(25%:75%)).

A range is `X(low:high)`, either bound optional, each a percentage (`10%`) or an absolute value
(`150`); the shorthand `tm90` is `TM(:90%)` (likewise wm, tc, ts). PR takes absolute values only.
As documented, the lower bound is exclusive and the upper inclusive: TM(150:1000) keeps the values
v with 150 < v <= 1000, TM(2%:98%) drops the lowest 2% and the highest 2% of the data points.

The data points are counted by rank (a Values/Counts datum is as many points as its counts say):
a percentage bound is that share of the count, an absolute bound the count at or below it, so both
kinds cut the sorted points at one rank. WM treats the points below the range as the lowest value
kept and those above as the highest value kept, then averages all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SHORT = re.compile(r"^(?P<kind>tm|wm|tc|ts)(?P<high>\d{1,3}(?:\.\d{1,10})?)$", re.IGNORECASE)
_RANGED = re.compile(r"^(?P<kind>TM|WM|TC|TS|PR)\((?P<low>[^:()]*):(?P<high>[^:()]*)\)$", re.IGNORECASE)
_BOUND = re.compile(r"^(?P<number>\d+(?:\.\d{1,10})?)(?P<percent>%?)$")

Bound = tuple[float, bool]  # (number, is a percentage)


@dataclass(frozen=True)
class Ranged:
    kind: str  # TM, WM, TC, TS or PR
    low: Bound | None
    high: Bound | None


def parse(stat: str) -> Ranged | None:
    """The ranged statistic `stat` names, or None if it names none (or an impossible range)."""
    if (stat or "").upper() == "IQM":
        return Ranged("TM", (25.0, True), (75.0, True))
    found = _SHORT.match(stat or "")
    if found:
        high = float(found["high"])
        return Ranged(found["kind"].upper(), None, (high, True)) if high <= 100 else None
    found = _RANGED.match(stat or "")
    if not found:
        return None
    kind = found["kind"].upper()
    low, high = _bound(found["low"]), _bound(found["high"])
    if low is False or high is False or (low is None and high is None):
        return None
    bounds = [b for b in (low, high) if b is not None]
    if any(percent and number > 100 for number, percent in bounds) or (kind == "PR" and any(p for _, p in bounds)):
        return None
    if low is not None and high is not None and low[1] == high[1] and low[0] > high[0]:
        return None
    return Ranged(kind, low, high)


def _bound(text: str) -> Bound | None | bool:
    """A bound; None when absent, False when malformed."""
    if not text.strip():
        return None
    found = _BOUND.match(text.strip())
    return (float(found["number"]), bool(found["percent"])) if found else False


def compute(ranged: Ranged, pairs: list[tuple[float, float]]) -> float | None:
    """The statistic over (value, count) pairs; None where it has no value (nothing in range)."""
    pairs = sorted(pairs)
    total = sum(count for _, count in pairs)
    if total <= 0:
        return None
    low = _rank(ranged.low, pairs, total, 0.0)
    high = max(low, _rank(ranged.high, pairs, total, total))
    kept, seen = [], 0.0
    for value, count in pairs:
        weight = min(seen + count, high) - max(seen, low)
        if weight > 1e-9:
            kept.append((value, weight))
        seen += count
    weights = sum(weight for _, weight in kept)
    if ranged.kind == "PR":
        return 100.0 * weights / total
    if ranged.kind == "TC":
        return weights
    if not kept:
        return None
    inside = sum(value * weight for value, weight in kept)
    if ranged.kind == "TS":
        return inside
    if ranged.kind == "TM":
        return inside / weights
    return (inside + low * kept[0][0] + (total - high) * kept[-1][0]) / total  # WM


def _rank(bound: Bound | None, pairs: list[tuple[float, float]], total: float, absent: float) -> float:
    """The rank (points at or below) a bound cuts the sorted points at."""
    if bound is None:
        return absent
    number, percent = bound
    if percent:
        return round(number / 100 * total, 9)
    return sum(count for value, count in pairs if value <= number)
