"""WebSocket traffic in the sandbox, as API Gateway documents it ("Monitor WebSocket API execution with
CloudWatch metrics"; "Configure logging for WebSocket APIs"): ConnectCount, MessageCount, ClientError,
ExecutionError, IntegrationError and IntegrationLatency by ApiId and Stage (and Route, with detailed
metrics), and an access-log line per CONNECT, MESSAGE and DISCONNECT event in the stage's own format.

Logs and metrics agree minute by minute, in the seeded history (the shared sandbox's us-east-1, read
only) and in live traffic (the seeded WebSocket API built in a region of this module's own, its traffic
stepped here): a minute's MESSAGE lines are its MessageCount, its CONNECT lines its ConnectCount and
ClientError (the $connect requests the connect-token authorizer refused).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from console.sandbox.estate import NOTIFICATIONS_WS, Clients, build_region, sandbox_session
from console.sandbox.estate_types import RegionEstate
from console.sandbox.history import access_log_group
from console.sandbox.history_websocket import SocketTraffic
from console.sandbox.traffic.runner import Traffic

SEEDED = "us-east-1"
LIVE = "mx-central-1"  # this module's own region: the seeded WebSocket API, without history
API = NOTIFICATIONS_WS.name
GROUP = access_log_group(API, "prod")
NAMES = {"ConnectCount", "MessageCount", "ClientError", "ExecutionError", "IntegrationError", "IntegrationLatency"}
REFUSED = {"401", "403"}  # the connect-token authorizer's answers


def _api_id(aws, region: str) -> str:
    return next(a["ApiId"] for a in aws("apigatewayv2", region).get_apis()["Items"] if a["Name"] == API)


def _published(aws, region: str, api_id: str) -> dict[frozenset[str], set[str]]:
    """{dimension names: metric names} under the API's id."""
    found: dict[frozenset[str], set[str]] = {}
    for page in aws("cloudwatch", region).get_paginator("list_metrics").paginate(
            Namespace="AWS/ApiGateway", Dimensions=[{"Name": "ApiId", "Value": api_id}]):
        for metric in page["Metrics"]:
            found.setdefault(frozenset(d["Name"] for d in metric["Dimensions"]), set()).add(metric["MetricName"])
    return found


