"""The traffic generator reacts to the estate: each test changes a stage through the public API,
steps the engine over simulated time (no sleeping), and reads the effect back over HTTP from the
stage's access-log group and CloudWatch, as the console would.

Every test builds its own API in the scratch region and profiles only that API's stage.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime

import pytest
from traffic_helpers import items_api, patch_stage

from console.sandbox.estate_types import Traffic as Profile
from console.sandbox.traffic import sinks
from console.sandbox.traffic.estate import Limit
from console.sandbox.traffic.runner import Traffic

CLF = ('$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.resourcePath '
       '$context.protocol" $context.status $context.responseLength $context.requestId')
CLF_LINE = re.compile(r'^\S+ - - \[[^\]]+\] "(GET|POST) /\S* HTTP/\S+" (?P<status>\d{3}) \d+ \S+$')
JSON_FORMAT = json.dumps({"requestId": "$context.requestId", "status": "$context.status",
                          "path": "$context.resourcePath",
                          "apiKeyId": "$context.identity.apiKeyId", "error": "$context.error.message",
                          "integrationLatency": "$context.integrationLatency",
                          "canary": "$context.isCanaryRequest"})
XML_FORMAT = '<request id="$context.requestId"><status>$context.status</status></request>'
STEADY = Profile(per_minute=600, client_errors=0.0, server_errors=0.0, latency_ms=20)


@pytest.fixture
def build(aws, scratch_region, unique):
    """build(...) -> (api id, name, access-log group): a REST API with a `prod` stage, in the scratch region."""
    def make(*, keyed: bool = False, rate: float = 10_000, burst: int = 20_000, log_format: str = JSON_FORMAT,
             cache_ttl: int | None = None) -> tuple[str, str, str]:
        name = unique("traffic")
        settings = {"/*/*/throttling/rateLimit": rate, "/*/*/throttling/burstLimit": burst,
                    "/accessLogSettings/format": log_format}
        if cache_ttl is not None:
            settings |= {"/*/*/caching/enabled": "true", "/*/*/caching/ttlInSeconds": cache_ttl}
        api_id, group = items_api(aws, scratch_region, name, settings=settings, keyed=keyed,
                                  cacheClusterEnabled=cache_ttl is not None, cacheClusterSize="0.5")
        return api_id, name, group

    return make


@pytest.fixture
def engine(sandbox, scratch_region):
    """engine(name, profile) -> a Traffic engine for the scratch region's `name` prod stage only."""
    def make(name: str, profile: Profile = STEADY, **options) -> Traffic:
        return Traffic(sandbox.url, regions=(scratch_region,), profiles={(scratch_region, name, "prod"): profile},
                       refresh_seconds=0, **options)

    return make


@pytest.fixture
def lines(aws, scratch_region):
    """lines(group, start, end) -> the messages logged for requests in [start, end) epoch seconds."""
    def read(group: str, start: float, end: float) -> list[str]:
        pages = aws("logs", scratch_region).get_paginator("filter_log_events").paginate(
            logGroupName=group, startTime=int(start * 1000), endTime=int(end * 1000) - 1)
        return [event["message"] for page in pages for event in page["events"]]

    return read


def share(messages: list[str], status: str) -> float:
    return sum(json.loads(m)["status"] == status for m in messages) / len(messages)


def test_raising_a_stage_throttle_makes_the_429_share_fall(build, engine, lines, aws, scratch_region):
    api_id, name, group = build(rate=3, burst=6, log_format=CLF)
    traffic = engine(name)  # ~7 req/s on each of two methods against 3 req/s each
    start = time.time()
    traffic.step(60, start + 60)
    before = [CLF_LINE.match(line)["status"] for line in lines(group, start, start + 60)]
    patch_stage(aws("apigateway", scratch_region), api_id, {"/*/*/throttling/rateLimit": 100,
                                                      "/*/*/throttling/burstLimit": 200})
    traffic.step(60, start + 120)
    after = [CLF_LINE.match(line)["status"] for line in lines(group, start + 60, start + 120)]
    assert len(before) > 700
    assert 0.5 < before.count("429") / len(before) < 0.65  # 3 a second and a burst of 6 pass, per method
    assert after.count("429") == 0


