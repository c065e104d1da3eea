"""WebSocket traffic: connections that open, send messages on routes and close; a WebSocket stage's past,
and the model its live traffic (traffic/websocket.py) shares.

A WebSocket API is not called request by request. A client connects (`$connect`, where the stage's
REQUEST authorizer checks its token), sends messages that the route selection expression sends to a
route (`$default` for an action no route names), and disconnects. API Gateway writes an access-log
line for each of these events ($context.eventType CONNECT, MESSAGE or DISCONNECT; the lines of one
connection share $context.connectionId) and publishes under AWS/ApiGateway, by ApiId and Stage (and
Route, with detailed metrics), ConnectCount, MessageCount, ClientError, ExecutionError,
IntegrationError and IntegrationLatency.

What each line counts as, read from those metrics' definitions, so that the logs and the metrics of a
minute agree:
- a CONNECT line whose $connect integration was called: ConnectCount ("messages sent to the $connect
  route integration"); one the authorizer refused (401, 403): ClientError, and no ConnectCount;
- a MESSAGE line: MessageCount (messages the backend pushes to clients through @connections are not
  simulated, so MessageCount counts the client's messages only);
- a DISCONNECT line: no count (AWS publishes none), only its integration's latency;
- ExecutionError: the integration could not be invoked (500) or timed out (504); IntegrationError: it
  answered with an error (500); IntegrationLatency: every line whose integration answered or timed out.
So a minute's CONNECT and MESSAGE lines = its ConnectCount + MessageCount + ClientError.

Connections are busiest in the evening (`socket_load`, by the UTC hour), unlike the REST and HTTP
stages' afternoon ramp; history and live traffic read the same clock, so they continue each other.
"""

from __future__ import annotations

import base64
import heapq
import itertools
import math
import random
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from console.sandbox.callers import CLIENT_IPS, user_agent
from console.sandbox.estate_types import Traffic, V2Api, V2Stage
from console.sandbox.history import (
    LOGGED_MINUTES,
    WINDOW_MINUTES,
    _request_time,
    counter_minute,
    latency_bucket,
    poisson,
    render,
)

CONNECT, MESSAGE, DISCONNECT = "CONNECT", "MESSAGE", "DISCONNECT"
LIFECYCLE_ROUTES = ("$connect", "$disconnect")
EVENING_PEAK_UTC = 19.5  # hour of the day when most shoppers are connected
TIMEOUT_MS = 29_000  # a WebSocket integration's timeout
UNAUTHORIZED = (401, "Unauthorized", "UNAUTHORIZED")  # no token, or one the authorizer rejects
DENIED = (403, "Forbidden", "ACCESS_DENIED")  # the authorizer's policy denies the connection
DENIED_SHARE = 0.25  # of refused connections
INTERNAL = "Internal server error"
# A failed integration call: (status, message, response type, the error metric it counts in); its share
FAILURES = ((500, INTERNAL, "INTEGRATION_FAILURE", "execution"),  # not invoked: no latency
            (504, "Endpoint request timed out", "INTEGRATION_TIMEOUT", "execution"),  # TIMEOUT_MS
            (500, INTERNAL, "-", "integration"))  # the function answered an error
FAILURE_SHARES = (0.25, 0.25, 0.5)


def socket_load(epoch_seconds: float) -> float:
    """A WebSocket stage's traffic relative to its profile, by the time of day: quiet at night, an evening
    peak at EVENING_PEAK_UTC (1.4 there, as the REST stages' afternoon peak)."""
    hour = epoch_seconds / 3600 % 24
    distance = min(abs(hour - EVENING_PEAK_UTC), 24 - abs(hour - EVENING_PEAK_UTC))
    return 0.35 + 1.05 * math.exp(-(distance / 3) ** 2)