def _sums(aws, region: str, api_id: str, start: int, end: int) -> dict[str, dict[int, float]]:
    """{metric: {minute: Sum}} of the stage's counters over [start, end) epoch seconds."""
    names = sorted(NAMES - {"IntegrationLatency"})
    reply = aws("cloudwatch", region).get_metric_data(MetricDataQueries=[
        {"Id": f"m{i}", "MetricStat": {"Metric": {"Namespace": "AWS/ApiGateway", "MetricName": name, "Dimensions": [
            {"Name": "ApiId", "Value": api_id}, {"Name": "Stage", "Value": "prod"}]}, "Period": 60, "Stat": "Sum"}}
        for i, name in enumerate(names)],
        StartTime=datetime.fromtimestamp(start, UTC), EndTime=datetime.fromtimestamp(end, UTC))["MetricDataResults"]
    return {name: {int(t.timestamp()) // 60: v for t, v in zip(r["Timestamps"], r["Values"], strict=True)}
            for name, r in zip(names, reply, strict=True)}


def _lines(aws, region: str, start: int, end: int) -> list[tuple[int, dict]]:
    """(minute, parsed line) of the stage's access log over [start, end) epoch seconds."""
    logs = aws("logs", region)
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=GROUP, startTime=start * 1000,
                                                              endTime=end * 1000 - 1)
    return [(event["timestamp"] // 60_000, json.loads(event["message"])) for page in pages for event in page["events"]]


def _agree(lines: list[tuple[int, dict]], sums: dict[str, dict[int, float]], minutes: range) -> None:
    """Each minute: MESSAGE lines = MessageCount; CONNECT lines refused = ClientError, the others ConnectCount."""
    kinds = Counter((minute, line["eventType"], line["status"] in REFUSED) for minute, line in lines)
    for minute in minutes:
        assert (minute, kinds[(minute, "MESSAGE", False)], kinds[(minute, "CONNECT", False)],
                kinds[(minute, "CONNECT", True)]) == (
            minute, sums["MessageCount"].get(minute, 0), sums["ConnectCount"].get(minute, 0),
            sums["ClientError"].get(minute, 0))


def _history_end(aws, api_id: str) -> int:
    """Where the seeded history ends (epoch seconds, on the minute): the shared sandbox runs no traffic, and
    may have started long before this test."""
    now = int(time.time())
    return max(_sums(aws, SEEDED, api_id, now - 3 * 3600, now + 60)["MessageCount"]) * 60


def test_history_publishes_websocket_metrics_by_stage_and_route(aws):
    published = _published(aws, SEEDED, _api_id(aws, SEEDED))
    assert published[frozenset({"ApiId", "Stage"})] == NAMES
    assert published[frozenset({"ApiId", "Stage", "Route"})] == NAMES  # prod has detailed metrics


def test_history_minutes_log_a_line_per_event_as_the_metrics_count_them(aws):
    """Ten complete minutes of the recent (logged) hour; refused $connect requests in both, over the hour."""
    api_id = _api_id(aws, SEEDED)
    end = _history_end(aws, api_id)
    lines = _lines(aws, SEEDED, end - 600, end)
    sums = _sums(aws, SEEDED, api_id, end - 3000, end)
    _agree(lines, sums, range((end - 600) // 60, end // 60))
    assert {line["eventType"] for _, line in lines} == {"CONNECT", "MESSAGE", "DISCONNECT"}
    assert sum(sums["MessageCount"].values()) > sum(sums["ConnectCount"].values()) > 0
    assert sum(sums["ClientError"].values()) > 0


@pytest.fixture(scope="module")
def live(sandbox, aws_client_for):
    """The seeded WebSocket API (its connect-token authorizer included) in LIVE, and two closed minutes of
    its traffic, one connection in five refused and failures frequent enough to count."""
    build_region(Clients(sandbox_session(), sandbox.url, LIVE), RegionEstate(LIVE, rest_apis=(), v2_apis=(NOTIFICATIONS_WS,)))
    end = int(time.time()) // 60 * 60
    profile = SocketTraffic(600, client_errors=0.2, server_errors=0.05, latency_ms=30)
    traffic = Traffic(sandbox.url, regions=(LIVE,), profiles={(LIVE, API, "prod"): profile}, refresh_seconds=0)
    for second in range(end - 120, end, 5):
        traffic.step(5, second + 5)
    return end


def test_live_traffic_publishes_websocket_metrics_by_stage_and_route(aws, live):
    published = _published(aws, LIVE, _api_id(aws, LIVE))
    assert published[frozenset({"ApiId", "Stage"})] == NAMES
    assert published[frozenset({"ApiId", "Stage", "Route"})] == NAMES


def test_live_minutes_log_a_line_per_event_as_the_metrics_count_them(aws, live):
    lines = _lines(aws, LIVE, live - 120, live)
    sums = _sums(aws, LIVE, _api_id(aws, LIVE), live - 120, live)
    _agree(lines, sums, range((live - 120) // 60, live // 60))
    refused = [line for _, line in lines if line["status"] in REFUSED]
    assert refused and {(line["eventType"], line["routeKey"], line["integrationStatus"]) for line in refused} == {
        ("CONNECT", "$connect", "-")}
    assert sum(sums["ExecutionError"].values()) + sum(sums["IntegrationError"].values()) == sum(
        1 for _, line in lines if line["status"] in ("500", "504"))


def test_the_consoles_metrics_read_shows_the_websocket_stage(aws, connection):
    """The stage view's one GetMetricData call: messages and integration latency of 15 complete minutes, said
    as a WebSocket API's."""
    from console.read.gateway import Gateway
    from console.read.metrics import ref_for, stage_metrics

    connection.identify()
    api = next(a for a in Gateway(connection).apis() if a.name == API)
    end = datetime.fromtimestamp(_history_end(aws, api.id), UTC)
    found = stage_metrics(connection.client("cloudwatch"), ref_for(api, "prod"), "15m", now=end)
    assert found.over_window("count", "Sum") > 0
    assert all(value > 0 for value in found.get("count", "Sum").values)
    assert len(found.get("count", "Sum").values) == 15
    assert found.over_window("integration_latency", "p99") > 0
    from screens.metrics import summary

    said = summary(found).plain  # in a WebSocket API's words: no requests, no 4xx share of messages
    connects = found.over_window("connects", "Sum")
    assert connects and f"{found.over_window('count', 'Sum'):,.0f} messages · {connects:,.0f} connections · " \
        "client errors " in said
    assert "requests" not in said and "%" not in said and "MB processed" not in said
