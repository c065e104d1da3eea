"""Fidelity extensions for API Gateway REST APIs (v1): where moto 5.2.5 departs from the API reference.

moto stores REST APIs, stages, deployments, plans and keys well enough, but it ignores canaries,
replaces a stage on redeploy, accepts any stage patch path, ignores `limit`/`position`, crashes on
a decimal usage-plan rate, deletes a plan that still covers API stages, cannot tag a REST API, and
lacks cache flushes, usage reports and key import. The handlers below answer those operations as the
reference documents them. moto's backend stays the store; `STATE` keeps what moto has no place for
(canaries, stage dates, cache flushes, usage), where the traffic generator reads it. Where AWS's
answer is undocumented, the handler's docstring states the choice made.
"""

from __future__ import annotations

import base64
import binascii
import copy
import csv
import json
import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Callable

from console.sandbox.control_plane import INTERNAL_HEADER
from console.sandbox.router import Call, Reply, Router, bad_request, conflict, not_found
from console.sandbox.state import STATE, StageKey, UsageKey

SERVICE = "apigateway"
_API = r"/restapis/(?P<api_id>[^/]+)"
_STAGE = _API + r"/stages/(?P<stage_name>[^/]+)"

_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]+")
_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]+")
_VARIABLE_VALUE_MAX = 512
_VARIABLES_MAX = 100
_CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
_LOG_DESTINATION = re.compile(r"arn:aws[\w-]*:(logs|firehose):[^:]+:\d{12}:.+")
_PAGE_DEFAULT, _PAGE_MAX = 25, 500


def register(router: Router) -> None:
    """Register this service's handlers."""
    routes: list[tuple[str, str, Callable[..., Reply]]] = [
        ("GET", "/restapis", _paged),
        ("DELETE", _API, delete_rest_api),
        ("GET", _API + "/resources", _paged),
        ("GET", _API + "/deployments", get_deployments),
        ("POST", _API + "/deployments", create_deployment),
        ("GET", _API + r"/deployments/(?P<deployment_id>[^/]+)", get_deployment),
        ("DELETE", _API + r"/deployments/(?P<deployment_id>[^/]+)", delete_deployment),
        ("POST", _API + "/stages", create_stage),
        ("GET", _API + "/stages", get_stages),
        ("GET", _STAGE, get_stage),
        ("PATCH", _STAGE, update_stage),
        ("DELETE", _STAGE, delete_stage),
        ("DELETE", _STAGE + "/cache/data", flush_stage_cache),
        ("DELETE", _STAGE + "/cache/authorizers", flush_stage_authorizers_cache),
        ("GET", "/apikeys", _paged),
        ("POST", "/apikeys", create_or_import_api_keys),
        ("PATCH", r"/apikeys/(?P<key_id>[^/]+)", update_api_key),
        ("GET", "/usageplans", _paged),
        ("POST", "/usageplans", create_usage_plan),
        ("GET", r"/usageplans/(?P<plan_id>[^/]+)/keys", get_usage_plan_keys),
        ("DELETE", r"/usageplans/(?P<plan_id>[^/]+)/keys/(?P<key_id>[^/]+)", delete_usage_plan_key),
        ("PATCH", r"/usageplans/(?P<plan_id>[^/]+)", update_usage_plan),
        ("POST", r"/usageplans/(?P<plan_id>[^/]+)/keys", create_usage_plan_key),
        ("DELETE", r"/usageplans/(?P<plan_id>[^/]+)", delete_usage_plan),
        ("GET", r"/usageplans/(?P<plan_id>[^/]+)/usage", get_usage),
        ("PATCH", r"/usageplans/(?P<plan_id>[^/]+)/keys/(?P<key_id>[^/]+)/usage", update_usage),
        ("GET", r"/tags/(?P<arn>.+)", get_tags),
        ("PUT", r"/tags/(?P<arn>.+)", tag_resource),
        ("DELETE", r"/tags/(?P<arn>.+)", untag_resource),
    ]
    for method, pattern, handler in routes:
        router.route(SERVICE, method, pattern)(handler)


# --- Lookups ----------------------------------------------------------------------------------


def _api(call: Call, api_id: str) -> Any:
    api = call.backend().apis.get(api_id)
    if api is None:
        raise not_found(f"Invalid API identifier specified {call.account}:{api_id}")
    return api


def _stage(api: Any, name: str) -> Any:
    stage = api.stages.get(name)
    if stage is None:
        raise not_found("Invalid Stage identifier specified")
    return stage


def _plan(call: Call, plan_id: str) -> Any:
    plan = call.backend().usage_plans.get(plan_id)
    if plan is None:
        raise not_found("Invalid Usage Plan ID specified")
    return plan


def _key(call: Call, api_id: str, stage_name: str) -> StageKey:
    return call.account, call.region, api_id, stage_name


def _deployment(api: Any, deployment_id: Any) -> str:
    if not isinstance(deployment_id, str) or deployment_id not in api.deployments:
        raise bad_request("Deployment id does not exist")
    return deployment_id


def _patch_operations(call: Call) -> list[dict]:
    return call.json().get("patchOperations") or []


# --- Values: each parser returns the typed value or raises ValueError saying what is allowed ------


def _boolean(value: Any) -> bool:
    text = str(value).lower()
    if text not in ("true", "false"):
        raise ValueError("must be true or false")
    return text == "true"


def _number(low: float, high: float | None = None, *, integer: bool = False) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        number = int(str(value)) if integer else float(value)
        if not math.isfinite(number) or number < low or (high is not None and number > high):
            raise ValueError(f"must be between {low} and {high}" if high is not None else f"must be >= {low}")
        return number

    return parse


