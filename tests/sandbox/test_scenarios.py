"""Each rehearsal scenario starts, shows its symptom in the stage's access log, and ends when its
cause is fixed through the API, as a responder would fix it from the console.

Scenarios strike the seeded estate, which the shared sandbox's seeded regions must keep intact, so
the REST part of the estate is seeded again into a region no other test uses, and each scenario
strikes its own prod stage there. The engine is stepped over simulated time; one test runs the
real command in a child process.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from once import once

from console.cli import main
from console.sandbox.estate import (
    API_KEYS,
    CATALOG_API,
    ORDERS_API,
    PAYMENTS_API,
    USAGE_PLANS,
    seed_region,
)
from console.sandbox.estate_types import RegionEstate
from console.sandbox.scenarios import EXPIRED_KEYS, SCENARIOS, begin
from console.sandbox.traffic.runner import Traffic, seeded_profiles

REHEARSAL = "ca-central-1"


@pytest.fixture(scope="module")
def rehearsal(sandbox) -> str:
    return once(sandbox, __name__, lambda: build_rehearsal(sandbox))


def build_rehearsal(sandbox) -> str:
    """The sandbox URL, with the seeded REST estate copied into the rehearsal region. Its history ends an
    hour ago, so the tests' simulated windows (the last twenty minutes at most) hold their engine's
    requests only: the history's last hour logs every request too."""
    seed_region(sandbox.url, RegionEstate(REHEARSAL, rest_apis=(ORDERS_API, PAYMENTS_API, CATALOG_API),
                                          usage_plans=USAGE_PLANS, api_keys=API_KEYS), history_end=time.time() - 3600)
    return sandbox.url


def engine(url: str, scenario: str, now: float | None = None) -> Traffic:
    """The scenario begun, and an engine for its prod stage only."""
    incident = begin(scenario, url, REHEARSAL, now)
    api = SCENARIOS[scenario].api
    normal = {(REHEARSAL, name, stage): profile for (_, name, stage), profile in seeded_profiles().items()
              if name == api and stage == "prod"}
    return Traffic(url, regions=(REHEARSAL,), profiles=normal | incident.profiles, stale=incident.stale,
                   refresh_seconds=0, still_sent=incident.still_sent)


@pytest.fixture
def lines(aws):
    """lines(api, start, end, canary=False) -> the prod stage's access-log lines, as dicts."""
    def read(api: str, start: float, end: float, canary: bool = False) -> list[dict]:
        group = f"/aws/apigateway/{api}/prod/access" + ("/Canary" if canary else "")
        pages = aws("logs", REHEARSAL).get_paginator("filter_log_events").paginate(
            logGroupName=group, startTime=int(start * 1000), endTime=int(end * 1000) - 1)
        return [json.loads(event["message"]) for page in pages for event in page["events"]]

    return read


def share(lines: list[dict], test) -> float:
    return sum(map(test, lines)) / len(lines)


def test_list_describes_each_scenario_on_one_line(capsys):
    assert main(["sandbox", "--scenario", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out] == list(SCENARIOS)
    assert all(len(line) <= 120 for line in out)


def test_the_sandbox_help_names_every_rehearsal():
    from console.cli.parser import build_parser

    sandbox = next(a for a in build_parser()._subparsers._group_actions[0].choices["sandbox"]._actions
                   if "--scenario" in a.option_strings)
    assert all(name in sandbox.help for name in SCENARIOS)


def test_throttle_storm_sheds_429s_until_the_throttle_is_raised(rehearsal, lines, aws):
    start = time.time() - 60
    traffic = engine(rehearsal, "throttle-storm")
    traffic.step(20, start + 20)
    storm = lines(ORDERS_API.name, start, start + 20)
    api_id = next(a["id"] for a in aws("apigateway", REHEARSAL).get_rest_apis()["items"]
                  if a["name"] == ORDERS_API.name)
    aws("apigateway", REHEARSAL).update_stage(restApiId=api_id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "2000"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "5000"}])
    traffic.step(20, start + 40)
    calm = lines(ORDERS_API.name, start + 20, start + 40)
    assert len(storm) > 20 * 50
    # ~0.4: the stage's 5 req/s is each method's own (GET /orders and GET /orders/{orderId} get ~17 each);
    # POST /orders has its own throttle (200 req/s)
    assert share(storm, lambda line: line["status"] == "429" and line["errorMessage"] == "Too Many Requests") > 0.3
    assert share(calm, lambda line: line["status"] == "429") < 0.01


