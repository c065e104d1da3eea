"""The estate's authorizers: one of each kind AWS offers, attached to some methods and routes.

orders-api reads orders behind a Lambda TOKEN authorizer; payments-api lets shoppers read their
payments with a Cognito user pool and checks the PSP's webhook signature with a Lambda REQUEST
authorizer; the storefront HTTP API guards cart and checkout with a JWT authorizer and keeps a Lambda
authorizer that no route uses yet; the WebSocket API checks a token on $connect. Declared here and
built through the public API after the APIs exist (estate.build_region), by API name, so a region
without one of these APIs simply gets none of its authorizers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.sandbox import ACCOUNT_ID


@dataclass(frozen=True)
class RestAuthorizer:
    api: str
    name: str
    type: str  # TOKEN, REQUEST, COGNITO_USER_POOLS
    identity_source: str
    ttl: int
    methods: tuple[tuple[str, str], ...]  # (verb, resource path)
    function: str = ""  # the Lambda function (TOKEN, REQUEST)
    user_pools: tuple[str, ...] = ()  # user pool ids (COGNITO_USER_POOLS)
    validation: str = ""  # identityValidationExpression (TOKEN)


@dataclass(frozen=True)
class V2Authorizer:
    api: str
    name: str
    type: str  # REQUEST (Lambda), JWT
    identity_source: tuple[str, ...]
    routes: tuple[str, ...]  # route keys
    ttl: int | None = None  # Lambda authorizers of HTTP APIs only
    function: str = ""
    issuer: str = ""
    audience: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()


SHOPPER_POOL = "us-east-1_Sh0pP00l1"

REST_AUTHORIZERS = (
    RestAuthorizer("orders-api", "orders-token", "TOKEN", "method.request.header.Authorization", 300,
                   (("GET", "/orders"), ("GET", "/orders/{orderId}"), ("GET", "/orders/{orderId}/items")),
                   function="orders-authorizer:live", validation=r"^Bearer [-0-9A-Za-z._~+/]+=*$"),
    RestAuthorizer("payments-api", "shopper-pool", "COGNITO_USER_POOLS", "method.request.header.Authorization", 300,
                   (("GET", "/payments/{paymentId}"), ("GET", "/payments/{paymentId}/refunds")),
                   user_pools=(SHOPPER_POOL,)),
    RestAuthorizer("payments-api", "psp-webhook-signature", "REQUEST",
                   "method.request.header.X-Psp-Signature, method.request.header.X-Psp-Timestamp", 0,
                   (("POST", "/webhooks/psp"),), function="psp-webhook-authorizer:live"),
)

V2_AUTHORIZERS = (
    V2Authorizer("storefront-http", "shopper-jwt", "JWT", ("$request.header.Authorization",),
                 ("POST /cart", "GET /cart/{cartId}", "POST /checkout"),
                 issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{SHOPPER_POOL}",
                 audience=("storefront-web", "storefront-ios"), scopes=("storefront/cart",)),
    V2Authorizer("storefront-http", "bot-shield", "REQUEST", ("$request.header.User-Agent",), (), ttl=60,
                 function="storefront-bot-shield:live"),
    V2Authorizer("live-notifications-ws", "connect-token", "REQUEST", ("route.request.querystring.token",),
                 ("$connect",), function="notifications-connect-authorizer:live"),
)


def lambda_uri(region: str, function: str) -> str:
    """The authorizerUri of a Lambda function: API Gateway's invocation path for it."""
    arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function}"
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"


def seed(clients: Any, rest_ids: dict[str, str], v2_ids: dict[str, str]) -> None:
    """Create the authorizers of the APIs this region has and attach them (`clients`: estate.Clients)."""
    for authorizer in REST_AUTHORIZERS:
        if authorizer.api in rest_ids:
            _rest(clients.apigateway, clients.region, rest_ids[authorizer.api], authorizer)
    for v2_authorizer in V2_AUTHORIZERS:
        if v2_authorizer.api in v2_ids:
            _v2(clients.apigatewayv2, clients.region, v2_ids[v2_authorizer.api], v2_authorizer)


def _rest(apigw: Any, region: str, api_id: str, authorizer: RestAuthorizer) -> None:
    args: dict[str, Any] = {"restApiId": api_id, "name": authorizer.name, "type": authorizer.type,
                            "identitySource": authorizer.identity_source,
                            "authorizerResultTtlInSeconds": authorizer.ttl}
    if authorizer.function:
        args["authorizerUri"] = lambda_uri(region, authorizer.function)
    if authorizer.user_pools:
        args["providerARNs"] = [f"arn:aws:cognito-idp:{region}:{ACCOUNT_ID}:userpool/{pool}"
                                for pool in authorizer.user_pools]
    if authorizer.validation:
        args["identityValidationExpression"] = authorizer.validation
    authorizer_id = apigw.create_authorizer(**args)["id"]
    kind = "COGNITO_USER_POOLS" if authorizer.type == "COGNITO_USER_POOLS" else "CUSTOM"
    resources = {r["path"]: r["id"] for r in apigw.get_resources(restApiId=api_id, limit=500)["items"]}
    for verb, path in authorizer.methods:
        apigw.update_method(restApiId=api_id, resourceId=resources[path], httpMethod=verb, patchOperations=[
            {"op": "replace", "path": "/authorizationType", "value": kind},
            {"op": "replace", "path": "/authorizerId", "value": authorizer_id},
        ])


def _v2(v2: Any, region: str, api_id: str, authorizer: V2Authorizer) -> None:
    args: dict[str, Any] = {"ApiId": api_id, "Name": authorizer.name, "AuthorizerType": authorizer.type,
                            "IdentitySource": list(authorizer.identity_source)}
    if authorizer.function:
        args["AuthorizerUri"] = lambda_uri(region, authorizer.function)
    if authorizer.ttl is not None:
        args |= {"AuthorizerResultTtlInSeconds": authorizer.ttl, "AuthorizerPayloadFormatVersion": "2.0",
                 "EnableSimpleResponses": True}
    if authorizer.issuer:
        args["JwtConfiguration"] = {"Issuer": authorizer.issuer, "Audience": list(authorizer.audience)}
    authorizer_id = v2.create_authorizer(**args)["AuthorizerId"]
    routes = {r["RouteKey"]: r["RouteId"] for r in v2.get_routes(ApiId=api_id)["Items"]}
    kind = "JWT" if authorizer.type == "JWT" else "CUSTOM"
    for key in authorizer.routes:
        scopes = {"AuthorizationScopes": list(authorizer.scopes)} if authorizer.scopes else {}
        v2.update_route(ApiId=api_id, RouteId=routes[key], AuthorizationType=kind, AuthorizerId=authorizer_id,
                        **scopes)
