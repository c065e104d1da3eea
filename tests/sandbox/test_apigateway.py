"""The sandbox's API Gateway (REST) fidelity, over HTTP with plain boto3: each test states the
documented rule it checks. Everything is created in the scratch region, under unique names, and
deleted afterwards."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from console.sandbox import ACCOUNT_ID
from console.sandbox.state import STATE

BAD_REQUEST = ("BadRequestException", 400)
NOT_FOUND = ("NotFoundException", 404)


@pytest.fixture(scope="module")
def clients(sandbox, aws_client_for):
    """One client per region for the module: a fresh client's first call costs most of a second."""
    return functools.cache(lambda region: aws_client_for(sandbox.url, "apigateway", region))


@pytest.fixture
def apigw(clients, scratch_region):
    return clients(scratch_region)


@pytest.fixture
def made(apigw):
    """What a test registers here ("api" | "key" | "plan", id) is deleted after it, so that the
    shared scratch region stays small for the tests that list it."""
    created: list[tuple[str, str]] = []
    yield created
    delete = {"api": lambda ident: apigw.delete_rest_api(restApiId=ident),
              "key": lambda ident: apigw.delete_api_key(apiKey=ident),
              "plan": lambda ident: apigw.delete_usage_plan(usagePlanId=ident)}
    for kind, ident in reversed(created):
        try:
            delete[kind](ident)
        except ClientError:  # the test deleted it already
            pass


def build_api(apigw, name: str, region: str) -> SimpleNamespace:
    """A REST API with GET/POST /orders and GET /orders/{id} (MOCK), two deployments and a "prod"
    stage on the first, with variables, tags, a cache cluster, method settings and access logs."""
    created = apigw.create_rest_api(name=name)
    api_id, root = created["id"], created["rootResourceId"]
    orders = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="orders")["id"]
    order = apigw.create_resource(restApiId=api_id, parentId=orders, pathPart="{id}")["id"]
    for resource, verb in ((orders, "GET"), (orders, "POST"), (order, "GET")):
        apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod=verb, authorizationType="NONE")
        apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod=verb, type="MOCK")
    first = apigw.create_deployment(restApiId=api_id, description="first")["id"]
    second = apigw.create_deployment(restApiId=api_id, description="second")["id"]
    apigw.create_stage(restApiId=api_id, stageName="prod", deploymentId=first, variables={"host": "a.example"},
                       tags={"env": "prod"}, cacheClusterEnabled=True, cacheClusterSize="0.5")
    apigw.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
        replace("/*/*/throttling/rateLimit", "100"),
        replace("/~1orders/POST/throttling/burstLimit", "7"),
        replace("/accessLogSettings/destinationArn", f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:access"),
        replace("/accessLogSettings/format", "$context.requestId"),
    ])
    return SimpleNamespace(id=api_id, first=first, second=second, key=(ACCOUNT_ID, region, api_id, "prod"))


@pytest.fixture
def api(apigw, unique, made, scratch_region):
    built = build_api(apigw, unique("fidelity"), scratch_region)
    made.append(("api", built.id))
    return built


def stage(apigw, api) -> dict:
    got = apigw.get_stage(restApiId=api.id, stageName="prod")
    got.pop("ResponseMetadata")
    return got


def patch(apigw, api, *operations: dict) -> dict:
    return apigw.update_stage(restApiId=api.id, stageName="prod", patchOperations=list(operations))


def replace(path: str, value: str) -> dict:
    return {"op": "replace", "path": path, "value": value}


def remove(path: str) -> dict:
    return {"op": "remove", "path": path}


def copy(source: str, path: str) -> dict:
    return {"op": "copy", "from": source, "path": path}


def error_of(call) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


# --- Canary ---------------------------------------------------------------------------------------


def test_canary_deployment_puts_the_new_deployment_on_the_canary_and_keeps_the_stage_deployment(apigw, api):
    """create-canary-deployment: a CreateDeployment with canarySettings on an existing stage puts the
    new deployment in canarySettings.deploymentId; the stage keeps its deploymentId. GetStage and
    GetStages return canarySettings; the traffic generator finds it in STATE.canaries."""
    deployment = apigw.create_deployment(restApiId=api.id, stageName="prod", canarySettings={
        "percentTraffic": 10.5, "useStageCache": True, "stageVariableOverrides": {"host": "b.example"}})["id"]
    got = stage(apigw, api)
    assert got["deploymentId"] == api.first
    assert got["canarySettings"] == {"percentTraffic": 10.5, "deploymentId": deployment,
                                     "stageVariableOverrides": {"host": "b.example"}, "useStageCache": True}
    listed = {s["stageName"]: s for s in apigw.get_stages(restApiId=api.id)["item"]}
    assert listed["prod"]["canarySettings"]["deploymentId"] == deployment
    assert STATE.canaries[api.key] == got["canarySettings"]


