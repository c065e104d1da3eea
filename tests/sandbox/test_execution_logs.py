"""Execution logs: a REST stage whose logging level is ERROR or INFO has its requests told, in API
Gateway's wording, in `API-Gateway-Execution-Logs_<api id>/<stage>`, under the request ids its access
log has. Each test builds its own API in the scratch region, steps its traffic over simulated time,
and reads both logs back over HTTP, as the console would.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict

import pytest
from botocore.exceptions import ClientError
from traffic_helpers import items_api, patch_stage

from console.sandbox.estate_types import Traffic as Profile
from console.sandbox.traffic.runner import Traffic

JSON_FORMAT = json.dumps({"requestId": "$context.requestId", "status": "$context.status",
                          "error": "$context.error.message"})
LINE = re.compile(r"^\((?P<id>[0-9a-f-]{36})\) (?P<text>.+)$")
FAILING = Profile(per_minute=600, client_errors=0.0, server_errors=0.3, latency_ms=20)
STEADY = Profile(per_minute=600, client_errors=0.0, server_errors=0.0, latency_ms=20)


@pytest.fixture
def build(aws, scratch_region, unique):
    """build(level, ...) -> (api id, name, access-log group): a REST API with a `prod` stage logging at `level`."""
    def make(level: str, *, rate: float = 10_000, burst: int = 20_000) -> tuple[str, str, str]:
        name = unique("exec")
        api_id, group = items_api(aws, scratch_region, name, uri="https://${stageVariables.backendHost}{path}",
                                  variables={"backendHost": "items.example.com"}, settings={
                                      "/*/*/throttling/rateLimit": rate, "/*/*/throttling/burstLimit": burst,
                                      "/*/*/logging/loglevel": level, "/accessLogSettings/format": JSON_FORMAT})
        return api_id, name, group

    return make


@pytest.fixture
def engine(sandbox, scratch_region):
    def make(name: str, profile: Profile) -> Traffic:
        return Traffic(sandbox.url, regions=(scratch_region,), profiles={(scratch_region, name, "prod"): profile},
                       refresh_seconds=0)

    return make


@pytest.fixture
def lines(aws, scratch_region):
    """lines(group, start, end) -> the messages logged in [start, end) epoch seconds; none if no group."""
    def read(group: str, start: float, end: float, region: str = scratch_region) -> list[str]:
        pages = aws("logs", region).get_paginator("filter_log_events").paginate(
            logGroupName=group, startTime=int(start * 1000), endTime=int(end * 1000) - 1)
        try:
            return [event["message"] for page in pages for event in page["events"]]
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFoundException"
            return []

    return read


def by_request(messages: list[str]) -> dict[str, list[str]]:
    """Execution-log lines grouped by the request id each begins with (every line has one)."""
    told: dict[str, list[str]] = defaultdict(list)
    for message in messages:
        match = LINE.match(message)
        assert match, message
        told[match["id"]].append(match["text"])
    return told


def test_a_failing_request_is_in_the_access_log_and_the_execution_log_with_its_failure(build, engine, lines):
    api_id, name, group = build("ERROR", rate=5, burst=10)  # ~10 req/s against 5 a second: 429s too
    start = time.time()
    engine(name, FAILING).step(30, start + 30)
    access = [json.loads(line) for line in lines(group, start, start + 31)]
    failed = {line["requestId"]: int(line["status"]) for line in access if int(line["status"]) >= 429}
    told = by_request(lines(f"API-Gateway-Execution-Logs_{api_id}/prod", start, start + 61))
    assert {s for s in failed.values()} >= {429, 504} and len(failed) < len(access)
    assert set(told) == set(failed)  # the failures, and only they, under the access log's request ids
    for request_id, status in failed.items():
        text = told[request_id]
        assert text[0].startswith("Extended Request Id: ")
        assert text[-1] == f"Method completed with status: {status}"
        if status == 429:
            assert (f"Method throttle limit exceeded for RestApi {api_id}, Stage prod, Resource /items"
                    in text[1]) and text[1].endswith("Limit: 5.00 Burst: 10")
        elif status == 504:
            assert "Execution failed due to a timeout error" in text
        elif status == 502:
            assert "Execution failed due to configuration error: Invalid endpoint address" in text
        else:
            assert f"Received response. Status: {status}" in " ".join(text)


def test_error_level_tells_nothing_of_successes_and_info_tells_every_request(build, engine, lines, aws,
                                                                             scratch_region):
    api_id, name, group = build("ERROR")
    traffic = engine(name, STEADY)
    execution = f"API-Gateway-Execution-Logs_{api_id}/prod"
    start = time.time()
    traffic.step(10, start + 10)
    assert len(lines(group, start, start + 10)) > 50
    assert lines(execution, start, start + 10) == []
    patch_stage(aws("apigateway", scratch_region), api_id, {"/*/*/logging/loglevel": "INFO"})
    traffic.step(10, start + 20)
    ids = {json.loads(line)["requestId"] for line in lines(group, start + 10, start + 20)}
    told = by_request(lines(execution, start + 10, start + 21))
    assert ids and set(told) == ids
    some = next(text for text in told.values() if any(t.startswith("Method request path: {id=") for t in text))
    assert some[0].startswith("Extended Request Id: ")
    assert any(re.fullmatch(r"Endpoint request URI: https://items\.example\.com/items/\S+", t) for t in some)
    assert any(re.fullmatch(r"Received response\. Status: 200, Integration latency: \d+ ms", t) for t in some)
    assert some[-1] == "Method completed with status: 200"


def test_a_stage_with_logging_off_gets_no_execution_log_lines(build, engine, lines, aws, scratch_region):
    api_id, name, group = build("ERROR")
    traffic = engine(name, FAILING)
    execution = f"API-Gateway-Execution-Logs_{api_id}/prod"
    start = time.time()
    traffic.step(10, start + 10)
    patch_stage(aws("apigateway", scratch_region), api_id, {"/*/*/logging/loglevel": "OFF"})
    traffic.step(10, start + 20)
    before = {json.loads(line)["requestId"] for line in lines(group, start, start + 10)}
    after = [json.loads(line) for line in lines(group, start + 10, start + 20)]
    told = by_request(lines(execution, start, start + 60))  # a 504 is told when it ends, 29 s on
    assert told and set(told) <= before  # on: the failures are told
    assert any(line["status"] >= "500" for line in after)
    assert not {line["requestId"] for line in after} & set(told)  # off: none is


def test_the_seeded_history_tells_payments_prod_failures_under_the_access_log_request_ids(aws, lines):
    apigw = aws("apigateway")
    api_id = next(api["id"] for api in apigw.get_rest_apis(limit=500)["items"] if api["name"] == "payments-api")
    now = time.time()
    access = [json.loads(line) for line in lines("/aws/apigateway/payments-api/prod/access", now - 4 * 3600,
                                                 now + 60, region="us-east-1")]
    told = by_request(lines(f"API-Gateway-Execution-Logs_{api_id}/prod", now - 4 * 3600, now + 60,
                            region="us-east-1"))
    failed = {line["requestId"]: line["status"] for line in access
              if line["status"] >= "500" or line["errorMessage"] in ("Forbidden", "Too Many Requests")}
    assert any(status >= "500" for status in failed.values())
    assert set(told) == set(failed)  # ERROR level: the failures only
    assert all(told[rid][-1] == f"Method completed with status: {status}" for rid, status in failed.items())
