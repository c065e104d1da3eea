"""The seeded sandbox estate, read back over HTTP with plain boto3 as the console would."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from console.sandbox import REGION


@pytest.fixture
def client(aws):
    return lambda service, region=REGION: aws(service, region)


@pytest.fixture
def apigw(client):
    return client("apigateway")


@pytest.fixture
def rest_stages(apigw):
    """{api name: {stage name: stage}} for the main region's REST APIs."""
    return {
        api["name"]: {s["stageName"]: s for s in apigw.get_stages(restApiId=api["id"])["item"]}
        for api in apigw.get_rest_apis()["items"]
    }


def test_rest_apis_have_deployments_and_three_stages(apigw, rest_stages):
    apis = apigw.get_rest_apis()["items"]
    assert len(apis) >= 3
    for api in apis:
        assert api["tags"]["team"] and api["tags"]["cost-center"]
        assert len(apigw.get_deployments(restApiId=api["id"])["items"]) >= 2
        assert {"dev", "staging", "prod"} <= set(rest_stages[api["name"]])
        methods = [
            (resource["path"], verb, method["methodIntegration"]["type"])
            for resource in apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"]
            for verb, method in resource.get("resourceMethods", {}).items()
        ]
        assert ("/health", "GET", "MOCK") in methods
        assert any(kind == "HTTP_PROXY" for _, _, kind in methods)


def test_stage_throttles_with_per_method_overrides(rest_stages):
    for stages in rest_stages.values():
        defaults = {name: stage["methodSettings"]["*/*"] for name, stage in stages.items()}
        assert defaults["prod"]["throttlingRateLimit"] > defaults["dev"]["throttlingRateLimit"]
        assert defaults["prod"]["throttlingBurstLimit"] > defaults["dev"]["throttlingBurstLimit"]
        assert all(d["metricsEnabled"] and d["loggingLevel"] in ("INFO", "ERROR")
                   for d in defaults.values())
    settings = rest_stages["orders-api"]["prod"]["methodSettings"]
    refunds = settings["~1orders~1{orderId}~1refunds/POST"]  # "~1" escapes "/"
    assert (refunds["throttlingRateLimit"], refunds["throttlingBurstLimit"]) == (20.0, 40)


def test_exactly_one_prod_stage_has_a_cache_cluster(rest_stages):
    prods = [stages["prod"] for stages in rest_stages.values()]
    cached = [stage for stage in prods if stage["cacheClusterEnabled"]]
    assert len(cached) == 1
    assert cached[0]["cacheClusterSize"] == "0.5"
    assert cached[0]["methodSettings"]["*/*"]["cachingEnabled"] is True
    assert cached[0]["methodSettings"]["*/*"]["cacheTtlInSeconds"] == 300


def test_prod_access_logs_are_json_lines_in_the_stage_format(client, rest_stages):
    logs = client("logs")
    window = timedelta(hours=1, minutes=1).total_seconds() * 1000  # the history logs its last hour
    now = datetime.now(UTC).timestamp() * 1000
    lines_by_api = {}
    for api, stages in rest_stages.items():
        settings = stages["prod"]["accessLogSettings"]
        keys = set(json.loads(settings["format"]))  # the format itself is a JSON template
        group = settings["destinationArn"].split(":log-group:")[1]
        stream = logs.describe_log_streams(logGroupName=group)["logStreams"][0]["logStreamName"]
        events = logs.get_log_events(logGroupName=group, logStreamName=stream,
                                     startFromHead=True)["events"]
        assert len(events) >= 200  # a page of them: every request of the hour has its line
        stamps = [event["timestamp"] for event in events]
        # the last hour before seeding, however long ago the session's sandbox was seeded
        assert stamps == sorted(stamps) and stamps[-1] - stamps[0] <= window and stamps[-1] <= now
        lines = [json.loads(event["message"]) for event in events]
        assert all(set(line) == keys for line in lines)
        statuses = [int(line["status"]) for line in lines]
        assert sum(s < 400 for s in statuses) > 0.8 * len(statuses)
        assert any(400 <= s < 500 for s in statuses)
        lines_by_api[api] = lines
    keyed = [line for line in lines_by_api["orders-api"] if line["apiKeyId"] != "-"]
    assert keyed and all(line["httpMethod"] in ("POST", "PUT", "DELETE") for line in keyed)


