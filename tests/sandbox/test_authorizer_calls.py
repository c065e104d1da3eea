"""The sandbox's authorizer calls over HTTP, held to the API Gateway references (REST and V2), and the
rule by which it plays TestInvokeAuthorizer (console/sandbox/fidelity/authorizers.py).

Each test's name states the rule it checks. Tests build their own APIs in `scratch_region` with plain
boto3 clients (build_rest: /items GET and POST, /items/{id} GET) and delete them.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from conftest import build_rest

from console.sandbox.estate_authorizers import lambda_uri

POOL = "arn:aws:cognito-idp:ap-southeast-2:123456789012:userpool/ap-southeast-2_Pool1"


@pytest.fixture
def rest(apigw, unique):
    """(api id, {path: resource id}, token authorizer id, request authorizer id, user pool authorizer id)."""
    api_id = build_rest(apigw, unique("authz"))
    resources = {r["path"]: r["id"] for r in apigw.get_resources(restApiId=api_id)["items"]}
    uri = lambda_uri("ap-southeast-2", "authz:live")
    token = apigw.create_authorizer(restApiId=api_id, name="token", type="TOKEN", authorizerUri=uri,
                                    identitySource="method.request.header.Authorization",
                                    identityValidationExpression="^Bearer .+$")
    request = apigw.create_authorizer(restApiId=api_id, name="request", type="REQUEST", authorizerUri=uri,
                                      identitySource="method.request.header.X-Tenant, method.request.querystring.sig",
                                      authorizerResultTtlInSeconds=0)
    pool = apigw.create_authorizer(restApiId=api_id, name="pool", type="COGNITO_USER_POOLS", providerARNs=[POOL],
                                   identitySource="method.request.header.Authorization")
    yield api_id, resources, token, request["id"], pool["id"]
    apigw.delete_rest_api(restApiId=api_id)


def test_create_authorizer_keeps_the_identity_validation_expression(apigw, rest):
    api_id, _, token, _, _ = rest
    assert token["identityValidationExpression"] == "^Bearer .+$"
    listed = apigw.get_authorizer(restApiId=api_id, authorizerId=token["id"])
    assert listed["identityValidationExpression"] == "^Bearer .+$"


def test_get_authorizers_pages_by_limit_and_position(apigw, rest):
    api_id = rest[0]
    first = apigw.get_authorizers(restApiId=api_id, limit=2)
    assert len(first["items"]) == 2 and first["position"]
    rest_of = apigw.get_authorizers(restApiId=api_id, limit=2, position=first["position"])
    assert len(rest_of["items"]) == 1 and "position" not in rest_of


def test_update_method_attaches_an_authorizer_of_the_matching_kind(apigw, rest):
    api_id, resources, token, _, pool = rest
    items = resources["/items"]

    def attach(kind: str, authorizer: str) -> dict:
        return apigw.update_method(restApiId=api_id, resourceId=items, httpMethod="GET", patchOperations=[
            {"op": "replace", "path": "/authorizationType", "value": kind},
            {"op": "replace", "path": "/authorizerId", "value": authorizer}])

    assert attach("CUSTOM", token["id"])["authorizerId"] == token["id"]
    method = apigw.get_method(restApiId=api_id, resourceId=items, httpMethod="GET")
    assert (method["authorizationType"], method["authorizerId"]) == ("CUSTOM", token["id"])
    embedded = apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]
    assert next(r for r in embedded if r["path"] == "/items")["resourceMethods"]["GET"]["authorizerId"] == token["id"]
    # A user-pool authorizer is COGNITO_USER_POOLS, not CUSTOM; the refused change leaves the method as it was.
    with pytest.raises(ClientError) as refused:
        attach("CUSTOM", pool)
    assert refused.value.response["Error"]["Code"] == "BadRequestException"
    assert apigw.get_method(restApiId=api_id, resourceId=items, httpMethod="GET")["authorizerId"] == token["id"]
    assert attach("COGNITO_USER_POOLS", pool)["authorizationType"] == "COGNITO_USER_POOLS"
    # NONE drops the authorizer.
    detached = apigw.update_method(restApiId=api_id, resourceId=items, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/authorizationType", "value": "NONE"}])
    assert detached["authorizationType"] == "NONE" and "authorizerId" not in detached


def test_update_method_refuses_an_unknown_path_or_type(apigw, rest):
    api_id, resources = rest[0], rest[1]
    for operation in ({"op": "replace", "path": "/httpMethod", "value": "PUT"},
                      {"op": "replace", "path": "/authorizationType", "value": "MAGIC"}):
        with pytest.raises(ClientError) as refused:
            apigw.update_method(restApiId=api_id, resourceId=resources["/items"], httpMethod="GET",
                                patchOperations=[operation])
        assert refused.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError) as missing:
        apigw.update_method(restApiId=api_id, resourceId=resources["/items"], httpMethod="PATCH", patchOperations=[])
    assert missing.value.response["Error"]["Code"] == "NotFoundException"


def test_invoke_token_authorizer_allow_deny_unauthorized_and_missing(apigw, rest):
    api_id, _, token, _, _ = rest

    def invoke(**request) -> dict:
        return apigw.test_invoke_authorizer(restApiId=api_id, authorizerId=token["id"], **request)

    allowed = invoke(headers={"authorization": "Bearer allow-42"})  # header names match without regard to case
    assert allowed["clientStatus"] == 0 and allowed["principalId"].startswith("user-")
    statement = json.loads(allowed["policy"])["Statement"][0]
    assert statement["Effect"] == "Allow" and statement["Resource"] == [
        f"arn:aws:execute-api:ap-southeast-2:123456789012:{api_id}/ESTestInvoke-stage/GET/"]
    assert allowed["authorization"]["tenant"][0].startswith("tenant-")
    assert invoke(headers={"Authorization": "Bearer allow-42"})["principalId"] == allowed["principalId"]
    denied = invoke(multiValueHeaders={"Authorization": ["Bearer deny"]})
    assert denied["clientStatus"] == 403 and json.loads(denied["policy"])["Statement"][0]["Effect"] == "Deny"
    other = invoke(headers={"Authorization": "Bearer whatever"})
    assert other["clientStatus"] == 403 and json.loads(other["policy"])["Statement"][0]["Effect"] == "Deny"
    for request in ({"headers": {"Authorization": "Bearer unauthorized"}}, {"headers": {}},
                    {"headers": {"Authorization": "allow-without-bearer"}}):  # the last fails the expression
        answer = invoke(**request)
        assert answer["clientStatus"] == 401 and "policy" not in answer and "principalId" not in answer, request
    assert all(key in allowed for key in ("log", "latency"))


def test_invoke_request_authorizer_reads_every_identity_source(apigw, rest):
    api_id, _, _, request, _ = rest

    def invoke(**body) -> dict:
        return apigw.test_invoke_authorizer(restApiId=api_id, authorizerId=request, **body)

    assert invoke(headers={"X-Tenant": "allow-acme"}, pathWithQueryString="/items?sig=abc")["clientStatus"] == 0
    missing = invoke(headers={"X-Tenant": "allow-acme"}, pathWithQueryString="/items")
    assert missing["clientStatus"] == 401 and "method.request.querystring.sig" in missing["log"]


def test_invoke_user_pool_authorizer_answers_claims(apigw, rest):
    api_id, _, _, _, pool = rest
    answer = apigw.test_invoke_authorizer(restApiId=api_id, authorizerId=pool, headers={"Authorization": "allow-1"})
    assert answer["clientStatus"] == 0 and answer["claims"]["iss"].endswith("/ap-southeast-2_Pool1")
    assert "policy" not in answer
    refused = apigw.test_invoke_authorizer(restApiId=api_id, authorizerId=pool, headers={"Authorization": "deny"})
    assert refused["clientStatus"] == 401 and "claims" not in refused


def test_invoke_an_unknown_authorizer_is_not_found(apigw, rest):
    with pytest.raises(ClientError) as missing:
        apigw.test_invoke_authorizer(restApiId=rest[0], authorizerId="nope", headers={"Authorization": "allow"})
    assert missing.value.response["Error"]["Code"] == "NotFoundException"


def test_v2_get_authorizers_lists_and_pages(aws, scratch_region, unique):
    v2 = aws("apigatewayv2", scratch_region)
    api_id = v2.create_api(Name=unique("authz-http"), ProtocolType="HTTP")["ApiId"]
    try:
        for name in ("a", "b", "c"):
            v2.create_authorizer(ApiId=api_id, Name=name, AuthorizerType="JWT",
                                 IdentitySource=["$request.header.Authorization"],
                                 JwtConfiguration={"Issuer": "https://issuer.example.com", "Audience": ["web"]})
        first = v2.get_authorizers(ApiId=api_id, MaxResults="2")
        assert [a["Name"] for a in first["Items"]] == ["a", "b"] and first["NextToken"]
        rest_of = v2.get_authorizers(ApiId=api_id, MaxResults="2", NextToken=first["NextToken"])
        assert [a["Name"] for a in rest_of["Items"]] == ["c"] and "NextToken" not in rest_of
        assert first["Items"][0]["JwtConfiguration"] == {"Issuer": "https://issuer.example.com", "Audience": ["web"]}
    finally:
        v2.delete_api(ApiId=api_id)