def test_create_stage_with_canary_settings_defaults_the_canary_to_the_stage_deployment(apigw, api):
    """CreateStage takes canarySettings; without a deploymentId the canary starts on the stage's."""
    created = apigw.create_stage(restApiId=api.id, stageName="beta", deploymentId=api.first,
                                 canarySettings={"percentTraffic": 5.0})
    assert created["canarySettings"] == {"percentTraffic": 5.0, "deploymentId": api.first,
                                         "stageVariableOverrides": {}, "useStageCache": False}
    explicit = apigw.create_stage(restApiId=api.id, stageName="gamma", deploymentId=api.first,
                                  canarySettings={"deploymentId": api.second})
    assert explicit["canarySettings"]["deploymentId"] == api.second


def test_canary_release_deployment_needs_an_existing_stage(apigw, api):
    """"you cannot specify any non-existing stage name when creating a canary release deployment"."""
    before = len(apigw.get_deployments(restApiId=api.id)["items"])
    canary = {"percentTraffic": 1.0}
    assert error_of(lambda: apigw.create_deployment(
        restApiId=api.id, stageName="nowhere", canarySettings=canary)) == BAD_REQUEST
    assert len(apigw.get_deployments(restApiId=api.id)["items"]) == before


def test_a_canary_stage_takes_only_canary_deployments(apigw, api):
    """"In any subsequent API deployments to the same stage, you must always specify canarySettings
    ... until the canary is disabled" (AWS: Non canary deployment not supported ... Canary is enabled)."""
    patch(apigw, api, replace("/canarySettings/percentTraffic", "20"))
    assert error_of(lambda: apigw.create_deployment(restApiId=api.id, stageName="prod")) == BAD_REQUEST
    again = apigw.create_deployment(restApiId=api.id, stageName="prod", canarySettings={"percentTraffic": 30})
    assert stage(apigw, api)["canarySettings"]["deploymentId"] == again["id"]


def test_update_stage_canary_paths_attach_and_edit_the_canary(apigw, api):
    """update-canary-deployment: replace on /canarySettings/* attaches a canary on the current
    deployment; stageVariableOverrides/NAME take replace, add and remove."""
    patch(apigw, api, replace("/canarySettings/percentTraffic", "10.5"),
          replace("/canarySettings/useStageCache", "true"),
          replace("/canarySettings/stageVariableOverrides/sv1", "val2"),
          {"op": "add", "path": "/canarySettings/stageVariableOverrides/sv2", "value": "val3"})
    assert stage(apigw, api)["canarySettings"] == {
        "percentTraffic": 10.5, "deploymentId": api.first, "useStageCache": True,
        "stageVariableOverrides": {"sv1": "val2", "sv2": "val3"}}
    patch(apigw, api, replace("/canarySettings/deploymentId", api.second),
          remove("/canarySettings/stageVariableOverrides/sv1"))
    canary = stage(apigw, api)["canarySettings"]
    assert (canary["deploymentId"], canary["stageVariableOverrides"]) == (api.second, {"sv2": "val3"})


@pytest.mark.parametrize("operation", [
    replace("/canarySettings/percentTraffic", "100.1"),
    replace("/canarySettings/percentTraffic", "-1"),
    replace("/canarySettings/useStageCache", "sometimes"),
    replace("/canarySettings/deploymentId", "nope"),
    replace("/canarySettings/stageVariableOverrides/bad-name", "x"),
    {"op": "add", "path": "/canarySettings/percentTraffic", "value": "1"},
    replace("/canarySettings/somethingElse", "1"),
])
def test_canary_settings_outside_the_reference_are_bad_requests(apigw, api, operation):
    """percentTraffic is 0.0-100.0, useStageCache a boolean, deploymentId an existing deployment."""
    assert error_of(lambda: patch(apigw, api, operation)) == BAD_REQUEST
    assert "canarySettings" not in stage(apigw, api)


def test_promotion_copies_the_canary_deployment_and_merges_its_overrides_then_remove_detaches(apigw, api):
    """promote-canary-deployment: copy /deploymentId from /canarySettings/deploymentId, copy
    /variables from /canarySettings/stageVariableOverrides (merged into the stage variables),
    percentTraffic 0.0; disabling the canary is a separate remove /canarySettings."""
    canary = apigw.create_deployment(restApiId=api.id, stageName="prod", canarySettings={
        "percentTraffic": 25, "stageVariableOverrides": {"host": "b.example", "flag": "on"}})["id"]
    promoted = patch(apigw, api, copy("/canarySettings/deploymentId", "/deploymentId"),
                     copy("/canarySettings/stageVariableOverrides", "/variables"),
                     replace("/canarySettings/percentTraffic", "0.0"))
    assert promoted["deploymentId"] == canary
    assert promoted["variables"] == {"host": "b.example", "flag": "on"}
    assert promoted["canarySettings"]["percentTraffic"] == 0.0
    assert "canarySettings" not in patch(apigw, api, remove("/canarySettings"))
    assert api.key not in STATE.canaries


def test_copy_takes_only_the_promotion_pairs_and_needs_a_canary(apigw, api):
    """copy promotes a canary: without one, or with another from/path pair, it is refused."""
    promote = copy("/canarySettings/deploymentId", "/deploymentId")
    assert error_of(lambda: patch(apigw, api, promote)) == BAD_REQUEST
    patch(apigw, api, replace("/canarySettings/percentTraffic", "5"))
    crossed = copy("/canarySettings/stageVariableOverrides", "/deploymentId")
    assert error_of(lambda: patch(apigw, api, crossed)) == BAD_REQUEST