def test_execution_log_groups_exist(client, apigw):
    groups = {g["logGroupName"] for g in client("logs").describe_log_groups(
        logGroupNamePrefix="API-Gateway-Execution-Logs_")["logGroups"]}
    for api in apigw.get_rest_apis()["items"]:
        assert f"API-Gateway-Execution-Logs_{api['id']}/prod" in groups


def test_http_api_stages_routes_and_access_logs(client):
    v2 = client("apigatewayv2")
    api = next(a for a in v2.get_apis()["Items"] if a["ProtocolType"] == "HTTP")
    routes = {r["RouteKey"] for r in v2.get_routes(ApiId=api["ApiId"])["Items"]}
    assert {"GET /products", "GET /products/{id}", "POST /cart", "$default"} <= routes
    stages = {s["StageName"]: s for s in v2.get_stages(ApiId=api["ApiId"])["Items"]}
    assert set(stages) == {"$default", "prod"}
    assert stages["$default"]["AutoDeploy"] is True
    prod = stages["prod"]
    assert prod["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert "POST /cart" in prod["RouteSettings"]
    group = prod["AccessLogSettings"]["DestinationArn"].split(":log-group:")[1]
    event = client("logs").filter_log_events(logGroupName=group, limit=1)["events"][0]
    assert set(json.loads(event["message"])) == set(json.loads(prod["AccessLogSettings"]["Format"]))


def test_websocket_api(client):
    v2 = client("apigatewayv2")
    api = next(a for a in v2.get_apis()["Items"] if a["ProtocolType"] == "WEBSOCKET")
    assert api["RouteSelectionExpression"] == "$request.body.action"
    routes = {r["RouteKey"] for r in v2.get_routes(ApiId=api["ApiId"])["Items"]}
    assert {"$connect", "$disconnect", "$default", "sendMessage"} <= routes
    assert [s["StageName"] for s in v2.get_stages(ApiId=api["ApiId"])["Items"]] == ["prod"]


def test_usage_plans_cover_prod_stages_and_hold_keys(apigw):
    plans = apigw.get_usage_plans()["items"]
    assert len(plans) >= 3
    for plan in plans:
        assert plan["throttle"]["rateLimit"] > 0
        assert plan["quota"]["period"] in ("DAY", "WEEK", "MONTH")
        assert {stage["stage"] for stage in plan["apiStages"]} in ({"prod"}, {"dev", "staging"})  # preprod: QA's key
        assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    keys = apigw.get_api_keys()["items"]
    assert 5 <= len(keys) <= 8
    assert any(not key["enabled"] for key in keys) and any(key["enabled"] for key in keys)


def _sums(cloudwatch, metric, dimensions, stat="Sum"):
    end = datetime.now(UTC)
    result = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {
            "Namespace": "AWS/ApiGateway", "MetricName": metric, "Dimensions": dimensions,
        }, "Period": 3600, "Stat": stat}}],
        StartTime=end - timedelta(hours=3), EndTime=end,
    )
    return result["MetricDataResults"][0]["Values"]


def test_rest_metrics_for_prod_stages(client):
    cloudwatch = client("cloudwatch")

    def dims(api):
        return [{"Name": "ApiName", "Value": api}, {"Name": "Stage", "Value": "prod"}]

    requests = sum(_sums(cloudwatch, "Count", dims("orders-api")))
    assert requests > 10_000  # ~120 a minute for three hours
    assert 0 < sum(_sums(cloudwatch, "4XXError", dims("orders-api"))) < requests * 0.1
    latency = _sums(cloudwatch, "Latency", dims("orders-api"), "Average")
    assert latency and all(20 < value < 500 for value in latency)
    error_rate = {api: max(_sums(cloudwatch, "5XXError", dims(api), "Average"))
                  for api in ("orders-api", "payments-api")}
    assert error_rate["payments-api"] > 3 * error_rate["orders-api"]  # the unhealthy one
    assert sum(_sums(cloudwatch, "CacheHitCount", dims("catalog-api"))) > 0


def test_http_api_metrics(client):
    v2 = client("apigatewayv2")
    api_id = next(a["ApiId"] for a in v2.get_apis()["Items"] if a["ProtocolType"] == "HTTP")
    dims = [{"Name": "ApiId", "Value": api_id}, {"Name": "Stage", "Value": "prod"}]
    assert sum(_sums(client("cloudwatch"), "Count", dims)) > 0
    assert sum(_sums(client("cloudwatch"), "DataProcessed", dims)) > 0


