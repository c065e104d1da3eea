"""The fleet pulse: every stage of many account-regions, ranked together by the pulse's score.

A target is PROFILE@REGION. AWS's limits are per account and region, so each target gets a Connection
of its own with its own control-plane budget (FilterLogEvents' is already per account and region), and
is read in a thread of a pool of at most MAX_PARALLEL. A target that fails (expired SSO, AccessDenied,
a region without API Gateway, an endpoint that does not answer) is an answer saying why in words; it
never stops or holds up the others, and answers are handed on as they arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from console.aws.errors import Problem, explain
from console.read.pulse import RegionPulse, StagePulse, region_pulse

MAX_PARALLEL = 16  # targets read at once: each holds a few connections and a thread, mostly waiting on the network


@dataclass(frozen=True)
class FleetTarget:
    profile: str
    region: str

    @classmethod
    def parse(cls, text: str) -> "FleetTarget":
        """PROFILE@REGION; a ValueError says what a target must look like."""
        from console.config import TARGET, TARGET_RULE

        found = TARGET.match(text.strip())
        if not found:
            raise ValueError(f"a target is {TARGET_RULE} (not {text.strip()!r})")
        return cls(found["profile"], found["region"])

    def __str__(self) -> str:
        return f"{self.profile}@{self.region}"


def parse_targets(texts: Sequence[str]) -> tuple[FleetTarget, ...]:
    """Targets from PROFILE@REGION strings (each may be a comma-separated list), duplicates dropped."""
    found = [FleetTarget.parse(part) for text in texts for part in text.split(",") if part.strip()]
    if not found:
        raise ValueError("name at least one target, PROFILE@REGION")
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class TargetPulse:
    """One target's answer: its pulse, or the Problem that stopped it (in words)."""

    target: FleetTarget
    account: str | None = None
    pulse: RegionPulse | None = None
    gaps: tuple[str, ...] = ()  # API lists that could not be read, in words
    problem: Problem | None = None

    def error_json(self) -> dict[str, Any]:
        return {"target": str(self.target), "profile": self.target.profile, "region": self.target.region,
                "account": self.account, "error": self.problem.message if self.problem else None}


@dataclass(frozen=True)
class FleetRow:
    """A stage's pulse and where it lives."""

    target: FleetTarget
    account: str
    row: StagePulse

    @property
    def score(self) -> float:
        return self.row.score

    def to_json(self) -> dict[str, Any]:
        return self.row.to_json() | {"account": self.account, "region": self.target.region,
                                     "profile": self.target.profile}


def read_target(target: FleetTarget, settings: Any, count_429s: bool = True) -> TargetPulse:
    """One target's pulse on a connection and budget of its own; any failure is the answer, in words."""
    from console.aws.budget import TokenBucket
    from console.aws.session import Connection, Target
    from console.read.gateway import Gateway
    from console.read.metrics import region_refs

    account = None
    try:
        connection = Connection(Target(profile=target.profile, region=target.region),
                                TokenBucket(settings.budget_rate, settings.budget_burst))
        # a role's account is in its ARN: asking STS would be one more client and round trip per target
        account = connection.role_account() or connection.identify().account
        gateway = Gateway(connection)
        found = region_pulse(connection, gateway, region_refs(gateway), count_429s=count_429s)
        gaps = tuple(f"{source}: not available here — {problem.message}"
                     for source, problem in gateway.gaps("apis").items())
        return TargetPulse(target, account, found, gaps)
    except Exception as exc:  # this target's failure is its row; the others carry on
        return TargetPulse(target, account, problem=explain(exc, profile=target.profile))


def fleet_pulse(targets: Sequence[FleetTarget], settings: Any,
                answered: Callable[[TargetPulse], None] | None = None,
                parallel: int = MAX_PARALLEL) -> list[TargetPulse]:
    """Every target's pulse, at most `parallel` at once; `answered` is called as each arrives (in the
    thread that called this). Returned in the targets' order."""
    answers: dict[FleetTarget, TargetPulse] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(targets))), thread_name_prefix="fleet") as pool:
        pending = {pool.submit(read_target, target, settings): target for target in targets}
        for done in as_completed(pending):
            answer = done.result()  # read_target never raises
            answers[answer.target] = answer
            if answered is not None:
                answered(answer)
    return [answers[target] for target in targets]


def ranked(answers: Sequence[TargetPulse]) -> list[FleetRow]:
    """Every stage of every target that answered, worst first by the pulse's score across the fleet."""
    rows = [FleetRow(a.target, a.account or "", row) for a in answers if a.pulse for row in a.pulse.rows]
    return sorted(rows, key=lambda r: (r.score, r.row.requests), reverse=True)
