"""The estate as the traffic generator sees it: read back over the sandbox's own API.

Reading through the public API rather than moto's objects means the simulated clients meet the
estate exactly as the console shows it, fidelity extensions included (a throttle the console
changed, a format it set). Only APIs with traffic are read in full, yet reading the seeded estate
still takes some thirty calls (~90 ms of CPU), so the generator re-reads every few seconds, not
every tick. The facts moto has no place for (canaries, cache flushes, usage) are in-process in
`STATE`, cheap enough to read on every tick.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from console.sandbox import ACCOUNT_ID
from console.sandbox.estate import ESTATE
from console.sandbox.history import route_verb_path


@dataclass(frozen=True)
class Limit:
    """A token bucket: `rate` requests a second, up to `burst` at once."""

    rate: float
    burst: int


@dataclass(frozen=True)
class Endpoint:
    """A REST method or an HTTP API route, as simulated clients call it."""

    verb: str  # "ANY" for an HTTP API's $default route
    path: str  # the resource template: /orders/{orderId}
    route_key: str | None  # HTTP APIs only
    mock: bool  # answered by the gateway without a backend
    weight: float  # share of the stage's requests
    key_required: bool
    limit: Limit | None  # a per-method (per-route) throttle, overriding the stage's
    cache_ttl: int | None  # seconds, when the stage caches this endpoint's answers
    uri: str | None = None  # an HTTP integration's URI, stage variables filled in (REST only)
    detailed: bool = False  # detailed metrics: per method (REST) or per route (HTTP) as well as per stage
    authorizer: str | None = None  # the authorization guarding it: CUSTOM, COGNITO_USER_POOLS, JWT (None: open)


@dataclass(frozen=True)
class Plan:
    """A usage plan, as it applies to one stage."""

    id: str
    limit: Limit | None  # per key
    method_limits: Mapping[tuple[str, str], Limit]  # (verb, path) -> per-key limit
    quota: int | None
    period: str  # DAY | WEEK | MONTH
    keys: tuple[str, ...]  # API key ids, ordered by key name


@dataclass(frozen=True)
class Stage:
    """One stage with everything its traffic depends on."""

    region: str
    api_id: str
    api_name: str
    name: str
    http: bool  # an HTTP API (v2) stage; else REST
    endpoints: tuple[Endpoint, ...]
    limit: Limit | None  # the stage-wide default throttle
    deployment_id: str | None
    releases: Mapping[str, str]  # deployment id -> description
    log_group: str | None
    log_format: str | None
    plans: tuple[Plan, ...]
    enabled_keys: frozenset[str]
    logging_level: str | None = None  # REST: methodSettings["*/*"].loggingLevel (execution logs)
    web_acl: str | None = None  # REST: the WAF web ACL in front of the stage (webAclArn)
    account: str = ACCOUNT_ID  # a fleet's other accounts have stages too
    websocket: bool = False  # a WebSocket API's stage (`http` too): connections, not requests (traffic.websocket)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """How `STATE` keys this stage."""
        return self.account, self.region, self.api_id, self.name

    @property
    def named(self) -> tuple[str, str, str]:
        """How traffic profiles name this stage: (region, API name, stage name)."""
        return self.region, self.api_name, self.name


def read_region(clients: Any, region: str, names: Collection[str]) -> list[Stage]:
    """The stages of a region's REST and HTTP APIs named in `names` (only those are read in full), in the
    account of `clients`."""
    stages = _rest_stages(clients.apigateway, region, names) + _http_stages(clients.apigatewayv2, region, names)
    return stages if clients.account == ACCOUNT_ID else [replace(s, account=clients.account) for s in stages]


# --- REST APIs ----------------------------------------------------------------------------------


def _rest_stages(apigw: Any, region: str, names: Collection[str]) -> list[Stage]:
    apis = [api for api in _pages(apigw, "get_rest_apis", "items") if api["name"] in names]
    if not apis:
        return []
    plans = _plans_by_stage(apigw, {api["id"] for api in apis})
    enabled = frozenset(k["id"] for k in _pages(apigw, "get_api_keys", "items") if k.get("enabled"))
    stages = []
    for api in apis:
        methods = [(path, verb, method) for resource in _pages(apigw, "get_resources", "items",
                                                               restApiId=api["id"], embed=["methods"])
                   for path in [resource["path"]]
                   for verb, method in resource.get("resourceMethods", {}).items()]
        releases = {d["id"]: d.get("description", "")
                    for d in _pages(apigw, "get_deployments", "items", restApiId=api["id"])}
        for stage in apigw.get_stages(restApiId=api["id"])["item"]:
            stages.append(_rest_stage(region, api, stage, methods, releases,
                                      plans.get((api["id"], stage["stageName"]), ()), enabled))
    return stages


def _rest_stage(region: str, api: dict, stage: dict, methods: list, releases: dict[str, str],
                plans: tuple[Plan, ...], enabled: frozenset[str]) -> Stage:
    settings = {_setting_target(key): value for key, value in stage.get("methodSettings", {}).items()}
    default = settings.get(None, {})
    cached = bool(stage.get("cacheClusterEnabled")) and stage.get("cacheClusterStatus") == "AVAILABLE"
    weights = _rest_weights(api["name"])
    variables = stage.get("variables") or {}
    endpoints = tuple(
        Endpoint(verb, path, None, method.get("methodIntegration", {}).get("type") == "MOCK",
                 weights.get((verb, path), 1), bool(method.get("apiKeyRequired")),
                 _limit(settings.get((verb, path), {}), "throttlingRateLimit", "throttlingBurstLimit"),
                 _cache_ttl(verb, settings.get((verb, path)), default) if cached else None,
                 _integration_uri(method.get("methodIntegration") or {}, variables),
                 bool((settings.get((verb, path)) or default).get("metricsEnabled")),
                 _guarded(method.get("authorizationType")))
        for path, verb, method in methods
    )
    log = stage.get("accessLogSettings") or {}
    return Stage(
        region=region, api_id=api["id"], api_name=api["name"], name=stage["stageName"], http=False,
        endpoints=endpoints, limit=_limit(default, "throttlingRateLimit", "throttlingBurstLimit"),
        deployment_id=stage.get("deploymentId"), releases=releases,
        log_group=_group(log.get("destinationArn")), log_format=log.get("format"),
        plans=plans, enabled_keys=enabled, logging_level=default.get("loggingLevel"),
        web_acl=stage.get("webAclArn"),
    )


def _integration_uri(integration: dict, variables: dict[str, str]) -> str | None:
    """The URI an HTTP integration calls, its stage variables filled in; None for other kinds."""
    if not integration.get("type", "").startswith("HTTP") or not integration.get("uri"):
        return None
    return re.sub(r"\$\{stageVariables\.(\w+)\}", lambda m: variables.get(m.group(1), ""), integration["uri"])


def _setting_target(key: str) -> tuple[str, str] | None:
    """A methodSettings key as (verb, path): "~1orders/POST" -> ("POST", "/orders"); "*/*" -> None."""
    if key == "*/*":
        return None
    resource, _, verb = key.rpartition("/")
    return verb, resource.replace("~1", "/")


def _cache_ttl(verb: str, own: dict | None, default: dict) -> int | None:
    """A method's cache TTL, or None if its answers are not cached.

    Stage caching covers GET methods; a method's own settings (which start from the stage's, see
    fidelity.apigateway._new_override) turn it on for any verb or off for a GET.
    """
    if own:
        setting = own
    elif verb == "GET":
        setting = default
    else:
        return None
    ttl = int(setting.get("cacheTtlInSeconds", 300))
    return ttl if setting.get("cachingEnabled") and ttl > 0 else None


def _rest_weights(api_name: str) -> dict[tuple[str, str], float]:
    """Each method's share of traffic, as the seeded inventory declares it (unknown methods: 1)."""
    return {(m.verb, m.path): m.weight
            for estate in ESTATE for api in estate.rest_apis if api.name == api_name for m in api.methods}


