"""The sandbox's own CloudWatch metric store, because moto's cannot answer like CloudWatch.

moto 5.2.5 expands a datum with Values/Counts into one data point per value, matches dimensions in
the order they were written, lists one entry per data point, and has no percentiles. Here each
PutMetricData datum is kept as one compact sample (count, sum, min, max and, where CloudWatch can
compute percentiles from it, its distinct values with their counts), under a metric identity whose
dimensions are a set, as CloudWatch treats them.

Percentiles follow the PutMetricData reference: raw values and Values/Counts always support them;
a statistic set only when it describes identical values (SampleCount 1 with Min = Max = Sum, or
Min = Max with Sum = Min x SampleCount); and never when a value in the period is negative.

The store for an account and region hangs off moto's CloudWatch backend object, so moto's reset
(which replaces the backends) clears it too.
"""

from __future__ import annotations

import bisect
import math
import operator
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from console.sandbox.fidelity import cloudwatch_trimmed
from console.sandbox.fidelity.cloudwatch_wire import CloudWatchError, epoch, invalid

Dimensions = frozenset[tuple[str, str]]
MetricKey = tuple[str, str, Dimensions]  # namespace, metric name, dimensions

MAX_DATUMS = 1000
MAX_VALUES = 150
MAX_DIMENSIONS = 30
_PAST_LIMIT = 14 * 86_400  # PutMetricData accepts time stamps up to two weeks old ...
_FUTURE_LIMIT = 2 * 3_600  # ... and up to two hours ahead
_LARGEST = 2.0**360
_PERCENTILE = re.compile(r"^[pP](\d{1,3}(?:\.\d{1,2})?)$")
BASIC_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


@dataclass(frozen=True, slots=True)
class Sample:
    """One published datum, compact: its values (None: a statistic set without percentiles)."""

    timestamp: float
    unit: str
    count: float
    total: float
    low: float
    high: float
    values: tuple[float, ...] | None
    counts: tuple[float, ...] | None


@dataclass(slots=True)
class Metric:
    """A metric identity and its samples, in time order."""

    namespace: str
    name: str
    dimensions: list[dict[str, str]]  # as first published; the identity is their set
    stamps: list[float] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    published_at: float = 0.0  # wall clock of the last PutMetricData

    def add(self, sample: Sample) -> None:
        if not self.stamps or sample.timestamp >= self.stamps[-1]:
            self.stamps.append(sample.timestamp)
            self.samples.append(sample)
        else:
            at = bisect.bisect_right(self.stamps, sample.timestamp)
            self.stamps.insert(at, sample.timestamp)
            self.samples.insert(at, sample)

    def between(self, start: float, end: float) -> list[Sample]:
        """Samples with start <= timestamp < end."""
        return self.samples[bisect.bisect_left(self.stamps, start):bisect.bisect_left(self.stamps, end)]

    def describe(self) -> dict[str, Any]:
        return {"Namespace": self.namespace, "MetricName": self.name, "Dimensions": self.dimensions}


def dimension_set(dimensions: Iterable[dict[str, str]] | None) -> Dimensions:
    return frozenset((d["Name"], d["Value"]) for d in dimensions or ())


