"""StartLiveTail as the CloudWatch Logs API reference describes it, over a real event stream.

moto 5.2.5 sends one snapshot of old events and closes, and resolves any identifier to the last
log group created. Here a session streams `application/vnd.amazon.eventstream` frames: the
`initial-response` botocore requires of JSON-protocol streams, one `sessionStart`, then a
`sessionUpdate` every second holding the events ingested since the previous one (only events put
after the session started, only from the named log groups and streams, only those matching
`logEventFilterPattern`), at most 500 of them with `sessionMetadata.sampled` saying whether
they were sampled down. The session ends when the client closes the stream, or after
SESSION_SECONDS (three hours, as AWS) with a SessionTimeoutException frame.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from console.sandbox import moto_seam
from console.sandbox.fidelity.logs_filter import Matcher

SESSION_SECONDS = 3 * 3600
UPDATE_SECONDS = 1.0
MAX_EVENTS_PER_UPDATE = 500
CONTENT_TYPE = "application/vnd.amazon.eventstream"


@dataclass
class Session:
    """What a session tails: (identifier as given, moto log group) pairs, stream filters, pattern."""

    groups: list[tuple[str, Any]]
    stream_names: list[str]
    stream_prefixes: list[str]
    matches: Matcher
    seen: dict[tuple[str, str], int] = field(default_factory=dict)  # events already passed, per stream

    def __post_init__(self) -> None:
        for _, group, name, stream in self._streams():
            self.seen[(group.name, name)] = len(stream.events)

    def new_events(self) -> list[dict[str, Any]]:
        """Matching events ingested since the last call (since the start, the first time)."""
        found = []
        for identifier, group, name, stream in self._streams():
            events = stream.events
            start, self.seen[(group.name, name)] = self.seen.get((group.name, name), 0), len(events)
            found += [{"logStreamName": name, "logGroupIdentifier": identifier, "message": e.message,
                       "timestamp": e.timestamp, "ingestionTime": e.ingestion_time}
                      for e in events[start:] if self.matches(e.message)]
        return found

    def _streams(self) -> Iterator[tuple[str, Any, str, Any]]:
        for identifier, group in self.groups:
            for name, stream in list(group.streams.items()):
                if self._wanted(name):
                    yield identifier, group, name, stream

    def _wanted(self, name: str) -> bool:
        if self.stream_names:
            return name in self.stream_names
        return not self.stream_prefixes or any(name.startswith(p) for p in self.stream_prefixes)


def frames(session: Session, start: dict[str, Any]) -> Iterator[bytes]:
    """The session's event stream, one encoded frame per chunk."""
    yield _event("initial-response", {})
    yield _event("sessionStart", start)
    begun = tick = time.monotonic()
    while True:
        tick += UPDATE_SECONDS
        if tick - begun > SESSION_SECONDS:
            yield _exception("SessionTimeoutException", "The Live Tail session has timed out.")
            return
        time.sleep(max(0.0, tick - time.monotonic()))
        yield _event("sessionUpdate", update(session.new_events()))


def update(events: list[dict[str, Any]]) -> dict[str, Any]:
    """A sessionUpdate: every event, or a sample of 500 (time ordered) flagged as sampled."""
    sampled = len(events) > MAX_EVENTS_PER_UPDATE
    if sampled:
        events = sorted(random.sample(events, MAX_EVENTS_PER_UPDATE), key=lambda e: e["ingestionTime"])
    return {"sessionMetadata": {"sampled": sampled}, "sessionResults": events}


def start_payload(params: dict[str, Any]) -> dict[str, Any]:
    """The sessionStart frame: the session's ids and what it tails, as requested."""
    payload = {"requestId": str(uuid.uuid4()), "sessionId": str(uuid.uuid4()),
               "logGroupIdentifiers": params["logGroupIdentifiers"]}
    for name in ("logStreamNames", "logStreamNamePrefixes", "logEventFilterPattern"):
        if params.get(name):
            payload[name] = params[name]
    return payload


_ENCODER = moto_seam.event_stream_encoder()


def _event(event_type: str, payload: dict[str, Any]) -> bytes:
    return _ENCODER.encode_message(
        {":message-type": "event", ":event-type": event_type, ":content-type": "application/json"},
        json.dumps(payload).encode())


def _exception(exception_type: str, message: str) -> bytes:
    return _ENCODER.encode_message(
        {":message-type": "exception", ":exception-type": exception_type, ":content-type": "application/json"},
        json.dumps({"message": message}).encode())
