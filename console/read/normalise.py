"""From AWS responses to the read model: pure functions, one per shape, v1 and v2 side by side."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from console.model import (
    AccessLog,
    Api,
    ApiKey,
    Cache,
    Canary,
    Deployment,
    GatewayResponse,
    Integration,
    KeyUsage,
    MethodSetting,
    PlanKey,
    Protocol,
    Resource,
    Route,
    Stage,
    Throttle,
    Usage,
    UsagePlan,
)

REST_DEFAULT_KEY = "*/*"


def method_key(raw: str) -> tuple[str, str]:
    """A REST methodSettings key ("~1orders~1{id}/GET" or "orders/{id}/GET") as (display, patch path).

    AWS documents the key as {resource_path}/{http_method} with "/" in the resource path escaped as
    "~1" in patch paths; responses have been seen in both spellings, so both are read.
    """
    if raw == REST_DEFAULT_KEY:
        return "* *", REST_DEFAULT_KEY
    resource, _, method = raw.rpartition("/")
    path = "/" + resource.replace("~1", "/").lstrip("/")
    return f"{method} {path}", f"{path.replace('/', '~1')}/{method}"


def _throttle(rate: Any, burst: Any) -> Throttle:
    return Throttle(rate=float(rate) if rate is not None else None, burst=int(burst) if burst is not None else None)


def _rest_setting(key: str, path: str, raw: dict) -> MethodSetting:
    return MethodSetting(
        key=key,
        path=path,
        throttle=_throttle(raw.get("throttlingRateLimit"), raw.get("throttlingBurstLimit")),
        logging_level=raw.get("loggingLevel"),
        data_trace=raw.get("dataTraceEnabled"),
        metrics=raw.get("metricsEnabled"),
        caching=raw.get("cachingEnabled"),
        cache_ttl=raw.get("cacheTtlInSeconds"),
    )


def _v2_setting(key: str, raw: dict) -> MethodSetting:
    return MethodSetting(
        key=key,
        path=key,
        throttle=_throttle(raw.get("ThrottlingRateLimit"), raw.get("ThrottlingBurstLimit")),
        logging_level=raw.get("LoggingLevel"),
        data_trace=raw.get("DataTraceEnabled"),
        metrics=raw.get("DetailedMetricsEnabled"),
    )


def rest_api(raw: dict, region: str, now: datetime) -> Api:
    types = (raw.get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    return Api(
        id=raw["id"],
        name=raw.get("name", ""),
        protocol=Protocol.REST,
        endpoint_type="/".join(types),
        created=raw.get("createdDate"),
        description=raw.get("description") or "",
        version=raw.get("version") or "",
        endpoint=f"https://{raw['id']}.execute-api.{region}.amazonaws.com",
        tags=raw.get("tags") or {},
        fetched_at=now,
    )


def v2_api(raw: dict, now: datetime) -> Api:
    return Api(
        id=raw["ApiId"],
        name=raw.get("Name", ""),
        protocol=Protocol(raw.get("ProtocolType", "HTTP")),
        endpoint_type="REGIONAL",  # v2 APIs are regional; custom domains aside
        created=raw.get("CreatedDate"),
        description=raw.get("Description") or "",
        version=raw.get("Version") or "",
        endpoint=raw.get("ApiEndpoint") or "",
        tags=raw.get("Tags") or {},
        fetched_at=now,
    )


def rest_stage(api_id: str, raw: dict, now: datetime) -> Stage:
    settings = raw.get("methodSettings") or {}
    default = _rest_setting("* *", REST_DEFAULT_KEY, settings.get(REST_DEFAULT_KEY, {}))
    overrides = tuple(sorted(
        (_rest_setting(*method_key(key), value) for key, value in settings.items() if key != REST_DEFAULT_KEY),
        key=lambda s: s.key,
    ))
    log = raw.get("accessLogSettings") or {}
    canary = raw.get("canarySettings")
    return Stage(
        api_id=api_id,
        protocol=Protocol.REST,
        name=raw["stageName"],
        deployment_id=raw.get("deploymentId"),
        description=raw.get("description") or "",
        created=raw.get("createdDate"),
        updated=raw.get("lastUpdatedDate"),
        fetched_at=now,
        default=default,
        overrides=overrides,
        variables=raw.get("variables") or {},
        access_log=AccessLog(log["destinationArn"], log.get("format", "")) if log.get("destinationArn") else None,
        cache=Cache(
            enabled=bool(raw.get("cacheClusterEnabled")),
            size=raw.get("cacheClusterSize"),
            status=raw.get("cacheClusterStatus"),
        ),
        canary=Canary(
            percent=float(canary.get("percentTraffic", 0.0)),
            deployment_id=canary.get("deploymentId"),
            variable_overrides=canary.get("stageVariableOverrides") or {},
            use_stage_cache=bool(canary.get("useStageCache")),
        ) if canary else None,
        tracing=raw.get("tracingEnabled"),
        tags=raw.get("tags") or {},
        web_acl=raw.get("webAclArn"),
    )


def gateway_response(raw: dict) -> GatewayResponse:
    return GatewayResponse(raw.get("responseType", ""), raw.get("statusCode"), bool(raw.get("defaultResponse")))


def v2_stage(api: Api, raw: dict, now: datetime) -> Stage:
    log = raw.get("AccessLogSettings") or {}
    return Stage(
        api_id=api.id,
        protocol=api.protocol,
        name=raw["StageName"],
        deployment_id=raw.get("DeploymentId"),
        description=raw.get("Description") or "",
        created=raw.get("CreatedDate"),
        updated=raw.get("LastUpdatedDate"),
        fetched_at=now,
        default=_v2_setting("default route", raw.get("DefaultRouteSettings") or {}),
        overrides=tuple(sorted(
            (_v2_setting(key, value) for key, value in (raw.get("RouteSettings") or {}).items()),
            key=lambda s: s.key,
        )),
        variables=raw.get("StageVariables") or {},
        access_log=AccessLog(log["DestinationArn"], log.get("Format", "")) if log.get("DestinationArn") else None,
        auto_deploy=raw.get("AutoDeploy"),
        tags=raw.get("Tags") or {},
    )


def rest_resource(raw: dict) -> Resource:
    return Resource(id=raw["id"], path=raw.get("path", "/"), methods=tuple(sorted(raw.get("resourceMethods") or {})))


def route(raw: dict) -> Route:
    return Route(
        id=raw["RouteId"],
        key=raw.get("RouteKey", ""),
        target=raw.get("Target") or "",
        authorization=raw.get("AuthorizationType") or "NONE",
    )


def integration(raw: dict) -> Integration:
    return Integration(
        id=raw["IntegrationId"],
        type=raw.get("IntegrationType", ""),
        uri=raw.get("IntegrationUri") or "",
        method=raw.get("IntegrationMethod") or "",
    )


def rest_deployment(raw: dict) -> Deployment:
    return Deployment(id=raw["id"], description=raw.get("description") or "", created=raw.get("createdDate"))


def v2_deployment(raw: dict) -> Deployment:
    return Deployment(id=raw["DeploymentId"], description=raw.get("Description") or "", created=raw.get("CreatedDate"))


def usage_plan(raw: dict, now: datetime) -> UsagePlan:
    throttle = raw.get("throttle") or {}
    quota = raw.get("quota") or {}
    return UsagePlan(
        id=raw["id"],
        name=raw.get("name", ""),
        description=raw.get("description") or "",
        throttle=_throttle(throttle.get("rateLimit"), throttle.get("burstLimit")),
        quota_limit=quota.get("limit"),
        quota_period=quota.get("period"),
        quota_offset=quota.get("offset"),
        api_stages=tuple((s.get("apiId", ""), s.get("stage", "")) for s in raw.get("apiStages") or []),
        fetched_at=now,
        method_throttles=tuple(sorted(
            (s.get("apiId", ""), s.get("stage", ""), method_key(key)[0],
             _throttle(limits.get("rateLimit"), limits.get("burstLimit")))
            for s in raw.get("apiStages") or [] for key, limits in (s.get("throttle") or {}).items())),
    )


def plan_key(raw: dict) -> PlanKey:
    """A key of a usage plan; AWS sends its value too, which is dropped here."""
    return PlanKey(id=raw["id"], name=raw.get("name", ""), type=raw.get("type", "API_KEY"))


def usage(raw: dict, now: datetime) -> Usage:
    """GetUsage (boto3 calls AWS's `values` `items`): {key id: [[used, remaining], ...]}; a remaining
    below zero means the plan has no quota."""
    return Usage(
        plan_id=raw["usagePlanId"],
        start=date.fromisoformat(raw["startDate"]),
        end=date.fromisoformat(raw["endDate"]),
        keys=tuple(KeyUsage(key_id=key, used=tuple(int(day[0]) for day in days),
                            remaining=tuple(int(day[1]) if int(day[1]) >= 0 else None for day in days))
                   for key, days in sorted((raw.get("items") or {}).items())),
        fetched_at=now,
    )


def api_key(raw: dict, now: datetime) -> ApiKey:
    return ApiKey(
        id=raw["id"],
        name=raw.get("name", ""),
        enabled=bool(raw.get("enabled")),
        created=raw.get("createdDate"),
        updated=raw.get("lastUpdatedDate"),
        description=raw.get("description") or "",
        fetched_at=now,
    )
