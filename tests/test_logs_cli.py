"""`apigw-console logs / metrics / pulse / access-logging` against the sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest
from once import once
from traffic_helpers import stepped

from console.cli import main
from console.logs.access_log import parser_for
from console.logs.tail import history
from console.sandbox.estate import ORDERS_API, REST_DETAILED_FORMAT

HERE = "ap-northeast-1"  # this module's own region
GROUP = "/aws/apigateway/orders-api/prod/access"


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="module")
def live(sandbox):
    return once(sandbox, __name__, lambda: build_live(sandbox))


def build_live(sandbox):
    running = stepped(sandbox.url, HERE, rest_apis=(ORDERS_API,), stages=(("orders-api", "prod"),))
    for _ in range(6):
        running.step(10.0)
    running.traffic.close(time.time())
    return running


def run(capsys, live, *words: str, region: str = HERE) -> tuple[int, str, str]:
    code = main([*words, "--endpoint-url", live.url, "--region", region])
    out, err = capsys.readouterr()
    return code, out, err


def test_logs_prints_every_line_of_the_range_in_order(live, capsys):
    code, out, _ = run(capsys, live, "logs", "orders-api", "prod", "--since", "2m")
    assert code == 0
    lines = out.splitlines()
    truth = list(history(live.client("logs"), [GROUP], int((time.time() - 120) * 1000), None,
                         parser_for(REST_DETAILED_FORMAT)))
    assert len(lines) >= len(truth) > 20
    stamps = [line.split()[0] for line in lines]
    assert stamps == sorted(stamps)  # ISO timestamps: text order is time order
    ids = [line.split()[6] for line in lines]
    assert len(ids) == len(set(ids)) and {t.entry.request_id for t in truth} <= set(ids)


def test_logs_as_json_lines_with_a_status_filter(live, capsys):
    code, out, _ = run(capsys, live, "logs", "orders-api", "prod", "--since", "5m", "--status", "4xx,5xx",
                       "--output", "json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(row["status"] >= 400 for row in rows)
    first = rows[0]
    assert first["fields"]["requestId"] == first["request_id"] and first["group"] == GROUP
    assert {"latency_ms", "route", "method", "ip", "api_key_id", "error_message", "message"} <= set(first)


def test_logs_with_a_text_filter(live, capsys):
    code, out, _ = run(capsys, live, "logs", "orders-api", "prod", "--since", "5m", "--filter", "POST",
                       "--output", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and all("POST" in row["message"] for row in rows)


def test_a_stage_without_access_logging_is_said_plainly_and_the_change_offered(live, capsys, scratch_apis,
                                                                                scratch_region, aws):
    api = scratch_apis["REST"]
    code, _, err = run(capsys, live, "logs", api, "dev", region=scratch_region)
    assert code == 1 and "no access logging" in err and f"apigw-console access-logging {api}" not in err
    assert "access-logging scratch-rest-" in err
    code, out, _ = run(capsys, live, "access-logging", api, "dev", "--dry-run", region=scratch_region)
    words = " ".join(out.split())  # rich wraps the plan at the terminal's width
    assert code == 0 and "does not exist yet" in words and "Dry run: nothing was sent" in words
    code, out, _ = run(capsys, live, "access-logging", api, "dev", "--yes", "--group", "/custom/dev", "--output",
                       "json", region=scratch_region)
    assert code == 0 and json.loads(out)["applied"] is True
    stage = aws("apigateway", scratch_region).get_stage(restApiId=api, stageName="dev")
    assert stage["accessLogSettings"]["destinationArn"].endswith(":log-group:/custom/dev")


def test_metrics_and_pulse_as_json(live, capsys):
    code, out, _ = run(capsys, live, "metrics", "orders-api", "prod", "--window", "15m", "--output", "json")
    found = json.loads(out)
    assert code == 0 and found["window"] == "15m" and found["period_seconds"] == 60
    series = {(s["metric"], s["stat"]): s for s in found["series"]}
    assert sum(series[("count", "Sum")]["values"]) > 0 and series[("latency", "p99")]["values"]
    code, out, _ = run(capsys, live, "pulse", "--output", "json")
    rows = json.loads(out)
    assert code == 0 and {r["api"] for r in rows} == {"orders-api"}
    prod = next(r for r in rows if r["stage"] == "prod")
    assert prod["requests"] > 0 and len(prod["requests_per_minute"]) == 15
    assert prod["window_end"].endswith(":00Z") and {"pct_4xx", "pct_429", "pct_5xx", "p99_ms", "alarm",
                                                     "score"} <= prod.keys()
    code, out, _ = run(capsys, live, "pulse")
    assert code == 0 and "Pulse of ap-northeast-1" in out and "orders-api ›" in out


def test_logs_follow_prints_new_lines_until_interrupted(live):
    started = time.time()  # every line the fixture's traffic wrote is older
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "logs", "orders-api", "prod", "--since", "5s", "--follow",
         "--endpoint-url", live.url, "--region", HERE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"})
    out: list[str] = []
    err: list[str] = []
    readers = [threading.Thread(target=lambda pipe=pipe, into=into: into.extend(pipe), daemon=True)
               for pipe, into in ((process.stdout, out), (process.stderr, err))]
    for reader in readers:
        reader.start()

    def wait_for(condition, what: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert process.poll() is None, f"the process ended before {what}: {''.join(err)}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {''.join(err)}"
            time.sleep(0.05)

    try:
        wait_for(lambda: any("StartLiveTail" in line for line in err), "its LiveTail session", 20)
        for _ in range(4):
            live.step(1.0)  # the second before now
            time.sleep(0.3)

        def new_lines() -> list[str]:
            return [line for line in out if stamp(line) > started]

        wait_for(lambda: len(new_lines()) >= 2, "the new lines", 10)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        for reader in readers:
            reader.join(timeout=5)
    assert process.returncode == 0, "".join(err)
    assert len(new_lines()) >= 2 and "LiveTail" in "".join(err)


def stamp(line: str) -> float:
    """The epoch seconds of a printed line's first field, an ISO 8601 time in UTC ("...Z")."""
    return datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()


