"""Fidelity extensions for authorizers: attaching them to methods, listing them page by page, testing them.

moto 5.2.5 creates REST and v2 authorizers and keeps a route's AuthorizerId, but it has no
UpdateMethod (so no authorizer can be attached to an existing method), no v2 GetAuthorizers, no
paging of REST GetAuthorizers, and no TestInvokeAuthorizer; its CreateAuthorizer drops the
identityValidationExpression (a misspelt keyword). The handlers here answer those as the
API references describe; moto's Method and Authorizer objects stay the store.

TestInvokeAuthorizer has no Lambda and no user pool behind it here, so the sandbox plays the
authorizer by a fixed rule on the identity value (the header, query string or stage variable the
authorizer's identity source names; a "Bearer " prefix ignored):
  - a value starting with "allow": clientStatus 0, principalId "user-<8 hex of the value>", an Allow
    policy on the test's method ARN (Lambda) or the user's claims (Cognito user pool);
  - "deny…": clientStatus 403 and a Deny policy (Lambda); a Cognito user pool says 401;
  - "unauthorized…", a missing identity source, or a token that fails the identityValidationExpression:
    clientStatus 401, no principal and no policy (the Lambda is not called);
  - anything else: 403 with a Deny policy (Lambda), 401 (Cognito).
A Lambda authorizer's context comes back in `authorization` (each value a one-item list). Latency is
derived from the value, so the same test answers the same way every time.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from console.sandbox.fidelity.apigateway import _api, _paged
from console.sandbox.fidelity.apigatewayv2 import _api as _v2_api
from console.sandbox.fidelity.apigatewayv2 import _page, _window
from console.sandbox.router import Call, Reply, Router, bad_request, not_found

SERVICE = "apigateway"
_METHOD = r"/restapis/(?P<api_id>[^/]+)/resources/(?P<resource_id>[^/]+)/methods/(?P<verb>[A-Z]+)"
_AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")
_PLAIN_PATHS = {"/authorizerId": "authorizer_id", "/operationName": "operation_name",
                "/requestValidatorId": "request_validator_id"}
_METHOD_PATHS = ("/authorizationType", "/authorizationScopes", "/apiKeyRequired", *_PLAIN_PATHS)
TEST_STAGE = "ESTestInvoke-stage"  # the stage a test invocation's method ARN names


def register(router: Router) -> None:
    """Register this module's handlers."""
    routes: tuple[tuple[str, str, Callable[..., Reply]], ...] = (
        ("PATCH", _METHOD, update_method),
        ("GET", r"/restapis/(?P<api_id>[^/]+)/authorizers", _paged),
        ("POST", r"/restapis/(?P<api_id>[^/]+)/authorizers", create_authorizer),
        ("POST", r"/restapis/(?P<api_id>[^/]+)/authorizers/(?P<authorizer_id>[^/]+)", test_invoke_authorizer),
        ("GET", r"/v2/apis/(?P<api_id>[^/]+)/authorizers", get_v2_authorizers),
    )
    for method, pattern, handler in routes:
        router.route(SERVICE, method, pattern)(handler)


# --- UpdateMethod -----------------------------------------------------------------------------------