def test_stage_cannot_point_at_another_deployment_while_a_canary_is_attached(apigw, api):
    """Undocumented for UpdateStage; the sandbox refuses, as AWS refuses non-canary deployments on a
    canary stage: replace /deploymentId may only name the canary's deployment."""
    third = apigw.create_deployment(restApiId=api.id, description="third")["id"]
    patch(apigw, api, replace("/canarySettings/deploymentId", api.second))
    assert error_of(lambda: patch(apigw, api, replace("/deploymentId", third))) == BAD_REQUEST
    assert patch(apigw, api, replace("/deploymentId", api.second))["deploymentId"] == api.second
    patch(apigw, api, remove("/canarySettings"))
    assert patch(apigw, api, replace("/deploymentId", third))["deploymentId"] == third


def test_deleting_a_stage_forgets_its_canary(apigw, api):
    """A stage deleted and created again starts without the old stage's canary."""
    patch(apigw, api, replace("/canarySettings/percentTraffic", "5"))
    apigw.delete_stage(restApiId=api.id, stageName="prod")
    assert "canarySettings" not in apigw.create_stage(restApiId=api.id, stageName="prod", deploymentId=api.first)


# --- Deployments ----------------------------------------------------------------------------------


def test_deploying_to_an_existing_stage_moves_only_its_deployment_id(apigw, api):
    """CreateDeployment with an existing stageName points the stage at the new deployment and keeps
    its method settings, variables, cache, access logging and tags."""
    before = stage(apigw, api)
    deployment = apigw.create_deployment(restApiId=api.id, stageName="prod")["id"]
    after = stage(apigw, api)
    assert after["deploymentId"] == deployment != before["deploymentId"]
    for field in ("methodSettings", "variables", "cacheClusterEnabled", "cacheClusterSize", "accessLogSettings",
                  "tags", "createdDate"):
        assert after[field] == before[field], field
    assert after["lastUpdatedDate"] >= before["lastUpdatedDate"]


def test_deploying_to_a_new_stage_creates_it_with_the_given_settings(apigw, api):
    """CreateDeployment with a new stageName creates the stage (description, variables, tracing)."""
    deployment = apigw.create_deployment(restApiId=api.id, stageName="qa", stageDescription="QA",
                                         variables={"host": "qa.example"}, tracingEnabled=True)["id"]
    created = apigw.get_stage(restApiId=api.id, stageName="qa")
    assert created["deploymentId"] == deployment and created["description"] == "QA"
    assert created["variables"] == {"host": "qa.example"} and created["tracingEnabled"] is True


def test_a_deployment_in_use_by_a_stage_or_canary_cannot_be_deleted(apigw, api):
    """DeleteDeployment refuses a deployment a stage (or its canary) points at; others go."""
    patch(apigw, api, replace("/canarySettings/deploymentId", api.second))
    for used in (api.first, api.second):
        assert error_of(lambda used=used: apigw.delete_deployment(restApiId=api.id, deploymentId=used)) == BAD_REQUEST
    spare = apigw.create_deployment(restApiId=api.id)["id"]
    apigw.delete_deployment(restApiId=api.id, deploymentId=spare)
    assert spare not in {d["id"] for d in apigw.get_deployments(restApiId=api.id)["items"]}


# --- UpdateStage ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/unknown", "/variables", "/accessLogSettings/level", "/*/*/throttling/limit",
                                  "/*/GET/metrics/enabled", "/~1orders/GET/metrics", "/canarySettings/overrides"])
def test_unknown_patch_paths_are_bad_requests(apigw, api, path):
    """Only the documented stage paths can be patched; anything else is a BadRequestException."""
    assert error_of(lambda: patch(apigw, api, replace(path, "true"))) == BAD_REQUEST


@pytest.mark.parametrize("path, value", [
    ("/cacheClusterSize", "2.0"),
    ("/cacheClusterEnabled", "yes"),
    ("/tracingEnabled", "1"),
    ("/deploymentId", "nope"),
    ("/accessLogSettings/destinationArn", "my-log-group"),
    ("/*/*/logging/loglevel", "DEBUG"),
    ("/*/*/metrics/enabled", "on"),
    ("/*/*/logging/dataTrace", "maybe"),
    ("/*/*/throttling/burstLimit", "-5"),
    ("/*/*/throttling/burstLimit", "1.5"),
    ("/*/*/throttling/rateLimit", "fast"),
    ("/*/*/throttling/rateLimit", "-0.5"),
    ("/*/*/caching/ttlInSeconds", "3601"),
    ("/*/*/caching/enabled", "sure"),
    ("/*/*/caching/dataEncrypted", "x"),
    ("/*/*/caching/requireAuthorizationForCacheControl", "x"),
    ("/*/*/caching/unauthorizedCacheControlHeaderStrategy", "FAIL"),
    ("/variables/bad-name", "x"),
    ("/variables/spaced", "has space"),
    ("/variables/long", "x" * 513),
    ("/variables/empty", ""),
])
def test_invalid_stage_values_are_bad_requests(apigw, api, path, value):
    """Each documented path takes the documented values: cache sizes 0.5|1.6|6.1|13.5|28.4|58.2|118|237,
    log levels OFF|ERROR|INFO, booleans, throttles >= 0 (-1: no override), TTL 0-3600, variable names
    [A-Za-z0-9_]+ and values [A-Za-z0-9-._~:/?#&=,]+ of at most 512 characters."""
    assert error_of(lambda: patch(apigw, api, replace(path, value))) == BAD_REQUEST


