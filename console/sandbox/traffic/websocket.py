"""Live WebSocket traffic: a WebSocket stage's clients, stepped with the rest of the estate's.

The model is history_websocket's (connections that open, send messages on routes and close; the
authorizer refusing some $connect; the evening peak), carried on from tick to tick: each tick's events
become access-log lines in the stage's own format, and count in per-minute metrics (ConnectCount,
MessageCount, ClientError, ExecutionError, IntegrationError, IntegrationLatency; by ApiId and Stage,
and by Route where detailed metrics are on) sent once their minute is over, as traffic.sinks does for
REST and HTTP stages. Throttles and execution logs of WebSocket stages are not simulated.
"""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import UTC, datetime

from console.sandbox.estate_types import Traffic as Profile
from console.sandbox.history import render
from console.sandbox.history_websocket import LIFECYCLE_ROUTES, Counts, Sockets, SocketTraffic, Where, context
from console.sandbox.traffic.estate import Stage
from console.sandbox.traffic.sinks import LogSink, MetricSink


class SocketRun:
    """One WebSocket stage's clients: their open connections and the minutes not yet sent."""

    def __init__(self, logs: LogSink, metrics: MetricSink, rng: random.Random):
        self.logs, self.metrics = logs, metrics
        self.rng = rng
        self.sockets: Sockets | None = None
        self.counts = Counts(())
        self.stage: Stage | None = None

    def simulate(self, stage: Stage, profile: Profile, start: float, seconds: float) -> None:
        """The stage's events in [start, start + seconds), logged and counted; the minutes over, sent."""
        routes = [(e.route_key or "$default", e.weight) for e in stage.endpoints
                  if e.route_key not in LIFECYCLE_ROUTES and e.weight > 0]
        start_ms, end_ms = int(start * 1000), int((start + seconds) * 1000)
        sockets = self.sockets
        if sockets is None:
            sockets = self.sockets = Sockets(self.rng, _socket_profile(profile), routes)
            sockets.warm(start_ms)
        sockets.profile = _socket_profile(profile)
        sockets.aim(routes)
        self.stage = stage
        self.counts.detailed = {e.route_key for e in stage.endpoints if e.detailed and e.route_key}
        where = Where(stage.api_id, stage.name, stage.region)
        group, log_format = stage.log_group, stage.log_format
        for event in sockets.run(start_ms, end_ms):
            self.counts.add(event)
            if group and log_format:
                self.logs.add(stage.region, group, event.epoch_ms, render(log_format, context(self.rng, event, where)))
        self.flush(start + seconds)

    def flush(self, now: float, *, everything: bool = False) -> None:
        """Send the minutes that are over (all of them, with `everything`)."""
        stage = self.stage
        if stage is None:
            return
        datums = self.counts.datums(stage.api_id, stage.name, everything=everything, before=int(now // 60))
        for datum in datums:
            datum["Timestamp"] = datetime.fromtimestamp(datum["Timestamp"], UTC)
        if datums:
            self.metrics.put(stage.region, datums)


def _socket_profile(profile: Profile) -> SocketTraffic:
    """A WebSocket stage's profile: the seeded one as it is; a plain one (a test's) with the default shape."""
    if isinstance(profile, SocketTraffic):
        return profile
    return SocketTraffic(**{f.name: getattr(profile, f.name) for f in fields(Profile)})