def update_method(call: Call, api_id: str, resource_id: str, verb: str) -> Reply:
    """UpdateMethod, all or nothing: every operation is checked before any is applied. CUSTOM needs a
    TOKEN or REQUEST authorizer of this API, COGNITO_USER_POOLS a user-pool one, as AWS requires."""
    api = _api(call, api_id)
    resource = api.resources.get(resource_id)
    if resource is None:
        raise not_found("Invalid Resource identifier specified")
    method = resource.resource_methods.get(verb)
    if method is None:
        raise not_found("Invalid Method identifier specified")
    draft = {"authorization_type": method.authorization_type, "authorizer_id": method.authorizer_id,
             "authorization_scopes": list(method.authorization_scopes or []),
             "api_key_required": method.api_key_required, "operation_name": method.operation_name,
             "request_validator_id": method.request_validator_id}
    for operation in call.json().get("patchOperations") or []:
        _patch_method(draft, operation)
    kind = draft["authorization_type"] or "NONE"
    if kind in ("CUSTOM", "COGNITO_USER_POOLS"):
        authorizer = api.authorizers.get(draft["authorizer_id"] or "")
        wanted = ("COGNITO_USER_POOLS",) if kind == "COGNITO_USER_POOLS" else ("TOKEN", "REQUEST")
        if authorizer is None or authorizer.type not in wanted:
            raise bad_request(f"Invalid authorizer id specified for authorization type {kind}: "
                              f"'{draft['authorizer_id'] or ''}'")
    else:
        draft["authorizer_id"] = None
    scopes = draft["authorization_scopes"] if kind == "COGNITO_USER_POOLS" else []  # scopes go with user pools
    draft["authorization_scopes"] = scopes or None
    for attribute, value in draft.items():
        setattr(method, attribute, value)
    return Reply.json({k: v for k, v in method.to_json().items() if v is not None})


def _patch_method(draft: dict[str, Any], operation: dict) -> None:
    op, path, value = operation.get("op"), str(operation.get("path") or ""), operation.get("value")
    if path not in _METHOD_PATHS:
        raise bad_request(f"Invalid patch path '{path}' specified for op '{op}'. Must be one of: "
                          f"[{', '.join(_METHOD_PATHS)}]")
    if path == "/authorizationScopes":
        if op == "add" and isinstance(value, str) and value:
            draft["authorization_scopes"].append(value)
        elif op == "remove":
            draft["authorization_scopes"] = [s for s in draft["authorization_scopes"] if s != value]
        else:
            raise bad_request("Invalid patch operation: authorization scopes take 'add' or 'remove' with a scope")
        return
    if op != "replace":
        raise bad_request(f"Invalid patch operation specified. Must be 'replace' for path '{path}'")
    if path == "/authorizationType":
        if value not in _AUTHORIZATION_TYPES:
            raise bad_request(f"Invalid authorization type '{value}'. Must be one of: "
                              f"[{', '.join(_AUTHORIZATION_TYPES)}]")
        draft["authorization_type"] = value
    elif path == "/apiKeyRequired":
        if str(value).lower() not in ("true", "false"):
            raise bad_request(f"Invalid value '{value}' for apiKeyRequired: must be true or false")
        draft["api_key_required"] = str(value).lower() == "true"
    else:
        draft[_PLAIN_PATHS[path]] = value or None


# --- CreateAuthorizer ------------------------------------------------------------------------------


def create_authorizer(call: Call, api_id: str) -> Reply:
    """moto's CreateAuthorizer, with the identityValidationExpression it drops kept."""
    reply = call.forward()
    expression = call.json().get("identityValidationExpression")
    if reply.status >= 300 or not expression:
        return reply
    created = reply.data()
    _api(call, api_id).authorizers[created["id"]].identity_validation_expression = expression
    return Reply.json({**created, "identityValidationExpression": expression}, reply.status)


# --- TestInvokeAuthorizer ---------------------------------------------------------------------------