def _choice(*options: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError(f"must be one of [{', '.join(options)}]")
        return value

    return parse


def _throttle(*, integer: bool) -> Callable[[Any], float]:
    """A throttle limit: >= 0, or -1 for "no override" (what Terraform sends to unset one)."""
    at_least_zero = _number(0, integer=integer)

    def parse(value: Any) -> float:
        number = _number(-1, integer=integer)(value)
        return number if number == -1 else at_least_zero(value)

    return parse


def _parsed(path: str, value: Any, parse: Callable[[Any], Any]) -> Any:
    try:
        return parse(value)
    except (TypeError, ValueError) as problem:
        raise bad_request(f"Invalid value '{value}' for {path}: {problem}") from None


def _variables(where: str, variables: dict[str, Any]) -> dict[str, str]:
    """Stage variables as documented: names [A-Za-z0-9_]+, values [A-Za-z0-9-._~:/?#&=,]+ up to
    512 characters, at most 100 per stage."""
    for name, value in variables.items():
        _variable(f"{where}/{name}", name, value)
    if len(variables) > _VARIABLES_MAX:
        raise bad_request(f"A stage can have at most {_VARIABLES_MAX} stage variables ({where})")
    return dict(variables)


def _variable(path: str, name: str, value: Any) -> str:
    if not _VARIABLE_NAME.fullmatch(name):
        raise bad_request(f"Invalid stage variable name '{name}' at {path}: use [A-Za-z0-9_] only")
    if not isinstance(value, str) or not _VARIABLE_VALUE.fullmatch(value) or len(value) > _VARIABLE_VALUE_MAX:
        raise bad_request(f"Invalid stage variable value at {path}: it must match [A-Za-z0-9-._~:/?#&=,]+ "
                          f"and be at most {_VARIABLE_VALUE_MAX} characters")
    return value


# --- Stages: what GetStage answers -----------------------------------------------------------------


def _stage_json(call: Call, api_id: str, stage: Any) -> dict:
    """moto's Stage, with the fields it lacks: createdDate, lastUpdatedDate, clientCertificateId and
    canarySettings."""
    key = _key(call, api_id, stage.name)
    body = {**stage.to_json(), **STATE.stage_fields.get(key, {})}
    if stage.cache_cluster_enabled:
        ready = STATE.cache_ready_at.get(key)
        body["cacheClusterStatus"] = "CREATE_IN_PROGRESS" if ready and time.time() < ready else "AVAILABLE"
    canary = STATE.canaries.get(key)
    if canary is not None:
        body["canarySettings"] = canary
    return body


def get_stage(call: Call, api_id: str, stage_name: str) -> Reply:
    return Reply.json(_stage_json(call, api_id, _stage(_api(call, api_id), stage_name)))


def get_stages(call: Call, api_id: str) -> Reply:
    api = _api(call, api_id)
    return Reply.json({"item": [_stage_json(call, api_id, stage) for stage in api.stages.values()]})


def _created(key: StageKey, canary: dict | None) -> None:
    """Record a new stage's dates and canary (the caller holds STATE.lock)."""
    now = time.time()
    STATE.stage_fields[key] = {"createdDate": now, "lastUpdatedDate": now}
    if canary is not None:
        STATE.canaries[key] = canary


def _canary_settings(settings: dict) -> dict:
    """canarySettings as given to CreateStage or CreateDeployment, checked and completed with AWS's
    defaults (no traffic, no stage cache), without the deploymentId."""
    return {
        "percentTraffic": _parsed("canarySettings.percentTraffic", settings.get("percentTraffic", 0.0),
                                  _number(0.0, 100.0)),
        "stageVariableOverrides": _variables("canarySettings.stageVariableOverrides",
                                             settings.get("stageVariableOverrides") or {}),
        "useStageCache": _parsed("canarySettings.useStageCache", settings.get("useStageCache", False),
                                 _boolean),
    }


def _canary(api: Any, settings: dict | None, deployment_id: str) -> dict | None:
    """The canary a CreateStage or CreateDeployment attaches: on `deployment_id` unless its settings
    name another deployment."""
    if settings is None:
        return None
    deployment_id = _deployment(api, settings.get("deploymentId") or deployment_id)
    return {**_canary_settings(settings), "deploymentId": deployment_id}


def create_stage(call: Call, api_id: str) -> Reply:
    """CreateStage, with canarySettings (its deploymentId defaults to the stage's) and with the
    deployment and stage variables checked, which moto does not do."""
    api = _api(call, api_id)
    body = call.json()
    name = _new_stage_name(body.get("stageName"))
    deployment_id = _deployment(api, body.get("deploymentId"))
    _variables("variables", body.get("variables") or {})
    canary = _canary(api, body.get("canarySettings"), deployment_id)
    reply = call.forward()
    if reply.status >= 300:
        return reply
    with STATE.lock:
        _created(_key(call, api_id, name), canary)
        _note_cache(call, _key(call, api_id, name), False, api.stages[name])
    return Reply.json(_stage_json(call, api_id, api.stages[name]), 201)


def _new_stage_name(name: Any) -> str:
    if not isinstance(name, str) or not _STAGE_NAME.fullmatch(name):
        raise bad_request("Stage names can only contain alphanumeric characters, hyphens, and underscores. "
                          "Maximum length is 128 characters.")
    return name


def delete_stage(call: Call, api_id: str, stage_name: str) -> Reply:
    reply = call.forward()
    if reply.status < 300:
        _forget(call, api_id, stage_name)
    return reply


def delete_rest_api(call: Call, api_id: str) -> Reply:
    reply = call.forward()
    if reply.status < 300:
        _forget(call, api_id)
    return reply


def _forget(call: Call, api_id: str, stage_name: str | None = None) -> None:
    """Drop what STATE knows of a deleted stage (or of every stage of a deleted API)."""
    prefix = (call.account, call.region, api_id)
    with STATE.lock:
        tables = (STATE.canaries, STATE.stage_fields, STATE.cache_flushed_at, STATE.authorizers_flushed_at,
                  STATE.cache_ready_at)
        for table in tables:
            for key in [k for k in table if k[:3] == prefix and stage_name in (None, k[3])]:
                del table[key]


# --- Deployments -----------------------------------------------------------------------------------


def create_deployment(call: Call, api_id: str) -> Reply:
    """CreateDeployment. Deploying to an existing stage moves only its deploymentId (moto replaces
    the whole stage), or, with canarySettings, only the canary's. As AWS answers: a canary
    deployment needs an existing stage, and a stage with a canary takes only canary deployments
    ("Non canary deployment not supported on stage ... because Canary is enabled"). Variables given
    for an existing stage replace its variables."""
    api = _api(call, api_id)
    body = call.json()
    name = body.get("stageName") or None
    stage = api.stages.get(name) if name else None
    _check_deployment(call, api_id, body, name, stage)
    reply = call.forward(json.dumps({k: v for k, v in body.items() if k != "stageName"}).encode())
    if reply.status >= 300:
        return reply
    if name is not None:
        was_cached = bool(stage and stage.cache_cluster_enabled)
        with STATE.lock:
            if stage is None:
                _deploy_new_stage(call, api_id, body, name, reply.data()["id"])
            else:
                _deploy_existing_stage(call, api, body, stage, reply.data()["id"])
            if name in api.stages:
                _note_cache(call, _key(call, api_id, name), was_cached, api.stages[name])
    return Reply.json(_deployment_shape(reply.data()), reply.status)


def get_deployment(call: Call, api_id: str, deployment_id: str) -> Reply:
    """GetDeployment: an unknown id is 404 NotFoundException (moto fails with a KeyError)."""
    if deployment_id not in _api(call, api_id).deployments:
        raise not_found("Invalid Deployment identifier specified")
    reply = call.forward()
    return Reply.json(_deployment_shape(reply.data())) if reply.status < 300 else reply


def get_deployments(call: Call, api_id: str) -> Reply:
    """GetDeployments, paged, each item shaped as the Deployment resource."""
    reply = _paged(call)
    if reply.status >= 300:
        return reply
    page = reply.data()
    return Reply.json(page | {"item": [_deployment_shape(item) for item in page["item"]]})


def _deployment_shape(deployment: dict) -> dict:
    """A Deployment as AWS describes it (id, description, createdDate, apiSummary): moto adds a
    `stageName` the resource does not have, and writes absent fields as null."""
    return {k: v for k, v in deployment.items() if k != "stageName" and v is not None}


def _check_deployment(call: Call, api_id: str, body: dict, name: str | None, stage: Any) -> None:
    """Refuse, before anything is created, what AWS refuses."""
    invalid = "Invalid deployment content specified."
    settings = body.get("canarySettings")
    if settings is not None and name is None:
        raise bad_request(f"{invalid}Non null and non empty stageName must be provided for canary "
                          f"deployment. Provided value is null")
    if settings is not None and stage is None:
        raise bad_request(f"{invalid}Stage {name} must already be created before making a canary release "
                          f"deployment")
    if settings is None and stage is not None and _key(call, api_id, name) in STATE.canaries:
        raise bad_request(f"{invalid}Non canary deployment not supported on stage {name} because Canary is "
                          f"enabled. Provide CanarySettings in deploymentInput.")
    if stage is None and name is not None:
        _new_stage_name(name)
    if body.get("cacheClusterSize") is not None:
        _parsed("cacheClusterSize", body["cacheClusterSize"], _choice(*_CACHE_SIZES))
    _variables("variables", body.get("variables") or {})
    if settings is not None:
        _canary_settings(settings)


def _deploy_new_stage(call: Call, api_id: str, body: dict, name: str, deployment_id: str) -> None:
    call.backend().create_stage(
        api_id, name, deployment_id, variables=body.get("variables") or {},
        description=body.get("stageDescription") or "", cacheClusterEnabled=body.get("cacheClusterEnabled"),
        cacheClusterSize=body.get("cacheClusterSize"), tracing_enabled=body.get("tracingEnabled"),
    )
    _created(_key(call, api_id, name), None)


def _deploy_existing_stage(call: Call, api: Any, body: dict, stage: Any, deployment_id: str) -> None:
    key = _key(call, api.id, stage.name)
    if body.get("canarySettings") is not None:
        STATE.canaries[key] = {**_canary_settings(body["canarySettings"]), "deploymentId": deployment_id}
    else:
        stage.deployment_id = deployment_id
    if body.get("stageDescription") is not None:
        stage.description = body["stageDescription"]
    if body.get("variables"):
        stage.variables = dict(body["variables"])
    if body.get("cacheClusterEnabled") is not None:
        _set_cache_enabled(stage, body["cacheClusterEnabled"])
    if body.get("cacheClusterSize") is not None:
        stage.cache_cluster_size = body["cacheClusterSize"]
    if body.get("tracingEnabled") is not None:
        stage.tracing_enabled = body["tracingEnabled"]
    STATE.stage_fields.setdefault(key, {})["lastUpdatedDate"] = time.time()


def delete_deployment(call: Call, api_id: str, deployment_id: str) -> Reply:
    """DeleteDeployment, refused while a stage or a stage's canary points at the deployment."""
    api = _api(call, api_id)
    if deployment_id not in api.deployments:
        raise not_found("Invalid Deployment identifier specified")
    canaries = {STATE.canaries.get(_key(call, api_id, name), {}).get("deploymentId") for name in api.stages}
    if deployment_id in canaries or any(s.deployment_id == deployment_id for s in api.stages.values()):
        raise bad_request("Active stages pointing to this deployment must be moved or deleted")
    del api.deployments[deployment_id]
    return Reply(202)


# --- UpdateStage ---------------------------------------------------------------------------------

_STAGE_PATHS = (
    "/deploymentId", "/description", "/cacheClusterEnabled", "/cacheClusterSize", "/clientCertificateId",
    "/accessLogSettings", "/accessLogSettings/destinationArn", "/accessLogSettings/format", "/tracingEnabled",
    "/variables/{variable_name}", "/{resourcePath}/{httpMethod}/{method_setting}", "/*/*/{method_setting}",
    "/canarySettings", "/canarySettings/percentTraffic", "/canarySettings/deploymentId",
    "/canarySettings/useStageCache", "/canarySettings/stageVariableOverrides/{variable_name}",
)

# method setting path -> (MethodSetting field, parser)
_METHOD_SETTINGS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "metrics/enabled": ("metricsEnabled", _boolean),
    "logging/loglevel": ("loggingLevel", _choice("OFF", "ERROR", "INFO")),
    "logging/dataTrace": ("dataTraceEnabled", _boolean),
    "throttling/burstLimit": ("throttlingBurstLimit", _throttle(integer=True)),
    "throttling/rateLimit": ("throttlingRateLimit", _throttle(integer=False)),
    "caching/enabled": ("cachingEnabled", _boolean),
    "caching/ttlInSeconds": ("cacheTtlInSeconds", _number(0, 3600, integer=True)),
    "caching/dataEncrypted": ("cacheDataEncrypted", _boolean),
    "caching/requireAuthorizationForCacheControl": ("requireAuthorizationForCacheControl", _boolean),
    "caching/unauthorizedCacheControlHeaderStrategy": (
        "unauthorizedCacheControlHeaderStrategy",
        _choice("FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER"),
    ),
}
_OVERRIDES = "/canarySettings/stageVariableOverrides/"
# copy: path -> the only `from` it takes (the two halves of a canary promotion)
_PROMOTIONS = {"/deploymentId": "/canarySettings/deploymentId",
               "/variables": "/canarySettings/stageVariableOverrides"}


