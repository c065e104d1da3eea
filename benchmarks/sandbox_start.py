"""Sandbox start to first answered request: how long `--sandbox` keeps a user waiting for data.

`spawn()` is what the console does for `--sandbox`: a child process that imports moto, serves,
puts the seeded estate in place, answers its own first GET /restapis, then announces its URL. The
first start after an install or an upgrade builds the estate through the API and keeps a snapshot
(console.sandbox.snapshot); every later start restores it. Both are measured, from an empty cache
(benchmarks.common.isolate_aws). The child's CPU seconds when the answer arrives are the wait on an
idle core (its threads share one interpreter), which a busy machine does not change: compare those
when others run beside the benchmark. The in-process `start(seeded=True)` is the same work with moto
already imported, which tells the imports and the seeding apart.
"""

from __future__ import annotations

import os
import time
import urllib.request

from benchmarks.common import Figure, seconds

RUNS = 5
TARGET = 1.0
SEEDED_API = b"orders-api"
# moto routes a request to a service by the credential scope of its (unchecked) signature.
AUTHORIZATION = ("AWS4-HMAC-SHA256 Credential=SANDBOXACCESSKEY/20240101/us-east-1/apigateway/aws4_request, "
                 "SignedHeaders=host, Signature=0")


def run() -> list[Figure]:
    first, _ = _spawned()  # the cache is empty: this start builds the estate and keeps the snapshot
    restored = [_spawned() for _ in range(RUNS)]
    return [
        Figure("sandbox spawn → answered, first start", first, "s",
               note="builds the estate through the API and keeps a snapshot; once per install or upgrade"),
        seconds("sandbox spawn → GET /restapis answered", [wall for wall, _ in restored], TARGET,
                "child process, as --sandbox; seeded estate restored from the snapshot"),
        seconds("  child's CPU when answered", [cpu for _, cpu in restored],
                note="its wait on an idle core, whatever else runs"),
        seconds("in-process start(seeded=True)", [_in_process() for _ in range(RUNS)],
                note="moto and boto3 already imported; history still to write"),
        seconds("seeded history written on first demand", [_history() for _ in range(RUNS)],
                note="3 h of metrics by stage and by method/route, the last hour's log lines, before the first "
                     "Logs/CloudWatch answer"),
    ]


def _spawned() -> tuple[float, float]:
    """Seconds from spawn to the answer, and the child's CPU seconds by then (0 where /proc is missing)."""
    from console.sandbox.process import spawn

    started = time.perf_counter()
    child = spawn()
    try:
        _answers_with_seeded_apis(child.url)
        return time.perf_counter() - started, _cpu_seconds(child.process.pid)
    finally:
        child.close()


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process `pid`, all its threads (Linux's /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _in_process() -> float:
    from console.sandbox.server import reset, start

    started = time.perf_counter()
    sandbox = start(seeded=True)
    elapsed = time.perf_counter() - started
    reset(sandbox.url)  # the next start seeds into the same (process-wide) moto backends
    sandbox.stop()
    return elapsed


def _history() -> float:
    from console.sandbox.history import PENDING
    from console.sandbox.server import reset, start

    sandbox = start(seeded=True)
    started = time.perf_counter()
    PENDING.settle()
    elapsed = time.perf_counter() - started
    reset(sandbox.url)
    sandbox.stop()
    return elapsed


def _answers_with_seeded_apis(url: str) -> None:
    request = urllib.request.Request(f"{url}/restapis", headers={"Authorization": AUTHORIZATION})
    with urllib.request.urlopen(request, timeout=10) as response:
        if SEEDED_API not in response.read():
            raise RuntimeError(f"{url}/restapis answered without the seeded {SEEDED_API.decode()}")