def test_invoke_authorizer(call: Call, api_id: str, authorizer_id: str) -> Reply:
    """TestInvokeAuthorizer, played by the module's rule (see its docstring)."""
    api = _api(call, api_id)
    authorizer = api.authorizers.get(authorizer_id)
    if authorizer is None:
        raise not_found("Invalid Authorizer identifier specified")
    request = call.json()
    for name in ("headers", "stageVariables", "additionalContext"):
        if not isinstance(request.get(name) or {}, dict):
            raise bad_request(f"Invalid request input: '{name}' must be a map of strings")
    sources = [s.strip() for s in (authorizer.identity_source or "").split(",") if s.strip()]
    values = [_identity(source, request) for source in sources]
    cognito = authorizer.type == "COGNITO_USER_POOLS"
    lines = [f"Starting authorizer: {authorizer_id} for request: test-invoke-request"]
    if not sources or any(v is None for v in values):
        missing = ", ".join(s for s, v in zip(sources, values) if v is None) or "(no identity source)"
        lines.append(f"The identity source is missing: {missing}. Unauthorized request: test-invoke-request")
        return _answer(401, lines, 0)
    token = re.sub(r"^bearer\s+", "", values[0].strip(), flags=re.IGNORECASE)
    pattern = authorizer.identity_validation_expression
    if authorizer.type == "TOKEN" and pattern and not re.fullmatch(pattern, values[0]):
        lines.append("The incoming identity does not match the validation expression. Unauthorized request: "
                     "test-invoke-request")
        return _answer(401, lines, 1)
    digest = hashlib.sha256(token.encode()).hexdigest()
    latency = 12 + int(digest[:2], 16) % 60
    decision = token.lower()
    if decision.startswith("unauthorized") or (cognito and not decision.startswith("allow")):
        lines.append("Unauthorized request: test-invoke-request")
        return _answer(401, lines, latency)
    principal = f"user-{digest[:8]}"
    if cognito:
        claims = {"sub": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}",
                  "cognito:username": principal, "token_use": "id", "email_verified": "true",
                  "iss": f"https://cognito-idp.{call.region}.amazonaws.com/"
                         + ((authorizer.provider_arns or ["/"])[0].rsplit("/", 1)[-1])}
        lines.append("Authorizer result: the token is valid for the user pool")
        return _answer(0, lines, latency, claims=claims)
    effect = "Allow" if decision.startswith("allow") else "Deny"
    arn = f"arn:aws:execute-api:{call.region}:{call.account}:{api_id}/{TEST_STAGE}/GET/"
    policy = {"Version": "2012-10-17",
              "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": [arn]}]}
    context = {"tenant": f"tenant-{digest[8:12]}", "scope": "orders:read" if effect == "Allow" else ""}
    lines += [f"Sending request to the authorizer's Lambda function: {authorizer.authorizer_uri or ''}",
              f"Authorizer result: principalId {principal}, effect {effect}"]
    return _answer(0 if effect == "Allow" else 403, lines, latency, principalId=principal,
                   policy=json.dumps(policy), authorization={k: [v] for k, v in context.items() if v})


def _identity(source: str, request: dict) -> str | None:
    """The value an identity source names in a test request (headers are matched without regard to case)."""
    kind, _, name = source.removeprefix("method.request.").partition(".")
    if kind == "header":
        headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
        multi = {k.lower(): v for k, v in (request.get("multiValueHeaders") or {}).items()}
        value = headers.get(name.lower()) or next(iter(multi.get(name.lower()) or []), None)
    elif kind == "querystring":
        query = parse_qs(urlsplit(str(request.get("pathWithQueryString") or "")).query)
        value = next(iter(query.get(name) or []), None)
    elif source.startswith("stageVariables."):
        value = (request.get("stageVariables") or {}).get(source.removeprefix("stageVariables."))
    elif source.startswith("context."):
        value = (request.get("additionalContext") or {}).get(source.removeprefix("context."))
    else:
        value = None
    return value if isinstance(value, str) and value else None


def _answer(status: int, lines: list[str], latency: int, **fields: Any) -> Reply:
    lines.append(f"Execution finished with status: {status or 200}")
    return Reply.json({"clientStatus": status, "log": "\n".join(lines), "latency": latency,
                       **{k: v for k, v in fields.items() if v}})


# --- v2 GetAuthorizers ------------------------------------------------------------------------------


def get_v2_authorizers(call: Call, api_id: str) -> Reply:
    """GetAuthorizers of an HTTP or WebSocket API, paged by maxResults and nextToken."""
    window = _window(call)
    api = _v2_api(call, api_id)
    items = [{k: v for k, v in authorizer.to_json().items() if v is not None}
             for authorizer in api.authorizers.values()]
    return Reply.json(_page(items, *window))