def _plans_by_stage(apigw: Any, api_ids: set[str]) -> dict[tuple[str, str], tuple[Plan, ...]]:
    """{(api id, stage name): the usage plans covering it}, for the APIs `api_ids`."""
    covering: dict[tuple[str, str], list[Plan]] = {}
    for plan in _pages(apigw, "get_usage_plans", "items"):
        if not any(s["apiId"] in api_ids for s in plan.get("apiStages", [])):
            continue
        keys = sorted(_pages(apigw, "get_usage_plan_keys", "items", usagePlanId=plan["id"]),
                      key=lambda k: k.get("name", k["id"]))
        quota = plan.get("quota") or {}
        for api_stage in plan.get("apiStages", []):
            method_limits = {(target.rpartition("/")[2], target.rpartition("/")[0]): limit
                             for target, setting in (api_stage.get("throttle") or {}).items()
                             if (limit := _limit(setting, "rateLimit", "burstLimit"))}
            covering.setdefault((api_stage["apiId"], api_stage["stage"]), []).append(Plan(
                id=plan["id"], limit=_limit(plan.get("throttle") or {}, "rateLimit", "burstLimit"),
                method_limits=method_limits, quota=int(quota["limit"]) if "limit" in quota else None,
                period=quota.get("period", "DAY"),
                keys=tuple(k["id"] for k in keys),
            ))
    return {stage: tuple(plans) for stage, plans in covering.items()}


