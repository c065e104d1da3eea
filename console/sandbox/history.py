"""The sandbox's past: three hours of CloudWatch metrics for a seeded region, and the access-log lines
of the last hour's requests.

A console opened on a fresh sandbox should have something to chart and tail at once, so every start
writes a history drawn from each stage's traffic profile (estate_types.Traffic) with a seeded
`random.Random`: per-minute metrics under API Gateway's real names and dimensions, shaped like an
afternoon's load, by stage and, where the stage has detailed metrics, by method (route) too, each
minute's requests shared among the methods so that theirs add up to the stage's exactly; and for each
request they count in the last LOGGED_MINUTES its log line in the stage's own access-log format (the
same numbers of 4xx, 5xx and timeouts, method by method), so that figures counted from the logs and
from CloudWatch agree, in the history as in the live minutes. Older minutes are in
the metrics only. The live traffic
generator (traffic/runner.py) draws its requests with the same functions, so past and present agree.

History is written straight into the sandbox's stores (moto's Logs backend, the CloudWatch store
of the fidelity layer) rather than through PutLogEvents and PutMetricData: it is the sandbox
filling in its own past, in its own process, and skipping the wire makes it a few times cheaper.
A start only promises it (PENDING), so the endpoint answers at once; `apigw-console sandbox` then writes
it in the background, and any Logs or CloudWatch request that arrives first waits for it (an in-process
sandbox writes it on that first request), so no reader sees part of it.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import random
import re
import threading
from collections.abc import Callable, Iterator
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from console.sandbox import moto_seam
from console.sandbox.callers import CLIENT_IPS, user_agent
from console.sandbox.estate_types import Ids, RegionEstate, RestApi, RestStage, Traffic, V2Api, V2Stage

WINDOW_MINUTES = 180  # how far back the history reaches
# The recent hour's requests each have their access-log line; older minutes are in the metrics only
# (a log line stands for one request: a sample would make every figure counted from logs jump at the
# start, where the live traffic logs every request).
LOGGED_MINUTES = 60
NAMESPACE = "AWS/ApiGateway"

# --- Inventory: what the traffic looks like -------------------------------------------------

PATH_PARAM_PREFIXES = {"orderId": "ord_", "paymentId": "pay_", "sku": "SKU-",
                       "categoryId": "cat_", "id": "prd_", "cartId": "cart_"}
# (status, weight, gateway's error message or None when the backend answered)
CLIENT_ERRORS = ((400, 30, None), (403, 15, "Forbidden"), (404, 35, None), (409, 5, None),
                 (429, 15, "Too Many Requests"))
SERVER_ERRORS = ((500, 25, None), (502, 30, "Internal server error"), (503, 15, None),
                 (504, 30, "Endpoint request timed out"))
SUCCESS_STATUS = {"POST": 201, "DELETE": 204}
LATENCY_SPREAD = 0.55  # sigma of the log-normal integration latency
RESPONSE_BYTES = 1400  # median response size
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# AWS/ApiGateway metric name -> the per-minute data it carries (see `_per_minute`).
REST_METRICS = {"Count": "requests", "4XXError": "4xx", "5XXError": "5xx", "Latency": "latency",
                "IntegrationLatency": "integration_latency"}
REST_CACHE_METRICS = {"CacheHitCount": "cache_hits", "CacheMissCount": "cache_misses"}
HTTP_METRICS = {"Count": "requests", "4xx": "4xx", "5xx": "5xx", "Latency": "latency",
                "IntegrationLatency": "integration_latency", "DataProcessed": "bytes"}
METRIC_UNITS = {"Latency": "Milliseconds", "IntegrationLatency": "Milliseconds",
                "DataProcessed": "Bytes"}



# --- A region's history -----------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """A region's past: access-log events per log group and stream, and metric datums."""

    region: str
    logs: list[tuple[str, str, list[dict[str, Any]]]]  # group, stream, events in time order
    datums: list[dict[str, Any]]
    start: float = 0.0  # epoch seconds: where the window begins
    # (REST API id, stage, API key id) -> "YYYY-MM-DD" -> the key's requests, for GetUsage
    usage: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)


def access_log_group(api_name: str, stage_name: str) -> str:
    """Where the seeded estate sends a stage's access log."""
    return f"/aws/apigateway/{api_name}/{stage_name.strip('$')}/access"


