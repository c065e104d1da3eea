"""The sandbox's apigatewayv2 over HTTP, held to the API Gateway V2 API reference.

Each test's name states the documented rule it checks. Tests build their own HTTP and WebSocket
APIs in `scratch_region` with plain boto3 clients; the seeded regions are only read.
"""

from __future__ import annotations

import math
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from console.sandbox import ACCOUNT_ID
from console.sandbox.state import STATE

FORMAT = '{"requestId":"$context.requestId","status":"$context.status","routeKey":"$context.routeKey"}'
DEFAULTS = {"ThrottlingRateLimit": 100.0, "ThrottlingBurstLimit": 200, "DetailedMetricsEnabled": False}


@pytest.fixture
def v2(aws, scratch_region):
    return aws("apigatewayv2", scratch_region)


@pytest.fixture
def unchecked(sandbox, scratch_region, aws_client_for):
    """A client without boto3's own parameter checks: the sandbox sees what a careless caller sends."""
    return aws_client_for(sandbox.url, "apigatewayv2", scratch_region, Config(parameter_validation=False))


@pytest.fixture
def log_group(scratch_region):
    return f"arn:aws:logs:{scratch_region}:{ACCOUNT_ID}:log-group:/aws/apigateway/scratch"


@pytest.fixture
def http_api(v2, unique):
    """An HTTP API with routes `GET /products` and `POST /orders` and a stage `dev`."""
    api_id = v2.create_api(Name=unique("http"), ProtocolType="HTTP")["ApiId"]
    for key in ("GET /products", "POST /orders"):
        v2.create_route(ApiId=api_id, RouteKey=key)
    v2.create_stage(ApiId=api_id, StageName="dev", DefaultRouteSettings=DEFAULTS,
                    StageVariables={"backendHost": "dev.example.com"})
    yield api_id
    v2.delete_api(ApiId=api_id)


@pytest.fixture
def websocket_api(v2, unique):
    """A WebSocket API with routes `$connect` and `sendMessage` and a stage `prod`."""
    api_id = v2.create_api(Name=unique("ws"), ProtocolType="WEBSOCKET",
                           RouteSelectionExpression="$request.body.action")["ApiId"]
    for key in ("$connect", "sendMessage"):
        v2.create_route(ApiId=api_id, RouteKey=key)
    v2.create_stage(ApiId=api_id, StageName="prod")
    yield api_id
    v2.delete_api(ApiId=api_id)


def refused(call, code: str = "BadRequestException") -> str:
    """Run `call`, expect the AWS error `code`, return its message."""
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    return error["Message"]


def stage(v2, api_id: str, name: str = "dev") -> dict:
    found = v2.get_stage(ApiId=api_id, StageName=name)
    found.pop("ResponseMetadata")
    return found


# --- UpdateStage: route settings ---------------------------------------------------------------


def test_update_stage_fields_absent_from_the_request_are_unchanged(v2, http_api):
    v2.update_stage(ApiId=http_api, StageName="dev", DefaultRouteSettings={"DetailedMetricsEnabled": True})
    got = stage(v2, http_api)
    assert got["DefaultRouteSettings"] == {**DEFAULTS, "DetailedMetricsEnabled": True}
    assert got["StageVariables"] == {"backendHost": "dev.example.com"}


def test_update_stage_route_settings_merge_per_route_key(v2, http_api):
    v2.update_stage(ApiId=http_api, StageName="dev", RouteSettings={
        "GET /products": {"ThrottlingRateLimit": 10.0, "ThrottlingBurstLimit": 20}})
    v2.update_stage(ApiId=http_api, StageName="dev", RouteSettings={"POST /orders": {"ThrottlingRateLimit": 5.0}})
    answer = v2.update_stage(ApiId=http_api, StageName="dev",
                             RouteSettings={"GET /products": {"ThrottlingBurstLimit": 30}})
    expected = {"GET /products": {"ThrottlingRateLimit": 10.0, "ThrottlingBurstLimit": 30},
                "POST /orders": {"ThrottlingRateLimit": 5.0}}
    assert answer["RouteSettings"] == expected
    assert stage(v2, http_api)["RouteSettings"] == expected


def test_route_settings_for_a_key_that_is_not_a_route_of_the_api_are_not_found(v2, http_api):
    message = refused(lambda: v2.update_stage(ApiId=http_api, StageName="dev", RouteSettings={
        "GET /nowhere": {"ThrottlingRateLimit": 1.0}}), "NotFoundException")
    assert message == "Unable to find Route by key GET /nowhere within the provided RouteSettings"
    assert stage(v2, http_api)["RouteSettings"] == {}


