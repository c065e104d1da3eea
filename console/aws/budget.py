"""The control-plane budget: one token bucket shared by every API Gateway call the console makes.

API Gateway allows about 10 requests/s (burst 40) per account and region, shared with every other
tool. Holding our own calls to that keeps the console from being the reason a colleague's deploy is
throttled; the header shows when calls are being held back.
"""

from __future__ import annotations

import threading
import time

_EPSILON = 1e-9


class TokenBucket:
    def __init__(self, rate: float = 10.0, burst: int = 40, clock=time.monotonic, sleep=time.sleep):
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """How many calls are being held back right now."""
        return self._waiting

    def acquire(self) -> float:
        """Take one token, sleeping until one is free; returns the seconds waited."""
        waited = 0.0
        with self._lock:
            self._waiting += 1
        try:
            while True:
                with self._lock:
                    delay = self._take()
                if not delay:
                    return waited
                self._sleep(delay)
                waited += delay
        finally:
            with self._lock:
                self._waiting -= 1

    def try_acquire(self) -> bool:
        """Take one token if one is free now; never waits."""
        with self._lock:
            return not self._take()

    def _take(self) -> float:
        """Refill, then take a token (0.0) or say how long until one is free (under the lock)."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1 - _EPSILON:  # refills land a hair under 1.0 in floating point
            self._tokens = max(0.0, self._tokens - 1)
            return 0.0
        return (1 - self._tokens) / self.rate

    def attach(self, client) -> None:
        """Make every HTTP attempt of a boto3 client (retries included) take a token first."""
        client.meta.events.register("before-send", self._before_send)

    def _before_send(self, **_kwargs) -> None:
        self.acquire()
        return None