def generate(estate: RegionEstate, ids: Ids, rng: random.Random, now_ms: int) -> History:
    """The WINDOW_MINUTES before `now_ms` of every stage with a traffic profile in `estate`."""
    logs: list[tuple[str, list[dict[str, Any]]]] = []
    executions: list[tuple[str, str, list[dict[str, Any]]]] = []
    datums: list[dict[str, Any]] = []
    usage: dict[tuple[str, str, str], dict[str, int]] = {}
    for api in estate.rest_apis:
        for stage in api.stages:
            own = _stage_rng(rng)
            minutes = list(_per_minute(own, stage.traffic, now_ms))
            cached = [bool(stage.cache_ttl) and m.verb == "GET" and m.integration != "MOCK" for m in api.methods]
            _split(own, minutes, [m.weight for m in api.methods], cached, stage.traffic.cache_hit_ratio)
            api_id = ids.rest_apis.get(api.name, "")
            used: Counter[tuple[str, str]] = Counter()  # (key id, day) -> requests
            if stage.access_log_format:
                events, execution = _rest_access_log(own, api, stage, ids.keys.get(api.name, ()),
                                                     _logged(minutes, now_ms), api_id, used)
                logs.append((access_log_group(api.name, stage.name), events))
                if execution:  # named apart, so the access logs' streams and later draws stay as they were
                    group = execution_log_group(api_id, stage.name)
                    executions.append((group, f"{random.Random(group).getrandbits(128):032x}", execution))
            metrics = REST_METRICS | (REST_CACHE_METRICS if stage.cache_ttl else {})
            datums += _datums_of(minutes, metrics, {"ApiName": api.name, "Stage": stage.name})
            for index, method in enumerate(api.methods if stage.detailed_metrics else ()):
                datums += _datums_of(_part(minutes, index), REST_METRICS | (REST_CACHE_METRICS if cached[index] else {}),
                                     {"ApiName": api.name, "Method": method.verb, "Resource": method.path,
                                      "Stage": stage.name})
            logged_from = now_ms if stage.access_log_format else 0
            used += _unlogged_usage(own, api, ids.keys.get(api.name, ()), minutes, logged_from, now_ms)
            for (key_id, day), count in used.items():
                usage.setdefault((api_id, stage.name, key_id), {})[day] = count
    for v2_api in estate.v2_apis:
        for v2_stage in v2_api.stages:
            if v2_stage.traffic is None:
                continue
            own = _stage_rng(rng)
            if v2_api.protocol == "WEBSOCKET":  # connections, not requests: its SocketTraffic draws them
                past = v2_stage.traffic.past(own, v2_api, v2_stage, ids.v2_apis[v2_api.name], estate.region, now_ms)
                logs += [(access_log_group(v2_api.name, v2_stage.name), past.lines)] if past.lines else []
                datums += past.datums
                continue
            minutes = list(_per_minute(own, v2_stage.traffic, now_ms))
            _split(own, minutes, [r.weight for r in v2_api.routes])
            if v2_stage.access_log_format:
                logs.append((access_log_group(v2_api.name, v2_stage.name),
                             _http_access_log(own, v2_api, v2_stage, _logged(minutes, now_ms))))
            api_id = ids.v2_apis[v2_api.name]
            datums += _datums_of(minutes, HTTP_METRICS, {"ApiId": api_id, "Stage": v2_stage.name})
            for index, route in enumerate(v2_api.routes if v2_stage.detailed_metrics else ()):
                datums += _datums_of(_part(minutes, index), HTTP_METRICS,
                                     {"ApiId": api_id, "Route": route.key, "Stage": v2_stage.name})
    # Streams are named like API Gateway's (32 hex digits).
    streams = [(group, f"{rng.getrandbits(128):032x}", events) for group, events in logs]
    return History(estate.region, streams + executions, datums, (now_ms // 60_000 - WINDOW_MINUTES) * 60.0,
                   usage)


def _unlogged_usage(rng: random.Random, api: RestApi, key_ids: tuple[str, ...],
                    minutes: list[tuple[float, dict[str, Any]]], logged_from: int, now_ms: int) -> Counter:
    """(key id, day) -> requests with an API key in the minutes without log lines (before the last
    LOGGED_MINUTES, or all of them for a stage without access logs): the keyed methods' requests of
    each minute, but for the gateway's 403s (no valid key), spread over the keys."""
    keyed = [index for index, method in enumerate(api.methods) if method.api_key_required]
    if not key_ids or not keyed:
        return Counter()
    first_logged = (logged_from // 60_000 - LOGGED_MINUTES) * 60_000 if logged_from else now_ms + 1
    forbidden = sum(w for status, w, _ in CLIENT_ERRORS if status == 403) / sum(w for _, w, _ in CLIENT_ERRORS)
    used: Counter[tuple[str, str]] = Counter()
    for stamp, data in minutes:
        if stamp * 1000 >= first_logged:
            continue
        day = datetime.fromtimestamp(stamp, UTC).date().isoformat()
        for part in (data["parts"][index] for index in keyed):
            if part:
                requests, client, _, _ = part["counts"]
                for _ in range(requests - _binomial(rng, client, forbidden)):
                    used[(rng.choice(key_ids), day)] += 1
    return used


def _write_usage(history: History, account: str) -> None:
    """Add the history's requests to the usage of the plan covering each stage and key (GetUsage)."""
    from console.sandbox.state import STATE

    backend = moto_seam.backend("apigateway", account, history.region)
    with STATE.lock:
        for plan in backend.usage_plans.values():
            keys = backend.usage_plan_keys.get(plan.id, {})
            for stage in plan.api_stages:
                for key_id in keys:
                    for day, count in history.usage.get((stage["apiId"], stage["stage"], key_id), {}).items():
                        days = STATE.usage[(account, history.region, plan.id, key_id)]
                        days[day] = days.get(day, 0) + count


def _stage_rng(rng: random.Random) -> random.Random:
    """A stage's own stream: its whole minutes draw the same whatever the other stages' running minute
    (which depends on the second the sandbox starts in) drew."""
    return random.Random(rng.getrandbits(64))


def write(history: History, account: str) -> None:
    """Put `history` into this process's sandbox stores, as PutLogEvents and PutMetricData would; the
    region's alarms begin at its start, to be evaluated over it."""
    from console.sandbox.fidelity.cloudwatch import store_for
    from console.sandbox.fidelity.cloudwatch_alarms import book_for
    from console.sandbox.fidelity.cloudwatch_store import MAX_DATUMS

    logs = moto_seam.backend("logs", account, history.region)
    for group, stream, events in history.logs:
        logs.create_log_stream(group, stream)
        logs.put_log_events(group, stream, events)
    _write_usage(history, account)
    metrics = store_for(account, history.region)
    for start in range(0, len(history.datums), MAX_DATUMS):
        metrics.put(NAMESPACE, history.datums[start:start + MAX_DATUMS], drawn=True)
    book_for(account, history.region).restart(history.start)


class Pending:
    """History promised by a start, written on first demand (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: list[Callable[[], None]] = []

    def promise(self, write: Callable[[], None]) -> None:
        with self._lock:
            self._due.append(write)

    def settle(self) -> None:
        """Write whatever is promised; at once if nothing is. A promise leaves the list only once it is
        written, so a second reader waits for the first's write rather than reading past it."""
        if self._due:
            with self._lock:
                while self._due:
                    try:
                        self._due[0]()
                    finally:
                        self._due.pop(0)

    def drop(self) -> None:
        """Forget the promises: the stores they were for have been reset."""
        with self._lock:
            self._due.clear()


PENDING = Pending()


# --- Traffic: the shape of a day ------------------------------------------------------------

_PEAK_LOAD = 1.4


def _afternoon(elapsed: float) -> float:
    return 0.6 + 0.7 * elapsed + 0.1 * math.sin(elapsed * 40)


# A stage's traffic over the window, relative to its mean (Traffic.shape): a shop's build-up, a
# CDN-fronted catalogue's steady flow, partners' settlement runs every half hour, an upstream blip
# an hour ago and its recovery, and a test stage's CI runs.
_SHAPES: dict[str, Callable[[float], float]] = {
    "afternoon": _afternoon,
    "steady": lambda e: 1.1 + 0.04 * math.sin(e * 23 + 1.3),
    "batch": lambda e: 0.8 + (1.4 if (e * WINDOW_MINUTES + 10) % 30 < 4 else 0.0) + 0.05 * math.sin(e * 31),
    "dip": lambda e: 1.15 - 0.65 * math.exp(-(((e - 0.62) / 0.05) ** 2)) + 0.05 * math.sin(e * 17),
    "bursts": lambda e: 0.35 + (2.2 if (e * WINDOW_MINUTES) % 40 < 9 else 0.0),
}
_END_LOAD = _afternoon(1.0)


def load(elapsed: float, shape: str = "afternoon") -> float:
    """Traffic relative to a stage's mean, `elapsed` (0..1) into the window, in the stage's shape; every
    shape is drawn, mostly over its last half hour, to where the live traffic carries on (`load(1.0)`), so
    history and live meet without a step."""
    curve = _SHAPES[shape]
    return curve(elapsed) + (_END_LOAD - curve(1.0)) * elapsed ** 8


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw: Knuth's method for small means, normal approximation above."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial draw: exact for small n (one uniform, inverted through the distribution), normal
    approximation above."""
    if p <= 0 or n == 0:
        return 0
    if p >= 1:
        return n
    if n < 30:
        odds, chance, k = p / (1 - p), (1 - p) ** n, 0
        left = rng.random() - chance
        while left > 0 and k < n:
            k += 1
            chance *= odds * (n - k + 1) / k
            left -= chance
        return k
    return min(n, max(0, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))


def integration_latency(rng: random.Random, traffic: Traffic) -> float:
    """Log-normal around the stage's median, as backends are."""
    return traffic.latency_ms * rng.lognormvariate(0, LATENCY_SPREAD)


# --- Traffic: access-log lines ----------------------------------------------------------------

_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")


@dataclass(frozen=True)
class Request:
    """One generated request, before it is rendered in a particular log format."""

    epoch_ms: int
    verb: str
    path: str  # the template: /orders/{orderId}
    status: int
    response_ms: int
    integration_ms: int | None  # None: the gateway answered without calling a backend
    gateway_error: str | None
    length: int
    ip: str
    user_agent: str
    cause: str | None = None  # the gateway response type, where the status and message do not tell it


# The gateway's own answers ($context.error.message) and the gateway response type each is.
RESPONSE_TYPES = {
    (403, "Forbidden"): "INVALID_API_KEY", (403, "Missing Authentication Token"): "MISSING_AUTHENTICATION_TOKEN",
    (403, "User is not authorized to access this resource"): "ACCESS_DENIED", (401, "Unauthorized"): "UNAUTHORIZED",
    (429, "Too Many Requests"): "THROTTLED", (429, "Limit Exceeded"): "QUOTA_EXCEEDED",
    (502, "Internal server error"): "INTEGRATION_FAILURE", (504, "Endpoint request timed out"): "INTEGRATION_TIMEOUT",
}


def response_type(request: Request) -> str:
    """$context.error.responseType: the gateway response the request was answered with; "-" when the
    backend answered (no gateway response), DEFAULT_4XX/5XX for the gateway's other refusals."""
    if request.cause:
        return request.cause
    if request.gateway_error is None:
        return "-"
    return RESPONSE_TYPES.get((request.status, request.gateway_error),
                              "DEFAULT_4XX" if request.status < 500 else "DEFAULT_5XX")


def _rest_access_log(
    rng: random.Random, api: RestApi, stage: RestStage, key_ids: tuple[str, ...], minutes: list[Minute],
    api_id: str, used: Counter,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Access-log events of a REST stage, in its own format, and the execution-log events of the same
    requests (the same request ids) at the stage's logging level; each key's requests counted in
    `used` by (key id, day)."""
    assert stage.access_log_format
    routes = [(m.verb, m.path, m.integration == "MOCK") for m in api.methods]
    keyed = {(m.verb, m.path) for m in api.methods if m.api_key_required}
    level = stage.log_level if stage.log_level in EXECUTION_LEVELS else None
    uri = f"https://{stage.variables.get('backendHost', '')}"
    events, execution = [], []
    for request in _requests(rng, routes, stage.traffic, minutes):
        key_id = "-"
        if (request.verb, request.path) in keyed and key_ids and request.status != 403:
            key_id = rng.choice(key_ids)
            used[(key_id, _day(request.epoch_ms // 86_400_000))] += 1
        context = common_context(rng, request) | {
            "requestId": _uuid4(rng.getrandbits(128)),
            "extendedRequestId": base64.b64encode(rng.randbytes(11)).decode(),
            "identity.apiKeyId": key_id,
            "requestTimeEpoch": str(request.epoch_ms),
            "resourcePath": request.path,
            "path": f"/{stage.name}{concrete_path(rng, request.path)}",
            "integrationLatency": ms(request.integration_ms),
            "integration.status": "-" if request.integration_ms is None else str(request.status),
        }
        events.append({"timestamp": request.epoch_ms,
                       "message": render(stage.access_log_format, context)})
        if execution_logged(level, request.status, request.gateway_error):
            assert level
            path = context["path"].removeprefix(f"/{stage.name}")
            lines = execution_log(level, request, context, api_id=api_id, stage_name=stage.name,
                                  endpoint_uri=None if request.integration_ms is None else uri + path)
            execution += [{"timestamp": at, "message": line} for at, line in lines]
    execution.sort(key=lambda event: event["timestamp"])
    return events, execution


def _http_access_log(
    rng: random.Random, api: V2Api, stage: V2Stage, minutes: list[Minute]
) -> list[dict[str, Any]]:
    """Access-log events of an HTTP API stage, in its own format."""
    assert stage.access_log_format and stage.traffic
    routes = [(*route_verb_path(r.key), False) for r in api.routes]
    events = []
    for request in _requests(rng, routes, stage.traffic, minutes):
        context = common_context(rng, request) | {
            "requestId": base64.b64encode(rng.randbytes(11)).decode(),
            "routeKey": "$default" if request.verb == "ANY" else f"{request.verb} {request.path}",
            "integration.latency": ms(request.integration_ms),
            "integrationErrorMessage": request.gateway_error or "-",
            # HTTP APIs have no API keys: their 403s are an authorizer's
            **({"error.responseType": "ACCESS_DENIED"} if request.status == 403 and request.gateway_error else {}),
        }
        events.append({"timestamp": request.epoch_ms,
                       "message": render(stage.access_log_format, context)})
    return events


def _uuid4(bits: int) -> str:
    """str(uuid.UUID(int=bits, version=4)), without the UUID object (one for every request of the history)."""
    digits = f"{bits & _UUID_KEPT | _UUID_VERSION_4:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


_UUID_KEPT = ~((0xC000 << 48) | (0xF000 << 64)) & (1 << 128) - 1  # all but the variant and version bits
_UUID_VERSION_4 = (0x8000 << 48) | (4 << 76)  # RFC 4122 variant, version 4


def render(log_format: str, context: dict[str, str]) -> str:
    """A log line as API Gateway writes it: each $context variable substituted, "-" if unset; in a JSON
    format each value is escaped as a JSON string's content, so the line stays JSON whatever a client sent."""
    literals, names, escaped = _template(log_format)
    values = [context.get(name, "-") for name in names]
    if escaped and not _plain("".join(values)):
        values = [value if _plain(value) else json.dumps(value)[1:-1] for value in values]
    parts = [""] * (2 * len(values) + 1)
    parts[0::2], parts[1::2] = literals, values
    return "".join(parts)


@functools.cache
def _template(log_format: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """A format split once: its literal text around each $context variable, the variables' names, and
    whether values are JSON-escaped (a JSON format)."""
    pieces = _CONTEXT_VARIABLE.split(log_format)
    return tuple(pieces[0::2]), tuple(pieces[1::2]), log_format.lstrip().startswith("{")


def _plain(text: str) -> bool:
    """Whether JSON escapes nothing in `text` (printable ASCII, no quote or backslash): most values."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


@dataclass(frozen=True)
class Minute:
    """What the metrics of one minute counted, for its access-log lines to tell the same."""

    start_ms: int
    end_ms: int  # the start of the next minute, or the sandbox's start for the running one
    # each method's (route's) requests, 4xx, 5xx and, of those, 504s, in the API's order
    routes: tuple[tuple[int, int, int, int], ...]


def _logged(minutes: list[tuple[float, dict[str, Any]]], now_ms: int) -> list[Minute]:
    """The minutes of the last LOGGED_MINUTES whose every request gets its access-log line."""
    first = (now_ms // 60_000 - LOGGED_MINUTES) * 60_000
    return [Minute(int(stamp * 1000), min(int(stamp * 1000) + 60_000, now_ms),
                   tuple(part["counts"] if part else (0, 0, 0, 0) for part in data["parts"]))
            for stamp, data in minutes if stamp * 1000 >= first]


def _requests(
    rng: random.Random, routes: list[tuple[str, str, bool]], traffic: Traffic, minutes: list[Minute],
) -> Iterator[Request]:
    """Each request the metrics counted in `minutes`, in time order, with the same numbers of 4xx,
    5xx and 504s for each method (route); routes: (verb, path, mock), in the order of Minute.routes."""
    for minute in minutes:
        kinds: list[tuple[str, tuple[str, str, bool]]] = []
        for route, (requests, client, server, timeouts) in zip(routes, minute.routes, strict=True):
            kinds += [("504", route)] * timeouts + [("5xx", route)] * (server - timeouts) + \
                [("4xx", route)] * client + [("2xx", route)] * (requests - server - client)
        rng.shuffle(kinds)
        span = max(1, minute.end_ms - minute.start_ms)
        for epoch_ms, (kind, (verb, path, mock)) in zip(
                sorted(minute.start_ms + int(rng.random() * span) for _ in kinds), kinds, strict=True):
            status, error, integration_ms = _outcome(rng, verb, mock, traffic, kind)
            response_ms = int((integration_ms or 0) + rng.lognormvariate(math.log(6), 0.5)) + 1
            if status == 204:
                length = 0
            elif status >= 400:
                length = rng.randint(36, 180)
            else:
                length = int(rng.lognormvariate(math.log(RESPONSE_BYTES), 0.9))
            yield Request(epoch_ms, verb, path, status, response_ms, integration_ms, error, length,
                           rng.choice(CLIENT_IPS), user_agent(rng, epoch_ms))


_NOT_TIMEOUTS = tuple(row for row in SERVER_ERRORS if row[0] != 504)


def _outcome(
    rng: random.Random, verb: str, mock: bool, traffic: Traffic, kind: str
) -> tuple[int, str | None, int | None]:
    """(status, gateway error message, integration latency in ms) of one request of `kind` (2xx,
    4xx, 5xx or 504)."""
    if kind == "504":
        return 504, "Endpoint request timed out", 29_000 + rng.randint(0, 40)
    if kind == "5xx":
        status, error = weighted(rng, _NOT_TIMEOUTS)
    elif kind == "4xx":
        status, error = weighted(rng, CLIENT_ERRORS)
        if error:  # refused or throttled by the gateway itself
            return status, error, None
    elif mock:
        return 200, None, None
    else:
        status, error = SUCCESS_STATUS.get(verb, 200), None
    return status, error, int(integration_latency(rng, traffic))


def weighted(
    rng: random.Random, table: tuple[tuple[int, int, str | None], ...]
) -> tuple[int, str | None]:
    status, _, error = rng.choices(table, [weight for _, weight, _ in table])[0]
    return status, error


def common_context(rng: random.Random, request: Request) -> dict[str, str]:
    """$context variables that REST and HTTP APIs share."""
    return {
        "identity.sourceIp": request.ip,
        "identity.userAgent": request.user_agent,
        "requestTime": _request_time(request.epoch_ms // 1000),
        "httpMethod": request.verb,
        "status": str(request.status),
        "protocol": rng.choice(("HTTP/1.1", "HTTP/2.0")),
        "responseLength": str(request.length),
        "responseLatency": str(request.response_ms),
        "error.message": request.gateway_error or "-",
        "error.responseType": response_type(request),
    }


@functools.lru_cache(maxsize=64)
def _day(index: int) -> str:
    """The UTC date of day `index` since the epoch, as GetUsage names days."""
    return datetime.fromtimestamp(index * 86_400, UTC).date().isoformat()


def _request_time(epoch_seconds: int) -> str:
    """$context.requestTime of a second: 20/Nov/2024:14:03:07 +0000."""
    return f"{_request_minute(epoch_seconds // 60)}{epoch_seconds % 60:02d} +0000"


@functools.lru_cache(maxsize=256)
def _request_minute(epoch_minutes: int) -> str:
    """The day, hour and minute of $context.requestTime: 20/Nov/2024:14:03: (requests share minutes)."""
    moment = datetime.fromtimestamp(epoch_minutes * 60, UTC)
    return f"{moment:%d}/{_MONTHS[moment.month - 1]}/{moment:%Y:%H:%M}:"


def route_verb_path(route_key: str) -> tuple[str, str]:
    verb, _, path = route_key.partition(" ")
    return ("ANY", "/") if route_key == "$default" else (verb, path)


def concrete_path(rng: random.Random, template: str) -> str:
    """A request path for a resource template: /orders/{orderId} -> /orders/ord_3f9a0c12."""
    literals, prefixes = _path_template(template)
    parts = [literals[0]]
    for prefix, literal in zip(prefixes, literals[1:], strict=True):
        parts += (prefix, f"{rng.getrandbits(32):08x}", literal)
    return "".join(parts)


@functools.cache
def _path_template(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A template split once: its literal text around each {parameter}, and each parameter's value prefix."""
    pieces = re.split(r"\{(\w+)\}", template)
    return tuple(pieces[0::2]), tuple(PATH_PARAM_PREFIXES.get(name, "") for name in pieces[1::2])


def ms(value: int | None) -> str:
    return "-" if value is None else str(value)


# --- Traffic: execution-log lines ----------------------------------------------------------------

EXECUTION_LEVELS = ("ERROR", "INFO")  # a REST stage's methodSettings["*/*"].loggingLevel that logs


def execution_log_group(api_id: str, stage_name: str) -> str:
    """Where API Gateway writes a REST stage's execution log (a canary's: this plus "/Canary")."""
    return f"API-Gateway-Execution-Logs_{api_id}/{stage_name}"


def execution_logged(level: str | None, status: int, gateway_error: str | None) -> bool:
    """Whether a request gets execution-log lines: every one at INFO; at ERROR, those that failed
    (a 5xx, or a 4xx the gateway itself answered: a refused key, a throttle, a quota)."""
    if level == "INFO":
        return True
    return level == "ERROR" and (status >= 500 or (status >= 400 and gateway_error is not None))


def masked_key(key_id: str) -> str:
    """An API key as execution logs show it: all but its last six characters starred."""
    return "*" * 34 + key_id[-6:]


def execution_log(
    level: str, request: Request, context: dict[str, str], *, api_id: str, stage_name: str,
    endpoint_uri: str | None, reason: str | None = None,
) -> list[tuple[int, str]]:
    """One request's execution-log lines, (epoch ms, message), in API Gateway's wording.

    `context` is the request's $context (its requestId, extendedRequestId, path and key, the very ones
    its access-log line has); `endpoint_uri` the integration's URI with the request's path in it (None
    for a MOCK); `reason` the gateway's own account of a refusal. Each line begins with the request id
    in parentheses. ERROR writes the failure and the status; INFO the request's course too.
    """
    rid = context["requestId"]
    verb, template = request.verb, request.path
    path = context.get("path", template).removeprefix(f"/{stage_name}") or "/"
    key_id = context.get("identity.apiKeyId", "-")
    api_stage = f"{api_id}/{stage_name}"
    start, end = request.epoch_ms, request.epoch_ms + (request.integration_ms or 0)
    lines = [(start, f"Extended Request Id: {context.get('extendedRequestId', '-')}")]
    info = level == "INFO"
    failure = reason
    if failure is None and request.gateway_error == "Forbidden":
        failure = (f"API Key {masked_key(key_id) if key_id != '-' else ''} not authorized because method "
                   f"'{verb} {template}' requires API Key and API Key is not associated with a Usage Plan "
                   f"for API Stage {api_stage}")
    elif failure is None and request.status == 429:
        failure = throttle_reason(api_id, stage_name, verb, template)
    if info and key_id != "-":
        lines.append((start, (f"Verifying Usage Plan for request: {rid}. API Key: {masked_key(key_id)} "
                              f"API Stage: {api_stage}")))
        if request.status not in (403, 429):
            lines.append((start, (f"Usage Plan check succeeded for API Key {masked_key(key_id)} "
                                  f"and API Stage {api_stage}")))
    if failure:
        lines += [(start, failure), (start, f"Method completed with status: {request.status}")]
        return [(at, f"({rid}) {line}") for at, line in lines]
    if info:
        lines.append((start, f"Starting execution for request: {rid}"))
        lines.append((start, f"HTTP Method: {verb}, Resource Path: {path}"))
        params = _path_parameters(template, path)
        if params:
            lines.append((start, f"Method request path: {{{params}}}"))
    if request.integration_ms is not None and endpoint_uri:
        if info or request.status >= 500:
            lines.append((start, f"Endpoint request URI: {endpoint_uri}"))
        if request.status == 504:
            lines.append((end, "Execution failed due to a timeout error"))
        elif request.status == 502:
            lines.append((end, "Execution failed due to configuration error: Invalid endpoint address"))
        else:
            lines.append((end, (f"Received response. Status: {request.status}, "
                                f"Integration latency: {request.integration_ms} ms")))
    lines.append((end, f"Method completed with status: {request.status}"))
    return [(at, f"({rid}) {line}") for at, line in lines]


def throttle_reason(api_id: str, stage_name: str, verb: str, template: str, rate: float | None = None,
                    burst: int | None = None, *, key_id: str | None = None, plan_id: str | None = None) -> str:
    """The execution-log line of a throttled request: a usage plan's per-key limit, or else the method's
    (or the stage's default) limit."""
    where = f"RestApi {api_id}, Stage {stage_name}, Resource {template}, HttpMethod {verb}"
    limit = f". Limit: {rate:.2f} Burst: {burst}" if rate is not None else ""
    if key_id and plan_id:
        return (f"API Key {masked_key(key_id)} exceeded throttle limit for API Stage {api_id}/{stage_name}: "
                f"Key throttle limit exceeded for Usage Plan ID {plan_id}, {where}{limit}")
    return f"Method throttle limit exceeded for {where}{limit}"


def quota_reason(api_id: str, stage_name: str, key_id: str, plan_id: str, limit: int | None, period: str) -> str:
    """The execution-log line of a request refused by a usage plan's exhausted quota."""
    return (f"API Key {masked_key(key_id)} exceeded quota limit for API Stage {api_id}/{stage_name}: "
            f"Key quota exhausted for Usage Plan ID {plan_id}. Limit: {limit} Period: {period}")


def _path_parameters(template: str, path: str) -> str:
    """The path parameters as execution logs print them: "orderId=ord_3f9a0c12, ..."."""
    names = re.findall(r"\{(\w+)\}", template)
    if not names:
        return ""
    pattern = re.escape(template)
    for name in names:
        pattern = pattern.replace(re.escape("{" + name + "}"), "([^/]+)")
    match = re.fullmatch(pattern, path)
    return ", ".join(f"{n}={v}" for n, v in zip(names, match.groups(), strict=True)) if match else ""


# --- Traffic: CloudWatch metrics --------------------------------------------------------------

# A minute's latencies as a histogram, the way CloudWatch stores percentile-ready data (Values and
# Counts): buckets of the log-normal integration latency, in standard deviations (z) from the
# median, each published at its middle; finer where p50 .. p99.9 fall. Shares are fixed, so each
# minute costs a few binomials, and ten buckets keep the PutMetricData bodies small to serialise.
_LATENCY_EDGES = (-1.5, -0.75, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
_LATENCY_POINTS = (-2.0, -1.1, -0.4, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25)
_LATENCY_SHARES = tuple(
    high - low for low, high in zip(
        (0.0, *(0.5 * (1 + math.erf(z / math.sqrt(2))) for z in _LATENCY_EDGES)),
        (*(0.5 * (1 + math.erf(z / math.sqrt(2))) for z in _LATENCY_EDGES), 1.0),
        strict=True,
    )
)
GATEWAY_OVERHEAD_MS = 7  # Latency = IntegrationLatency + the gateway's own milliseconds
TIMEOUT_MS = 29_000  # a 504 waits out the integration timeout
_TIMEOUT_SHARE = sum(w for status, w, _ in SERVER_ERRORS if status == 504) / sum(
    w for _, w, _ in SERVER_ERRORS
)


def _metric_datums(
    rng: random.Random, traffic: Traffic, metrics: dict[str, str], dimensions: dict[str, str],
    now_ms: int,
) -> list[dict[str, Any]]:
    """PutMetricData datums of one stage: each metric of `metrics` for each minute with traffic."""
    return _datums_of(list(_per_minute(rng, traffic, now_ms)), metrics, dimensions)


def _datums_of(minutes: list[tuple[float, dict[str, Any]]], metrics: dict[str, str],
               dimensions: dict[str, str]) -> list[dict[str, Any]]:
    """PutMetricData datums of a stage's (or a method's) drawn minutes: each metric of `metrics` for
    each minute that has it (a minute without cached requests has no cache counts)."""
    dims = [{"Name": name, "Value": value} for name, value in dimensions.items()]
    return [
        {"MetricName": name, "Dimensions": dims, "Timestamp": stamp,
         "Unit": METRIC_UNITS.get(name, "Count"), **data[key]}
        for stamp, data in minutes
        for name, key in metrics.items() if data[key] is not None
    ]


def _per_minute(
    rng: random.Random, traffic: Traffic, now_ms: int
) -> Iterator[tuple[float, dict[str, dict[str, Any]]]]:
    """For each minute of the window that saw requests (epoch seconds), its data by kind: the whole
    minutes, then the seconds of the running minute up to `now_ms`, where the live traffic carries on
    (without them the minute a sandbox starts in would hold only the seconds after the start).

    Counters are 0/1 per request, as API Gateway emits them (Sum is the count, Average the rate),
    sent as Values/Counts; latencies as histograms, so percentiles exist; bytes as a statistic set.
    Cache hits are drawn with the split among methods (`_split`): only cached methods have them.
    """
    first = now_ms // 60_000 - WINDOW_MINUTES
    running = (now_ms % 60_000) / 60_000  # the share of the running minute before now
    for minute in range(WINDOW_MINUTES + 1):
        share = 1.0 if minute < WINDOW_MINUTES else running
        requests = poisson(rng, traffic.per_minute * load(minute / WINDOW_MINUTES, traffic.shape) * share) if share else 0
        if requests == 0:
            continue  # no requests, no datapoint
        server = _binomial(rng, requests, traffic.server_errors)
        client = _binomial(rng, requests - server, traffic.client_errors)
        timeouts = _binomial(rng, server, _TIMEOUT_SHARE)
        median = traffic.latency_ms * rng.uniform(0.9, 1.15)
        integration = _latency_histogram(rng, requests - timeouts, median, timeouts)
        yield (first + minute) * 60.0, {
            "counts": (requests, client, server, timeouts),
            "requests": counter_minute(requests, requests),
            "4xx": counter_minute(client, requests),
            "5xx": counter_minute(server, requests),
            "integration_latency": integration,
            "latency": {"Values": [v + GATEWAY_OVERHEAD_MS for v in integration["Values"]],
                        "Counts": integration["Counts"]},
            "bytes": {"StatisticValues": _spread(
                requests, RESPONSE_BYTES * rng.uniform(0.9, 1.2),
                [RESPONSE_BYTES * rng.lognormvariate(0, 0.9)])},
        }


def counter_minute(ones: int, of: int) -> dict[str, list[float]]:
    """A counter's minute, as API Gateway sends it (Sum the count, Average the rate): `ones` requests
    that count and `of - ones` that do not, as Values and Counts (the history, the live traffic and its
    WebSocket stage alike)."""
    pairs = [(value, count) for value, count in ((0.0, of - ones), (1.0, ones)) if count]
    return {"Values": [v for v, _ in pairs], "Counts": [float(c) for _, c in pairs]}


_STEP = math.log(1.04)


@functools.cache
def latency_bucket(ms: int) -> float:
    """A live latency rounded to a 4% step: a minute's histogram stays small, its percentiles close."""
    return round(math.exp(round(math.log(max(ms, 1)) / _STEP) * _STEP), 1)


def _latency_histogram(
    rng: random.Random, requests: int, median: float, timeouts: int
) -> dict[str, list[float]]:
    """`requests` log-normal latencies around `median` bucketed, plus `timeouts` at the timeout."""
    values, counts = [], []
    remaining, share_left = requests, 1.0
    for z, share in zip(_LATENCY_POINTS, _LATENCY_SHARES, strict=True):
        last = z == _LATENCY_POINTS[-1]  # takes what is left: the buckets count every request
        count = remaining if last else _binomial(rng, remaining, min(1.0, share / share_left))
        remaining, share_left = remaining - count, share_left - share
        if count:
            values.append(round(median * math.exp(LATENCY_SPREAD * z), 1))
            counts.append(float(count))
    if timeouts:
        values.append(float(TIMEOUT_MS))
        counts.append(float(timeouts))
    return {"Values": values, "Counts": counts}


def _spread(requests: int, mean: float, samples: list[float]) -> dict[str, float]:
    """StatisticValues of `requests` values averaging `mean`, spread like `samples`."""
    tail = max(samples) * (1 + math.log1p(requests) / 3)
    return {"SampleCount": requests, "Sum": round(requests * mean, 1),
            "Minimum": round(min(samples) * 0.6, 1), "Maximum": round(max(tail, mean), 1)}


# --- Traffic: each method's (route's) share of a minute -------------------------------------------


def _split(rng: random.Random, minutes: list[tuple[float, dict[str, Any]]], weights: list[int],
           cached: list[bool] | None = None, hit_ratio: float = 0.0) -> None:
    """Share each of a stage's minutes among its methods (routes), by weight: data["parts"][i] is
    method i's minute in the stage's form (None if it had no requests), its 4xx, 5xx, 504s and latency
    buckets drawn from the stage's without replacement, so the parts add up to the stage's minute
    exactly, as API Gateway's per-method metrics add up to the stage's. `cached`: which methods the
    stage's cache answers; their requests hit it at `hit_ratio`, and the stage counts their hits and
    misses (None in a minute without such requests)."""
    for _, data in minutes:
        requests, client, server, timeouts = data["counts"]
        rows = _multinomial(rng, requests, weights)
        kinds = _table(rng, rows, [timeouts, server - timeouts, client, requests - server - client])
        integration = data["integration_latency"]
        buckets = len(integration["Values"]) - (1 if timeouts else 0)
        values = integration["Values"][:buckets]
        latencies = _table(rng, [n - kind[0] for n, kind in zip(rows, kinds, strict=True)],
                           [int(count) for count in integration["Counts"][:buckets]])
        bytes_ = data["bytes"]["StatisticValues"]
        parts: list[dict[str, Any] | None] = []
        tenths, shared = round(bytes_["Sum"] * 10), 0  # the stage's bytes in tenths, shared by requests
        for n, (timed_out, failed, refused, _), latency in zip(rows, kinds, latencies, strict=True):
            if not n:
                parts.append(None)
                continue
            hist = {"Values": [v for v, c in zip(values, latency, strict=True) if c],
                    "Counts": [float(c) for c in latency if c]}
            if timed_out:
                hist["Values"].append(float(TIMEOUT_MS))
                hist["Counts"].append(float(timed_out))
            share = tenths * n // requests if sum(rows[len(parts) + 1:]) else tenths - shared
            shared += share
            parts.append({
                "counts": (n, refused, timed_out + failed, timed_out),
                "requests": counter_minute(n, n), "4xx": counter_minute(refused, n), "5xx": counter_minute(timed_out + failed, n),
                "integration_latency": hist,
                "latency": {"Values": [v + GATEWAY_OVERHEAD_MS for v in hist["Values"]], "Counts": hist["Counts"]},
                "bytes": {"StatisticValues": bytes_ | {"SampleCount": n, "Sum": share / 10}},
            })
        data["parts"] = parts
        if cached and any(cached):
            _cache_counts(rng, data, cached, hit_ratio)


def _cache_counts(rng: random.Random, data: dict[str, Any], cached: list[bool], hit_ratio: float) -> None:
    """A minute's cache hits and misses: drawn for the cached methods' requests, shared among them."""
    parts = data["parts"]
    rows = [part["counts"][0] if part and is_cached else 0 for part, is_cached in zip(parts, cached, strict=True)]
    total = sum(rows)
    hits = _binomial(rng, total, hit_ratio)
    data["cache_hits"] = counter_minute(hits, total) if total else None
    data["cache_misses"] = counter_minute(total - hits, total) if total else None
    for part, n, (hit, _) in zip(parts, rows, _table(rng, rows, [hits, total - hits]), strict=True):
        if n:
            part["cache_hits"], part["cache_misses"] = counter_minute(hit, n), counter_minute(n - hit, n)


def _part(minutes: list[tuple[float, dict[str, Any]]], index: int) -> list[tuple[float, dict[str, Any]]]:
    """Method `index`'s minutes (those it had requests in), as `_split` shared them out."""
    return [(stamp, part) for stamp, data in minutes if (part := data["parts"][index])]


def _multinomial(rng: random.Random, n: int, weights: list[int]) -> list[int]:
    """`n` requests shared among methods by weight, each drawn given those before it."""
    shares, left, weight_left = [], n, sum(weights)
    for weight in weights:
        share = left if weight >= weight_left else _binomial(rng, left, weight / weight_left)
        shares.append(share)
        left, weight_left = left - share, weight_left - weight
    return shares


def _table(rng: random.Random, rows: list[int], columns: list[int]) -> list[list[int]]:
    """A table with these row and column sums (equal totals), drawn at random: each row takes its
    items from what the columns have left, a binomial per cell kept within what stays possible (so
    every margin is exact and the last row takes the rest)."""
    left, total = list(columns), sum(columns)
    table = []
    for n in rows:
        if n == total:
            table.append(left)
            left, total = [0] * len(columns), 0
            continue
        row, pool = [0] * len(columns), total
        for k, count in enumerate(left):
            if not n:
                break
            if count:
                take = n if count == pool else min(count, n, max(n - pool + count, _binomial(rng, n, count / pool)))
                row[k], n = take, n - take
                left[k] -= take
                total -= take
            pool -= count
        table.append(row)
    return table