def test_logs_between_two_iso_times(live, capsys):
    now = datetime.now().astimezone()
    since, until = now - timedelta(minutes=3), now - timedelta(minutes=1)
    code, out, _ = run(capsys, live, "logs", "orders-api", "prod", "--since", since.isoformat(timespec="seconds"),
                       "--until", until.isoformat(timespec="seconds"), "--output", "json")
    times = [datetime.fromisoformat(json.loads(line)["time"]) for line in out.splitlines()]
    assert code == 0 and times and all(since.replace(microsecond=0) <= t <= until for t in times)
    code, _, err = run(capsys, live, "logs", "orders-api", "prod", "--until", "now", "--follow")
    assert code == 2 and "--until" in err


def test_metrics_names_each_cloudwatch_metric_once_and_whole(sandbox, capsys, monkeypatch):
    """A WebSocket stage's table, at 80 columns: AWS's names (MessageCount, not the console's "count"),
    whole, and its IntegrationLatency once per statistic (it is the console's latency too)."""
    monkeypatch.setenv("COLUMNS", "80")
    code = main(["metrics", "live-notifications-ws", "prod", "--window", "1h", "--endpoint-url", sandbox.url,
                 "--region", "us-east-1"])
    out = capsys.readouterr().out
    rows = [line.split()[:2] for line in out.splitlines() if line and line.split()[0][0].isupper()]
    assert code == 0 and ["MessageCount", "Sum"] in rows and ["ConnectCount", "Sum"] in rows
    assert rows.count(["IntegrationLatency", "p99"]) == 1 and not any(r[0] in ("count", "latency") for r in rows)
    assert all(len(line) <= 80 for line in out.splitlines())
