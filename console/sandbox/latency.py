"""A distant region's round trip, on request: each client call answered after a set delay.

On loopback a call takes about a millisecond; to AWS it takes tens to hundreds, so what a console
does in parallel (a fleet pulse over many account-regions) shows its worth only when each call waits
as long as it would on the network. `apigw-console sandbox --latency MS` holds each of a client's
calls for MS milliseconds before answering it; the sandbox's own calls (seeding, its traffic) are
never held. The wait is a sleep in the request's own thread, so calls overlap as they would on AWS.
"""

from __future__ import annotations

import time

from console.sandbox.control_plane import INTERNAL_HEADER

MAX_LATENCY_MS = 5_000


class Latency:
    def __init__(self) -> None:
        self.seconds = 0.0  # set once the estate is seeded

    def hold(self, call) -> None:
        """A gate that never refuses: it only waits, for a client's call."""
        if self.seconds and not call.headers.get(INTERNAL_HEADER):
            time.sleep(self.seconds)
        return None


LATENCY = Latency()