@dataclass
class _Draft:
    """A stage being patched: copies of moto's Stage, of its canary and of its extra fields, written
    back only once every operation has applied."""

    api: Any
    stage: Any
    canary: dict | None
    fields: dict

    def new_canary(self) -> dict:
        """The canary, attached with AWS's defaults if there is none yet."""
        if self.canary is None:
            self.canary = {"percentTraffic": 0.0, "deploymentId": self.stage.deployment_id,
                           "stageVariableOverrides": {}, "useStageCache": False}
        return self.canary


def update_stage(call: Call, api_id: str, stage_name: str) -> Reply:
    """UpdateStage: every documented patch path, each value checked; an unknown path or a bad value
    is a BadRequestException and leaves the stage as it was (all or nothing)."""
    api = _api(call, api_id)
    stage = _stage(api, stage_name)
    key = _key(call, api_id, stage_name)
    with STATE.lock:
        draft = _Draft(api, copy.deepcopy(stage), copy.deepcopy(STATE.canaries.get(key)),
                       dict(STATE.stage_fields.get(key, {})))
        for operation in _patch_operations(call):
            _apply(draft, operation)
        _variables("/variables", draft.stage.variables)
        was_cached = bool(stage.cache_cluster_enabled)
        vars(stage).update(vars(draft.stage))
        _note_cache(call, key, was_cached, stage)
        STATE.stage_fields[key] = {**draft.fields, "lastUpdatedDate": time.time()}
        if draft.canary is None:
            STATE.canaries.pop(key, None)
        else:
            STATE.canaries[key] = draft.canary
    return Reply.json(_stage_json(call, api_id, stage))


