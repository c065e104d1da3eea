"""One-shot reads against the AWS CLI (v1, from the dev extra) in the same run: `apis --output json` beside
`aws apigateway get-rest-apis`, and `stage API STAGE --output json` beside `aws apigateway get-stage`.

Each command runs as a user runs it, in a process of its own, against one sandbox in a third process,
in turn (ours, theirs, ours, …), RUNS times; the figure is the median of ours over the median of
theirs. The console's `apis` reads REST and HTTP/WebSocket APIs (two lists) where the AWS CLI's
command reads one, and `stage` resolves the API by name first: the console does more in each pair.
The console's modules are compiled first, as an install compiles them (an editable install under
PYTHONDONTWRITEBYTECODE would compile them on every run; the AWS CLI's came compiled from its wheel).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import Figure

RUNS = 7
RATIO_TARGET = 0.7  # the console's time over the AWS CLI's


def run() -> list[Figure]:
    from console.sandbox import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
    from console.sandbox.process import spawn

    aws = shutil.which("aws", path=str(Path(sys.executable).parent))
    if aws is None:
        return [Figure("one-shot reads: the AWS CLI", 0, "s", note="skipped: no `aws` beside this Python "
                                                                    "(the dev extra brings it)")]
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "console"), str(root / "actions")], check=True,
                   stdout=subprocess.DEVNULL)
    child = spawn("--no-traffic", "--control-plane-limits", "off")
    try:
        env = os.environ | {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
                            "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": ""}
        where = ["--endpoint-url", child.url, "--region", REGION]
        api_id = _api_id(aws, where, env, "orders-api")
        pairs = {
            "apis": ([sys.executable, "-m", "console", "apis", "--output", "json", *where],
                     [aws, "apigateway", "get-rest-apis", "--output", "json", *where]),
            "stage": ([sys.executable, "-m", "console", "stage", "orders-api", "prod", "--output", "json", *where],
                      [aws, "apigateway", "get-stage", "--rest-api-id", api_id, "--stage-name", "prod",
                       "--output", "json", *where]),
        }
        figures = []
        for name, (ours, theirs) in pairs.items():
            _timed(ours, env), _timed(theirs, env)  # each program's files in the page cache, out of the figures
            mine, peer = [], []
            for _ in range(RUNS):
                mine.append(_timed(ours, env))
                peer.append(_timed(theirs, env))
            ratio = statistics.median(mine) / statistics.median(peer)
            figures += [
                Figure(f"one-shot {name} --output json", round(statistics.median(mine), 3), "s",
                       note=f"median of {RUNS}; the AWS CLI's {statistics.median(peer):.3f} s"),
                Figure(f"one-shot {name}: console / AWS CLI v1", round(ratio, 2), "x", RATIO_TARGET,
                       f"{' '.join(theirs[1:3])} beside it"),
            ]
        return figures
    finally:
        child.close()


def _api_id(aws: str, where: list[str], env: dict[str, str], name: str) -> str:
    found = subprocess.run([aws, "apigateway", "get-rest-apis", "--query", f"items[?name=='{name}'].id | [0]",
                            "--output", "text", *where], env=env, capture_output=True, text=True, check=True)
    return found.stdout.strip()


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, timeout=120)
    return time.perf_counter() - started
