"""Fetching 100,000 historical access-log lines from the sandbox: `apigw-console logs` against `awslogs get`.

Both run as a user runs them, in their own processes, on the same group of a sandbox in a third
process, over the same hour, printing every line. awslogs comes from PyPI into a temporary venv that
this benchmark makes; if it cannot be installed the comparison is skipped and says why. The target
(issue 17): the console in at most half awslogs's time. Each side's own CPU time (user + system, of
its process and children) is reported too, to tell its work from the sandbox's.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from benchmarks.common import Figure

LINES = 100_000
BATCH = 2_000  # PutLogEvents: at most 1 MB a call
GROUP = "/aws/apigateway/orders-api/prod/access"


def run() -> list[Figure]:
    from console.sandbox import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
    from console.sandbox.process import spawn

    child = spawn("--no-traffic")
    try:
        _write(child.url)
        env = os.environ | {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
                            "AWS_DEFAULT_REGION": REGION}
        ours, our_lines, our_cpu = _timed([sys.executable, "-m", "console", "logs", "orders-api", "prod", "--since",
                                           "1h", "--endpoint-url", child.url, "--region", REGION], env)
        figures = [Figure(f"logs: fetch {our_lines:,} lines (apigw-console logs)", round(ours, 2), "s",
                          note=f"{our_lines / ours:,.0f} lines/s, parsed and printed; sandbox in its own process"),
                   Figure("logs: apigw-console CPU for that fetch", round(our_cpu, 2), "s",
                          note="user + system of its process; the rest of its time is the sandbox's")]
        awslogs, why = _awslogs()
        if awslogs is None:
            print(f"log_fetch: awslogs comparison skipped: {why}", file=sys.stderr)
            return figures + [Figure("logs: awslogs get, same lines", 0, "s", note=f"skipped: {why}")]
        try:
            theirs, their_lines, their_cpu = _timed([awslogs, "get", GROUP, "ALL", "-s", "1h", "-G", "-S", "--no-color",
                                                     "--aws-endpoint-url", child.url, "--aws-region", REGION], env)
        finally:
            shutil.rmtree(os.path.dirname(os.path.dirname(awslogs)), ignore_errors=True)
        return figures + [
            Figure(f"logs: fetch {their_lines:,} lines (awslogs get)", round(theirs, 2), "s",
                   note=f"{their_lines / theirs:,.0f} lines/s, printed raw; its CPU {their_cpu:.1f} s"),
            Figure("logs: apigw-console time / awslogs time", round(ours / theirs, 2), "x", target=0.5,
                   note="paired in one run, on the same sandbox and lines"),
        ]
    finally:
        child.close()


def _write(url: str) -> None:
    """LINES lines of the stage's format over the last 50 minutes, in a stream of their own."""
    import boto3

    from benchmarks.log_lines import lines
    from console.sandbox import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
    from console.sandbox.estate import REST_DETAILED_FORMAT

    logs = boto3.client("logs", endpoint_url=url, region_name=REGION, aws_access_key_id=ACCESS_KEY_ID,
                        aws_secret_access_key=SECRET_ACCESS_KEY)
    stream = f"bench-{random.getrandbits(64):016x}"
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    start = int((time.time() - 3_000) * 1000)
    pairs = lines(REST_DETAILED_FORMAT, LINES, start, 3_000_000 / LINES)
    for offset in range(0, LINES, BATCH):
        logs.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=[
            {"timestamp": ts, "message": message} for ts, message in pairs[offset:offset + BATCH]])


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Seconds to run `command` to the end, the lines it printed, and its CPU seconds (user + system)."""
    with tempfile.TemporaryFile() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        finished = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, env=env, timeout=600)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        if finished.returncode:
            raise RuntimeError(f"{command[0:4]} failed: {finished.stderr.decode(errors='replace')[-400:]}")
        out.seek(0)
        return elapsed, sum(1 for _ in out), cpu


def _awslogs() -> tuple[str | None, str]:
    """awslogs installed from PyPI into a temporary venv: (its executable, "") or (None, why not)."""
    home = tempfile.mkdtemp(prefix="apigw-bench-awslogs-")
    venv = os.path.join(home, "venv")
    try:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True, capture_output=True, timeout=120)
        pip = subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--quiet", "awslogs"],
                             capture_output=True, text=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(home, ignore_errors=True)
        return None, f"could not make a venv for it ({exc})"
    executable = os.path.join(venv, "bin", "awslogs")
    if pip.returncode or not os.path.exists(executable):
        shutil.rmtree(home, ignore_errors=True)
        return None, "pip install awslogs failed: " + (pip.stderr.strip().splitlines() or ["no output"])[-1]
    return executable, ""
