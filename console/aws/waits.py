"""Calls in flight, so that no wait is silent: what each waits for, since when, on which attempt.

botocore retries inside one call; the operator sees nothing meanwhile. A `Waits` registered on every
client of a Connection notes each attempt (`before-send`) and each end (`after-call`,
`after-call-error`); the CLI says on stderr what it is still waiting for after `SLOW` seconds, the
TUI shows it in the header. Clients give up within about 30 s (see the session's timeouts).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

SLOW = 10.0  # seconds without an answer before the operator is told
MAX_ATTEMPTS = 3  # botocore's attempts per call: the session configures every client with it


@dataclass(frozen=True)
class Wait:
    what: str  # "apigateway GetRestApis"
    endpoint: str
    since: float  # monotonic, when the call started
    attempt: int

    def seconds(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.since

    def describe(self, max_attempts: int) -> str:
        return (f"still waiting for {self.endpoint} to answer {self.what} ({self.seconds():.0f} s, attempt "
                f"{self.attempt} of {max_attempts})")


class Waits:
    def __init__(self, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.max_attempts = max_attempts
        self._lock = threading.Lock()
        self._calls: dict[int, Wait] = {}  # by thread: one call at a time per thread

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-send", self._sending)
        events.register("after-call", self._done)
        events.register("after-call-error", self._done)

    def _sending(self, request: Any = None, event_name: str = "", **_: Any) -> None:
        key = threading.get_ident()
        _, service, operation = (event_name.split(".") + ["", ""])[:3]
        with self._lock:
            known = self._calls.get(key)
            if known is not None and known.what == f"{service} {operation}":
                self._calls[key] = Wait(known.what, known.endpoint, known.since, known.attempt + 1)
            else:
                host = urlsplit(getattr(request, "url", "") or "").netloc
                self._calls[key] = Wait(f"{service} {operation}", host, time.monotonic(), 1)

    def _done(self, **_: Any) -> None:
        with self._lock:
            self._calls.pop(threading.get_ident(), None)

    def slowest(self, at_least: float | None = None) -> Wait | None:
        """The call waiting longest, if it has waited `at_least` (default SLOW) seconds."""
        at_least = SLOW if at_least is None else at_least
        now = time.monotonic()
        with self._lock:
            waiting = [w for w in self._calls.values() if w.seconds(now) >= at_least]
        return max(waiting, key=lambda w: w.seconds(now), default=None)
