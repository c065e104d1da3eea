"""An API's authorizers, the methods or routes that use each, and TestInvokeAuthorizer.

The list is two paged reads through the Gateway (authorizers, then resources with their methods or
the routes), cached with its fetch time like every read. A test is an AWS call but not a change: no
plan, no journal. The token or header values it sends are the operator's secrets, so they are checked
here before any call, never cached, never part of a Problem's words, and not kept in the answer.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Mapping

from console.aws.errors import Problem, explain
from console.model import Api, ApiAuthorizers, Authorizer, AuthorizerTest, Protocol
from console.read.gateway import Gateway

_LAMBDA = re.compile(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<arn>.+?)/invocations$")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}")  # RFC 9110 token characters
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_VALUE = 8192  # characters: a header value longer than API Gateway's 10 KB header limit would never arrive
MAX_HEADERS = 20


def api_authorizers(gateway: Gateway, api: Api, refresh: bool = False) -> ApiAuthorizers:
    """The API's authorizers with the methods (REST) or routes (v2) that use each, by name."""
    def fetch() -> ApiAuthorizers:
        now = datetime.now(timezone.utc)
        if api.protocol is Protocol.REST:
            client = gateway.connection.apigw
            raw = gateway._pages(client, "get_authorizers", "items", restApiId=api.id)
            users = _rest_users(gateway._pages(client, "get_resources", "items", restApiId=api.id, embed=["methods"]))
            found = [_rest(a, users.get(a["id"], ())) for a in raw]
        else:
            client = gateway.connection.apigwv2
            raw = gateway._pages(client, "get_authorizers", "Items", ApiId=api.id)
            users = _route_users(gateway._pages(client, "get_routes", "Items", ApiId=api.id))
            found = [_v2(a, users.get(a["AuthorizerId"], ())) for a in raw]
        return ApiAuthorizers(api=api, authorizers=tuple(sorted(found, key=lambda a: (a.name.lower(), a.id))),
                              fetched_at=now)

    return gateway._cached(("authorizers", api.id), fetch, refresh)


def find(listing: ApiAuthorizers, ref: str) -> Authorizer:
    """An authorizer by id or name; unknown is a Problem naming those the API has."""
    for authorizer in listing.authorizers:
        if ref in (authorizer.id, authorizer.name):
            return authorizer
    known = ", ".join(f"{a.name} ({a.id})" for a in listing.authorizers) or "none"
    raise Problem(f"{listing.api.name} has no authorizer with id or name '{ref}'. Its authorizers: {known}.",
                  kind="not-found")


