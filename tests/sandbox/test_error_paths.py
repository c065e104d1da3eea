"""Every API Gateway operation the console calls (console/read/, actions/), answered on its error paths
as the API reference says: a missing id, a bad patch path, a duplicate, an out-of-range value.

Each row names the operation, the situation, and the error the reference documents: the operation's
"Errors" section (API Gateway REST API Reference, https://docs.aws.amazon.com/apigateway/latest/api/
API_<Operation>.html#API_<Operation>_Errors; API Gateway V2 API Reference, the operation's resource
page, "Errors"), with the HTTP status of each error's "Common Errors"/exception page. botocore's
service model is built from the same reference, so every expected code is also checked against the
errors the model lists for that operation. The client sends what it is given (no parameter
validation, no retries): the sandbox alone answers.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from once import once

from conftest import build_http, build_rest

REGION = "ap-southeast-3"  # this module's own: no other test creates anything here

BAD = ("BadRequestException", 400)
MISSING = ("NotFoundException", 404)
CONFLICT = ("ConflictException", 409)
NOWHERE = "nope000000"


@pytest.fixture(scope="module")
def fx(sandbox, aws_client_for) -> SimpleNamespace:
    """A REST API (dev and prod), an HTTP API, a usage plan on the REST prod stage holding one key,
    and a key outside it."""
    config = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"})
    v1 = aws_client_for(sandbox.url, "apigateway", REGION, config)
    v2 = aws_client_for(sandbox.url, "apigatewayv2", REGION, config)

    def build() -> SimpleNamespace:
        suffix = uuid.uuid4().hex[:6]
        rest, http = build_rest(v1, f"errors-rest-{suffix}"), build_http(v2, f"errors-http-{suffix}")
        plan = v1.create_usage_plan(name=f"errors-{suffix}", apiStages=[{"apiId": rest, "stage": "prod"}],
                                    quota={"limit": 1000, "period": "DAY"})["id"]
        member = v1.create_api_key(name=f"member-{suffix}", enabled=True, value=f"member-{suffix}-0123456789")
        outsider = v1.create_api_key(name=f"outsider-{suffix}", enabled=True)["id"]
        v1.create_usage_plan_key(usagePlanId=plan, keyId=member["id"], keyType="API_KEY")
        return SimpleNamespace(rest=rest, http=http, plan=plan, key=member["id"], key_value=member["value"],
                               outsider=outsider)

    return SimpleNamespace(v1=v1, v2=v2, **vars(once(sandbox, __name__, build)))


def _replace(path: str, value: Any) -> list[dict]:
    return [{"op": "replace", "path": path, "value": value}]


def _csv(*rows: str) -> bytes:
    return "\n".join(rows).encode()


# (service, operation, situation, call, expected error)
Call = Callable[[SimpleNamespace], Any]
CASES: list[tuple[str, str, str, Call, tuple[str, int]]] = [
    # --- REST APIs (v1): the reads ---
    ("apigateway", "GetRestApis", "limit above 500", lambda f: f.v1.get_rest_apis(limit=501), BAD),
    ("apigateway", "GetResources", "missing API", lambda f: f.v1.get_resources(restApiId=NOWHERE), MISSING),
    ("apigateway", "GetResources", "limit 0", lambda f: f.v1.get_resources(restApiId=f.rest, limit=0), BAD),
    ("apigateway", "GetStages", "missing API", lambda f: f.v1.get_stages(restApiId=NOWHERE), MISSING),
    ("apigateway", "GetStage", "missing stage", lambda f: f.v1.get_stage(restApiId=f.rest, stageName="nope"),
     MISSING),
    ("apigateway", "GetStage", "missing API", lambda f: f.v1.get_stage(restApiId=NOWHERE, stageName="prod"),
     MISSING),
    ("apigateway", "GetDeployments", "missing API", lambda f: f.v1.get_deployments(restApiId=NOWHERE), MISSING),
    ("apigateway", "GetGatewayResponses", "missing API", lambda f: f.v1.get_gateway_responses(restApiId=NOWHERE),
     MISSING),
    ("apigateway", "GetDeployments", "limit above 500",
     lambda f: f.v1.get_deployments(restApiId=f.rest, limit=501), BAD),
    ("apigateway", "GetDeployment", "missing deployment",
     lambda f: f.v1.get_deployment(restApiId=f.rest, deploymentId=NOWHERE), MISSING),
    ("apigateway", "GetUsagePlans", "limit 0", lambda f: f.v1.get_usage_plans(limit=0), BAD),
    ("apigateway", "GetUsagePlan", "missing plan", lambda f: f.v1.get_usage_plan(usagePlanId=NOWHERE), MISSING),
    ("apigateway", "GetUsagePlanKeys", "missing plan", lambda f: f.v1.get_usage_plan_keys(usagePlanId=NOWHERE),
     MISSING),
    ("apigateway", "GetApiKeys", "limit above 500", lambda f: f.v1.get_api_keys(limit=501), BAD),
    ("apigateway", "GetApiKey", "missing key", lambda f: f.v1.get_api_key(apiKey=NOWHERE), MISSING),
    ("apigateway", "GetUsage", "missing plan",
     lambda f: f.v1.get_usage(usagePlanId=NOWHERE, startDate="2026-01-01", endDate="2026-01-02"), MISSING),
    ("apigateway", "GetUsage", "key not in the plan",
     lambda f: f.v1.get_usage(usagePlanId=f.plan, keyId=f.outsider, startDate="2026-01-01",
                              endDate="2026-01-02"), MISSING),
    ("apigateway", "GetUsage", "date out of range",
     lambda f: f.v1.get_usage(usagePlanId=f.plan, startDate="2026-13-01", endDate="2026-01-02"), BAD),
    ("apigateway", "GetUsage", "end before start",
     lambda f: f.v1.get_usage(usagePlanId=f.plan, startDate="2026-02-01", endDate="2026-01-02"), BAD),
    # --- REST APIs (v1): the changes ---
    ("apigateway", "UpdateStage", "missing stage",
     lambda f: f.v1.update_stage(restApiId=f.rest, stageName="nope", patchOperations=_replace("/description", "x")),
     MISSING),
    ("apigateway", "UpdateStage", "bad patch path",
     lambda f: f.v1.update_stage(restApiId=f.rest, stageName="prod", patchOperations=_replace("/bogus", "1")), BAD),
    ("apigateway", "UpdateStage", "cache size out of range",
     lambda f: f.v1.update_stage(restApiId=f.rest, stageName="prod",
                                 patchOperations=_replace("/cacheClusterSize", "999")), BAD),
    ("apigateway", "UpdateStage", "cache TTL above 3600",
     lambda f: f.v1.update_stage(restApiId=f.rest, stageName="prod",
                                 patchOperations=_replace("/*/*/caching/ttlInSeconds", "3601")), BAD),
    ("apigateway", "UpdateStage", "negative burst",
     lambda f: f.v1.update_stage(restApiId=f.rest, stageName="prod",
                                 patchOperations=_replace("/*/*/throttling/burstLimit", "-5")), BAD),
    ("apigateway", "UpdateStage", "canary traffic above 100%",
     lambda f: f.v1.update_stage(restApiId=f.rest, stageName="dev",
                                 patchOperations=_replace("/canarySettings/percentTraffic", "150")), BAD),
    ("apigateway", "CreateStage", "duplicate stage",
     lambda f: f.v1.create_stage(restApiId=f.rest, stageName="prod",
                                 deploymentId=f.v1.get_stage(restApiId=f.rest, stageName="prod")["deploymentId"]),
     CONFLICT),
    ("apigateway", "CreateDeployment", "missing API",
     lambda f: f.v1.create_deployment(restApiId=NOWHERE, description="x"), MISSING),
    ("apigateway", "CreateDeployment", "canary traffic above 100%",
     lambda f: f.v1.create_deployment(restApiId=f.rest, stageName="prod", canarySettings={"percentTraffic": 150}),
     BAD),
    ("apigateway", "FlushStageCache", "missing stage",
     lambda f: f.v1.flush_stage_cache(restApiId=f.rest, stageName="nope"), MISSING),
    ("apigateway", "FlushStageAuthorizersCache", "missing stage",
     lambda f: f.v1.flush_stage_authorizers_cache(restApiId=f.rest, stageName="nope"), MISSING),
    ("apigateway", "CreateUsagePlan", "quota period out of range",
     lambda f: f.v1.create_usage_plan(name="bad-period", quota={"limit": 10, "period": "YEAR"}), BAD),
    ("apigateway", "UpdateUsagePlan", "missing plan",
     lambda f: f.v1.update_usage_plan(usagePlanId=NOWHERE, patchOperations=_replace("/name", "x")), MISSING),
    ("apigateway", "UpdateUsagePlan", "bad patch path",
     lambda f: f.v1.update_usage_plan(usagePlanId=f.plan, patchOperations=_replace("/bogus", "1")), BAD),
    ("apigateway", "UpdateUsagePlan", "negative quota",
     lambda f: f.v1.update_usage_plan(usagePlanId=f.plan, patchOperations=_replace("/quota/limit", "-1")), BAD),
    ("apigateway", "UpdateUsagePlan", "quota period out of range",
     lambda f: f.v1.update_usage_plan(usagePlanId=f.plan, patchOperations=_replace("/quota/period", "YEAR")), BAD),
    ("apigateway", "UpdateUsagePlan", "duplicate API stage",
     lambda f: f.v1.update_usage_plan(usagePlanId=f.plan, patchOperations=[
         {"op": "add", "path": "/apiStages", "value": f"{f.rest}:prod"}]), CONFLICT),
    ("apigateway", "DeleteUsagePlan", "missing plan", lambda f: f.v1.delete_usage_plan(usagePlanId=NOWHERE),
     MISSING),
    ("apigateway", "CreateUsagePlanKey", "duplicate key",
     lambda f: f.v1.create_usage_plan_key(usagePlanId=f.plan, keyId=f.key, keyType="API_KEY"), CONFLICT),
    ("apigateway", "CreateUsagePlanKey", "missing plan",
     lambda f: f.v1.create_usage_plan_key(usagePlanId=NOWHERE, keyId=f.key, keyType="API_KEY"), MISSING),
    ("apigateway", "CreateUsagePlanKey", "missing key",
     lambda f: f.v1.create_usage_plan_key(usagePlanId=f.plan, keyId=NOWHERE, keyType="API_KEY"), MISSING),
    ("apigateway", "DeleteUsagePlanKey", "key not in the plan",
     lambda f: f.v1.delete_usage_plan_key(usagePlanId=f.plan, keyId=f.outsider), MISSING),
    ("apigateway", "UpdateUsage", "missing plan",
     lambda f: f.v1.update_usage(usagePlanId=NOWHERE, keyId=f.key, patchOperations=_replace("/remaining", "5")),
     MISSING),
    ("apigateway", "UpdateUsage", "bad patch path",
     lambda f: f.v1.update_usage(usagePlanId=f.plan, keyId=f.key, patchOperations=_replace("/bogus", "5")), BAD),
    ("apigateway", "UpdateUsage", "negative remaining",
     lambda f: f.v1.update_usage(usagePlanId=f.plan, keyId=f.key, patchOperations=_replace("/remaining", "-5")),
     BAD),
    ("apigateway", "CreateApiKey", "duplicate value",
     lambda f: f.v1.create_api_key(name="again", enabled=True, value=f.key_value), CONFLICT),
    ("apigateway", "CreateApiKey", "value shorter than 20 characters",
     lambda f: f.v1.create_api_key(name="short", enabled=True, value="tooshort"), BAD),
    ("apigateway", "UpdateApiKey", "missing key",
     lambda f: f.v1.update_api_key(apiKey=NOWHERE, patchOperations=_replace("/name", "x")), MISSING),
    ("apigateway", "UpdateApiKey", "bad patch path",
     lambda f: f.v1.update_api_key(apiKey=f.key, patchOperations=_replace("/bogus", "x")), BAD),
    ("apigateway", "DeleteApiKey", "missing key", lambda f: f.v1.delete_api_key(apiKey=NOWHERE), MISSING),
    ("apigateway", "ImportApiKeys", "not the documented format",
     lambda f: f.v1.import_api_keys(body=_csv("name,key", "x,0123456789abcdefghij"), format="json"), BAD),
    ("apigateway", "ImportApiKeys", "header without a key column",
     lambda f: f.v1.import_api_keys(body=_csv("name", "x"), format="csv"), BAD),
    # --- HTTP and WebSocket APIs (v2) ---
    ("apigatewayv2", "GetApis", "maxResults 0", lambda f: f.v2.get_apis(MaxResults="0"), BAD),
    ("apigatewayv2", "GetStages", "missing API", lambda f: f.v2.get_stages(ApiId=NOWHERE), MISSING),
    ("apigatewayv2", "GetStage", "missing stage", lambda f: f.v2.get_stage(ApiId=f.http, StageName="nope"),
     MISSING),
    ("apigatewayv2", "GetRoutes", "missing API", lambda f: f.v2.get_routes(ApiId=NOWHERE), MISSING),
    ("apigatewayv2", "GetIntegrations", "missing API", lambda f: f.v2.get_integrations(ApiId=NOWHERE), MISSING),
    ("apigatewayv2", "GetDeployments", "missing API", lambda f: f.v2.get_deployments(ApiId=NOWHERE), MISSING),
    ("apigatewayv2", "UpdateStage", "missing stage",
     lambda f: f.v2.update_stage(ApiId=f.http, StageName="nope", Description="x"), MISSING),
    ("apigatewayv2", "UpdateStage", "negative burst",
     lambda f: f.v2.update_stage(ApiId=f.http, StageName="prod",
                                 DefaultRouteSettings={"ThrottlingBurstLimit": -5}), BAD),
    ("apigatewayv2", "UpdateStage", "route that does not exist",
     lambda f: f.v2.update_stage(ApiId=f.http, StageName="prod",
                                 RouteSettings={"GET /nowhere": {"ThrottlingRateLimit": 5.0}}), MISSING),
    ("apigatewayv2", "CreateStage", "duplicate stage", lambda f: f.v2.create_stage(ApiId=f.http, StageName="prod"),
     CONFLICT),
    ("apigatewayv2", "DeleteRouteSettings", "route without settings",
     lambda f: f.v2.delete_route_settings(ApiId=f.http, StageName="prod", RouteKey="GET /items"), MISSING),
    ("apigatewayv2", "DeleteAccessLogSettings", "missing stage",
     lambda f: f.v2.delete_access_log_settings(ApiId=f.http, StageName="nope"), MISSING),
    ("apigatewayv2", "ResetAuthorizersCache", "missing stage",
     lambda f: f.v2.reset_authorizers_cache(ApiId=f.http, StageName="nope"), MISSING),
]


def _documented(service: str, operation: str) -> dict[str, int]:
    """The errors the service model (the reference's "Errors" section) lists for `operation`."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service).operation_model(operation)
    return {shape.name: shape.metadata.get("error", {}).get("httpStatusCode") for shape in model.error_shapes}


@pytest.mark.parametrize(("service", "operation", "situation", "call", "expected"), CASES,
                         ids=[f"{case[0]} {case[1]}: {case[2]}" for case in CASES])
def test_error_path_answers_as_the_reference_documents(fx, service, operation, situation, call, expected):
    assert _documented(service, operation).get(expected[0]) == expected[1], "not a documented error"
    with pytest.raises(ClientError) as raised:
        call(fx)
    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == expected, \
        error["Error"].get("Message")


def test_the_table_covers_every_api_gateway_operation_the_console_calls():
    """The actions' calls (actions/*.py) and the reads (console/read/gateway.py) each have a row."""
    import re
    from pathlib import Path

    root = Path(__file__).parents[2]
    written = set(re.findall(r'(?:Call\("apigateway(?:v2)?", |_call\()"(\w+)"', "\n".join(
        path.read_text() for path in (root / "actions").glob("*.py"))))
    read = {"".join(part.title() for part in name.split("_")) for name in re.findall(
        r'(?:apigwv?2?\.|client\.|"|\()(get_[a-z_]+)', (root / "console/read/gateway.py").read_text())}
    covered = {case[1] for case in CASES}
    assert written - covered == set()
    assert read - covered - {"GetAccount", "GetPaginator"} == set()
