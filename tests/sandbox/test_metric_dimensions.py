"""The live traffic's metrics under API Gateway's dimensions, read back with ListMetrics and GetMetricData.

"Amazon API Gateway dimensions and metrics" (REST): ApiName + Stage for every stage; ApiName,
Method, Resource, Stage for each method when the stage's detailed CloudWatch metrics are on
(methodSettings metrics/enabled). "Metrics for HTTP APIs": ApiId + Stage, and ApiId, Stage, Route
with detailed metrics (DetailedMetricsEnabled). A canary's requests are counted with the stage's,
and also under the Stage value "<stage>/Canary" (the sandbox's naming, after the "/Canary" log group:
AWS documents separate canary metrics without naming their dimensions). Each test builds its APIs
in this module's region and steps the traffic engine over one simulated minute.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest

from conftest import build_http, build_rest
from console.sandbox.estate_types import Traffic as Profile
from console.sandbox.traffic.runner import Traffic

REGION = "ap-southeast-7"  # this module's own
STEADY = Profile(per_minute=600, client_errors=0.0, server_errors=0.0, latency_ms=20)


@pytest.fixture
def client(aws):
    return lambda service: aws(service, REGION)


def step_a_minute(sandbox, profiles: dict) -> float:
    """One whole simulated minute of `profiles`' traffic, written; the minute's start."""
    minute = time.time() // 60 * 60 - 120
    traffic = Traffic(sandbox.url, regions=(REGION,), profiles=profiles, refresh_seconds=0)
    traffic.step(60, minute + 60)
    traffic.close(minute + 60)
    return minute


def counts(cloudwatch, dimension: str, value: str, minute: float) -> dict[tuple, float]:
    """{dimensions other than `dimension`: the minute's Count} of every series naming `dimension`=`value`."""
    listed = cloudwatch.list_metrics(Namespace="AWS/ApiGateway", MetricName="Count",
                                     Dimensions=[{"Name": dimension, "Value": value}])["Metrics"]
    found = {}
    for metric in listed:
        result = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "m", "MetricStat": {
            "Metric": metric, "Period": 60, "Stat": "Sum"}}], StartTime=datetime.fromtimestamp(minute, UTC),
            EndTime=datetime.fromtimestamp(minute + 60, UTC))
        others = tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"] if d["Name"] != dimension))
        found[others] = sum(result["MetricDataResults"][0]["Values"])
    return found


def test_detailed_metrics_count_each_method_and_the_methods_add_up_to_the_stage(sandbox, client):
    apigw = client("apigateway")
    name = f"dims-rest-{uuid.uuid4().hex[:6]}"
    api_id = build_rest(apigw, name)
    apigw.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
        {"op": "replace", "path": "/~1items~1{id}/GET/metrics/enabled", "value": "false"}])
    minute = step_a_minute(sandbox, {(REGION, name, "prod"): STEADY, (REGION, name, "dev"): STEADY})
    found = counts(client("cloudwatch"), "ApiName", name, minute)
    methods = {dims: n for dims, n in found.items() if ("Stage", "prod") in dims and len(dims) == 3}
    # GET /items/{id} turned its own detailed metrics off, and POST /items has an override (its
    # throttle) from before they were on: both are counted in the stage only
    assert set(methods) == {(("Method", "GET"), ("Resource", "/items"), ("Stage", "prod"))}
    stage = found[(("Stage", "prod"),)]
    assert 0 < sum(methods.values()) < stage
    assert not any(("Stage", "dev") in dims and len(dims) == 3 for dims in found)  # dev: detailed metrics off
    assert found[(("Stage", "dev"),)] > 0


def test_detailed_route_metrics_count_each_route_of_an_http_api(sandbox, client):
    v2 = client("apigatewayv2")
    name = f"dims-http-{uuid.uuid4().hex[:6]}"
    api_id = build_http(v2, name)
    v2.update_stage(ApiId=api_id, StageName="prod", DefaultRouteSettings={"DetailedMetricsEnabled": True})
    minute = step_a_minute(sandbox, {(REGION, name, "prod"): STEADY})
    found = counts(client("cloudwatch"), "ApiId", api_id, minute)
    routes = {dims: n for dims, n in found.items() if len(dims) == 2}
    assert {dict(dims)["Route"] for dims in routes} == {"GET /items", "POST /items", "GET /items/{id}"}
    assert sum(routes.values()) == found[(("Stage", "prod"),)] > 0


def test_a_canarys_requests_are_also_counted_under_the_stage_named_canary(sandbox, client):
    apigw = client("apigateway")
    name = f"dims-canary-{uuid.uuid4().hex[:6]}"
    api_id = build_rest(apigw, name)
    apigw.create_deployment(restApiId=api_id, stageName="prod", canarySettings={"percentTraffic": 30.0})
    minute = step_a_minute(sandbox, {(REGION, name, "prod"): STEADY})
    found = counts(client("cloudwatch"), "ApiName", name, minute)
    stage, canary = found[(("Stage", "prod"),)], found[(("Stage", "prod/Canary"),)]
    assert canary / stage == pytest.approx(0.3, abs=0.06)
