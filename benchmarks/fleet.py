"""Fleet pulse: 3 accounts x 2 regions against one region's pulse in the same run, and the calls each
target made, counted at the sandbox (by the caller's account and the region it signed for).

Each target reads on its own connection and budget, 4 at once, so the fleet should take little more
than its slowest target; and no target may send more control-plane calls than its own budget allows
(the burst, plus its rate over the read), as AWS's limits are per account and region.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from benchmarks.common import Figure, seconds

ACCOUNTS, REGIONS = 3, ("us-east-1", "eu-west-1")
RUNS = 3
RATIO_TARGET = 1.5  # the 6-target fleet's time over one region's
CONTROL_PLANE = ("apigateway",)  # v1 and v2 both sign as apigateway


def run() -> list[Figure]:
    from console.config import Settings
    from console.read.fleet import fleet_pulse, parse_targets, read_target
    from console.sandbox import fleet

    config = Path(os.environ["AWS_CONFIG_FILE"])
    console_config = config.with_name("console.toml")
    os.environ["APIGW_CONSOLE_CONFIG"] = str(console_config)
    # The sandbox in a process of its own, started as an operator starts one: this process's threads then
    # wait on the network as on AWS, not on the sandbox's share of one interpreter.
    child = subprocess.Popen([sys.executable, "-m", "console", "sandbox", "--port", "0", "--no-traffic",
                              "--accounts", str(ACCOUNTS), "--regions", ",".join(REGIONS),
                              "--write-aws-config", str(config)], stdout=subprocess.PIPE, text=True)
    try:
        for line in child.stdout:
            if line.startswith(f"  fleet:    '{fleet.FLEET}'"):
                break
        targets = parse_targets([f"{p}@{r}" for p, r in _fleet_targets(console_config)])
        settings = Settings()
        counted = _count_calls()
        fleet_pulse(targets, settings)  # moto's first calls per service and account-region, out of the figures
        single, whole = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            read_target(targets[0], settings)
            single.append(time.perf_counter() - started)
            counted.clear()
            started = time.perf_counter()
            answers = fleet_pulse(targets, settings)
            whole.append(time.perf_counter() - started)
    finally:
        child.terminate()
        child.wait(timeout=30)
    failed = [str(a.target) for a in answers if a.problem]
    control = max(n for (_key, _region, service), n in counted.items() if service in CONTROL_PLANE)
    every: Counter = Counter()
    for (key, region, _service), n in counted.items():
        every[(key, region)] += n
    allowed = settings.budget_burst + settings.budget_rate * max(whole)
    ratio = sorted(w / s for w, s in zip(whole, single))[len(whole) // 2]
    return [
        seconds("fleet pulse, 1 region (the seeded estate)", single),
        seconds(f"fleet pulse, {ACCOUNTS} accounts x {len(REGIONS)} regions", whole,
                note=f"{len(targets)} targets, {len(failed)} failed"),
        Figure("fleet / single region", round(ratio, 2), "x", RATIO_TARGET, "median of the runs' ratios"),
        Figure("control-plane calls, busiest target", control, "calls", allowed,
               f"its budget: burst {settings.budget_burst} + {settings.budget_rate:g}/s over the read"),
        Figure("calls per target (every service)", max(every.values()), "calls", None,
               f"min {min(every.values())} over {len(every)} targets"),
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