class Store:
    """Every metric of one account and region."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.metrics: dict[MetricKey, Metric] = {}
        self.clock: Callable[[], float] = time.time  # this region's now: PutMetricData's limits, alarm evaluation

    def __reduce__(self) -> tuple:
        """Pickled empty: the estate snapshot keeps no metrics (every start draws its history afresh)."""
        return Store, ()

    def put(self, namespace: str, datums: list[dict[str, Any]], *, drawn: bool = False) -> None:
        """PutMetricData: validate every datum first (the call is all or nothing), then store. `drawn`: the
        sandbox's own datums (its history), within bounds by construction, stored without the checks,
        which cost more than the storing."""
        if not namespace:
            raise CloudWatchError("MissingRequiredParameterException", "The parameter Namespace is required.")
        if len(datums) > MAX_DATUMS:
            raise invalid(f"The collection MetricData must not have a size greater than {MAX_DATUMS}.")
        now = self.clock()
        samples = [(datum, _drawn(datum) if drawn else _sample(datum, index, now))
                   for index, datum in enumerate(datums, 1)]
        with self.lock:
            for datum, sample in samples:
                metric = self._metric(namespace, datum)
                metric.add(sample)
                metric.published_at = now

    def find(self, namespace: str, name: str, dimensions: Iterable[dict[str, str]] | None) -> Metric | None:
        return self.metrics.get((namespace, name, dimension_set(dimensions)))

    def between(self, metric: Metric | None, start: float, end: float) -> list[Sample]:
        if metric is None:
            return []
        with self.lock:
            return metric.between(start, end)

    def listing(self) -> list[Metric]:
        with self.lock:
            return list(self.metrics.values())

    def _metric(self, namespace: str, datum: dict[str, Any]) -> Metric:
        dimensions = datum.get("Dimensions") or []
        key = (namespace, datum["MetricName"], dimension_set(dimensions))
        metric = self.metrics.get(key)
        if metric is None:
            dims = [{"Name": d["Name"], "Value": d["Value"]} for d in dimensions]
            metric = self.metrics[key] = Metric(namespace, datum["MetricName"], dims)
        return metric


def _sample(datum: dict[str, Any], index: int, now: float) -> Sample:
    """A validated datum as a Sample; `index` (from 1) names it in errors as CloudWatch does."""
    where = f"MetricData.member.{index}"
    if not datum.get("MetricName"):
        raise CloudWatchError("MissingRequiredParameterException", f"The parameter {where}.MetricName is required.")
    if len(datum.get("Dimensions") or ()) > MAX_DIMENSIONS:
        raise invalid(f"The collection {where}.Dimensions must not have a size greater than {MAX_DIMENSIONS}.")
    stamp = _timestamp(datum, where, now)
    unit = datum.get("Unit") or "None"
    given = [key for key in ("Value", "StatisticValues", "Values") if datum.get(key) is not None]
    if len(given) != 1:
        raise CloudWatchError("InvalidParameterCombinationException",
                              f"{where} must specify exactly one of Value, StatisticValues or Values.")
    if given[0] == "Value":
        value = _finite(datum["Value"], f"{where}.Value")
        return Sample(stamp, unit, 1.0, value, value, value, (value,), (1.0,))
    if given[0] == "StatisticValues":
        return _statistic_set(datum["StatisticValues"], stamp, unit, f"{where}.StatisticValues")
    return _histogram(datum["Values"], datum.get("Counts"), stamp, unit, where)


def _drawn(datum: dict[str, Any]) -> Sample:
    """A datum the sandbox drew itself as a Sample: one-minute Values with positive Counts, or a statistic set
    of distinct values."""
    stamp, unit = float(math.floor(epoch(datum["Timestamp"]) / 60) * 60), datum.get("Unit") or "None"
    if "StatisticValues" in datum:
        stats = datum["StatisticValues"]
        return Sample(stamp, unit, float(stats["SampleCount"]), float(stats["Sum"]), float(stats["Minimum"]),
                      float(stats["Maximum"]), None, None)
    values, counts = tuple(datum["Values"]), tuple(datum["Counts"])
    return Sample(stamp, unit, math.fsum(counts), math.fsum(map(operator.mul, values, counts)), min(values),
                  max(values), values, counts)


def _timestamp(datum: dict[str, Any], where: str, now: float) -> float:
    """The datum's time, truncated to its storage resolution (a minute unless it is 1 s)."""
    stamp = epoch(datum["Timestamp"]) if datum.get("Timestamp") is not None else now
    if not now - _PAST_LIMIT <= stamp <= now + _FUTURE_LIMIT:
        raise invalid(f"The parameter {where}.Timestamp must specify a time no more than two weeks in the past "
                      "and no more than two hours in the future.")
    resolution = 1 if datum.get("StorageResolution") == 1 else 60
    return float(math.floor(stamp / resolution) * resolution)


def _statistic_set(stats: dict[str, Any], stamp: float, unit: str, where: str) -> Sample:
    count, total = _finite(stats.get("SampleCount"), f"{where}.SampleCount"), _finite(stats.get("Sum"), f"{where}.Sum")
    low, high = _finite(stats.get("Minimum"), f"{where}.Minimum"), _finite(stats.get("Maximum"), f"{where}.Maximum")
    if count <= 0 or low > high:
        raise invalid(f"The parameter {where} must have SampleCount > 0 and Minimum <= Maximum.")
    identical = low == high and math.isclose(total, low * count, rel_tol=1e-9, abs_tol=1e-9)
    values = ((low,), (count,)) if identical else (None, None)
    return Sample(stamp, unit, count, total, low, high, *values)


def _histogram(values: list[Any], counts: list[Any] | None, stamp: float, unit: str, where: str) -> Sample:
    if not values or len(values) > MAX_VALUES:
        raise invalid(f"The collection {where}.Values must have between 1 and {MAX_VALUES} values.")
    if counts is not None and len(counts) != len(values):
        raise invalid(f"The parameters {where}.Values and {where}.Counts must be arrays of the same size.")
    numbers = _finite_all(values, f"{where}.Values")
    weights = _finite_all(counts, f"{where}.Counts") if counts is not None else (1.0,) * len(numbers)
    if min(weights) < 0 or not any(weights):
        raise invalid(f"The collection {where}.Counts must hold non-negative counts, not all zero.")
    if 0.0 in weights:
        kept = [(v, w) for v, w in zip(numbers, weights, strict=True) if w > 0]
        numbers, weights = tuple(v for v, _ in kept), tuple(w for _, w in kept)
    return Sample(stamp, unit, math.fsum(weights), math.fsum(map(operator.mul, numbers, weights)),
                  min(numbers), max(numbers), numbers, weights)


