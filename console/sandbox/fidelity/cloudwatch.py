"""CloudWatch metrics that answer like CloudWatch: the sandbox takes over the four metric calls.

moto 5.2.5 crashes on percentile statistics, answers metric math with nothing, matches dimensions
by list order, stores a Values/Counts datum as separate points and lists one metric per data point.
PutMetricData, GetMetricData, GetMetricStatistics and ListMetrics therefore share the sandbox's
own store (cloudwatch_store), so all four agree. Metric alarms are evaluated against that store
(cloudwatch_alarms); every other CloudWatch call (dashboards, tags) still goes to moto. Each call
is answered in the protocol it came in (cloudwatch_wire), errors too.
"""

from __future__ import annotations

import base64
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from console.sandbox import moto_seam
from console.sandbox.fidelity import cloudwatch_alarms
from console.sandbox.fidelity.cloudwatch_math import (
    Series,
    Value,
    evaluate,
    invalid_expression,
)
from console.sandbox.fidelity.cloudwatch_store import (
    BASIC_STATISTICS,
    Store,
    buckets,
    check_period,
    check_statistic,
    is_extended,
    rounded_start,
    statistic,
)
from console.sandbox.fidelity.cloudwatch_wire import (
    CloudWatchError,
    epoch,
    invalid,
    wire_for,
)
from console.sandbox.router import Call, Reply, Router

log = logging.getLogger("apigw-console.sandbox")

_STORE = "apigw_console_metric_store"  # attribute of moto's backend: moto's reset drops it
_store_lock = threading.Lock()
_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")
MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800
MAX_STATISTICS_DATAPOINTS = 1_440
LIST_PAGE = 500
_LISTED_FOR = 14 * 86_400  # ListMetrics omits metrics without data in the past two weeks
_RECENT = 3 * 3_600  # RecentlyActive=PT3H


def register(router: Router) -> None:
    """CloudWatch is served at POST / (JSON, query) and per operation path (rpc-v2-cbor)."""
    router.route("monitoring", "POST", "/")(handle)
    router.route("monitoring", "POST", r"/service/GraniteServiceVersion20100801/operation/(?P<operation>\w+)")(handle)


def handle(call: Call, operation: str | None = None) -> Reply:
    """Answer the metric and alarm calls from the sandbox's store and alarm book, pass the rest to moto,
    in the call's protocol."""
    wire = wire_for(call, operation)
    handler = _OPERATIONS.get(wire.operation)
    alarm_handler = cloudwatch_alarms.OPERATIONS.get(wire.operation)
    try:
        if handler:
            return wire.reply(handler(store_for(call.account, call.region), wire.params()))
        if alarm_handler:
            store = store_for(call.account, call.region)
            context = cloudwatch_alarms.Context(
                book=cloudwatch_alarms.book_for(call.account, call.region), store=store,
                arn_prefix=f"arn:aws:cloudwatch:{call.region}:{call.account}:alarm:", forward=wire.forward,
                reply=wire.reply, now=store.clock())
            return alarm_handler(context, wire.params())
        return wire.forward()
    except CloudWatchError as error:
        return wire.error(error)
    except Exception as exc:  # a sandbox bug must still look like a CloudWatch failure
        log.exception("CloudWatch %s failed", wire.operation)
        return wire.error(CloudWatchError("InternalServiceFault", f"The sandbox failed on this request: {exc}"))


def store_for(account: str, region: str) -> Store:
    """The metric store of an account and region, kept on moto's CloudWatch backend."""
    backend = moto_seam.backend("cloudwatch", account, region)
    found = vars(backend).get(_STORE)
    if found is None:
        with _store_lock:
            found = vars(backend).setdefault(_STORE, Store())
    return found


# --- PutMetricData -------------------------------------------------------------------------------


def put_metric_data(metrics: Store, params: dict[str, Any]) -> None:
    datums = list(params.get("MetricData") or [])
    for entity in params.get("EntityMetricData") or []:
        datums += entity.get("MetricData") or []
    metrics.put(params.get("Namespace") or "", datums)


# --- GetMetricData -------------------------------------------------------------------------------


def get_metric_data(metrics: Store, params: dict[str, Any]) -> dict[str, Any]:
    """Statistics and math for each query; ReturnData honoured; newest first unless asked otherwise."""
    queries = _checked_queries(params.get("MetricDataQueries") or [])
    start, end = _time_range(params)
    descending = _scan_by(params.get("ScanBy")) == "TimestampDescending"
    now = time.time()
    stats = {q["Id"]: _metric_stat(metrics, q, index, start, end, now)
             for index, q in enumerate(queries, 1) if "MetricStat" in q}
    values = _evaluator(queries, stats, lambda period: _timeline(start, end, period, now))
    results = [result for q in queries if q.get("ReturnData", True)
               for result in _results(q, values(q["Id"]), descending)]
    if any("Expression" in q for q in queries):
        return {"MetricDataResults": results, "Messages": []}
    return _page(results, params)