@pytest.mark.parametrize("settings", [
    {"ThrottlingRateLimit": -1.0},
    {"ThrottlingRateLimit": math.inf},  # sent as the JSON string "Infinity"
    {"ThrottlingBurstLimit": -1},
    {"ThrottlingBurstLimit": 1.5},
    {"ThrottlingBurstLimit": 2**31},
    {"DetailedMetricsEnabled": "yes"},
])
def test_throttling_rate_is_a_non_negative_number_and_burst_a_non_negative_integer(unchecked, v2, http_api,
                                                                                   settings):
    refused(lambda: unchecked.update_stage(ApiId=http_api, StageName="dev", DefaultRouteSettings=settings))
    refused(lambda: unchecked.update_stage(ApiId=http_api, StageName="dev",
                                           RouteSettings={"GET /products": settings}))
    got = stage(v2, http_api)
    assert (got["DefaultRouteSettings"], got["RouteSettings"]) == (DEFAULTS, {})


def test_zero_throttling_is_valid(v2, http_api):
    v2.update_stage(ApiId=http_api, StageName="dev",
                    DefaultRouteSettings={"ThrottlingRateLimit": 0.0, "ThrottlingBurstLimit": 0})
    assert stage(v2, http_api)["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 0


@pytest.mark.parametrize("settings", [{"LoggingLevel": "INFO"}, {"DataTraceEnabled": False}])
def test_logging_level_and_data_trace_are_supported_only_for_websocket_apis(v2, http_api, settings):
    for request in ({"DefaultRouteSettings": settings}, {"RouteSettings": {"GET /products": settings}}):
        message = refused(lambda request=request: v2.update_stage(ApiId=http_api, StageName="dev", **request))
        assert message == "Execution logs are not supported on protocolType HTTP"


def test_websocket_stage_takes_logging_level_and_data_trace(v2, websocket_api):
    v2.update_stage(ApiId=websocket_api, StageName="prod",
                    DefaultRouteSettings={"LoggingLevel": "ERROR", "DataTraceEnabled": True},
                    RouteSettings={"sendMessage": {"LoggingLevel": "INFO"}})
    got = stage(v2, websocket_api, "prod")
    assert got["DefaultRouteSettings"]["LoggingLevel"] == "ERROR"
    assert got["DefaultRouteSettings"]["DataTraceEnabled"] is True
    assert got["RouteSettings"] == {"sendMessage": {"LoggingLevel": "INFO"}}


def test_logging_level_is_one_of_error_info_off(unchecked, v2, websocket_api):
    refused(lambda: unchecked.update_stage(ApiId=websocket_api, StageName="prod",
                                           DefaultRouteSettings={"LoggingLevel": "DEBUG"}))
    assert stage(v2, websocket_api, "prod")["DefaultRouteSettings"]["LoggingLevel"] == "OFF"


# --- UpdateStage: stage variables, access logs, the rest --------------------------------------


def test_stage_variables_merge_and_a_variable_set_to_empty_is_removed(v2, http_api):
    v2.update_stage(ApiId=http_api, StageName="dev", StageVariables={"lambdaAlias": "live"})
    assert stage(v2, http_api)["StageVariables"] == {"backendHost": "dev.example.com", "lambdaAlias": "live"}
    v2.update_stage(ApiId=http_api, StageName="dev", StageVariables={"backendHost": ""})
    assert stage(v2, http_api)["StageVariables"] == {"lambdaAlias": "live"}


@pytest.mark.parametrize("variables", [
    {"my-var": "x"},  # names: alphanumeric and underscore only
    {"a" * 65: "x"},  # names: at most 64 characters
    {"flags": "a b"},  # values must match [A-Za-z0-9-._~:/?#&=,]+
    {"flags": "100%"},
    {"flags": "x" * 513},  # values: at most 512 characters
    {f"v{n}": "x" for n in range(101)},  # at most 100 per stage
])
def test_stage_variable_names_and_values_follow_the_documented_rules(v2, http_api, variables):
    refused(lambda: v2.update_stage(ApiId=http_api, StageName="dev", StageVariables=variables))
    assert stage(v2, http_api)["StageVariables"] == {"backendHost": "dev.example.com"}


def test_stage_variable_values_may_use_every_documented_character(v2, http_api):
    value = "https://a-b.c_d~e:8080/p?q=1&r=2#s,t"
    v2.update_stage(ApiId=http_api, StageName="dev", StageVariables={"Target_1": value})
    assert stage(v2, http_api)["StageVariables"]["Target_1"] == value


def test_access_log_settings_are_replaced_and_an_empty_object_turns_them_off(v2, http_api, log_group):
    settings = {"DestinationArn": log_group, "Format": FORMAT}
    v2.update_stage(ApiId=http_api, StageName="dev", AccessLogSettings=settings)
    assert stage(v2, http_api)["AccessLogSettings"] == settings
    v2.update_stage(ApiId=http_api, StageName="dev", AccessLogSettings={})
    assert "AccessLogSettings" not in stage(v2, http_api)


@pytest.mark.parametrize("settings", [
    {"DestinationArn": "GROUP", "Format": "$context.status"},  # must include $context.requestId
    {"DestinationArn": "arn:aws:s3:::a-bucket", "Format": FORMAT},  # a CloudWatch Logs log group ARN
    {"DestinationArn": "GROUP"},  # a format too
    {"DestinationArn": "GROUP", "Format": FORMAT + "\n" + FORMAT},  # a single line
])
def test_access_log_settings_need_a_log_group_and_a_one_line_format_with_the_request_id(v2, http_api,
                                                                                        log_group, settings):
    settings = {k: log_group if v == "GROUP" else v for k, v in settings.items()}
    refused(lambda: v2.update_stage(ApiId=http_api, StageName="dev", AccessLogSettings=settings))
    assert "AccessLogSettings" not in stage(v2, http_api)


def test_extended_request_id_satisfies_the_access_log_format_rule(v2, http_api, log_group):
    settings = {"DestinationArn": log_group, "Format": "$context.extendedRequestId $context.status"}
    v2.update_stage(ApiId=http_api, StageName="dev", AccessLogSettings=settings)
    assert stage(v2, http_api)["AccessLogSettings"] == settings


def test_delete_access_log_settings_turns_access_logging_off(v2, http_api, log_group):
    v2.update_stage(ApiId=http_api, StageName="dev",
                    AccessLogSettings={"DestinationArn": log_group, "Format": FORMAT})
    v2.delete_access_log_settings(ApiId=http_api, StageName="dev")
    assert "AccessLogSettings" not in stage(v2, http_api)


def test_description_auto_deploy_and_client_certificate_are_set(v2, websocket_api):
    v2.update_stage(ApiId=websocket_api, StageName="prod", Description="Production", AutoDeploy=True,
                    ClientCertificateId="abc123")
    got = stage(v2, websocket_api, "prod")
    assert (got["Description"], got["AutoDeploy"], got["ClientCertificateId"]) == ("Production", True, "abc123")


def test_description_is_at_most_1024_characters(v2, http_api):
    refused(lambda: v2.update_stage(ApiId=http_api, StageName="dev", Description="d" * 1025))
    v2.update_stage(ApiId=http_api, StageName="dev", Description="d" * 1024)


def test_client_certificate_is_supported_only_for_websocket_apis(v2, http_api):
    refused(lambda: v2.update_stage(ApiId=http_api, StageName="dev", ClientCertificateId="abc123"))


def test_auto_deploy_is_a_boolean(unchecked, v2, http_api):
    refused(lambda: unchecked.update_stage(ApiId=http_api, StageName="dev", AutoDeploy="yes"))
    assert "AutoDeploy" not in stage(v2, http_api)


def test_an_invalid_field_makes_the_whole_update_change_nothing(v2, http_api):
    before = stage(v2, http_api)
    refused(lambda: v2.update_stage(ApiId=http_api, StageName="dev", Description="changed",
                                    StageVariables={"lambdaAlias": "live"},
                                    DefaultRouteSettings={"ThrottlingBurstLimit": -5}))
    assert stage(v2, http_api) == before


def test_last_updated_date_moves_on_update(v2, http_api):
    created = stage(v2, http_api)["CreatedDate"]
    time.sleep(1.05)  # the dates have one-second resolution
    answer = v2.update_stage(ApiId=http_api, StageName="dev", Description="moved")
    assert answer["LastUpdatedDate"] > created
    assert stage(v2, http_api)["LastUpdatedDate"] == answer["LastUpdatedDate"]


def test_update_stage_of_an_unknown_api_or_stage_is_not_found(v2, http_api):
    refused(lambda: v2.update_stage(ApiId="nosuchapi", StageName="dev", Description="x"), "NotFoundException")
    refused(lambda: v2.update_stage(ApiId=http_api, StageName="nope", Description="x"), "NotFoundException")


# --- deployments ------------------------------------------------------------------------------


def test_create_deployment_with_a_stage_name_points_that_stage_at_it(v2, http_api):
    first = v2.create_deployment(ApiId=http_api, StageName="dev", Description="v1")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (first["DeploymentStatus"], first["AutoDeployed"], first["Description"]) == ("DEPLOYED", False, "v1")
    assert stage(v2, http_api)["DeploymentId"] == first["DeploymentId"]
    second = v2.create_deployment(ApiId=http_api, StageName="dev")
    assert [s["DeploymentId"] for s in v2.get_stages(ApiId=http_api)["Items"]] == [second["DeploymentId"]]
    got = v2.get_deployment(ApiId=http_api, DeploymentId=first["DeploymentId"])
    assert (got["DeploymentId"], got["Description"]) == (first["DeploymentId"], "v1")


def test_create_deployment_without_a_stage_leaves_stages_alone(v2, http_api):
    v2.create_deployment(ApiId=http_api)
    assert "DeploymentId" not in stage(v2, http_api)


def test_a_stage_with_auto_deploy_is_deployed_at_once_and_takes_no_manual_deployment(v2, http_api):
    """Developer Guide, "Stages for HTTP APIs": with automatic deployments, API Gateway releases the API
    to the stage itself (AutoDeployed deployments, and the stage's LastDeploymentStatusMessage)."""
    created = v2.create_stage(ApiId=http_api, StageName="$default", AutoDeploy=True)
    automatic = v2.get_deployment(ApiId=http_api, DeploymentId=created["DeploymentId"])
    assert automatic["AutoDeployed"] and automatic["DeploymentStatus"] == "DEPLOYED"
    assert created["DeploymentId"] in created["LastDeploymentStatusMessage"]
    refused(lambda: v2.create_deployment(ApiId=http_api, StageName="$default"))
    assert stage(v2, http_api, "$default")["DeploymentId"] == created["DeploymentId"]


def test_turning_auto_deploy_on_deploys_and_a_stage_created_on_an_unknown_deployment_is_not_found(v2, http_api):
    v2.update_stage(ApiId=http_api, StageName="dev", AutoDeploy=True)
    assert v2.get_deployment(ApiId=http_api, DeploymentId=stage(v2, http_api)["DeploymentId"])["AutoDeployed"]
    refused(lambda: v2.create_stage(ApiId=http_api, StageName="qa", DeploymentId="nosuch"), "NotFoundException")
    assert "qa" not in {s["StageName"] for s in v2.get_stages(ApiId=http_api)["Items"]}


def test_create_deployment_to_an_unknown_stage_or_api_is_not_found(v2, http_api):
    refused(lambda: v2.create_deployment(ApiId=http_api, StageName="nope"), "NotFoundException")
    refused(lambda: v2.create_deployment(ApiId="nosuchapi"), "NotFoundException")


def test_update_stage_deployment_id_must_name_an_existing_deployment(v2, http_api):
    refused(lambda: v2.update_stage(ApiId=http_api, StageName="dev", DeploymentId="nosuch"), "NotFoundException")
    deployment = v2.create_deployment(ApiId=http_api)["DeploymentId"]
    v2.update_stage(ApiId=http_api, StageName="dev", DeploymentId=deployment)
    assert stage(v2, http_api)["DeploymentId"] == deployment


def test_deployment_id_cannot_be_updated_while_auto_deploy_is_enabled(v2, http_api):
    deployment = v2.create_deployment(ApiId=http_api)["DeploymentId"]
    v2.update_stage(ApiId=http_api, StageName="dev", AutoDeploy=True)
    refused(lambda: v2.update_stage(ApiId=http_api, StageName="dev", DeploymentId=deployment))
    v2.update_stage(ApiId=http_api, StageName="dev", AutoDeploy=False, DeploymentId=deployment)
    assert stage(v2, http_api)["DeploymentId"] == deployment


def test_delete_deployment_is_refused_while_a_stage_points_at_it(v2, http_api):
    old = v2.create_deployment(ApiId=http_api, StageName="dev")["DeploymentId"]
    message = refused(lambda: v2.delete_deployment(ApiId=http_api, DeploymentId=old))
    assert message == "Active stages pointing to this deployment must be moved or deleted"
    v2.create_deployment(ApiId=http_api, StageName="dev")
    v2.delete_deployment(ApiId=http_api, DeploymentId=old)
    refused(lambda: v2.get_deployment(ApiId=http_api, DeploymentId=old), "NotFoundException")


# --- DeleteRouteSettings, ResetAuthorizersCache -----------------------------------------------


def test_delete_route_settings_removes_one_route_key_and_is_not_found_when_absent(v2, http_api):
    v2.update_stage(ApiId=http_api, StageName="dev", RouteSettings={
        "GET /products": {"ThrottlingRateLimit": 1.0}, "POST /orders": {"ThrottlingRateLimit": 2.0}})
    answer = v2.delete_route_settings(ApiId=http_api, StageName="dev", RouteKey="GET /products")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert stage(v2, http_api)["RouteSettings"] == {"POST /orders": {"ThrottlingRateLimit": 2.0}}
    refused(lambda: v2.delete_route_settings(ApiId=http_api, StageName="dev", RouteKey="GET /products"),
            "NotFoundException")


def test_reset_authorizers_cache_answers_204_and_is_recorded(v2, http_api, scratch_region):
    before = time.time()
    answer = v2.reset_authorizers_cache(ApiId=http_api, StageName="dev")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert STATE.authorizers_flushed_at[(ACCOUNT_ID, scratch_region, http_api, "dev")] >= before
    refused(lambda: v2.reset_authorizers_cache(ApiId=http_api, StageName="nope"), "NotFoundException")


# --- paging -----------------------------------------------------------------------------------


def pages(v2, operation: str, page_size: int, **params) -> list[dict]:
    paginator = v2.get_paginator(operation)
    return list(paginator.paginate(**params, PaginationConfig={"PageSize": page_size}))


def assert_paged(found: list[dict], page_size: int, total: int) -> None:
    """Full pages carry a NextToken; the last page has none, so the paginator stops there."""
    assert len(found) == max(1, math.ceil(total / page_size))
    assert all(len(page["Items"]) == page_size and "NextToken" in page for page in found[:-1])
    assert "NextToken" not in found[-1]
    assert sum(len(page["Items"]) for page in found) == total


def test_get_apis_pages_by_max_results_and_next_token(v2, unique):
    names = {unique("paged") for _ in range(3)}
    created = [v2.create_api(Name=name, ProtocolType="HTTP")["ApiId"] for name in names]
    try:
        total = len(v2.get_apis()["Items"])
        found = pages(v2, "get_apis", 2)
        assert_paged(found, 2, total)
        listed = [api["Name"] for page in found for api in page["Items"]]
        assert len(listed) == len(set(listed)) and names <= set(listed)
    finally:
        for api_id in created:
            v2.delete_api(ApiId=api_id)


def test_get_stages_routes_integrations_and_deployments_page(v2, http_api):
    v2.create_stage(ApiId=http_api, StageName="prod")
    v2.create_stage(ApiId=http_api, StageName="test")
    for _ in range(2):
        v2.create_integration(ApiId=http_api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                              IntegrationUri="https://example.com", PayloadFormatVersion="1.0")
    for _ in range(3):
        v2.create_deployment(ApiId=http_api)
    for operation, total in (("get_stages", 3), ("get_routes", 2), ("get_integrations", 2),
                             ("get_deployments", 3)):
        assert_paged(pages(v2, operation, 2, ApiId=http_api), 2, total)
        assert_paged(pages(v2, operation, 1, ApiId=http_api), 1, total)


def test_without_max_results_every_item_comes_in_one_page(v2, http_api):
    answer = v2.get_routes(ApiId=http_api)
    assert len(answer["Items"]) == 2 and "NextToken" not in answer


@pytest.mark.parametrize("params", [{"MaxResults": "0"}, {"MaxResults": "many"}, {"NextToken": "not-a-token"}])
def test_max_results_is_a_positive_count_and_next_token_one_we_gave(v2, http_api, params):
    refused(lambda: v2.get_stages(ApiId=http_api, **params))
    refused(lambda: v2.get_apis(**params))


# --- the seeded estate keeps reading as it was created ---------------------------------------


def test_seeded_stage_settings_read_back_in_aws_shape(aws):
    seeded = aws("apigatewayv2")
    api = next(a for a in seeded.get_apis()["Items"] if a["Name"] == "storefront-http")
    prod = seeded.get_stage(ApiId=api["ApiId"], StageName="prod")
    assert prod["DefaultRouteSettings"]["ThrottlingRateLimit"] == 2000
    assert prod["RouteSettings"]["POST /cart"] == {"ThrottlingRateLimit": 300, "ThrottlingBurstLimit": 600}
    assert prod["AccessLogSettings"]["Format"].startswith('{"requestId":"$context.requestId"')
    default = seeded.get_stage(ApiId=api["ApiId"], StageName="$default")
    assert default["AutoDeploy"] is True
    assert {s["StageName"] for s in seeded.get_stages(ApiId=api["ApiId"])["Items"]} == {"$default", "prod"}
