"""The promotion gate: the evidence a canary must show before it is promoted without an override.

Three rules, from the `[canary]` config: the canary served at least `min_requests` over the window;
its 5xx rate is at most `max_5xx_margin` percentage points above the base's; its p99 latency is at
most `max_p99_ratio` times the base's. A rule that cannot be judged (no access log, too few
requests on either side) fails and says why: no evidence is not good evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.config import CanaryGate
from console.model import Api, Stage
from console.read.canary_compare import MIN_P99_SAMPLE, MIN_SAMPLE, Comparison, compare


@dataclass(frozen=True)
class Verdict:
    passed: tuple[str, ...]  # each rule met, with the figures that meet it
    failed: tuple[str, ...]  # each rule broken or not judgeable, and why

    @property
    def ok(self) -> bool:
        return not self.failed


def describe(gate: CanaryGate) -> str:
    """The rules in a line, as the rollout form and the docs state them."""
    return (f"≥{gate.min_requests} canary requests, 5xx within {_points(gate.max_5xx_margin)} of the base's, "
            f"p99 within {gate.max_p99_ratio:g}× the base's, over {gate.window_minutes} min")


def evidence(connection: Any, api: Api, stage: Stage, gate: CanaryGate, *, minutes: int | None = None,
             since: datetime | None = None, cloudwatch: bool = True) -> tuple[Comparison, Verdict]:
    """Base vs canary over the gate's window (or `minutes`, from `since` if later), and the verdict on it.
    The verdict rests on the access logs alone; `cloudwatch` adds CloudWatch's figures for the reader."""
    comparison = compare(connection, api, stage, minutes or gate.window_minutes, since=since, cloudwatch=cloudwatch)
    return comparison, evaluate(comparison, gate)


def evaluate(comparison: Comparison, gate: CanaryGate) -> Verdict:
    passed: list[str] = []
    failed: list[str] = []
    base, canary = comparison.base, comparison.canary
    window = f"the last {max(1, round((comparison.end - comparison.start).total_seconds() / 60))} min"
    if canary is None:
        reason = " ".join(comparison.notes) or "no canary is attached"
        return Verdict((), (f"the canary cannot be measured: {reason}",))

    def judge(ok: bool, met: str, broken: str) -> None:
        (passed if ok else failed).append(met if ok else broken)

    judge(canary.requests >= gate.min_requests,
          f"the canary served {canary.requests} requests in {window} (at least {gate.min_requests})",
          f"the canary served only {canary.requests} requests in {window}; the gate needs {gate.min_requests}")
    if base is None:
        failed.append("the base cannot be measured, so 5xx and p99 cannot be compared: " + " ".join(comparison.notes))
        return Verdict(tuple(passed), tuple(failed))
    if base.share_5xx is None or canary.share_5xx is None:
        failed.append(f"5xx rates need {MIN_SAMPLE}+ requests on each side (base {base.requests}, "
                      f"canary {canary.requests})")
    else:
        figures = f"canary 5xx {canary.share_5xx:.1f}% vs the base's {base.share_5xx:.1f}%"
        judge(canary.share_5xx <= base.share_5xx + gate.max_5xx_margin,
              f"{figures} (within {_points(gate.max_5xx_margin)})",
              f"{figures}: more than {_points(gate.max_5xx_margin)} above it")
    if base.p99 is None or canary.p99 is None:
        failed.append(f"p99 latency needs {MIN_P99_SAMPLE}+ timed requests on each side (base "
                      f"{len(base.latencies)}, canary {len(canary.latencies)})")
    else:
        figures = f"canary p99 {canary.p99:,.0f} ms vs the base's {base.p99:,.0f} ms"
        judge(canary.p99 <= base.p99 * gate.max_p99_ratio, f"{figures} (within {gate.max_p99_ratio:g}×)",
              f"{figures}: more than {gate.max_p99_ratio:g}× it")
    return Verdict(tuple(passed), tuple(failed))


def _points(margin: float) -> str:
    return f"{margin:g} percentage point{'' if margin == 1 else 's'}"
