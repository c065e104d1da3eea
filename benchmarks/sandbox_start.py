"""Sandbox start to first answered request: how long `--sandbox` keeps a user waiting for data.

`spawn()` is what the console does for `--sandbox`: a child process that imports moto, serves,
puts the seeded estate in place, then announces its URL. The first start after an install or an
upgrade builds the estate through the API and keeps a snapshot (console.sandbox.snapshot); every
later start restores it. Both are measured, from an empty cache (benchmarks.common.isolate_aws).
The in-process `start(seeded=True)` is the same work with moto already imported, which tells the
imports and the seeding apart.
"""

from __future__ import annotations

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
    first = _spawned()  # the cache is empty: this start builds the estate and keeps the snapshot
    return [
        Figure("sandbox spawn → answered, first start", first, "s",
               note="builds the estate through the API and keeps a snapshot; once per install or upgrade"),
        seconds("sandbox spawn → GET /restapis answered", [_spawned() for _ in range(RUNS)], TARGET,
                "child process, as --sandbox; seeded estate restored from the snapshot"),
        seconds("in-process start(seeded=True)", [_in_process() for _ in range(RUNS)],
                note="moto and boto3 already imported; history still to write"),
        seconds("seeded history written on first demand", [_history() for _ in range(RUNS)],
                note="3 h of metrics, the last hour's log lines, before the first Logs/CloudWatch answer"),
    ]


def _spawned() -> float:
    from console.sandbox.process import spawn

    started = time.perf_counter()
    child = spawn()
    try:
        _answers_with_seeded_apis(child.url)
        return time.perf_counter() - started
    finally:
        child.close()


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