def test_eu_west_1_has_its_own_estate(client):
    eu = client("apigateway", "eu-west-1")
    apis = eu.get_rest_apis()["items"]
    assert [api["name"] for api in apis] == ["orders-api-eu"]
    stages = eu.get_stages(restApiId=apis[0]["id"])["item"]
    assert [stage["stageName"] for stage in stages] == ["prod"]
    assert re.search(r"eu-west-1", stages[0]["accessLogSettings"]["destinationArn"])


def test_the_estate_has_a_past(apigw, client, rest_stages):
    """APIs made over months and in working hours, deployed since (the newest days ago), prod last updated
    when the deployment it serves was made, keys issued over a year, a disabled key updated after it was made: not an estate made in one second."""
    now = datetime.now(UTC)
    apis = {a["name"]: a for a in apigw.get_rest_apis()["items"]}
    made = sorted(a["createdDate"] for a in apis.values())
    assert now - made[0] > timedelta(days=365) and made[-1] - made[0] > timedelta(days=90)
    assert all(9 <= a["createdDate"].astimezone(UTC).hour < 17 for a in apis.values())
    for name, api in apis.items():
        deployments = sorted(apigw.get_deployments(restApiId=api["id"])["items"], key=lambda d: d["createdDate"])
        assert deployments[0]["createdDate"] >= api["createdDate"] and len({d["createdDate"] for d in deployments}) > 1
        assert timedelta(hours=12) < now - deployments[-1]["createdDate"] < timedelta(days=30)
        prod = rest_stages[name]["prod"]
        served = next(d for d in deployments if d["id"] == prod["deploymentId"])
        assert api["createdDate"] < prod["createdDate"] <= prod["lastUpdatedDate"] == served["createdDate"]
    keys = {k["name"]: k for k in apigw.get_api_keys()["items"]}
    assert max(k["createdDate"] for k in keys.values()) - min(k["createdDate"] for k in keys.values()) > timedelta(
        days=300)
    disabled = [k for k in keys.values() if not k["enabled"]]
    assert disabled and all(k["lastUpdatedDate"] > k["createdDate"] for k in disabled)
    v2 = client("apigatewayv2")
    for api in v2.get_apis()["Items"]:
        assert now - api["CreatedDate"] > timedelta(days=30)
        deployments = {d["DeploymentId"]: d for d in v2.get_deployments(ApiId=api["ApiId"])["Items"]}
        for stage in v2.get_stages(ApiId=api["ApiId"])["Items"]:  # every stage serves a deployment of its API
            served = deployments[stage["DeploymentId"]]
            assert served["AutoDeployed"] == bool(stage.get("AutoDeploy"))
            assert api["CreatedDate"] <= served["CreatedDate"] <= stage["LastUpdatedDate"] < now - timedelta(hours=12)


def test_traffic_has_shapes_of_its_own_and_thousands_of_callers(client, rest_stages):
    """Each stage's history in a shape of its own (partners' settlement runs every half hour on payments,
    the CDN-fronted catalogue steady), and the last hour's lines from thousands of addresses, a few far
    busier than the rest, with the user agents of apps, browsers, SDKs and monitors."""
    cloudwatch, logs = client("cloudwatch"), client("logs")
    end = datetime.now(UTC).replace(second=0, microsecond=0)

    def per_minute(api: str) -> list[float]:
        result = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {
            "Namespace": "AWS/ApiGateway", "MetricName": "Count",
            "Dimensions": [{"Name": "ApiName", "Value": api}, {"Name": "Stage", "Value": "prod"}]},
            "Period": 60, "Stat": "Sum"}}], StartTime=end - timedelta(hours=3), EndTime=end - timedelta(minutes=35),
            ScanBy="TimestampAscending")
        return sorted(result["MetricDataResults"][0]["Values"])

    def spread(values: list[float]) -> float:  # the busiest minutes over the typical one
        return sum(values[-5:]) / 5 / values[len(values) // 2]

    assert spread(per_minute("payments-api")) > 1.8 > 1.3 > spread(per_minute("catalog-api"))
    group = rest_stages["orders-api"]["prod"]["accessLogSettings"]["destinationArn"].split(":log-group:")[1]
    lines = [json.loads(event["message"]) for page in logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, startTime=int((end - timedelta(minutes=30)).timestamp() * 1000)) for event in page["events"]]
    callers = Counter(line["ip"] for line in lines)
    assert len(callers) > 1_000 and callers.most_common(1)[0][1] > 10 * sorted(callers.values())[len(callers) // 2]
    assert any(":" in ip for ip in callers) and len({line["userAgent"] for line in lines}) > 15
