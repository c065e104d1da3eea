"""The stage cache per cache key (console/sandbox/traffic/cache.py), read back as the console would:
CacheHitCount/CacheMissCount in CloudWatch, access-log lines (a hit calls no backend: integration
latency "-") and GetStage's cacheClusterStatus.

The rules: "Cache settings for REST APIs in API Gateway" (responses cached per cache key for the
TTL, only GET methods cached by default, a method's caching settings override the stage's, a flush
empties the cache, creating a cache takes minutes) and the Stage resource's cacheClusterStatus
(CREATE_IN_PROGRESS, then AVAILABLE). Each test builds its own API in this module's region and
steps the traffic engine over simulated time.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from traffic_helpers import items_api, patch_stage

from console.sandbox.estate_types import Traffic as Profile
from console.sandbox.state import STATE
from console.sandbox.traffic.cache import key_count, steady_hit_ratio
from console.sandbox.traffic.runner import Traffic

REGION = "ca-west-1"  # this module's own
FORMAT = json.dumps({"status": "$context.status", "path": "$context.resourcePath",
                     "integrationLatency": "$context.integrationLatency"})
CACHED = Profile(per_minute=300, client_errors=0.0, server_errors=0.0, latency_ms=20, cache_hit_ratio=0.6)


@pytest.fixture
def client(aws):
    return lambda service: aws(service, REGION)


@pytest.fixture
def build(aws, unique):
    """build(ttl) -> (api id, name, log group): GET /items and GET /items/{id} on a cached prod stage."""
    def make(ttl: int = 900) -> tuple[str, str, str]:
        name = unique("cache")
        api_id, group = items_api(aws, REGION, name, cacheClusterEnabled=True, cacheClusterSize="0.5", settings={
            "/*/*/caching/enabled": "true", "/*/*/caching/ttlInSeconds": ttl, "/accessLogSettings/format": FORMAT})
        return api_id, name, group

    return make


def engine(sandbox, name: str, profile: Profile = CACHED) -> Traffic:
    return Traffic(sandbox.url, regions=(REGION,), profiles={(REGION, name, "prod"): profile}, refresh_seconds=0)


def hit_ratio(cloudwatch, api_name: str, minute: float) -> float:
    """CacheHitCount / (hits + misses) of the prod stage in the minute starting `minute`."""
    sums = {}
    for metric in ("CacheHitCount", "CacheMissCount"):
        result = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {
            "Namespace": "AWS/ApiGateway", "MetricName": metric,
            "Dimensions": [{"Name": "ApiName", "Value": api_name}, {"Name": "Stage", "Value": "prod"}]},
            "Period": 60, "Stat": "Sum"}}], StartTime=datetime.fromtimestamp(minute, UTC),
            EndTime=datetime.fromtimestamp(minute + 60, UTC))
        sums[metric] = sum(result["MetricDataResults"][0]["Values"])
    return sums["CacheHitCount"] / (sums["CacheHitCount"] + sums["CacheMissCount"])


def logged(client, group: str, start: float, end: float) -> list[dict]:
    pages = client("logs").get_paginator("filter_log_events").paginate(
        logGroupName=group, startTime=int(start * 1000), endTime=int(end * 1000) - 1)
    return [json.loads(event["message"]) for page in pages for event in page["events"]]


def test_the_key_space_is_sized_so_the_long_run_hit_ratio_is_the_profiles():
    for ratio, per_ttl in ((0.6, 1500.0), (0.3, 200.0), (0.9, 5000.0)):
        assert steady_hit_ratio(key_count(ratio, per_ttl), per_ttl) == pytest.approx(ratio, abs=0.01)
    assert key_count(0.99, 3.0) == 1  # too few requests for that ratio: one key, as many hits as they make


def test_after_a_flush_the_hit_ratio_recovers_as_keys_are_asked_again_not_along_the_ttl(sandbox, build, client):
    """Each minute's ratio from CloudWatch: the popular keys come back within a minute or two, the
    tail over the TTL (900 s), and the long run settles at the profile's 0.6. A straight line over
    the TTL would be at 0.6 x elapsed / TTL."""
    api_id, name, _ = build(ttl=900)
    traffic = engine(sandbox, name)
    warmed = time.time() // 60 * 60
    traffic.step(180, warmed)  # a cache serving since before the traffic began: warm
    client("apigateway").flush_stage_cache(restApiId=api_id, stageName="prod")
    flushed = time.time()
    first = flushed // 60 * 60 + 60  # the first whole minute after the flush
    simulated = flushed
    for end in range(int(first) + 60, int(first) + 60 * 31, 60):
        traffic.step(end - simulated, end)
        simulated = end
    cloudwatch = client("cloudwatch")

    def ratio(minute: float) -> float:
        return hit_ratio(cloudwatch, name, minute)

    assert ratio(warmed - 60) == pytest.approx(0.6, abs=0.1)
    assert ratio(first) < 0.4
    elapsed = first + 240 + 30 - flushed  # the middle of that minute, in seconds since the flush
    assert ratio(first + 240) > 0.4 > 1.5 * 0.6 * elapsed / 900  # well above the straight line
    assert ratio(first) < ratio(first + 240)
    late = [ratio(first + 60 * m) for m in range(22, 30)]  # two TTLs on
    assert sum(late) / len(late) == pytest.approx(0.6, abs=0.1)


def test_a_new_cache_cluster_is_create_in_progress_then_available_and_empty(sandbox, client, unique, monkeypatch):
    """UpdateStage /cacheClusterEnabled true: CREATE_IN_PROGRESS (no request is cached meanwhile),
    then AVAILABLE, its cache empty: the first requests miss. Disabled: NOT_AVAILABLE."""
    monkeypatch.setattr(STATE, "cache_create_seconds", 3.0)
    apigw = client("apigateway")
    name = unique("cache-new")
    api = apigw.create_rest_api(name=name)
    items = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="items")
    apigw.put_method(restApiId=api["id"], resourceId=items["id"], httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=items["id"], httpMethod="GET", type="HTTP_PROXY",
                          integrationHttpMethod="GET", uri="https://backend.example.com/items")
    deployment = apigw.create_deployment(restApiId=api["id"])["id"]
    apigw.create_stage(restApiId=api["id"], stageName="prod", deploymentId=deployment)
    group = f"/aws/apigateway/{name}/prod/access"
    client("logs").create_log_group(logGroupName=group)
    patch_stage(apigw, api["id"], {"/*/*/caching/enabled": "true", "/*/*/caching/ttlInSeconds": 300,
                             "/accessLogSettings/destinationArn": f"arn:aws:logs:{REGION}:123456789012:"
                                                                  f"log-group:{group}",
                             "/accessLogSettings/format": FORMAT})
    enabled = time.time()
    patch_stage(apigw, api["id"], {"/cacheClusterEnabled": "true"})
    assert apigw.get_stage(restApiId=api["id"], stageName="prod")["cacheClusterStatus"] == "CREATE_IN_PROGRESS"
    traffic = engine(sandbox, name, Profile(per_minute=600, client_errors=0.0, server_errors=0.0, latency_ms=20,
                                            cache_hit_ratio=0.6))
    traffic.step(2, time.time())
    creating = logged(client, group, enabled - 5, time.time())
    time.sleep(max(0.0, enabled + 3.2 - time.time()))
    assert apigw.get_stage(restApiId=api["id"], stageName="prod")["cacheClusterStatus"] == "AVAILABLE"
    available = time.time()
    traffic.step(2, available + 2)
    fresh = logged(client, group, available, available + 2)
    assert creating and all(line["integrationLatency"] != "-" for line in creating)  # nothing cached yet
    assert fresh[0]["integrationLatency"] != "-"  # an empty cache: the first request misses
    patch_stage(apigw, api["id"], {"/cacheClusterEnabled": "false"})
    assert apigw.get_stage(restApiId=api["id"], stageName="prod")["cacheClusterStatus"] == "NOT_AVAILABLE"


def test_a_methods_caching_enabled_false_is_honoured_and_a_throttle_override_keeps_it_cached(
        sandbox, build, client):
    """caching/enabled false on GET /items: never answered from the cache; GET /items/{id}, whose
    override sets only a throttle (inheriting the stage's caching), still is."""
    api_id, name, group = build(ttl=300)
    patch_stage(client("apigateway"), api_id, {"/~1items/GET/caching/enabled": "false",
                                         "/~1items~1{id}/GET/throttling/rateLimit": 1000,
                                         "/~1items~1{id}/GET/throttling/burstLimit": 2000})
    settings = client("apigateway").get_stage(restApiId=api_id, stageName="prod")["methodSettings"]
    assert settings["~1items~1{id}/GET"]["cachingEnabled"] is True
    assert settings["~1items/GET"]["cachingEnabled"] is False
    start = time.time()
    engine(sandbox, name).step(120, start + 120)
    lines = logged(client, group, start, start + 120)
    hits = {path: sum(line["integrationLatency"] == "-" for line in lines if line["path"] == path)
            for path in ("/items", "/items/{id}")}
    assert len(lines) > 400
    assert hits["/items"] == 0
    assert hits["/items/{id}"] > 50
