"""The seeded history ends where the live traffic begins: at the start, not at the minute before it."""

from __future__ import annotations

import random

from console.sandbox.estate_types import Traffic
from console.sandbox.history import _metric_datums, load

BUSY = Traffic(600, 0.02, 0.001, 30)  # ten requests a second


def requests_by_minute(now_ms: int) -> dict[float, float]:
    datums = _metric_datums(random.Random(7), BUSY, {"Count": "requests"}, {"ApiName": "a", "Stage": "prod"}, now_ms)
    return {d["Timestamp"]: sum(d["Counts"]) for d in datums}


def test_the_minute_the_sandbox_starts_in_holds_the_seconds_before_the_start():
    minute = 1_800_000_000 // 60 * 60
    counted = requests_by_minute((minute + 45) * 1000)
    expected = BUSY.per_minute * load(1.0) * 0.75  # 45 s of the running minute, at the window's end load
    assert abs(counted[float(minute)] - expected) < 5 * expected ** 0.5  # Poisson: five standard deviations
    assert float(minute + 60) not in counted and float(minute - 60) in counted


def test_a_start_on_the_minute_has_no_running_minute():
    minute = 1_800_000_000 // 60 * 60
    counted = requests_by_minute(minute * 1000)
    assert max(counted) == float(minute - 60) and len(counted) == 180
