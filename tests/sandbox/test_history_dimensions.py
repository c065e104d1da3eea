"""The seeded history under API Gateway's detailed-metrics dimensions, as the live traffic publishes them
(test_metric_dimensions): per method {ApiName, Method, Resource, Stage} on a REST stage with metrics/enabled,
per route {ApiId, Route, Stage} on an HTTP stage with DetailedMetricsEnabled. The methods of a history
minute add up to their stage, and its access-log lines per method are the method's Count, as each request
is counted once under the stage and once under its method. Read over HTTP from the shared sandbox.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from console.sandbox.history import access_log_group

RECENT = 30  # minutes ago: a history minute with its log lines, long before any live minute
OLDER = 150  # minutes ago: metrics only


def series(cloudwatch, dimensions: dict[str, str]) -> list[dict]:
    """The AWS/ApiGateway Count series that name all of `dimensions` (and maybe more)."""
    return cloudwatch.list_metrics(Namespace="AWS/ApiGateway", MetricName="Count",
                                   Dimensions=[{"Name": n, "Value": v} for n, v in dimensions.items()])["Metrics"]


def minute_of(cloudwatch, metrics: list[dict], name: str, stat: str, minute: float) -> list[float]:
    """`stat` of `name` over one minute, for each of `metrics`' dimension sets (0 where it has no datapoint)."""
    queries = [{"Id": f"m{index}", "MetricStat": {"Metric": {
        "Namespace": "AWS/ApiGateway", "MetricName": name, "Dimensions": metric["Dimensions"]},
        "Period": 60, "Stat": stat}} for index, metric in enumerate(metrics)]
    results = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=datetime.fromtimestamp(minute, UTC),
                                         EndTime=datetime.fromtimestamp(minute + 60, UTC))["MetricDataResults"]
    found = {result["Id"]: sum(result["Values"]) for result in results}
    return [found[query["Id"]] for query in queries]


def parts_and_stage(cloudwatch, stage: dict[str, str], part: str) -> tuple[list[dict], dict]:
    """The series of the stage's methods (routes), each naming `part`, and the stage's own."""
    listed = series(cloudwatch, stage)
    parts = [m for m in listed if part in {d["Name"] for d in m["Dimensions"]}]
    whole = next(m for m in listed if len(m["Dimensions"]) == len(stage))
    return parts, whole


def ago(minutes: int) -> float:
    return time.time() // 60 * 60 - minutes * 60


@pytest.mark.parametrize(("api", "methods_of_api", "counters", "minutes_ago"), [
    ("orders-api", 10, ("Count", "4XXError", "5XXError"), RECENT),
    ("orders-api", 10, ("Count", "4XXError", "5XXError"), OLDER),
    ("catalog-api", 7, ("Count", "4XXError", "5XXError", "CacheHitCount", "CacheMissCount"), RECENT),
])
def test_a_history_minutes_methods_add_up_to_their_stage(aws, api, methods_of_api, counters, minutes_ago):
    """A prod stage (metrics/enabled on */*): each method's counters sum to the stage's; the latency
    histograms hold as many requests, and their highest is the stage's."""
    cloudwatch = aws("cloudwatch")
    methods, stage = parts_and_stage(cloudwatch, {"ApiName": api, "Stage": "prod"}, "Method")
    assert {tuple(sorted(d["Name"] for d in m["Dimensions"])) for m in methods} == {
        ("ApiName", "Method", "Resource", "Stage")}
    assert len(methods) == methods_of_api
    minute = ago(minutes_ago)
    sums = {name: minute_of(cloudwatch, [*methods, stage], name, "Sum", minute) for name in counters}
    assert sums["Count"][-1] > 0
    for name, (*each, whole) in sums.items():
        assert sum(each) == whole, name
    for name in ("Latency", "IntegrationLatency"):
        *each, whole = minute_of(cloudwatch, [*methods, stage], name, "SampleCount", minute)
        assert sum(each) == whole > 0, name
        *highest, top = minute_of(cloudwatch, [*methods, stage], name, "Maximum", minute)
        assert max(highest) == top, name


def test_a_history_minutes_routes_add_up_to_their_stage(aws):
    """storefront-http prod (DetailedMetricsEnabled): each route's Count, 4xx and 5xx sum to the stage's."""
    cloudwatch = aws("cloudwatch")
    api_id = next(api["ApiId"] for api in aws("apigatewayv2").get_apis()["Items"] if api["Name"] == "storefront-http")
    routes, stage = parts_and_stage(cloudwatch, {"ApiId": api_id, "Stage": "prod"}, "Route")
    assert len(routes) == 6
    minute = ago(RECENT)
    sums = {name: minute_of(cloudwatch, [*routes, stage], name, "Sum", minute) for name in ("Count", "4xx", "5xx")}
    assert sums["Count"][-1] > 0
    for name, (*each, whole) in sums.items():
        assert sum(each) == whole, name


def test_a_stage_without_detailed_metrics_has_no_route_series(aws):
    """storefront-http $default has DetailedMetricsEnabled off: its history is counted by stage only,
    while prod's (on) is counted by route too."""
    cloudwatch = aws("cloudwatch")
    api_id = next(api["ApiId"] for api in aws("apigatewayv2").get_apis()["Items"] if api["Name"] == "storefront-http")
    by_stage = Counter(next(d["Value"] for d in m["Dimensions"] if d["Name"] == "Stage")
                       for m in series(cloudwatch, {"ApiId": api_id}) if len(m["Dimensions"]) == 3)
    assert by_stage == {"prod": 6}
    assert series(cloudwatch, {"ApiId": api_id, "Stage": "$default"})  # its stage series is there


def lines_of(logs, group: str, minute: float) -> list[dict]:
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, startTime=int(minute * 1000), endTime=int(minute * 1000) + 59_999)
    return [json.loads(event["message"]) for page in pages for event in page["events"]]


def test_a_history_minutes_log_lines_per_method_are_the_methods_count(aws):
    """orders-api prod and storefront-http prod: for a logged minute of the history, the access-log lines
    of each method (httpMethod, resourcePath) and route (routeKey) are as many as its Count."""
    cloudwatch, minute = aws("cloudwatch"), ago(RECENT)
    methods, _ = parts_and_stage(cloudwatch, {"ApiName": "orders-api", "Stage": "prod"}, "Method")
    counted = dict(zip(
        [tuple(next(d["Value"] for d in m["Dimensions"] if d["Name"] == n) for n in ("Method", "Resource"))
         for m in methods], minute_of(cloudwatch, methods, "Count", "Sum", minute), strict=True))
    logged = Counter((line["httpMethod"], line["resourcePath"])
                     for line in lines_of(aws("logs"), access_log_group("orders-api", "prod"), minute))
    assert sum(logged.values()) > 0 and {k: v for k, v in counted.items() if v} == dict(logged)

    api_id = next(api["ApiId"] for api in aws("apigatewayv2").get_apis()["Items"] if api["Name"] == "storefront-http")
    routes, _ = parts_and_stage(cloudwatch, {"ApiId": api_id, "Stage": "prod"}, "Route")
    counted = dict(zip([next(d["Value"] for d in m["Dimensions"] if d["Name"] == "Route") for m in routes],
                       minute_of(cloudwatch, routes, "Count", "Sum", minute), strict=True))
    logged = Counter(line["routeKey"] for line in lines_of(aws("logs"), access_log_group("storefront-http", "prod"),
                                                           minute))
    assert sum(logged.values()) > 0 and {k: v for k, v in counted.items() if v} == dict(logged)