def test_every_documented_stage_path_takes_a_valid_value(apigw, api):
    """The documented paths, with valid values, all apply."""
    got = patch(apigw, api, *[replace(path, value) for path, value in (
        ("/description", "Production"), ("/cacheClusterEnabled", "true"), ("/cacheClusterSize", "237"),
        ("/tracingEnabled", "true"), ("/clientCertificateId", "abc123"),
        ("/variables/url", "https://x.example/a?b=c"),
        ("/accessLogSettings/format", '{"id":"$context.requestId"}'),
        ("/*/*/metrics/enabled", "true"), ("/*/*/logging/loglevel", "INFO"), ("/*/*/logging/dataTrace", "false"),
        ("/*/*/throttling/burstLimit", "-1"), ("/*/*/throttling/rateLimit", "12.5"),
        ("/*/*/caching/enabled", "true"), ("/*/*/caching/ttlInSeconds", "3600"),
        ("/*/*/caching/dataEncrypted", "true"), ("/*/*/caching/requireAuthorizationForCacheControl", "false"),
        ("/*/*/caching/unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403"),
        ("/~1orders~1{id}/GET/caching/ttlInSeconds", "0"),
    )])
    default = got["methodSettings"]["*/*"]
    assert (got["cacheClusterSize"], got["tracingEnabled"], got["clientCertificateId"]) == ("237", True, "abc123")
    assert (default["loggingLevel"], default["throttlingBurstLimit"], default["throttlingRateLimit"]) == (
        "INFO", -1, 12.5)
    assert default["unauthorizedCacheControlHeaderStrategy"] == "FAIL_WITH_403"
    assert got["methodSettings"]["~1orders~1{id}/GET"]["cacheTtlInSeconds"] == 0
    assert got["variables"]["url"] == "https://x.example/a?b=c"


def test_a_per_method_setting_needs_an_existing_method(apigw, api):
    """A /{resource_path}/{http_method} path names a method of the API (the reference leaves the
    answer otherwise undocumented; the sandbox answers BadRequestException)."""
    for path in ("/~1orders/DELETE/metrics/enabled", "/~1invoices/GET/metrics/enabled"):
        assert error_of(lambda path=path: patch(apigw, api, replace(path, "true"))) == BAD_REQUEST


def test_removing_a_method_path_removes_its_whole_override(apigw, api):
    """remove /~1path/VERB drops the method's override; removing one that is not there, or a single
    setting, is refused ("Cannot remove method setting ... no method setting for this method")."""
    assert "~1orders/POST" not in patch(apigw, api, remove("/~1orders/POST"))["methodSettings"]
    assert error_of(lambda: patch(apigw, api, remove("/~1orders/POST"))) == BAD_REQUEST
    assert error_of(lambda: patch(apigw, api, remove("/*/*/throttling/rateLimit"))) == BAD_REQUEST


def test_an_update_with_one_invalid_operation_changes_nothing(apigw, api):
    """UpdateStage is all or nothing: the valid operations before a bad one are not applied."""
    before = stage(apigw, api)
    assert error_of(lambda: patch(apigw, api, replace("/description", "changed"), replace("/variables/new", "v"),
                                  remove("/~1orders/POST"), replace("/canarySettings/percentTraffic", "5"),
                                  replace("/cacheClusterSize", "999"))) == BAD_REQUEST
    assert stage(apigw, api) == before


def test_stage_variables_and_last_updated_date_follow_the_update(apigw, api):
    """replace/add set a stage variable, remove drops it, and lastUpdatedDate moves on every update."""
    before = stage(apigw, api)
    got = patch(apigw, api, replace("/variables/a", "1"), {"op": "add", "path": "/variables/b", "value": "2"},
                remove("/variables/host"))
    assert got["variables"] == {"a": "1", "b": "2"}
    assert got["lastUpdatedDate"] > before["lastUpdatedDate"]
    assert got["createdDate"] == before["createdDate"]


def test_a_stage_holds_at_most_100_variables(apigw, api):
    """Quota: 100 stage variables per stage."""
    many = [replace(f"/variables/v{n}", "x") for n in range(100)]
    assert error_of(lambda: patch(apigw, api, *many)) == BAD_REQUEST
    assert len(patch(apigw, api, *many[:99])["variables"]) == 100


def test_stage_dates_are_reported(apigw, api):
    """Stage.createdDate and lastUpdatedDate are set (moto keeps neither)."""
    got, now = stage(apigw, api), datetime.now(UTC)
    assert now - timedelta(minutes=5) < got["createdDate"] <= got["lastUpdatedDate"] <= now + timedelta(seconds=1)


# --- Cache flushes ----------------------------------------------------------------------------------