# --- HTTP APIs ----------------------------------------------------------------------------------


def _http_stages(v2: Any, region: str, names: Collection[str]) -> list[Stage]:
    stages = []
    for api in _pages(v2, "get_apis", "Items"):
        if api.get("ProtocolType") not in ("HTTP", "WEBSOCKET") or api["Name"] not in names:
            continue
        routes = list(_pages(v2, "get_routes", "Items", ApiId=api["ApiId"]))
        for stage in _pages(v2, "get_stages", "Items", ApiId=api["ApiId"]):
            stages.append(_http_stage(region, api, stage, routes))
    return stages


def _guarded(authorization: str | None) -> str | None:
    """The kind of authorizer a method or route calls (NONE, AWS_IAM and absent: None)."""
    return authorization if authorization in ("CUSTOM", "COGNITO_USER_POOLS", "JWT") else None


def _http_stage(region: str, api: dict, stage: dict, routes: list[dict]) -> Stage:
    weights = {r.key: r.weight for estate in ESTATE for a in estate.v2_apis if a.name == api["Name"]
               for r in a.routes}
    overrides = stage.get("RouteSettings") or {}
    endpoints = tuple(
        Endpoint(*route_verb_path(route["RouteKey"]), route["RouteKey"], False,
                 weights.get(route["RouteKey"], 1), False,
                 _limit(overrides.get(route["RouteKey"], {}), "ThrottlingRateLimit", "ThrottlingBurstLimit"),
                 None, None, bool({**(stage.get("DefaultRouteSettings") or {}),
                                   **overrides.get(route["RouteKey"], {})}.get("DetailedMetricsEnabled")),
                 _guarded(route.get("AuthorizationType")))
        for route in routes
    )
    log = stage.get("AccessLogSettings") or {}
    return Stage(
        region=region, api_id=api["ApiId"], api_name=api["Name"], name=stage["StageName"], http=True,
        endpoints=endpoints,
        limit=_limit(stage.get("DefaultRouteSettings") or {}, "ThrottlingRateLimit", "ThrottlingBurstLimit"),
        deployment_id=stage.get("DeploymentId"), releases={},
        log_group=_group(log.get("DestinationArn")), log_format=log.get("Format"),
        plans=(), enabled_keys=frozenset(), websocket=api.get("ProtocolType") == "WEBSOCKET",
    )


# --- Shared -------------------------------------------------------------------------------------


def _limit(settings: Mapping[str, Any], rate: str, burst: str) -> Limit | None:
    """A throttle from settings; None where unset (API Gateway writes -1 for "inherit")."""
    if settings.get(rate) is None or settings.get(burst) is None or float(settings[rate]) < 0:
        return None
    return Limit(float(settings[rate]), int(settings[burst]))


def _group(destination_arn: str | None) -> str | None:
    """The log group named by an access-log destination ARN."""
    if not destination_arn or ":log-group:" not in destination_arn:
        return None
    return destination_arn.split(":log-group:", 1)[1].removesuffix(":*")


def _pages(client: Any, operation: str, items: str, **kwargs: Any):
    """Every item of a paged list call."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(items, [])