def _finite(value: Any, where: str) -> float:
    if value is None:
        raise CloudWatchError("MissingRequiredParameterException", f"The parameter {where} is required.")
    return _finite_all((value,), where)[0]


def _finite_all(values: Iterable[Any], where: str) -> tuple[float, ...]:
    """The values as floats, each within CloudWatch's range (+-2^360, no NaN or infinity)."""
    try:
        numbers = tuple(map(float, values))
    except (TypeError, ValueError) as exc:
        raise invalid(f"The parameter {where} must hold numbers.") from exc
    if not all(-_LARGEST <= n <= _LARGEST for n in numbers):  # NaN fails every comparison
        raise invalid(f"The parameter {where} holds a value outside -2^360 .. 2^360 (or NaN, Infinity).")
    return numbers


# --- Statistics --------------------------------------------------------------------------------


def is_percentile(stat: str) -> bool:
    found = _PERCENTILE.match(stat or "")
    return bool(found) and float(found[1]) <= 100


def is_extended(stat: str) -> bool:
    """A percentile or a ranged statistic (TM, WM, TC, TS, PR, IQM): what ExtendedStatistics takes."""
    return is_percentile(stat) or cloudwatch_trimmed.parse(stat) is not None


def check_statistic(stat: str, where: str) -> None:
    """A statistic the sandbox computes: the five basic ones, percentiles p0 .. p100 and the ranged
    statistics (cloudwatch_trimmed)."""
    if stat in BASIC_STATISTICS or is_extended(stat):
        return
    raise CloudWatchError("InvalidParameterValueException",
                          f"The value {stat} for parameter {where} is not a statistic the sandbox computes "
                          f"({', '.join(BASIC_STATISTICS)}, a percentile such as p99, or TM, WM, TC, TS, PR "
                          f"such as tm90 or TM(10%:90%), or IQM).")


def statistic(samples: list[Sample], stat: str) -> float | None:
    """`stat` over `samples` (None: no value, as for a percentile CloudWatch cannot compute)."""
    if not samples:
        return None
    if stat == "SampleCount":
        return sum(s.count for s in samples)
    if stat == "Sum":
        return sum(s.total for s in samples)
    if stat == "Average":
        return sum(s.total for s in samples) / sum(s.count for s in samples)
    if stat == "Minimum":
        return min(s.low for s in samples)
    if stat == "Maximum":
        return max(s.high for s in samples)
    ranged = cloudwatch_trimmed.parse(stat)
    if ranged is not None:
        if any(s.values is None for s in samples):
            return None  # a statistic set without its values: no distribution to rank
        return cloudwatch_trimmed.compute(ranged, [pair for s in samples for pair in zip(s.values, s.counts,
                                                                                         strict=True)])
    return percentile(samples, float(stat[1:]))


def percentile(samples: list[Sample], rank: float) -> float | None:
    """The weighted nearest-rank percentile: the least value with at least `rank`% of the counts at or below it."""
    if any(s.values is None or s.low < 0 for s in samples):
        return None
    pairs = sorted((v, c) for s in samples for v, c in zip(s.values, s.counts, strict=True))
    target = rank / 100 * sum(c for _, c in pairs) * (1 - 1e-12)  # 99.9% of 1000 is 999, not 999.0000000000001
    seen = 0.0
    for value, count in pairs:
        seen += count
        if seen >= target:
            return value
    return pairs[-1][0]


def buckets(samples: list[Sample], start: float, period: int, unit: str | None) -> dict[float, list[Sample]]:
    """Samples grouped by period, each period named by its start (start + k * period)."""
    grouped: dict[float, list[Sample]] = {}
    for sample in samples:
        if unit is None or sample.unit == unit:
            grouped.setdefault(start + (sample.timestamp - start) // period * period, []).append(sample)
    return grouped


def rounded_start(start: float, period: int, now: float) -> float:
    """StartTime as CloudWatch rounds it: by its age (1 min, 5 min, 1 h), or to 5/10/20/30 s periods."""
    if period < 60:
        return start // period * period
    age = now - start
    step = 60 if age < 15 * 86_400 else 300 if age < 63 * 86_400 else 3_600
    return start // step * step


def check_period(period: Any, where: str) -> int:
    """A period CloudWatch accepts: 1, 5, 10, 20, 30 or a multiple of 60 seconds."""
    if isinstance(period, (int, float)) and period == int(period) and (
            int(period) in (1, 5, 10, 20, 30) or (period >= 60 and int(period) % 60 == 0)):
        return int(period)
    raise invalid(f"The parameter {where} must be 1, 5, 10, 20, 30 or a multiple of 60.")