def test_a_method_throttle_sheds_only_its_method(build, engine, lines, aws, scratch_region):
    api_id, name, group = build()
    patch_stage(aws("apigateway", scratch_region), api_id, {"/~1items~1{id}/GET/throttling/rateLimit": 1,
                                                      "/~1items~1{id}/GET/throttling/burstLimit": 1})
    start = time.time()
    engine(name).step(60, start + 60)
    by_path = Counter((line["path"], line["status"]) for line in map(json.loads, lines(group, start, start + 60)))
    assert by_path[("/items/{id}", "429")] > 3 * by_path[("/items/{id}", "200")]  # 1 a second passes
    assert by_path[("/items", "429")] == 0


def test_lines_follow_the_stage_access_log_format_as_it_changes(build, engine, lines, aws, scratch_region):
    api_id, name, group = build(log_format=CLF)
    traffic = engine(name)
    start = time.time()
    traffic.step(10, start + 10)
    patch_stage(aws("apigateway", scratch_region), api_id, {"/accessLogSettings/format": XML_FORMAT})
    traffic.step(10, start + 20)
    assert all(CLF_LINE.match(line) for line in lines(group, start, start + 10))
    xml = [ET.fromstring(line) for line in lines(group, start + 10, start + 20)]
    assert xml and all(e.tag == "request" and e.find("status").text == "200" for e in xml)


def test_the_canary_share_follows_percent_traffic(build, engine, lines, aws, scratch_region):
    api_id, name, group = build()
    apigw = aws("apigateway", scratch_region)
    apigw.create_deployment(restApiId=api_id, stageName="prod", description="v2",
                            canarySettings={"percentTraffic": 20.0})
    traffic = engine(name)
    start = time.time()
    shares = []
    for n, percent in enumerate((20.0, 70.0)):
        apigw.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/canarySettings/percentTraffic", "value": str(percent)}])
        window = (start + 60 * n, start + 60 * (n + 1))
        traffic.step(60, window[1])
        stage, canary = lines(group, *window), lines(f"{group}/Canary", *window)
        ids = {json.loads(m)["requestId"]: json.loads(m)["canary"] for m in stage}
        assert all(ids[json.loads(m)["requestId"]] == "true" for m in canary)  # the same request, twice
        assert sum(flag == "true" for flag in ids.values()) == len(canary)
        shares.append(len(canary) / len(stage))
    assert shares[0] == pytest.approx(0.2, abs=0.05)
    assert shares[1] == pytest.approx(0.7, abs=0.05)


def test_usage_counts_against_the_plan_quota(build, engine, lines, aws, scratch_region, unique):
    api_id, name, group = build(keyed=True)
    apigw = aws("apigateway", scratch_region)
    plan = apigw.create_usage_plan(name=unique("plan"), apiStages=[{"apiId": api_id, "stage": "prod"}],
                                   quota={"limit": 100, "period": "DAY"},
                                   throttle={"rateLimit": 1000, "burstLimit": 2000})["id"]
    key = apigw.create_api_key(name=unique("key"), enabled=True)["id"]
    apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
    traffic = engine(name)
    start = time.time()
    today = datetime.fromtimestamp(start, UTC).date().isoformat()
    traffic.step(30, start + 30)
    usage = apigw.get_usage(usagePlanId=plan, startDate=today, endDate=today)["items"][key]
    first = [json.loads(m) for m in lines(group, start, start + 30)]
    apigw.update_usage(usagePlanId=plan, keyId=key, patchOperations=[
        {"op": "replace", "path": "/remaining", "value": "50"}])
    traffic.step(30, start + 60)
    later = [json.loads(m) for m in lines(group, start + 30, start + 60)]
    assert usage == [[100, 0]]
    assert all(line["apiKeyId"] == key for line in first + later)
    assert Counter((m["status"], m["error"]) for m in first) == {
        ("200", "-"): 100, ("429", "Limit Exceeded"): len(first) - 100}
    assert sum(m["status"] == "200" for m in later) == 50  # what UpdateUsage granted, and no more