def test_flush_stage_cache_answers_202_and_records_the_flush(apigw, api):
    """FlushStageCache (DELETE .../cache/data) and FlushStageAuthorizersCache (.../cache/authorizers)
    answer 202 Accepted; the sandbox's traffic sees a cold cache from then on."""
    before = datetime.now(UTC).timestamp()
    flushed = apigw.flush_stage_cache(restApiId=api.id, stageName="prod")
    assert flushed["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert STATE.cache_flushed_at[api.key] >= before
    flushed = apigw.flush_stage_authorizers_cache(restApiId=api.id, stageName="prod")
    assert flushed["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert STATE.authorizers_flushed_at[api.key] >= before


def test_flushing_an_unknown_stage_or_api_is_not_found(apigw, api):
    """The flushes name an existing REST API and stage: NotFoundException otherwise."""
    assert error_of(lambda: apigw.flush_stage_cache(restApiId=api.id, stageName="nope")) == NOT_FOUND
    assert error_of(lambda: apigw.flush_stage_authorizers_cache(restApiId="nope", stageName="prod")) == NOT_FOUND


# --- Usage --------------------------------------------------------------------------------------------


def new_plan(apigw, made, name: str, region: str, quota: dict, keys: int) -> SimpleNamespace:
    throttle = {"rateLimit": 10.0, "burstLimit": 20}
    plan_id = apigw.create_usage_plan(name=name, quota=quota, throttle=throttle)["id"]
    made.append(("plan", plan_id))
    key_ids = []
    for n in range(keys):
        key_ids.append(apigw.create_api_key(name=f"{name}-key{n}", enabled=True)["id"])
        made.append(("key", key_ids[-1]))
        apigw.create_usage_plan_key(usagePlanId=plan_id, keyId=key_ids[-1], keyType="API_KEY")
    return SimpleNamespace(id=plan_id, keys=sorted(key_ids),
                           used=lambda key_id: STATE.usage[(ACCOUNT_ID, region, plan_id, key_id)])


@pytest.fixture
def plan(apigw, made, unique, scratch_region):
    """A usage plan with a daily quota of 100 and two keys."""
    return new_plan(apigw, made, unique("plan"), scratch_region, {"limit": 100, "period": "DAY"}, keys=2)


def test_get_usage_reports_daily_used_and_remaining_per_key(apigw, plan):
    """GetUsage: for each key, one [used, remaining] per day from startDate to endDate; remaining
    is the quota left in the day's period."""
    plan.used(plan.keys[0]).update({"2026-01-05": 30, "2026-01-06": 120})
    got = apigw.get_usage(usagePlanId=plan.id, startDate="2026-01-04", endDate="2026-01-06")
    assert (got["usagePlanId"], got["startDate"], got["endDate"]) == (plan.id, "2026-01-04", "2026-01-06")
    assert got["items"] == {plan.keys[0]: [[0, 100], [30, 70], [120, 0]], plan.keys[1]: [[0, 100]] * 3}
    one = apigw.get_usage(usagePlanId=plan.id, keyId=plan.keys[1], startDate="2026-01-05", endDate="2026-01-05")
    assert one["items"] == {plan.keys[1]: [[0, 100]]}


def test_a_monthly_quota_counts_what_the_month_used_so_far(apigw, made, unique, scratch_region):
    """Remaining is per quota period: in a MONTH period the days add up."""
    monthly = new_plan(apigw, made, unique("monthly"), scratch_region, {"limit": 1000, "period": "MONTH"}, keys=1)
    monthly.used(monthly.keys[0]).update({"2026-01-30": 100, "2026-01-31": 50, "2026-02-01": 10})
    got = apigw.get_usage(usagePlanId=monthly.id, startDate="2026-01-31", endDate="2026-02-01")
    assert got["items"][monthly.keys[0]] == [[50, 850], [10, 990]]


@pytest.mark.parametrize("start, end", [("2026-13-01", "2026-12-01"), ("yesterday", "2026-01-01"),
                                        ("2026-01-02", "2026-01-01")])
def test_get_usage_needs_valid_dates(apigw, plan, start, end):
    """startDate and endDate are yyyy-MM-dd dates, the end not before the start."""
    assert error_of(lambda: apigw.get_usage(usagePlanId=plan.id, startDate=start, endDate=end)) == BAD_REQUEST


def test_get_usage_of_an_unknown_plan_or_key_is_not_found(apigw, plan):
    """The usage plan must exist, and keyId must be one of its keys."""
    day = {"startDate": "2026-01-01", "endDate": "2026-01-01"}
    assert error_of(lambda: apigw.get_usage(usagePlanId="nope", **day)) == NOT_FOUND
    assert error_of(lambda: apigw.get_usage(usagePlanId=plan.id, keyId="nope", **day)) == NOT_FOUND


def test_get_usage_pages_over_the_plan_keys(apigw, plan):
    """GetUsage honours limit and position; the paginator follows position to the last key."""
    day = {"usagePlanId": plan.id, "startDate": "2026-01-01", "endDate": "2026-01-01"}
    first = apigw.get_usage(**day, limit=1)
    assert list(first["items"]) == plan.keys[:1] and first["position"]
    pages = apigw.get_paginator("get_usage").paginate(**day, PaginationConfig={"PageSize": 1})
    assert [key for page in pages for key in page["items"]] == plan.keys


def test_update_usage_replace_remaining_grants_a_temporary_extension(apigw, plan):
    """UpdateUsage (replace /remaining) grants a temporary extension to the key's remaining quota:
    GetUsage's remaining reflects it until the quota period ends."""
    key, today = plan.keys[0], datetime.now(UTC).date()
    plan.used(key)[today.isoformat()] = 90
    got = apigw.update_usage(usagePlanId=plan.id, keyId=key, patchOperations=[replace("/remaining", "500")])
    assert got["items"] == {key: [[90, 500]]}
    plan.used(key)[today.isoformat()] = 100

    def remaining(day) -> list:
        return apigw.get_usage(usagePlanId=plan.id, keyId=key, startDate=day.isoformat(),
                               endDate=day.isoformat())["items"][key]

    assert remaining(today) == [[100, 490]]
    assert remaining(today + timedelta(days=1)) == [[0, 100]]


@pytest.mark.parametrize("operation", [{"op": "add", "path": "/remaining", "value": "5"},
                                       replace("/used", "5"), replace("/remaining", "-5")])
def test_update_usage_takes_only_replace_remaining(apigw, plan, operation):
    """The only UpdateUsage patch is replace /remaining with a count."""
    assert error_of(lambda: apigw.update_usage(usagePlanId=plan.id, keyId=plan.keys[0],
                                               patchOperations=[operation])) == BAD_REQUEST


# --- ImportApiKeys --------------------------------------------------------------------------------


def import_keys(apigw, made, body: bytes, **params) -> dict:
    got = apigw.import_api_keys(body=body, format="csv", **params)
    made.extend(("key", ident) for ident in got["ids"])
    return got


def test_import_api_keys_reads_the_documented_csv_format(apigw, made, plan, unique):
    """API key file format: Name and Key required, headers case-insensitive in any order, optional
    Description/Enabled/UsagePlanIds (several ids quoted with double or single quotes), unknown
    columns ignored; ImportApiKeys answers 201 with the ids and the warnings."""
    name, other, value = unique("imported"), unique("imported"), unique("k" * 24)
    csv = (f"key,Name,description,Enabled,usageplanIds,Ignored\n"
           f"{value},{name},An imported key,FALSE,\"{plan.id}\",x\n"
           f"{unique('v' * 24)},{other},,true,'{plan.id},{plan.id}',y\n")
    got = import_keys(apigw, made, csv.encode())
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert got["warnings"] == [] and len(got["ids"]) == 2
    imported = apigw.get_api_key(apiKey=got["ids"][0], includeValue=True)
    assert (imported["name"], imported["value"], imported["description"], imported["enabled"]) == (
        name, value, "An imported key", False)
    assert set(got["ids"]) <= {k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan.id)["items"]}


def test_reimporting_a_key_value_overwrites_the_key(apigw, made, unique):
    """"The same API key can be imported multiple times, with the most recent version overwriting
    the previous one"."""
    value = unique("r" * 24)
    first = import_keys(apigw, made, f"Name,Key\nold,{value}\n".encode())["ids"]
    assert import_keys(apigw, made, f"Name,Key\nnew,{value}\n".encode())["ids"] == first
    assert apigw.get_api_key(apiKey=first[0])["name"] == "new"


def test_import_skips_rows_with_warnings_or_fails_on_them_when_asked(apigw, made, unique):
    """Rows breaking the format's rules (key 20-128 characters, unknown usage plan) are skipped with
    a warning; with failonwarnings=true the import fails and nothing is imported."""
    name = unique("good")
    csv = f"Name,Key,UsagePlanIds\n{name},{unique('g' * 24)},\nshort,tooshort,\nx,{unique('p' * 24)},nope\n"
    assert error_of(lambda: import_keys(apigw, made, csv.encode(), failOnWarnings=True)) == BAD_REQUEST
    assert not apigw.get_api_keys(nameQuery=name)["items"]
    got = import_keys(apigw, made, csv.encode())
    assert len(got["ids"]) == 1 and len(got["warnings"]) == 2


@pytest.mark.parametrize("body", [b"", b"Name,Description\nx,y\n", b"Name,Key\nonly-one-field\n",
                                  b'Name,Key\n"unterminated,abcdefghijklmnopqrstuvwxyz\n'])
def test_malformed_key_files_are_bad_requests(apigw, body):
    """A file without the Name and Key columns, or whose rows do not parse, is a BadRequestException."""
    assert error_of(lambda: apigw.import_api_keys(body=body, format="csv")) == BAD_REQUEST


# --- Paging ---------------------------------------------------------------------------------------


def paged_ids(apigw, operation: str, page_size: int, **params) -> tuple[list[str], list[int]]:
    pages = list(apigw.get_paginator(operation).paginate(**params, PaginationConfig={"PageSize": page_size}))
    return [item["id"] for page in pages for item in page["items"]], [len(page["items"]) for page in pages]


@pytest.mark.parametrize("operation", ["get_rest_apis", "get_api_keys", "get_usage_plans"])
def test_account_collections_honour_limit_and_position(apigw, made, unique, operation):
    """limit caps a page, position resumes after it, and the last page carries no position: boto3's
    paginator walks every item once and stops."""
    for _ in range(3):
        made.append(("api", apigw.create_rest_api(name=unique("paged"))["id"]))
        made.append(("key", apigw.create_api_key(name=unique("paged"))["id"]))
        made.append(("plan", apigw.create_usage_plan(name=unique("paged"))["id"]))
    everything = [item["id"] for item in getattr(apigw, operation)(limit=500)["items"]]
    ids, sizes = paged_ids(apigw, operation, 2)
    assert ids == everything and len(ids) >= 3
    assert all(size <= 2 for size in sizes) and len(sizes) == -(-len(ids) // 2)
    assert "position" not in getattr(apigw, operation)(limit=len(everything))


def test_resources_and_deployments_honour_limit_and_position(apigw, api):
    """GetResources and GetDeployments page the same way."""
    resources, sizes = paged_ids(apigw, "get_resources", 1, restApiId=api.id)
    assert len(set(resources)) == 3 and sizes == [1, 1, 1]
    deployments, _ = paged_ids(apigw, "get_deployments", 1, restApiId=api.id)
    assert sorted(deployments) == sorted([api.first, api.second])


def test_default_page_is_25_items(apigw, made, unique):
    """Without limit a page holds 25 items (the documented default)."""
    for _ in range(26):
        made.append(("key", apigw.create_api_key(name=unique("many"))["id"]))
    page = apigw.get_api_keys()
    assert len(page["items"]) == 25 and page["position"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"position": "not-a-position"}])