def test_bad_canary_raises_5xx_until_it_is_rolled_back(rehearsal, lines, aws):
    start = time.time() - 1200
    traffic = engine(rehearsal, "bad-canary")
    traffic.step(600, start + 600)
    canary = lines(PAYMENTS_API.name, start, start + 600, canary=True)
    stage = lines(PAYMENTS_API.name, start, start + 600)
    routed = {line["requestId"] for line in canary}
    base = [line for line in stage if line["requestId"] not in routed]
    api_id = next(a["id"] for a in aws("apigateway", REHEARSAL).get_rest_apis()["items"]
                  if a["name"] == PAYMENTS_API.name)
    aws("apigateway", REHEARSAL).update_stage(restApiId=api_id, stageName="prod", patchOperations=[
        {"op": "remove", "path": "/canarySettings"}])
    traffic.step(600, start + 1200)
    after = lines(PAYMENTS_API.name, start + 600, start + 1200)

    def failed(line: dict) -> bool:
        return line["status"].startswith("5")

    assert share(stage, lambda line: line["requestId"] in routed) == pytest.approx(0.2, abs=0.06)
    assert share(canary, failed) > 0.2
    assert share(base, failed) < 0.06
    assert share(stage, failed) > 1.5 * share(after, failed)
    assert not lines(PAYMENTS_API.name, start + 600, start + 1200, canary=True)


def test_stale_cache_serves_cached_404s_until_the_cache_is_flushed(rehearsal, lines, aws):
    start = time.time() - 240
    traffic = engine(rehearsal, "stale-cache", now=start)
    traffic.step(240, start + 240)
    stale = lines(CATALOG_API.name, start, start + 240)
    api_id = next(a["id"] for a in aws("apigateway", REHEARSAL).get_rest_apis()["items"]
                  if a["name"] == CATALOG_API.name)
    aws("apigateway", REHEARSAL).flush_stage_cache(restApiId=api_id, stageName="prod")
    flushed = time.time()
    traffic.step(120, flushed + 120)
    fresh = lines(CATALOG_API.name, flushed, flushed + 120)

    def cached_404(line: dict) -> bool:
        return line["status"] == "404" and line["integrationLatency"] == "-"

    assert share(stale, cached_404) > 0.08
    assert not any(map(cached_404, fresh))


def test_expired_keys_refuses_partners_with_invalid_api_key_until_the_keys_are_enabled(rehearsal, lines, aws):
    start = time.time() + 60  # minutes no other test and no seeded history wrote on the same stage
    traffic = engine(rehearsal, "expired-keys")
    traffic.step(60, start + 60)
    struck = lines(PAYMENTS_API.name, start, start + 60)
    apigw = aws("apigateway", REHEARSAL)
    for key in apigw.get_api_keys()["items"]:
        if key["name"] in EXPIRED_KEYS:
            apigw.update_api_key(apiKey=key["id"], patchOperations=[
                {"op": "replace", "path": "/enabled", "value": "true"}])
    traffic.step(60, start + 120)
    fixed = lines(PAYMENTS_API.name, start + 60, start + 120)

    def refused(line: dict) -> bool:
        return line["status"] == "403" and line["responseType"] == "INVALID_API_KEY"

    assert share(struck, refused) > 0.5  # payments-api's keyed methods are most of its calls
    assert share(fixed, refused) < 0.01


def test_the_sandbox_command_starts_a_scenario_and_says_so(aws_client_for):
    process = subprocess.Popen([sys.executable, "-m", "console", "sandbox", "--port", "0",
                                "--scenario", "throttle-storm"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = []
        while not banner or not banner[-1].startswith("Ctrl+C"):
            line = process.stdout.readline()
            assert line, f"the sandbox exited before its banner ended: {process.stderr.read()}"
            banner.append(line)
        assert "SANDBOX" in banner[0] and "throttle-storm" in banner[0]
        assert any(line.strip().startswith("scenario: throttle-storm") for line in banner)
        url = banner[1].split("endpoint:")[1].split()[0]
        logs = aws_client_for(url, "logs")
        deadline = time.time() + 30
        while time.time() < deadline and not _throttled(logs):
            time.sleep(0.5)
        assert _throttled(logs)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0


def _throttled(logs) -> bool:
    """Whether orders-api prod has logged a throttled request."""
    events = logs.filter_log_events(logGroupName=f"/aws/apigateway/{ORDERS_API.name}/prod/access",
                                    filterPattern='"Too Many Requests"')["events"]
    return any(json.loads(e["message"])["status"] == "429" for e in events)