@dataclass(frozen=True)
class SocketTraffic(Traffic):
    """A WebSocket stage's load. `per_minute`: its events (connects, messages, disconnects) a minute at
    load 1; `client_errors`: the share of $connect requests the authorizer refuses; `server_errors`: the
    share of integration calls that fail; connections stay `minutes_connected` and send
    `messages_per_connection`, on average."""

    messages_per_connection: float = 6.0
    minutes_connected: float = 4.0

    def connects(self, epoch_seconds: float) -> float:
        """$connect requests a minute at that time: per_minute events, of which each accepted connection
        makes its CONNECT, its messages and its DISCONNECT."""
        events_per_connect = 1 + (1 - self.client_errors) * (self.messages_per_connection + 1)
        return self.per_minute * socket_load(epoch_seconds) / events_per_connect

    def past(self, rng: random.Random, api: V2Api, stage: V2Stage, api_id: str, region: str,
             now_ms: int) -> Past:
        """The WINDOW_MINUTES before `now_ms`: each minute's metric datums, and the access-log lines of the
        last LOGGED_MINUTES (history.generate calls this for a WebSocket stage)."""
        sockets = Sockets(rng, self, routes_of(api))
        first_ms = (now_ms // 60_000 - WINDOW_MINUTES) * 60_000
        logged_from = (now_ms // 60_000 - LOGGED_MINUTES) * 60_000
        sockets.warm(first_ms)
        counts = Counts({route.key for route in api.routes} if stage.detailed_metrics else ())
        lines: list[dict[str, Any]] = []
        where = Where(api_id, stage.name, region)
        for start in range(first_ms, now_ms, 60_000):
            for event in sockets.run(start, min(start + 60_000, now_ms)):
                counts.add(event)
                if stage.access_log_format and start >= logged_from:
                    lines.append({"timestamp": event.epoch_ms,
                                  "message": render(stage.access_log_format, context(rng, event, where))})
        return Past(lines, counts.datums(api_id, stage.name, everything=True))


@dataclass(frozen=True)
class Past:
    """A WebSocket stage's history: access-log events in time order, and metric datums."""

    lines: list[dict[str, Any]]
    datums: list[dict[str, Any]]


@dataclass(frozen=True)
class Where:
    """The stage a line is logged for."""

    api_id: str
    stage: str
    region: str


def routes_of(api: V2Api) -> list[tuple[str, float]]:
    """The routes a connected client's messages go to, with their shares (the lifecycle routes aside)."""
    return [(r.key, r.weight) for r in api.routes if r.key not in LIFECYCLE_ROUTES and r.weight > 0]


# --- Connections and their events -----------------------------------------------------------------


@dataclass(slots=True)
class Connection:
    id: str  # $context.connectionId
    connected_ms: int
    ends_ms: int
    ip: str
    agent: str


@dataclass(slots=True, frozen=True)
class Event:
    """One access-log line's worth: a CONNECT, MESSAGE or DISCONNECT, and how the gateway answered."""

    epoch_ms: int
    kind: str
    route: str
    connection: Connection
    status: int = 200
    error: str | None = None  # $context.error.message
    cause: str = "-"  # $context.error.responseType
    integration_ms: int | None = None  # None: no integration answered
    failed: str | None = None  # "client", "execution" or "integration": the error metric it counts in


class Sockets:
    """A stage's open connections, carried from one span of time to the next, and the events they make."""

    def __init__(self, rng: random.Random, profile: SocketTraffic, routes: list[tuple[str, float]]):
        self.rng, self.profile = rng, profile
        self.open: list[tuple[int, int, Connection]] = []  # a heap by when each connection ends
        self._order = itertools.count()
        self.aim(routes)

    def aim(self, routes: list[tuple[str, float]]) -> None:
        """Where messages go from now on: (route key, share); `$default` alone if no route is named."""
        self.routes = [key for key, _ in routes] or ["$default"]
        self.weights = list(itertools.accumulate(w for _, w in routes)) or [1.0]

    @property
    def message_rate(self) -> float:
        """Messages a minute of one open connection."""
        return self.profile.messages_per_connection / self.profile.minutes_connected

    def warm(self, at_ms: int) -> None:
        """The connections open at `at_ms`, as many as the load then keeps open (their CONNECT is earlier)."""
        profile, rng = self.profile, self.rng
        accepted = profile.connects(at_ms / 1000) * (1 - profile.client_errors) * (1 - profile.server_errors)
        for _ in range(poisson(rng, accepted * profile.minutes_connected)):
            connection = self._connection(at_ms)  # lifetimes are memoryless: it ends as a new one would
            connection.connected_ms -= int(rng.expovariate(1 / profile.minutes_connected) * 60_000)
            self._open(connection)

    def run(self, start_ms: int, end_ms: int) -> list[Event]:
        """The events of [start_ms, end_ms), in time order: messages of the connections open at the start,
        new connections, and the disconnections due."""
        rng, profile = self.rng, self.profile
        minutes = (end_ms - start_ms) / 60_000
        events = []
        if self.open:
            for _ in range(poisson(rng, len(self.open) * self.message_rate * minutes)):
                connection = rng.choice(self.open)[2]
                at = start_ms + int(rng.random() * (end_ms - start_ms))
                if at < connection.ends_ms:
                    route = rng.choices(self.routes, cum_weights=self.weights)[0]
                    events.append(self._called(at, MESSAGE, route, connection))
        for _ in range(poisson(rng, profile.connects((start_ms + end_ms) / 2000) * minutes)):
            at = start_ms + int(rng.random() * (end_ms - start_ms))
            connection = self._connection(at)
            if rng.random() < profile.client_errors:
                status, error, cause = DENIED if rng.random() < DENIED_SHARE else UNAUTHORIZED
                events.append(Event(at, CONNECT, "$connect", connection, status, error, cause, None, "client"))
                continue
            event = self._called(at, CONNECT, "$connect", connection)
            events.append(event)
            if event.failed is None:
                self._open(connection)
        while self.open and self.open[0][0] < end_ms:
            connection = heapq.heappop(self.open)[2]
            events.append(Event(max(connection.ends_ms, start_ms), DISCONNECT, "$disconnect", connection,
                                integration_ms=self._latency()))
        events.sort(key=lambda e: e.epoch_ms)
        return events

    def _called(self, at: int, kind: str, route: str, connection: Connection) -> Event:
        """An event whose route integration is called: answered, or failed as FAILURES say."""
        rng = self.rng
        if rng.random() >= self.profile.server_errors:
            return Event(at, kind, route, connection, integration_ms=self._latency())
        status, error, cause, failed = rng.choices(FAILURES, FAILURE_SHARES)[0]
        latency = None if cause == "INTEGRATION_FAILURE" else TIMEOUT_MS if status == 504 else self._latency()
        return Event(at, kind, route, connection, status, error, cause, latency, failed)

    def _latency(self) -> int:
        return max(1, int(self.profile.latency_ms * self.rng.lognormvariate(0, 0.5)))

    def _connection(self, at_ms: int) -> Connection:
        rng = self.rng
        lasts = int(rng.expovariate(1 / self.profile.minutes_connected) * 60_000) + 1
        return Connection(_id(rng), at_ms, at_ms + lasts, rng.choice(CLIENT_IPS), user_agent(rng, at_ms))

    def _open(self, connection: Connection) -> None:
        heapq.heappush(self.open, (connection.ends_ms, next(self._order), connection))


def _id(rng: random.Random) -> str:
    """An id as API Gateway writes WebSocket ids (connection, request, message): 16 base64 characters."""
    return base64.urlsafe_b64encode(rng.randbytes(11)).decode()


def context(rng: random.Random, event: Event, where: Where) -> dict[str, str]:
    """The $context variables of one event; the stage's format picks the ones it logs."""
    connection = event.connection
    integration = "-" if event.integration_ms is None else str(event.integration_ms)
    called = event.failed != "client"
    answered = event.failed is None or event.failed == "integration"
    values = {
        "requestId": _id(rng),
        "extendedRequestId": _id(rng),
        "apiId": where.api_id,
        "stage": where.stage,
        "domainName": f"{where.api_id}.execute-api.{where.region}.amazonaws.com",
        "connectionId": connection.id,
        "connectedAt": str(connection.connected_ms),
        "eventType": event.kind,
        "routeKey": event.route,
        "messageDirection": "IN",
        "status": str(event.status),
        "requestTime": _request_time(event.epoch_ms // 1000),
        "requestTimeEpoch": str(event.epoch_ms),
        "identity.sourceIp": connection.ip,
        "identity.userAgent": connection.agent,
        "integrationLatency": integration,
        "integration.latency": integration,
        "integration.status": str(event.status) if called and answered else "-",
        "error.message": event.error or "-",
        "error.messageString": f'"{event.error}"' if event.error else "-",
        "error.responseType": event.cause,
    }
    if event.kind == MESSAGE:
        values["messageId"] = _id(rng)
    if event.kind == CONNECT:
        values["authorizer.status"] = str(event.status) if not called else "200"
        if not called:
            values["authorizer.error"] = event.error or "-"
    return values


# --- Metrics ----------------------------------------------------------------------------------------

COUNTERS = ("ConnectCount", "MessageCount", "ClientError", "ExecutionError", "IntegrationError")
_FAILED = {"client": "ClientError", "execution": "ExecutionError", "integration": "IntegrationError"}


@dataclass
class Minute:
    """What one minute of a stage (or of one of its routes) counts; `events` is each counter's sample."""

    events: int = 0
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    latency: dict[float, int] = field(default_factory=lambda: defaultdict(int))


class Counts:
    """Per-minute metrics of a stage's events, by stage and (with detailed metrics) by route."""

    def __init__(self, detailed: Collection[str]) -> None:
        self.detailed = detailed  # the routes with detailed metrics: counted by route too
        self.minutes: dict[tuple[int, str | None], Minute] = {}  # (minute, route or None: the stage)

    def add(self, event: Event) -> None:
        minute = event.epoch_ms // 60_000
        for route in (None, event.route) if event.route in self.detailed else (None,):
            counted = self.minutes.get((minute, route))
            if counted is None:
                counted = self.minutes[(minute, route)] = Minute()
            counted.events += 1
            if event.kind == CONNECT and event.failed != "client":
                counted.counters["ConnectCount"] += 1
            elif event.kind == MESSAGE:
                counted.counters["MessageCount"] += 1
            if event.failed:
                counted.counters[_FAILED[event.failed]] += 1
            if event.integration_ms is not None:
                counted.latency[latency_bucket(event.integration_ms)] += 1

    def datums(self, api_id: str, stage: str, *, everything: bool = False, before: int = 0) -> list[dict[str, Any]]:
        """PutMetricData datums of the minutes before minute `before` (all of them, with `everything`), which
        are then forgotten. Counters as per-event 0/1 values (Sum counts, Average is the share), as API
        Gateway's; each minute's events are its counters' sample (a CONNECT is a 0 in MessageCount); latencies
        as a histogram, so percentiles exist."""
        done = sorted((key for key in self.minutes if everything or key[0] < before), key=lambda k: (k[0], k[1] or ""))
        datums: list[dict[str, Any]] = []
        for minute_index, route in done:
            minute = self.minutes.pop((minute_index, route))
            dimensions = [{"Name": "ApiId", "Value": api_id}, {"Name": "Stage", "Value": stage}]
            if route is not None:
                dimensions.append({"Name": "Route", "Value": route})
            base = {"Dimensions": dimensions, "Timestamp": minute_index * 60.0}
            for name, count in minute.counters.items():
                datums.append(base | {"MetricName": name, "Unit": "Count", **counter_minute(count, minute.events)})
            if minute.latency:
                items = sorted(minute.latency.items())
                datums.append(base | {"MetricName": "IntegrationLatency", "Unit": "Milliseconds",
                                      "Values": [v for v, _ in items], "Counts": [float(c) for _, c in items]})
        return datums