def test_limit_and_position_outside_the_reference_are_bad_requests(apigw, params):
    """limit is 1 to 500; position is a token a previous page returned."""
    assert error_of(lambda: apigw.get_rest_apis(**params)) == BAD_REQUEST


# --- Usage plans and tags -------------------------------------------------------------------------


def test_usage_plan_rate_limit_is_a_double(apigw, plan):
    """ThrottleSettings.rateLimit is a Double: replace /throttle/rateLimit 55.5 keeps 55.5; the quota
    limit is an Integer; a non-number is a BadRequestException and changes nothing."""
    got = apigw.update_usage_plan(usagePlanId=plan.id, patchOperations=[
        replace("/throttle/rateLimit", "55.5"), replace("/throttle/burstLimit", "60"),
        replace("/quota/limit", "500")])
    assert (got["throttle"], got["quota"]["limit"]) == ({"rateLimit": 55.5, "burstLimit": 60}, 500)
    bad = [replace("/throttle/burstLimit", "70"), replace("/throttle/rateLimit", "fast")]
    assert error_of(lambda: apigw.update_usage_plan(usagePlanId=plan.id, patchOperations=bad)) == BAD_REQUEST
    assert apigw.get_usage_plan(usagePlanId=plan.id)["throttle"]["burstLimit"] == 60