def _apply(draft: _Draft, operation: dict) -> None:
    op, path, value = operation.get("op"), operation.get("path") or "", operation.get("value")
    if op == "copy":
        _promote(draft, path, operation.get("from"))
    elif path == "/canarySettings" or path.startswith("/canarySettings/"):
        _patch_canary(draft, op, path, value)
    elif path.startswith("/variables/"):
        _patch_entry(draft.stage.variables, op, path, "/variables/", value)
    elif path in _STAGE_SETTERS:
        _only(op, "replace", path)
        _STAGE_SETTERS[path](draft, path, value)
    elif path == "/accessLogSettings":
        _only(op, "remove", path)
        draft.stage.access_log_settings = None
    else:
        _patch_method_setting(draft, op, path, value)


def _only(op: Any, allowed: str, path: str) -> None:
    if op != allowed:
        raise bad_request(f"Invalid {op} operation with path: {path}")


def _unknown_path(path: str) -> Exception:
    return bad_request(f"Invalid method setting path: {path}. Must be one of: [{', '.join(_STAGE_PATHS)}]")


def _patch_entry(mapping: dict, op: Any, path: str, prefix: str, value: Any) -> None:
    """replace/add sets one stage variable (or canary override), remove drops it."""
    name = path[len(prefix):]
    if op in ("replace", "add"):
        mapping[name] = _variable(path, name, value)
    elif op == "remove":
        mapping.pop(name, None)
    else:
        raise bad_request(f"Invalid {op} operation with path: {path}")


def _promote(draft: _Draft, path: str, source: Any) -> None:
    """copy, as a canary promotion sends it: the canary's deployment becomes the stage's, and its
    variable overrides are merged into the stage variables."""
    if _PROMOTIONS.get(path) != source:
        raise bad_request(f"Invalid copy operation with path: {path} and from {source}. Valid copy:path are "
                          f"[/deploymentId, /variables] and valid copy:from are "
                          f"[/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]")
    if draft.canary is None:
        raise bad_request("Promotion not available. Canary does not exist.")
    if path == "/deploymentId":
        draft.stage.deployment_id = draft.canary["deploymentId"]
    else:
        draft.stage.variables.update(draft.canary["stageVariableOverrides"])


def _patch_canary(draft: _Draft, op: Any, path: str, value: Any) -> None:
    """The canary paths: replacing a setting attaches a canary if there is none (AWS's documented way
    to start a canary on the current deployment); `remove /canarySettings` detaches it."""
    if path == "/canarySettings":
        _only(op, "remove", path)
        draft.canary = None
    elif path.startswith(_OVERRIDES):
        if op != "remove" or draft.canary is not None:
            _patch_entry(draft.new_canary()["stageVariableOverrides"], op, path, _OVERRIDES, value)
    elif path in _CANARY_SETTERS:
        _only(op, "replace", path)
        field, parse = _CANARY_SETTERS[path]
        draft.new_canary()[field] = parse(draft, path, value)
    else:
        raise _unknown_path(path)


def _set_deployment(draft: _Draft, path: str, value: Any) -> None:
    """While a canary is attached the stage may only move to the canary's deployment. AWS documents
    no answer to pointing it elsewhere; like its refusal of non-canary deployments on a canary
    stage, the sandbox refuses it: promote (copy) or remove the canary first."""
    _deployment(draft.api, value)
    canary = draft.canary
    if canary is not None and value not in (canary["deploymentId"], draft.stage.deployment_id):
        raise bad_request(f"Stage {draft.stage.name} has a canary enabled: its deploymentId can only be set "
                          f"to the canary's ({canary['deploymentId']}); promote or remove the canary first")
    draft.stage.deployment_id = value


def _set_cache_enabled(stage: Any, enabled: bool) -> None:
    stage.cache_cluster_enabled = enabled
    stage.cache_cluster_status = "AVAILABLE" if enabled else "NOT_AVAILABLE"


def _note_cache(call: Call, key: StageKey, was_enabled: bool, stage: Any) -> None:
    """A cache cluster a client enables is CREATE_IN_PROGRESS for STATE.cache_create_seconds, then
    AVAILABLE and empty ("Cache settings for REST APIs in API Gateway": creating a cache takes about
    4 minutes; `apigw-console sandbox` takes a minute unless APIGW_CONSOLE_SANDBOX_CACHE_SECONDS says
    otherwise). The sandbox's own seeding (INTERNAL_HEADER) enables caches that have long been
    available, as does any client while cache_create_seconds is 0 (an in-process sandbox's)."""
    if not stage.cache_cluster_enabled:
        STATE.cache_ready_at.pop(key, None)
    elif not was_enabled and INTERNAL_HEADER not in call.headers and STATE.cache_create_seconds > 0:
        STATE.cache_ready_at[key] = time.time() + STATE.cache_create_seconds


def _set_access_log(field: str, parse: Callable[[Any], Any]) -> Callable[[_Draft, str, Any], None]:
    def apply(draft: _Draft, path: str, value: Any) -> None:
        settings = dict(draft.stage.access_log_settings or {})
        settings[field] = _parsed(path, value, parse)
        draft.stage.access_log_settings = settings

    return apply


def _set_client_certificate(fields: dict, value: Any) -> None:
    """Any id is taken (moto keeps no client certificates to check it against); "" detaches it."""
    if value:
        fields["clientCertificateId"] = value
    else:
        fields.pop("clientCertificateId", None)