def test_a_key_disabled_mid_run_is_refused(build, engine, lines, aws, scratch_region, unique):
    api_id, name, group = build(keyed=True)
    apigw = aws("apigateway", scratch_region)
    plan = apigw.create_usage_plan(name=unique("plan"), apiStages=[{"apiId": api_id, "stage": "prod"}])["id"]
    key = apigw.create_api_key(name=unique("key"), enabled=True)["id"]
    apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
    traffic = engine(name)
    start = time.time()
    traffic.step(10, start + 10)
    apigw.update_api_key(apiKey=key, patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}])
    traffic.step(10, start + 21)  # a second apart: a window's ms bounds never take the other's edge line
    assert share(lines(group, start, start + 10), "200") == 1
    assert share(lines(group, start + 11, start + 21), "403") == 1


def test_the_same_seed_writes_the_same_lines(build, engine, lines):
    _, name, group = build()
    end = time.time()
    for _ in range(2):
        engine(name, seed=7).step(10, end)
    assert set(Counter(lines(group, end - 10, end)).values()) == {2}


def test_kept_lines_stay_bounded(build, engine, aws, scratch_region, monkeypatch):
    monkeypatch.setattr(sinks, "STREAM_EVENTS", 200)
    monkeypatch.setattr(sinks, "MAX_EVENTS", 1_000)
    _, name, group = build()
    logs = aws("logs", scratch_region)
    traffic = engine(name)
    start = time.time()
    for tick in range(1, 31):
        traffic.step(10, start + 10 * tick)  # ~4,000 lines in all
    kept = sum(len(page["events"]) for page in
               logs.get_paginator("filter_log_events").paginate(logGroupName=group))
    assert 500 < kept <= 1_000  # whole streams go, each one tick's lines past its 200
    traffic.step(1, start + 300 + 3_700)  # an hour and more later, only the newest stream is left
    assert len(logs.describe_log_streams(logGroupName=group)["logStreams"]) == 1


def test_metrics_carry_api_gateway_names_dimensions_and_latency_histograms(build, sandbox, aws, scratch_region,
                                                                           unique):
    _, rest, _ = build(cache_ttl=300)
    v2, http = aws("apigatewayv2", scratch_region), unique("traffic-http")
    api_id = v2.create_api(Name=http, ProtocolType="HTTP")["ApiId"]
    target = v2.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                   IntegrationUri="https://backend.example.com", PayloadFormatVersion="1.0")
    v2.create_route(ApiId=api_id, RouteKey="GET /things", Target=f"integrations/{target['IntegrationId']}")
    v2.create_stage(ApiId=api_id, StageName="prod")
    profile = Profile(per_minute=300, client_errors=0.05, server_errors=0.01, latency_ms=40, cache_hit_ratio=0.5)
    Traffic(sandbox.url, regions=(scratch_region,), refresh_seconds=0,
            profiles={(scratch_region, rest, "prod"): profile, (scratch_region, http, "prod"): profile},
            ).step(120, time.time() // 60 * 60)
    cloudwatch = aws("cloudwatch", scratch_region)

    def names(dimension: str, value: str) -> set[str]:
        metrics = cloudwatch.list_metrics(Namespace="AWS/ApiGateway",
                                          Dimensions=[{"Name": dimension, "Value": value}])["Metrics"]
        return {m["MetricName"] for m in metrics if {d["Name"] for d in m["Dimensions"]} == {dimension, "Stage"}}

    def latency(stat: str) -> float:
        result = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {
            "Namespace": "AWS/ApiGateway", "MetricName": "Latency",
            "Dimensions": [{"Name": "ApiId", "Value": api_id}, {"Name": "Stage", "Value": "prod"}]},
            "Period": 120, "Stat": stat}}], StartTime=datetime.fromtimestamp(time.time() - 600, UTC),
            EndTime=datetime.fromtimestamp(time.time() + 60, UTC))
        return sum(result["MetricDataResults"][0]["Values"])

    assert names("ApiName", rest) == {"Count", "4XXError", "5XXError", "Latency", "IntegrationLatency",
                                      "CacheHitCount", "CacheMissCount"}
    assert names("ApiId", api_id) == {"Count", "4xx", "5xx", "Latency", "IntegrationLatency", "DataProcessed"}
    assert 20 < latency("p50") < latency("p90") < latency("p99")