def test_usage_plan_api_stages_and_their_method_throttles_are_patched(apigw, plan):
    """add/remove /apiStages take "apiId:stage" (remove works on a stage with method throttles);
    /apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/rateLimit (and burstLimit) set a
    method's throttle, keyed as CreateUsagePlan keys it ("/orders/POST"); remove of the method path
    drops it. A stage not in the plan, or a throttle not set, is NotFound; an update is all or nothing."""
    stage = "/apiStages/a1:prod"
    got = apigw.update_usage_plan(usagePlanId=plan.id, patchOperations=[
        {"op": "add", "path": "/apiStages", "value": "a1:prod"},
        replace(f"{stage}/throttle/~1orders/POST/rateLimit", "2.5"),
        replace(f"{stage}/throttle/~1orders/POST/burstLimit", "5")])
    assert got["apiStages"] == [{"apiId": "a1", "stage": "prod",
                                 "throttle": {"/orders/POST": {"rateLimit": 2.5, "burstLimit": 5}}}]
    bad = [{"op": "remove", "path": f"{stage}/throttle/~1orders/POST"}, replace(f"{stage}/throttle/~1x/GET/burstLimit",
                                                                                "1.5")]
    assert error_of(lambda: apigw.update_usage_plan(usagePlanId=plan.id, patchOperations=bad)) == BAD_REQUEST
    assert error_of(lambda: apigw.update_usage_plan(usagePlanId=plan.id, patchOperations=[
        replace("/apiStages/a1:dev/throttle/~1x/GET/rateLimit", "1")])) == NOT_FOUND
    apigw.update_usage_plan(usagePlanId=plan.id, patchOperations=[{"op": "remove", "path": "/apiStages",
                                                                   "value": "a1:prod"}])
    assert apigw.get_usage_plan(usagePlanId=plan.id)["apiStages"] == []