def _log_destination(value: Any) -> str:
    if not isinstance(value, str) or not _LOG_DESTINATION.fullmatch(value):
        raise ValueError("must be the ARN of a CloudWatch Logs log group or a Kinesis Data Firehose stream")
    return value


def _non_empty(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("must not be empty")
    return value


_STAGE_SETTERS: dict[str, Callable[[_Draft, str, Any], None]] = {
    "/deploymentId": _set_deployment,
    "/description": lambda draft, path, value: setattr(draft.stage, "description", value or ""),
    "/cacheClusterEnabled": lambda draft, path, value: _set_cache_enabled(
        draft.stage, _parsed(path, value, _boolean)),
    "/cacheClusterSize": lambda draft, path, value: setattr(
        draft.stage, "cache_cluster_size", _parsed(path, value, _choice(*_CACHE_SIZES))),
    "/tracingEnabled": lambda draft, path, value: setattr(draft.stage, "tracing_enabled",
                                                           _parsed(path, value, _boolean)),
    "/clientCertificateId": lambda draft, path, value: _set_client_certificate(draft.fields, value),
    "/accessLogSettings/destinationArn": _set_access_log("destinationArn", _log_destination),
    "/accessLogSettings/format": _set_access_log("format", _non_empty),
}

# canary path -> (CanarySettings field, parser taking the draft)
_CANARY_SETTERS: dict[str, tuple[str, Callable[[_Draft, str, Any], Any]]] = {
    "/canarySettings/percentTraffic": ("percentTraffic",
                                       lambda draft, path, value: _parsed(path, value, _number(0.0, 100.0))),
    "/canarySettings/deploymentId": ("deploymentId",
                                     lambda draft, path, value: _deployment(draft.api, value)),
    "/canarySettings/useStageCache": ("useStageCache",
                                      lambda draft, path, value: _parsed(path, value, _boolean)),
}


def _patch_method_setting(draft: _Draft, op: Any, path: str, value: Any) -> None:
    """/{resource path, "/" as "~1"}/{verb}/{setting}, or /*/*/{setting} for every method:
    `replace` sets one setting; `remove /{path}/{verb}` drops the method's whole override."""
    parts = path[1:].split("/", 2)
    whole = len(parts) == 2
    if len(parts) < 2 or (whole and op != "remove") or (not whole and parts[2] not in _METHOD_SETTINGS):
        raise _unknown_path(path)
    method_key = f"{parts[0]}/{parts[1]}"
    settings = draft.stage.method_settings
    if op != "replace":
        if not whole or method_key not in settings:
            raise bad_request(f"Cannot {op} method setting {path.lstrip('/')} because there is no method "
                              f"setting for this method ")
        del settings[method_key]
        return
    _check_method(draft.api, path, parts[0], parts[1])
    field, parse = _METHOD_SETTINGS[parts[2]]
    parsed = _parsed(path, value, parse)
    if method_key not in settings:
        settings[method_key] = _new_override(draft.stage, parts[1])
    settings[method_key][field] = parsed


def _new_override(stage: Any, verb: str) -> dict:
    """A method's first own setting starts from the stage's (*/*) settings, as the console's
    "override for this method" does, so that overriding a throttle leaves the method cached as it
    was; caching/enabled is inherited by GET methods only, the only ones stage caching covers
    ("When you enable caching for a stage, only GET methods have caching enabled by default")."""
    settings = {**stage._get_default_method_settings(), **stage.method_settings.get("*/*", {})}
    if verb != "GET":
        settings["cachingEnabled"] = False
    return settings


def _check_method(api: Any, path: str, resource_path: str, verb: str) -> None:
    """The method a per-method path names must exist. AWS's answer when it does not is
    undocumented; the sandbox answers BadRequestException."""
    if (resource_path, verb) == ("*", "*"):
        return
    if "*" in (resource_path, verb):
        raise _unknown_path(path)
    resource_path = resource_path.replace("~1", "/")
    if not any(r.get_path() == resource_path and verb in r.resource_methods for r in api.resources.values()):
        raise bad_request(f"Invalid method setting path: {path}. The API has no method {verb} "
                          f"{resource_path}")


# --- Cache flushes -----------------------------------------------------------------------------


def flush_stage_cache(call: Call, api_id: str, stage_name: str) -> Reply:
    """FlushStageCache: 202, and the traffic generator sees a cold cache from now on. AWS documents
    no refusal for a stage without a cache cluster; the sandbox flushes regardless."""
    _stage(_api(call, api_id), stage_name)
    with STATE.lock:
        STATE.cache_flushed_at[_key(call, api_id, stage_name)] = time.time()
    return Reply(202)


def flush_stage_authorizers_cache(call: Call, api_id: str, stage_name: str) -> Reply:
    """FlushStageAuthorizersCache: 202, and authorizers are called afresh from now on."""
    _stage(_api(call, api_id), stage_name)
    with STATE.lock:
        STATE.authorizers_flushed_at[_key(call, api_id, stage_name)] = time.time()
    return Reply(202)


# --- Paging ------------------------------------------------------------------------------------


def _page_bounds(call: Call) -> tuple[int, int]:
    """(offset, limit) from `position` (an opaque token the previous page gave) and `limit`
    (default 25, at most 500)."""
    limit = _parsed("limit", call.param("limit", str(_PAGE_DEFAULT)), _number(1, _PAGE_MAX, integer=True))
    position = call.param("position")
    if not position:
        return 0, limit
    try:
        offset = int(base64.urlsafe_b64decode(position.encode()).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset = -1
    if offset < 0:
        raise bad_request(f"Invalid position: {position}")
    return offset, limit


def _page(items: list, offset: int, limit: int) -> tuple[list, dict]:
    """One page of `items` and, unless it is the last, the position of the next."""
    end = offset + limit
    more = {"position": base64.urlsafe_b64encode(str(end).encode()).decode()} if end < len(items) else {}
    return items[offset:end], more


def _paged(call: Call, **_: str) -> Reply:
    """moto's whole collection, served a page at a time as `limit`/`position` ask."""
    offset, limit = _page_bounds(call)
    reply = call.forward()
    if reply.status >= 300:
        return reply
    items, more = _page(reply.data().get("item", []), offset, limit)
    return Reply.json({"item": items, **more})


# --- Usage plans and usage -----------------------------------------------------------------------

_PLAN_NUMBERS = {
    "/throttle/rateLimit": ("throttle", "rateLimit", _number(0.0)),
    "/throttle/burstLimit": ("throttle", "burstLimit", _number(0, integer=True)),
    "/quota/limit": ("quota", "limit", _number(0, integer=True)),
    "/quota/offset": ("quota", "offset", _number(0, integer=True)),
}


def update_usage_plan(call: Call, plan_id: str) -> Reply:
    """UpdateUsagePlan, all or nothing, with numbers kept as numbers: a rate of "55.5" is 55.5 (moto
    crashes on it) and a quota limit an integer (moto stores the string). A path the UsagePlan
    resource does not have is 400 BadRequestException (moto ignores it)."""
    plan = _plan(call, plan_id)
    draft = copy.deepcopy(plan)
    for operation in _patch_operations(call):
        path = str(operation.get("path") or "")
        if path not in _PLAN_PATHS and path != "/apiStages" and not path.startswith("/apiStages/"):
            raise bad_request(f"Invalid patch path '{path}' specified for op '{operation.get('op')}'. Must be one "
                              f"of: [{', '.join((*_PLAN_PATHS, '/apiStages'))}]")
        _patch_plan(draft, operation)
    vars(plan).update(vars(draft))
    return Reply.json(plan.to_json())


_PLAN_PATHS = ("/name", "/description", "/productCode", "/throttle/rateLimit", "/throttle/burstLimit",
               "/quota/limit", "/quota/offset", "/quota/period", "/throttle", "/quota")


def create_usage_plan_key(call: Call, plan_id: str) -> Reply:
    """CreateUsagePlanKey: a key already in the plan is 409 ConflictException (moto adds it again)."""
    key_id = str(call.json().get("keyId") or "")
    if key_id in call.backend().usage_plan_keys.get(_plan(call, plan_id).id, {}):
        raise conflict(f"Usage Plan {plan_id} already contains API Key {key_id}")
    return call.forward()


def get_usage_plan_keys(call: Call, plan_id: str) -> Reply:
    """GetUsagePlanKeys of an unknown plan is 404 NotFoundException (moto answers an empty list)."""
    _plan(call, plan_id)
    return call.forward()


def delete_usage_plan_key(call: Call, plan_id: str, key_id: str) -> Reply:
    """DeleteUsagePlanKey of a key the plan does not hold is 404 NotFoundException (moto fails with a
    KeyError)."""
    _plan_keys(call, _plan(call, plan_id).id, key_id)
    return call.forward()


def create_usage_plan(call: Call) -> Reply:
    """CreateUsagePlan with its numbers and quota period checked as UpdateUsagePlan checks them
    (QuotaSettings.period is DAY, WEEK or MONTH; limits are >= 0): moto stores any value."""
    body = call.json()
    for section, field, parse in _PLAN_NUMBERS.values():
        if field in (body.get(section) or {}):
            _parsed(f"{section}.{field}", body[section][field], parse)
    if "period" in (body.get("quota") or {}):
        _parsed("quota.period", body["quota"]["period"], _choice("DAY", "WEEK", "MONTH"))
    return call.forward()


def delete_usage_plan(call: Call, plan_id: str) -> Reply:
    """DeleteUsagePlan refuses a plan that still covers API stages, as AWS does (moto deletes it):
    "Cannot delete Usage Plan … because there are API Stages associated with it, including …"."""
    stages = _plan(call, plan_id).api_stages
    if stages:
        first = stages[0]
        raise bad_request(f"Cannot delete Usage Plan {plan_id} because there are API Stages associated with it, "
                          f"including {first['apiId']}:{first['stage']}")
    return call.forward()


def _patch_plan(plan: Any, operation: dict) -> None:
    op, path = operation.get("op"), operation.get("path")
    if path == "/apiStages" or (path or "").startswith("/apiStages/"):
        _patch_api_stages(plan, op, path, operation.get("value"))
        return
    if path in _PLAN_NUMBERS and op in ("add", "replace"):
        section, field, parse = _PLAN_NUMBERS[path]
        getattr(plan, section)[field] = _parsed(path, operation.get("value"), parse)
        return
    if path == "/quota/period" and op in ("add", "replace"):
        _parsed(path, operation.get("value"), _choice("DAY", "WEEK", "MONTH"))
    try:
        plan.apply_patch_operations([operation])
    except (KeyError, ValueError, IndexError) as problem:
        raise bad_request(f"Invalid patch operation {op} {path}: {problem}") from None


_STAGE_THROTTLE = re.compile(r"/apiStages/(?P<stage>[^/:]+:[^/]+)/throttle"
                             r"(?:/(?P<resource>[^/]+)/(?P<verb>[A-Z]+)(?:/(?P<limit>rateLimit|burstLimit))?)?")
_STAGE_LIMITS = {"rateLimit": _number(0.0), "burstLimit": _number(0, integer=True)}


def _patch_api_stages(plan: Any, op: Any, path: str, value: Any) -> None:
    """`add`/`remove /apiStages` with "{apiId}:{stage}", and the per-method throttles of an attached
    stage: `add`/`replace /apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/rateLimit`
    (or burstLimit), `remove` of one method's throttle or of the whole `/throttle`. The resource
    path arrives "~1"-escaped; the throttle map keys it as CreateUsagePlan does ("/orders/POST").
    moto ignores the throttle paths and cannot remove a stage that has throttles; AWS's answer to
    adding a stage twice is undocumented (the sandbox answers ConflictException)."""
    if path == "/apiStages":
        api_id, _, stage = str(value or "").partition(":")
        entry = _api_stage(plan, f"{api_id}:{stage}", missing_ok=True)
        if op == "add" and entry is None and api_id and stage:
            plan.api_stages.append({"apiId": api_id, "stage": stage})
        elif op == "add":
            raise conflict(f"API stage {value} is already in usage plan {plan.id}") if entry else \
                bad_request(f"Invalid API stage '{value}': use apiId:stageName")
        elif op == "remove" and entry is not None:
            plan.api_stages.remove(entry)
        else:
            raise bad_request(f"Invalid patch operation {op} /apiStages with value {value}")
        return
    found = _STAGE_THROTTLE.fullmatch(path)
    if found is None or (found["resource"] is None and op != "remove") or \
            (found["resource"] and found["limit"] is None and op != "remove") or \
            (found["limit"] and op not in ("add", "replace")):
        raise bad_request(f"Invalid patch operation {op} {path}")
    throttle = _api_stage(plan, found["stage"]).setdefault("throttle", {})
    if found["resource"] is None:
        throttle.clear()
        return
    method = f"{found['resource'].replace('~1', '/')}/{found['verb']}"
    if found["limit"] is None:
        if throttle.pop(method, None) is None:
            raise not_found(f"Usage plan {plan.id} has no throttle for {method} on {found['stage']}")
        return
    throttle.setdefault(method, {})[found["limit"]] = _parsed(path, value, _STAGE_LIMITS[found["limit"]])


def _api_stage(plan: Any, stage: str, missing_ok: bool = False) -> dict | None:
    entry = next((s for s in plan.api_stages if f"{s.get('apiId')}:{s.get('stage')}" == stage), None)
    if entry is None and not missing_ok:
        raise not_found(f"API stage {stage} is not in usage plan {plan.id}")
    return entry


def _plan_keys(call: Call, plan_id: str, key_id: str | None) -> list[str]:
    """The plan's API key ids, or just `key_id`, which must be one of them (AWS's answer otherwise
    is undocumented; the sandbox answers NotFoundException)."""
    keys = sorted(call.backend().usage_plan_keys.get(plan_id, {}))
    if key_id is None:
        return keys
    if key_id not in keys:
        raise not_found("Invalid API Key identifier specified")
    return [key_id]


def _date(name: str, value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise bad_request(f"Invalid {name}: '{value}'. Use the yyyy-MM-dd format, e.g. 2016-01-01") from None


def _period_start(quota: dict, day: date) -> date:
    """The first day of the quota period holding `day` (weeks start on Monday, UTC)."""
    period = quota.get("period")
    if period == "WEEK":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if period == "MONTH" else day


def _running(quota: dict, used: dict[str, int], grants: dict[str, int], first: date, last: date):
    """(used, remaining) for each day from `first` to `last`, remaining as the quota limit plus what
    UpdateUsage granted in the day's quota period so far, minus what the period used so far."""
    period, spent, granted = None, 0, 0
    day = _period_start(quota, first)
    while day <= last:
        if _period_start(quota, day) != period:
            period, spent, granted = _period_start(quota, day), 0, 0
        stamp = day.isoformat()
        spent += used.get(stamp, 0)
        granted += grants.get(stamp, 0)
        if day >= first:
            yield used.get(stamp, 0), int(quota["limit"]) + granted - spent
        day += timedelta(days=1)


def _daily_usage(
    quota: dict, used: dict[str, int], grants: dict[str, int], first: date, last: date
) -> list[list[int]]:
    """[used, remaining] for each day; remaining is -1 for a plan without a quota (AWS documents no
    value for that case)."""
    if "limit" not in quota:
        return [[used.get(day.isoformat(), 0), -1] for day in _days(first, last)]
    return [[spent, max(0, left)] for spent, left in _running(quota, used, grants, first, last)]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _usage(call: Call, plan: Any, key_ids: list[str], first: date, last: date, more: dict) -> dict:
    """A Usage document as AWS sends it (the SDKs call `values` `items`)."""
    def rows(key_id: str) -> list[list[int]]:
        usage_key: UsageKey = (call.account, call.region, plan.id, key_id)
        used, grants = STATE.usage.get(usage_key, {}), STATE.usage_grants.get(usage_key, {})
        return _daily_usage(plan.quota or {}, used, grants, first, last)

    return {"usagePlanId": plan.id, "startDate": first.isoformat(), "endDate": last.isoformat(),
            "values": {key_id: rows(key_id) for key_id in key_ids}, **more}


def get_usage(call: Call, plan_id: str) -> Reply:
    """GetUsage: each key's daily [used, remaining] between startDate and endDate (inclusive), from
    what the traffic generator recorded in STATE.usage; paged over the plan's keys."""
    plan = _plan(call, plan_id)
    first, last = _date("startDate", call.param("startDate")), _date("endDate", call.param("endDate"))
    if last < first:
        raise bad_request("The endDate must not be before the startDate")
    offset, limit = _page_bounds(call)
    key_ids, more = _page(_plan_keys(call, plan_id, call.param("keyId")), offset, limit)
    return Reply.json(_usage(call, plan, key_ids, first, last, more))


def update_usage(call: Call, plan_id: str, key_id: str) -> Reply:
    """UpdateUsage: `replace /remaining N` grants a temporary extension, so that N requests remain
    in the key's current quota period; GetUsage's `remaining` counts it until the period ends.
    Answers the key's usage over the current period so far."""
    plan = _plan(call, plan_id)
    _plan_keys(call, plan_id, key_id)
    if "limit" not in (plan.quota or {}):
        raise bad_request(f"Usage plan {plan_id} has no quota to extend")
    targets = [_remaining_target(operation) for operation in _patch_operations(call)]
    today = datetime.now(UTC).date()
    usage_key: UsageKey = (call.account, call.region, plan_id, key_id)
    with STATE.lock:
        for target in targets:
            grants = STATE.usage_grants.setdefault(usage_key, {})
            _, left = next(_running(plan.quota, STATE.usage.get(usage_key, {}), grants, today, today))
            grants[today.isoformat()] = grants.get(today.isoformat(), 0) + target - left
    return Reply.json(_usage(call, plan, [key_id], _period_start(plan.quota, today), today, {}))


def _remaining_target(operation: dict) -> int:
    if (operation.get("op"), operation.get("path")) != ("replace", "/remaining"):
        raise bad_request(f"Invalid patch operation {operation.get('op')} {operation.get('path')}: "
                          f"UpdateUsage takes replace /remaining only")
    return _parsed("/remaining", operation.get("value"), _number(0, integer=True))


# --- API keys --------------------------------------------------------------------------------------

_KEY_MIN, _KEY_MAX, _NAME_MAX = 20, 128, 1024


def create_or_import_api_keys(call: Call) -> Reply:
    """POST /apikeys: CreateApiKey goes to moto; with ?mode=import it is ImportApiKeys."""
    if call.param("mode") != "import":
        return call.forward()
    return import_api_keys(call)


_KEY_PATHS = ("/name", "/description", "/enabled", "/customerId")


def update_api_key(call: Call, key_id: str) -> Reply:
    """UpdateApiKey: `replace` of the ApiKey resource's own fields; any other path or op is 400
    BadRequestException before anything changes (moto ignores unknown paths and fails on other ops)."""
    for operation in _patch_operations(call):
        op, path = operation.get("op"), operation.get("path")
        if op != "replace" or path not in _KEY_PATHS:
            raise bad_request(f"Invalid patch operation {op} {path}: UpdateApiKey takes replace of "
                              f"{', '.join(_KEY_PATHS)}")
        if path == "/enabled":
            _parsed(path, operation.get("value"), _boolean)
    return call.forward()


def import_api_keys(call: Call) -> Reply:
    """ImportApiKeys from the documented CSV "API key file format": Name and Key columns required,
    Description, Enabled and UsagePlanIds optional, headers case-insensitive and in any order,
    other columns ignored, a key already imported (same value) overwritten. A malformed file is a
    BadRequestException. A row that breaks a rule (key 20-128 characters, name up to 1024, Enabled
    true/false, known usage plans) is skipped with a warning, or, with failonwarnings=true, fails
    the whole import (the reference leaves which problems are warnings undocumented)."""
    if call.param("format") != "csv":
        raise bad_request("Invalid format: only csv is supported")
    records, warnings = [], []
    for number, row in enumerate(_csv_rows(call.body), start=2):
        problems = _row_problems(call, row)
        warnings += [f"Line {number}: {problem}" for problem in problems]
        if not problems:
            records.append(row)
    if warnings and call.param("failonwarnings", "false").lower() == "true":
        raise bad_request(f"Import failed on warnings: {'; '.join(warnings)}")
    with STATE.lock:
        ids = [_import_key(call, row) for row in records]
    return Reply.json({"ids": ids, "warnings": warnings}, 201)


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    """The file's rows, as {lower-case header: value}."""
    try:
        lines = [line for line in body.decode("utf-8-sig").splitlines() if line.strip()]
    except UnicodeDecodeError:
        raise bad_request("Invalid API key file: it is not UTF-8 text") from None
    header = [name.strip().lower() for name in _csv_fields(lines[0] if lines else "", None) or []]
    missing = [name for name in ("name", "key") if name not in header]
    if missing:
        raise bad_request(f"Invalid API key file: the header must have the column(s) {', '.join(missing)}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        fields = _csv_fields(line, len(header))
        if fields is None:
            raise bad_request(f"Invalid API key file: line {number} does not have the header's {len(header)} "
                              f"fields")
        rows.append(dict(zip(header, fields, strict=True)))
    return rows


def _csv_fields(line: str, expected: int | None) -> list[str] | None:
    """One CSV line's fields (None if it does not parse into `expected` fields). Fields are quoted
    with double quotes; a line that parses but not into `expected` fields is read again with
    single quotes, which the format allows around lists of usage plan ids."""
    try:
        for quote in ('"', "'"):
            fields = next(csv.reader([line], quotechar=quote, strict=True))
            if expected is None or len(fields) == expected:
                return fields
    except csv.Error:
        pass
    return None


def _plan_ids(row: dict[str, str]) -> list[str]:
    return [plan_id.strip() for plan_id in row.get("usageplanids", "").split(",") if plan_id.strip()]


def _row_problems(call: Call, row: dict[str, str]) -> list[str]:
    problems = []
    if not _KEY_MIN <= len(row["key"]) <= _KEY_MAX:
        problems.append(f"a Key must be between {_KEY_MIN} and {_KEY_MAX} characters")
    if not row["name"] or len(row["name"]) > _NAME_MAX:
        problems.append(f"a Name must have 1 to {_NAME_MAX} characters")
    if row.get("enabled", "").strip().lower() not in ("", "true", "false"):
        problems.append(f"Enabled must be true or false, not '{row['enabled']}'")
    problems += [f"no usage plan {plan_id}" for plan_id in _plan_ids(row)
                 if plan_id not in call.backend().usage_plans]
    return problems


def _import_key(call: Call, row: dict[str, str]) -> str:
    """Create (or overwrite, by value) one key and attach it to its usage plans; its id."""
    backend = call.backend()
    fields = {"name": row["name"], "description": row.get("description", ""),
              "enabled": row.get("enabled", "").strip().lower() != "false"}
    key = next((k for k in backend.keys.values() if k.value == row["key"]), None)
    if key is None:
        key = backend.create_api_key({**fields, "value": row["key"]})
    else:
        vars(key).update(fields, last_updated_date=int(time.time()))
    for plan_id in _plan_ids(row):
        backend.create_usage_plan_key(plan_id, {"keyId": key.id, "keyType": "API_KEY"})
    return key.id


# --- Tags --------------------------------------------------------------------------------------------

_TAGGABLE = re.compile(r"arn:aws[\w-]*:apigateway:(?P<region>[^:]+)::/(?:restapis/(?P<api>[^/]+)"
                       r"(?:/stages/(?P<stage>[^/]+))?|apikeys/(?P<key>[^/]+)|usageplans/(?P<plan>[^/]+))")
_TAGS_MAX, _TAG_KEY_MAX, _TAG_VALUE_MAX = 50, 128, 256


def _tagged(call: Call, arn: str) -> Any | None:
    """The REST API, stage, API key or usage plan an ARN names (None for other resources)."""
    found = _TAGGABLE.fullmatch(arn)
    if found is None:
        return None
    if found["region"] != call.region:
        raise not_found(f"Invalid resource ARN for region {call.region}: {arn}")
    backend = call.backend()
    if found["api"]:
        api = _api(call, found["api"])
        return _stage(api, found["stage"]) if found["stage"] else api
    things, name = (backend.keys, found["key"]) if found["key"] else (backend.usage_plans, found["plan"])
    if name not in things:
        raise not_found(f"Invalid resource identifier specified: {arn}")
    return things[name]


def get_tags(call: Call, arn: str) -> Reply:
    resource = _tagged(call, arn)
    return call.forward() if resource is None else Reply.json({"tags": resource.tags or {}})


def tag_resource(call: Call, arn: str) -> Reply:
    """TagResource adds or updates the given tags and keeps the others."""
    resource = _tagged(call, arn)
    if resource is None:
        return call.forward()
    tags = {**(resource.tags or {}), **_tags(call.json().get("tags") or {})}
    if len(tags) > _TAGS_MAX:
        raise bad_request(f"A resource can have at most {_TAGS_MAX} tags")
    resource.tags = tags
    return Reply(204)


def _tags(tags: dict[str, Any]) -> dict[str, str]:
    for key, value in tags.items():
        if not 1 <= len(key) <= _TAG_KEY_MAX or key.startswith("aws:") or len(str(value)) > _TAG_VALUE_MAX:
            raise bad_request(f"Invalid tag {key}: keys have 1 to {_TAG_KEY_MAX} characters and must not "
                              f"start with aws:, values at most {_TAG_VALUE_MAX} characters")
    return tags


def untag_resource(call: Call, arn: str) -> Reply:
    resource = _tagged(call, arn)
    if resource is None:
        return call.forward()
    resource.tags = {k: v for k, v in (resource.tags or {}).items() if k not in call.query.get("tagKeys", [])}
    return Reply(204)