PREPROD = "af-south-1"  # this module's own region for the seeded payments-api


def test_dev_and_staging_clients_send_the_keys_their_methods_require(sandbox, aws):
    """The seeded payments-api requires an API key on nearly every method, on every stage: the clients of
    its staging stage hold the key of the plan covering staging, so the gateway refuses none of them
    (before, no plan covered dev or staging and ~90% of their requests were 403s: phantom incidents)."""
    from traffic_helpers import stepped

    from console.sandbox.estate import PAYMENTS_API

    stepped(sandbox.url, PREPROD, rest_apis=(PAYMENTS_API,), stages=())
    profile = Profile(per_minute=300, client_errors=0.0, server_errors=0.0, latency_ms=40)
    traffic = Traffic(sandbox.url, regions=(PREPROD,), profiles={(PREPROD, "payments-api", "staging"): profile},
                      refresh_seconds=0)
    start = time.time() + 120  # after the seeded history
    traffic.step(30, start + 30)
    traffic.close(start + 30)
    pages = aws("logs", PREPROD).get_paginator("filter_log_events").paginate(
        logGroupName="/aws/apigateway/payments-api/staging/access", startTime=int(start * 1000),
        endTime=int((start + 30) * 1000) - 1)
    statuses = Counter(json.loads(event["message"])["status"] for page in pages for event in page["events"])
    assert sum(statuses.values()) > 100
    # The only 403s left are its authorizer's refusals (ACCESS_DENIED, about 1 request in 100), never a key's
    assert statuses["403"] <= 0.03 * sum(statuses.values()), statuses


def test_the_stage_default_throttle_is_a_bucket_per_method(build, engine, lines, aws, scratch_region):
    """API Gateway applies a stage's default rate and burst to each method separately: two methods called
    at ~5 req/s each under a stage default of 4 req/s are admitted ~4 a second each (about 8 in all), not
    4 between them; a method's own override is its own bucket too."""
    api_id, name, group = build(rate=4, burst=4)
    traffic = engine(name)  # 600 a minute over GET /items and GET /items/{id}: ~5 req/s each
    start = time.time()
    traffic.step(60, start + 60)
    admitted = Counter(line["path"] for line in map(json.loads, lines(group, start, start + 60))
                       if line["status"] == "200")
    assert 60 * 4 * 0.85 < admitted["/items"] <= 60 * 4 + 4
    assert 60 * 4 * 0.85 < admitted["/items/{id}"] <= 60 * 4 + 4
    patch_stage(aws("apigateway", scratch_region), api_id, {"/~1items/GET/throttling/rateLimit": 1,
                                                      "/~1items/GET/throttling/burstLimit": 1})
    traffic.step(60, start + 120)
    admitted = Counter(line["path"] for line in map(json.loads, lines(group, start + 60, start + 120))
                       if line["status"] == "200")
    assert admitted["/items"] <= 60 + 1 and 60 * 4 * 0.85 < admitted["/items/{id}"] <= 60 * 4 + 4


def test_the_account_limit_applies_over_every_stage(build, engine, lines):
    """Past the methods' and stages' own limits, the account's throttle (10,000 req/s, burst 5,000 by
    default; here 3 req/s) refuses what is over it, all stages of the region together."""
    _, name, group = build()
    start = time.time()
    engine(name, account_limit=Limit(3, 3)).step(60, start + 60)
    statuses = Counter(json.loads(line)["status"] for line in lines(group, start, start + 60))
    assert statuses["200"] <= 60 * 3 + 3 and statuses["429"] > 300