def test_a_usage_plan_with_api_stages_is_not_deleted(apigw, plan):
    """DeleteUsagePlan is a BadRequestException while the plan covers an API stage ("Cannot delete
    Usage Plan … because there are API Stages associated with it"); detached, it is deleted."""
    apigw.update_usage_plan(usagePlanId=plan.id, patchOperations=[{"op": "add", "path": "/apiStages",
                                                                   "value": "a1:prod"}])
    with pytest.raises(ClientError) as refused:
        apigw.delete_usage_plan(usagePlanId=plan.id)
    assert (refused.value.response["Error"]["Code"], refused.value.response["ResponseMetadata"]["HTTPStatusCode"]) \
        == BAD_REQUEST
    assert "API Stages associated with it, including a1:prod" in refused.value.response["Error"]["Message"]
    assert apigw.get_usage_plan(usagePlanId=plan.id)["apiStages"] == [{"apiId": "a1", "stage": "prod"}]
    apigw.update_usage_plan(usagePlanId=plan.id, patchOperations=[{"op": "remove", "path": "/apiStages",
                                                                   "value": "a1:prod"}])
    apigw.delete_usage_plan(usagePlanId=plan.id)
    assert error_of(lambda: apigw.get_usage_plan(usagePlanId=plan.id)) == NOT_FOUND


def test_tag_resource_merges_tags_and_untag_removes_only_the_named(apigw, api, plan, scratch_region):
    """TagResource "adds or updates" tags, keeping the others, on REST APIs, stages, keys and plans;
    UntagResource removes only the keys it names."""
    prefix = f"arn:aws:apigateway:{scratch_region}::"
    for arn in (f"{prefix}/restapis/{api.id}", f"{prefix}/restapis/{api.id}/stages/prod",
                f"{prefix}/apikeys/{plan.keys[0]}", f"{prefix}/usageplans/{plan.id}"):
        apigw.tag_resource(resourceArn=arn, tags={"team": "a", "tier": "1"})
        apigw.tag_resource(resourceArn=arn, tags={"team": "b", "owner": "me"})
        merged = apigw.get_tags(resourceArn=arn)["tags"]
        assert {"team": "b", "tier": "1", "owner": "me"}.items() <= merged.items()
        apigw.untag_resource(resourceArn=arn, tagKeys=["tier", "owner"])
        tags = apigw.get_tags(resourceArn=arn)["tags"]
        assert tags["team"] == "b" and "tier" not in tags and "owner" not in tags
    assert apigw.get_rest_api(restApiId=api.id)["tags"] == {"team": "b"}
    assert stage(apigw, api)["tags"] == {"env": "prod", "team": "b"}


# --- Error paths and shapes the API reference documents -------------------------------------------------


def test_get_deployment_of_an_unknown_id_is_not_found(apigw, api):
    """GetDeployment: an id the API has no deployment for is NotFoundException (404), as is an unknown API."""
    assert error_of(lambda: apigw.get_deployment(restApiId=api.id, deploymentId="nope123456")) == NOT_FOUND
    assert error_of(lambda: apigw.get_deployment(restApiId="nope", deploymentId=api.first)) == NOT_FOUND
    assert apigw.get_deployment(restApiId=api.id, deploymentId=api.first)["description"] == "first"


def test_a_deployment_has_only_the_deployment_resources_fields(apigw, api):
    """The Deployment resource is id, description, createdDate, apiSummary: CreateDeployment with a
    stageName, GetDeployment and GetDeployments answer no `stageName` and no null fields."""
    bodies: list[dict] = []
    hook = apigw.meta.events.register("after-call.apigateway", lambda http_response, **_: bodies.append(
        json.loads(http_response.content or b"{}")))
    try:
        created = apigw.create_deployment(restApiId=api.id, stageName="beta", description="third")["id"]
        apigw.get_deployment(restApiId=api.id, deploymentId=created)
        apigw.get_deployments(restApiId=api.id)
    finally:
        apigw.meta.events.unregister("after-call.apigateway", hook)
    shapes = [bodies[0], bodies[1], *bodies[2]["item"]]
    assert all(set(shape) <= {"id", "description", "createdDate", "apiSummary"} for shape in shapes), shapes
    assert all(None not in shape.values() for shape in shapes)
    assert bodies[0]["description"] == "third"
    assert apigw.get_stage(restApiId=api.id, stageName="beta")["deploymentId"] == created


def test_update_usage_plan_with_a_path_the_plan_does_not_have_is_a_bad_request(apigw, plan):
    """UpdateUsagePlan: a patch path outside the UsagePlan resource (/bogus) is BadRequestException (400),
    and the update (all or nothing) changes nothing."""
    bad = [replace("/name", "renamed"), replace("/bogus", "1")]
    assert error_of(lambda: apigw.update_usage_plan(usagePlanId=plan.id, patchOperations=bad)) == BAD_REQUEST
    assert apigw.get_usage_plan(usagePlanId=plan.id)["name"] != "renamed"
    assert apigw.update_usage_plan(usagePlanId=plan.id, patchOperations=[
        replace("/name", "renamed"), replace("/description", "d")])["name"] == "renamed"


def test_adding_a_key_to_a_plan_twice_is_a_conflict(apigw, plan):
    """CreateUsagePlanKey with a key the plan holds already is ConflictException (409); the plan keeps
    one entry for it."""
    key = plan.keys[0]
    assert error_of(lambda: apigw.create_usage_plan_key(usagePlanId=plan.id, keyId=key, keyType="API_KEY")) \
        == ("ConflictException", 409)
    assert sorted(k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan.id)["items"]) == plan.keys
