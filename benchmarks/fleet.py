"""Fleet pulse: 3 accounts x 2 regions, and 10 accounts x 5 regions, each against one region's pulse in
the same run, and the calls each target made, counted at the client (by the caller's account and the
region it signed for).

The sandbox holds each call LATENCY_MS (`sandbox --latency`), as a round trip to AWS takes: on loopback
a call costs only CPU, and a fleet read in parallel would measure one interpreter's share of another.
Each target reads on its own connection and budget, several at once, so the fleet should take little
more than its slowest target times the rounds it needs; and no target may send more control-plane
calls than its own budget allows (the burst, plus its rate over the read), as AWS's limits are per
account and region.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from benchmarks.common import Figure, seconds

FLEETS = (  # (accounts, regions, target for the fleet's time over one region's)
    (3, ("us-east-1", "eu-west-1"), 1.5),
    (10, ("us-east-1", "eu-west-1", "us-west-2", "ap-south-1", "sa-east-1"), 3.0),
)
LATENCY_MS = 100  # each call's round trip, as to an AWS region: on loopback a call takes a millisecond
RUNS = 3
CONTROL_PLANE = ("apigateway",)  # v1 and v2 both sign as apigateway


def run() -> list[Figure]:
    return [figure for accounts, regions, target in FLEETS for figure in _fleet(accounts, regions, target)]


def _fleet(accounts: int, regions: tuple[str, ...], ratio_target: float) -> list[Figure]:
    """One fleet of `accounts` x `regions` on a sandbox of its own: a region's pulse and the fleet's, in turn."""
    from console.config import Settings
    from console.read.fleet import fleet_pulse, parse_targets, read_target
    from console.sandbox import fleet

    config = Path(os.environ["AWS_CONFIG_FILE"])
    console_config = config.with_name("console.toml")
    os.environ["APIGW_CONSOLE_CONFIG"] = str(console_config)
    # The sandbox in a process of its own, started as an operator starts one: this process's threads then
    # wait on the network as on AWS, not on the sandbox's share of one interpreter.
    seeding = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "console", "sandbox", "--port", "0", "--no-traffic",
                              "--latency", str(LATENCY_MS), "--accounts", str(accounts), "--regions",
                              ",".join(regions), "--write-aws-config", str(config)], stdout=subprocess.PIPE, text=True)
    try:
        for line in child.stdout:
            if line.startswith(f"  fleet:    '{fleet.FLEET}'"):
                break
        seeded = time.perf_counter() - seeding
        targets = parse_targets([f"{p}@{r}" for p, r in _fleet_targets(console_config)])
        settings = Settings()
        counted = _count_calls()
        fleet_pulse(targets, settings)  # moto's first calls per service and account-region, out of the figures
        single, whole, cpu = [], [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            read_target(targets[0], settings)
            single.append(time.perf_counter() - started)
            counted.clear()
            started, computing = time.perf_counter(), time.process_time()
            answers = fleet_pulse(targets, settings)
            whole.append(time.perf_counter() - started)
            cpu.append(time.process_time() - computing)
    finally:
        child.terminate()
        child.wait(timeout=30)
    failed = [str(a.target) for a in answers if a.problem]
    stages = sum(len(a.pulse.rows) for a in answers if a.pulse)
    control = max(n for (_key, _region, service), n in counted.items() if service in CONTROL_PLANE)
    every: Counter = Counter()
    for (key, region, _service), n in counted.items():
        every[(key, region)] += n
    allowed = settings.budget_burst + settings.budget_rate * max(whole)
    ratio = sorted(w / s for w, s in zip(whole, single))[len(whole) // 2]
    size = f"{accounts} accounts x {len(regions)} regions"
    return [
        seconds(f"fleet pulse, 1 region ({size} sandbox)", single,
                note=f"{LATENCY_MS} ms a call; the seeded estate, 12 stages"),
        seconds(f"fleet pulse, {size}", whole,
                note=f"{len(targets)} targets, {stages} stages, {len(failed)} failed; sandbox seeded in {seeded:.0f} s"),
        Figure(f"fleet / single region, {len(targets)} targets", round(ratio, 2), "x", ratio_target,
               "median of the runs' ratios"),
        Figure(f"control-plane calls, busiest of {len(targets)}", control, "calls", allowed,
               f"its budget: burst {settings.budget_burst} + {settings.budget_rate:g}/s over the read"),
        Figure(f"calls per target, {len(targets)} targets", max(every.values()), "calls", None,
               f"min {min(every.values())} over {len(every)} targets"),
        Figure(f"console CPU per target, {len(targets)} targets", round(statistics.median(cpu) / len(targets), 3), "s",
               None, "this process's CPU over the fleet read (the sandbox's is apart: on AWS it is AWS's)"),
    ]


def _fleet_targets(console_config: Path) -> list[tuple[str, str]]:
    """The (profile, region) targets of the fleet the sandbox added to the console's config."""
    from console.config import load

    return [tuple(t.split("@")) for t in dict(load(console_config).fleets)["sandbox"]]


def _count_calls() -> Counter:
    """Count every request this process sends by (access key, region, service) from its signature: each
    target signs with keys of its own (its assumed role's), so the key tells the targets apart."""
    from botocore.endpoint import Endpoint

    scope = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")
    counted: Counter = Counter()
    send = Endpoint._send

    def counting(self, request):
        found = scope.search(str(request.headers.get("Authorization", b""), "utf-8", "replace")
                             if isinstance(request.headers.get("Authorization"), bytes)
                             else request.headers.get("Authorization", ""))
        if found and found["service"] != "sts":
            counted[(found["key"], found["region"], found["service"])] += 1
        return send(self, request)

    Endpoint._send = counting
    return counted
