"""What the sandbox's traffic generator costs: CPU seconds per simulated second at 500 requests a second.

The budget is a quarter of one core. The figure is the whole process's CPU time (`time.process_time`)
over one-second steps, so it includes the in-process sandbox answering the generator's reads and
writes (PutLogEvents, PutMetricData, the estate's reads), not only the generator's own Python.
"""

from __future__ import annotations

import dataclasses
import time

from benchmarks.common import Figure

RATE = 500  # simulated requests a second
SECONDS = 60
BUDGET_MS = 250.0  # CPU ms per simulated second: a quarter of one core


def run() -> list[Figure]:
    from console.sandbox.server import start

    sandbox = start(0, seeded=True)
    try:
        cost = _cpu_per_second(sandbox.url)
    finally:
        sandbox.stop()
    return [Figure(f"sandbox traffic at {RATE} req/s, CPU", round(cost * 1000), "ms/s", BUDGET_MS,
                   f"{cost:.0%} of one core per simulated second, over {SECONDS} one-second steps; "
                   "the in-process sandbox's answers included")]


def _scaled_profiles(rate: float) -> dict:
    """The seeded profiles, scaled together so the estate receives `rate` requests a second."""
    from console.sandbox.traffic.runner import LIVE_LOAD, seeded_profiles

    profiles = seeded_profiles()
    total = sum(p.per_minute for p in profiles.values()) * LIVE_LOAD / 60
    return {name: dataclasses.replace(p, per_minute=p.per_minute * rate / total) for name, p in profiles.items()}


def _cpu_per_second(url: str) -> float:
    from console.sandbox.traffic.runner import Traffic

    traffic = Traffic(url, profiles=_scaled_profiles(RATE))
    now = time.time()
    traffic.step(1, now)  # the first read of the estate and client start-up are one-off costs
    started = time.process_time()
    for tick in range(1, SECONDS + 1):
        traffic.step(1, now + tick)
    traffic.close(now + SECONDS)
    return (time.process_time() - started) / SECONDS