def request_headers(authorizer: Authorizer, api: Api, *, token: str | None = None,
                 headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """The headers of a test request: the token in the header the identity source names, and/or the
    operator's headers. Every refusal names what is wrong, never the value."""
    if api.protocol is not Protocol.REST:
        raise Problem(f"{api.name} is not a REST API ({api.protocol.value}): AWS tests authorizers of REST APIs only "
                      "(TestInvokeAuthorizer); test a JWT or Lambda authorizer of an HTTP or WebSocket API with a "
                      "request to a route that uses it.", kind="bad-request")
    sent = dict(headers or {})
    if token is not None:
        header = _token_header(authorizer)
        if not token.strip():
            raise Problem("The token is empty; nothing was sent.", kind="bad-request")
        sent[header] = token.strip()
    if not sent:
        raise Problem(f"Give a token or at least one header for {authorizer.name} (it reads "
                      f"{', '.join(authorizer.identity_source) or 'no identity source'}); nothing was sent.",
                      kind="bad-request")
    if len(sent) > MAX_HEADERS:
        raise Problem(f"{len(sent)} headers: a test sends at most {MAX_HEADERS}; nothing was sent.", kind="bad-request")
    for name, value in sent.items():
        if not _HEADER_NAME.fullmatch(name):
            raise Problem(f"'{name[:40]}' is not a header name (letters, digits and !#$%&'*+.^_`|~- only); "
                          "nothing was sent.", kind="bad-request")
        if _CONTROL.search(value):
            raise Problem(f"The value of {name} holds a control character (a line break?); nothing was sent.",
                          kind="bad-request")
        if len(value) > MAX_VALUE:
            raise Problem(f"The value of {name} is {len(value)} characters; a header holds at most {MAX_VALUE}; "
                          "nothing was sent.", kind="bad-request")
    return sent


def invoke(gateway: Gateway, api: Api, authorizer: Authorizer, headers: Mapping[str, str]) -> AuthorizerTest:
    """TestInvokeAuthorizer with `headers` (checked by `request_headers`); never cached."""
    try:
        raw = gateway.connection.apigw.test_invoke_authorizer(restApiId=api.id, authorizerId=authorizer.id,
                                                              headers=dict(headers))
    except Exception as exc:
        raise explain(exc, profile=gateway.connection.target.profile) from None
    return AuthorizerTest(
        authorizer=authorizer, client_status=int(raw.get("clientStatus") or 0),
        latency_ms=int(raw.get("latency") or 0), principal_id=raw.get("principalId") or "",
        policy=raw.get("policy") or "", context={k: tuple(v) for k, v in (raw.get("authorization") or {}).items()},
        claims=dict(raw.get("claims") or {}), log=raw.get("log") or "", tested_at=datetime.now(timezone.utc))


def _token_header(authorizer: Authorizer) -> str:
    """The header a token goes in: the one the identity source names."""
    for source in authorizer.identity_source:
        if source.startswith("method.request.header."):
            return source.removeprefix("method.request.header.")
    raise Problem(f"{authorizer.name} reads {', '.join(authorizer.identity_source) or 'no identity source'}, not a "
                  "header: give its values with --header NAME=VALUE; nothing was sent.", kind="bad-request")


def _rest(raw: dict, used_by: tuple[str, ...]) -> Authorizer:
    uri = raw.get("authorizerUri") or ""
    found = _LAMBDA.match(uri)
    return Authorizer(
        id=raw["id"], name=raw.get("name") or "", type=raw.get("type") or "",
        identity_source=tuple(s.strip() for s in (raw.get("identitySource") or "").split(",") if s.strip()),
        ttl=raw.get("authorizerResultTtlInSeconds"), function=found.group("arn") if found else uri,
        user_pools=tuple(raw.get("providerARNs") or ()), validation=raw.get("identityValidationExpression") or "",
        used_by=used_by)


def _v2(raw: dict, used_by: tuple[str, ...]) -> Authorizer:
    uri = raw.get("AuthorizerUri") or ""
    found = _LAMBDA.match(uri)
    jwt = raw.get("JwtConfiguration") or {}
    lambda_ttl = raw.get("AuthorizerType") == "REQUEST" and raw.get("AuthorizerPayloadFormatVersion")
    return Authorizer(
        id=raw["AuthorizerId"], name=raw.get("Name") or "", type=raw.get("AuthorizerType") or "",
        identity_source=tuple(raw.get("IdentitySource") or ()),
        ttl=raw.get("AuthorizerResultTtlInSeconds", 0) if lambda_ttl else None,
        function=found.group("arn") if found else uri, issuer=jwt.get("Issuer") or "",
        audience=tuple(jwt.get("Audience") or ()), validation=raw.get("IdentityValidationExpression") or "",
        used_by=used_by)


def _rest_users(resources: list[dict]) -> dict[str, tuple[str, ...]]:
    """{authorizer id: ("GET /orders", ...)} from resources embedded with their methods."""
    users: dict[str, list[str]] = {}
    for resource in sorted(resources, key=lambda r: r.get("path") or ""):
        for verb, method in sorted((resource.get("resourceMethods") or {}).items()):
            if method.get("authorizerId") and method.get("authorizationType") in ("CUSTOM", "COGNITO_USER_POOLS"):
                users.setdefault(method["authorizerId"], []).append(f"{verb} {resource.get('path')}")
    return {k: tuple(v) for k, v in users.items()}


def _route_users(routes: list[dict]) -> dict[str, tuple[str, ...]]:
    users: dict[str, list[str]] = {}
    for route in sorted(routes, key=lambda r: r.get("RouteKey") or ""):
        if route.get("AuthorizerId") and route.get("AuthorizationType") in ("CUSTOM", "JWT"):
            users.setdefault(route["AuthorizerId"], []).append(route["RouteKey"])
    return {k: tuple(v) for k, v in users.items()}
