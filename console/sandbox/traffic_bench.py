"""What the traffic generator costs: CPU seconds per simulated second at a given request rate.

The budget is a quarter of one core at 500 simulated requests a second. The figure is the whole
process's CPU time (`time.process_time`) over one-second steps, so it includes the in-process
sandbox answering the generator's reads and writes, not only the generator's own Python.
Run it as `python -m console.sandbox.traffic_bench [RATE] [SECONDS]`; it needs its own process,
since the seeded estate goes into moto's process-wide backends.
"""

from __future__ import annotations

import dataclasses
import sys
import time

from console.sandbox.traffic import LIVE_LOAD, Traffic, seeded_profiles

BUDGET = 0.25  # CPU seconds per simulated second


def scaled_profiles(rate: float) -> dict:
    """The seeded profiles, scaled together so the estate receives `rate` requests a second."""
    profiles = seeded_profiles()
    total = sum(p.per_minute for p in profiles.values()) * LIVE_LOAD / 60
    return {name: dataclasses.replace(p, per_minute=p.per_minute * rate / total)
            for name, p in profiles.items()}


def cpu_per_second(url: str, rate: float = 500, seconds: int = 60) -> float:
    """CPU seconds the process spends per simulated second, stepping one second at a time."""
    traffic = Traffic(url, profiles=scaled_profiles(rate))
    now = time.time()
    traffic.step(1, now)  # the first read of the estate and client start-up are one-off costs
    started = time.process_time()
    for tick in range(1, seconds + 1):
        traffic.step(1, now + tick)
    traffic.close(now + seconds)
    return (time.process_time() - started) / seconds


def main(argv: list[str]) -> int:
    from console.sandbox.server import start

    rate = float(argv[0]) if argv else 500
    seconds = int(argv[1]) if len(argv) > 1 else 60
    sandbox = start(0, seeded=True)
    try:
        cost = cpu_per_second(sandbox.url, rate, seconds)
    finally:
        sandbox.stop()
    verdict = "PASS" if cost <= BUDGET else "FAIL"
    print(f"traffic at {rate:g} req/s: {cost * 1000:.0f} ms CPU per simulated second "
          f"({cost:.0%} of a core; budget {BUDGET:.0%}) {verdict}")
    return 0 if cost <= BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