def _checked_queries(queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not 1 <= len(queries) <= MAX_QUERIES:
        raise _validation(f"MetricDataQueries must hold between 1 and {MAX_QUERIES} queries.")
    seen: set[str] = set()
    for index, query in enumerate(queries, 1):
        query_id = query.get("Id") or ""
        if not _ID.match(query_id) or query_id in seen:
            raise _validation(f"The value {query_id!r} for parameter MetricDataQueries.member.{index}.Id is not "
                              "valid: Ids are unique, start with a lower-case letter and hold letters, digits, _.")
        if ("MetricStat" in query) == ("Expression" in query):
            raise _validation(f"MetricDataQueries.member.{index} must have exactly one of MetricStat or Expression.")
        seen.add(query_id)
    return queries


def _time_range(params: dict[str, Any]) -> tuple[float, float]:
    for name in ("StartTime", "EndTime"):
        if params.get(name) is None:
            raise CloudWatchError("MissingRequiredParameterException", f"The parameter {name} is required.")
    start, end = epoch(params["StartTime"]), epoch(params["EndTime"])
    if start >= end:
        raise _validation("The parameter StartTime must be less than the parameter EndTime.")
    return start, end


def _scan_by(scan_by: str | None) -> str:
    if scan_by in (None, "TimestampDescending", "TimestampAscending"):
        return scan_by or "TimestampDescending"
    raise _validation(f"The value {scan_by} for parameter ScanBy is not TimestampDescending or TimestampAscending.")


def _metric_stat(metrics: Store, query: dict[str, Any], index: int, start: float, end: float,
                 now: float) -> Series:
    """One MetricStat query: its statistic per period, by the period's start."""
    spec, where = query["MetricStat"], f"MetricDataQueries.member.{index}.MetricStat"
    metric = spec.get("Metric") or {}
    period = check_period(spec.get("Period"), f"{where}.Period")
    check_statistic(spec.get("Stat"), f"{where}.Stat")
    first = rounded_start(start, period, now)
    found = metrics.find(metric.get("Namespace"), metric.get("MetricName"), metric.get("Dimensions"))
    grouped = buckets(metrics.between(found, first, end), first, period, spec.get("Unit"))
    points = {stamp: value for stamp, group in grouped.items()
              if (value := statistic(group, spec["Stat"])) is not None}
    return Series(points, query.get("Label") or metric.get("MetricName") or query["Id"], period)


def _timeline(start: float, end: float, period: int, now: float) -> list[float]:
    """The starts of the request's periods, as its MetricStat queries bucket them (FILL's gaps)."""
    first = rounded_start(start, period, now)
    return [first + k * period for k in range(max(0, math.ceil((end - first) / period)))]


def _evaluator(queries: list[dict[str, Any]], stats: dict[str, Series],
               timeline: Callable[[int], list[float]]) -> Callable[[str], Value]:
    """Each query's value by Id: its metric's series, or its expression evaluated once (no cycles)."""
    expressions = {q["Id"]: q for q in queries if "Expression" in q}
    done: dict[str, Value] = dict(stats)
    pending: set[str] = set()

    def value(query_id: str) -> Value:
        if query_id in done:
            return done[query_id]
        if query_id not in expressions or query_id in pending:
            raise _validation(f"{query_id} in an expression is neither the Id of another query nor free of "
                              "a circular reference to itself.")
        pending.add(query_id)
        query = expressions[query_id]
        done[query_id] = evaluate(query_id, query["Expression"], value, metrics_containing, timeline)
        pending.discard(query_id)
        return done[query_id]

    def metrics_containing(text: str) -> list[Series]:
        return [series for query_id, series in stats.items() if text in query_id]

    return value


def _results(query: dict[str, Any], value: Value, descending: bool) -> list[dict[str, Any]]:
    """MetricDataResults of one query: one per time series (an array gives several, same Id)."""
    if isinstance(value, float):
        raise invalid_expression(query["Id"], "the result must be a time series or an array of time series, "
                                              "not a single number")
    label = query.get("Label")
    if isinstance(value, Series):
        return [_result(query["Id"], label or value.label or query["Id"], value, descending)]
    return [_result(query["Id"], f"{label or ''} {series.label}".strip(), series, descending) for series in value]


def _result(query_id: str, label: str, series: Series, descending: bool) -> dict[str, Any]:
    stamps = sorted(series.points, reverse=descending)
    return {"Id": query_id, "Label": label, "Timestamps": stamps,
            "Values": [series.points[t] for t in stamps], "StatusCode": "Complete", "Messages": []}


def _page(results: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """MaxDatapoints across the results; NextToken carries on where this page stopped."""
    limit = params.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS
    offset = _offset(params.get("NextToken"))
    total = sum(len(r["Values"]) for r in results)
    skip, room = offset, limit
    for result in results:
        count = len(result["Values"])
        taken = max(0, min(count - skip, room))
        kept = slice(min(skip, count), min(skip, count) + taken)
        if skip + taken < count:
            result["StatusCode"] = "PartialData"
        result["Timestamps"], result["Values"] = result["Timestamps"][kept], result["Values"][kept]
        skip, room = max(0, skip - count), room - taken
    page: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
    if offset + limit < total:
        page["NextToken"] = _token(offset + limit)
    return page


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"sandbox:{offset}".encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix == "sandbox" and offset.isdigit():
            return int(offset)
    except ValueError:
        pass
    raise CloudWatchError("InvalidNextToken", "The NextToken is not valid.")


def _validation(message: str) -> CloudWatchError:
    return CloudWatchError("ValidationException", message)


# --- GetMetricStatistics -------------------------------------------------------------------------


def get_metric_statistics(metrics: Store, params: dict[str, Any]) -> dict[str, Any]:
    """Datapoints per period with the asked statistics, or the asked percentiles (not both)."""
    basic, extended = params.get("Statistics") or [], params.get("ExtendedStatistics") or []
    if bool(basic) == bool(extended):
        raise CloudWatchError("InvalidParameterCombinationException",
                              "Exactly one of the parameters Statistics or ExtendedStatistics must be specified.")
    for index, stat in enumerate(basic, 1):
        if stat not in BASIC_STATISTICS:
            raise invalid(f"The value {stat} for parameter Statistics.member.{index} is not a valid statistic.")
    for index, stat in enumerate(extended, 1):
        if not is_extended(stat):
            raise invalid(f"The value {stat} for parameter ExtendedStatistics.member.{index} is not a percentile "
                          "or a ranged statistic (TM, WM, TC, TS, PR, IQM).")
    start, end = _time_range(params)
    period = check_period(params.get("Period"), "Period")
    first = rounded_start(start, period, time.time())
    if (end - first) / period > MAX_STATISTICS_DATAPOINTS:
        raise CloudWatchError("InvalidParameterCombinationException",
                              f"You have requested up to {int((end - first) // period)} datapoints, which exceeds "
                              f"the limit of {MAX_STATISTICS_DATAPOINTS}.")
    found = metrics.find(params.get("Namespace"), params.get("MetricName"), params.get("Dimensions"))
    grouped = buckets(metrics.between(found, first, end), first, period, params.get("Unit"))
    return {"Label": params.get("MetricName"),
            "Datapoints": [_datapoint(stamp, grouped[stamp], basic, extended) for stamp in sorted(grouped)]}


def _datapoint(stamp: float, samples: list, basic: list[str], extended: list[str]) -> dict[str, Any]:
    point: dict[str, Any] = {"Timestamp": stamp, "Unit": samples[0].unit}
    point.update((stat, statistic(samples, stat)) for stat in basic)
    if extended:
        point["ExtendedStatistics"] = {stat: value for stat in extended
                                       if (value := statistic(samples, stat)) is not None}
    return point


# --- ListMetrics ---------------------------------------------------------------------------------


def list_metrics(metrics: Store, params: dict[str, Any]) -> dict[str, Any]:
    """Each metric identity once, filtered as documented, 500 a page."""
    recently = params.get("RecentlyActive")
    if recently not in (None, "PT3H"):
        raise invalid(f"The value {recently} for parameter RecentlyActive is not valid: PT3H is the only one.")
    since = time.time() - (_RECENT if recently else _LISTED_FOR)
    wanted = [m for m in metrics.listing() if m.published_at >= since and _listed(m, params)]
    offset = _offset(params.get("NextToken"))
    page: dict[str, Any] = {"Metrics": [m.describe() for m in wanted[offset:offset + LIST_PAGE]]}
    if offset + LIST_PAGE < len(wanted):
        page["NextToken"] = _token(offset + LIST_PAGE)
    return page


def _listed(metric, params: dict[str, Any]) -> bool:
    if params.get("Namespace") not in (None, metric.namespace):
        return False
    if params.get("MetricName") not in (None, metric.name):
        return False
    have = {(d["Name"], d["Value"]) for d in metric.dimensions}
    names = {name for name, _ in have}
    return all((f["Name"], f["Value"]) in have if f.get("Value") is not None else f["Name"] in names
               for f in params.get("Dimensions") or [])


_OPERATIONS: dict[str, Callable[[Store, dict[str, Any]], Any]] = {
    "PutMetricData": put_metric_data,
    "GetMetricData": get_metric_data,
    "GetMetricStatistics": get_metric_statistics,
    "ListMetrics": list_metrics,
}
