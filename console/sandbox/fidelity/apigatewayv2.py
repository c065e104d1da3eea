"""Fidelity extensions for apigatewayv2: the stage lifecycle of HTTP and WebSocket APIs.

moto 5.2.5 creates and reads v2 stages but cannot update them, keeps no deployments, has no
DeleteRouteSettings, DeleteAccessLogSettings or ResetAuthorizersCache, and ignores MaxResults and
NextToken. The handlers here answer those calls as the API Gateway V2 API reference describes.

Stage settings stay on moto's own Stage objects, so a stage created by moto (the seed's CreateStage
calls) and updated here is one record. A stage's deployment id goes in the `config` moto keeps of
the CreateStage request, which is where CreateStage's own DeploymentId already sits. Deployments,
which moto has no place for, live in STATE. An update validates the whole request before it
touches anything, so a BadRequestException leaves the stage exactly as it was.

boto3's apigatewayv2 client signs with the service name "apigateway", so the routes are registered
under that service. Every path begins with /v2/, so none can match a REST API path (/restapis,
/usageplans, /apikeys ...).
"""

from __future__ import annotations

import base64
import math
import re
import secrets
import string
import time
from datetime import UTC, datetime
from typing import Any

from console.sandbox.router import Call, Reply, Router, bad_request, conflict, not_found
from console.sandbox.state import STATE

SERVICE = "apigateway"
_API = r"/v2/apis/(?P<api_id>[^/]+)"
_STAGE = _API + r"/stages/(?P<stage_name>[^/]+)"
_DEPLOYMENT = _API + r"/deployments/(?P<deployment_id>[^/]+)"

_ROUTE_SETTING_FIELDS = ("dataTraceEnabled", "detailedMetricsEnabled", "loggingLevel",
                         "throttlingBurstLimit", "throttlingRateLimit")
_EXECUTION_LOG_FIELDS = {"dataTraceEnabled", "loggingLevel"}  # "Supported only for WebSocket APIs"
_LOGGING_LEVELS = ("ERROR", "INFO", "OFF")
_INT32_MAX = 2**31 - 1
# The reference's stage variable rules, with the HTTP API quotas: 100 per stage, names of at most
# 64 characters, values of at most 512.
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]{1,512}")
_MAX_VARIABLES = 100
_LOG_GROUP_ARN = re.compile(r"arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[A-Za-z0-9_./#-]+(:\*)?")
_REQUEST_ID = re.compile(r"\$context\.(requestId|extendedRequestId)\b")
_MAX_LOG_FORMAT = 3 * 1024  # "Access log template size: 3 KB"
_MAX_DESCRIPTION = 1024
_COUNT = re.compile(r"[0-9]+")


def register(router: Router) -> None:
    """Register this service's handlers."""
    for method, pattern, handler in (
        ("GET", r"/v2/apis", _listed_by_moto),
        ("GET", _API + r"/routes", _listed_by_moto),
        ("GET", _API + r"/integrations", _listed_by_moto),
        ("GET", _API + r"/stages", _get_stages),
        ("POST", _API + r"/stages", _create_stage),
        ("GET", _STAGE, _get_stage),
        ("PATCH", _STAGE, _update_stage),
        ("DELETE", _STAGE + r"/routesettings/(?P<route_key>.+)", _delete_route_settings),
        ("DELETE", _STAGE + r"/accesslogsettings", _delete_access_log_settings),
        ("DELETE", _STAGE + r"/cache/authorizers", _reset_authorizers_cache),
        ("POST", _API + r"/deployments", _create_deployment),
        ("GET", _API + r"/deployments", _get_deployments),
        ("GET", _DEPLOYMENT, _get_deployment),
        ("DELETE", _DEPLOYMENT, _delete_deployment),
    ):
        router.route(SERVICE, method, pattern)(handler)


# --- lists and paging ------------------------------------------------------------------------


def _listed_by_moto(call: Call, **_: str) -> Reply:
    """GetApis, GetRoutes, GetIntegrations: moto's full listing, cut to the page asked for."""
    window = _window(call)
    reply = call.forward()
    if reply.status != 200:
        return reply
    return Reply.json(_page(reply.data()["items"], *window))


def _get_stages(call: Call, api_id: str) -> Reply:
    window = _window(call)
    api = _api(call, api_id)
    with STATE.lock:
        items = [_stage_json(stage) for stage in api.stages.values()]
    return Reply.json(_page(items, *window))


def _window(call: Call) -> tuple[int, int | None]:
    """(first index, page size or None for all) from nextToken and maxResults (a string in v2)."""
    size, token = call.param("maxResults"), call.param("nextToken")
    if size is not None and not (_COUNT.fullmatch(size) and int(size) >= 1):
        raise bad_request(f"Invalid maxResults '{size}': it must be a positive integer.")
    return _offset(token) if token else 0, int(size) if size else None


def _page(items: list, start: int, size: int | None) -> dict[str, Any]:
    """One page of `items`; nextToken only while more remain, so paginators stop on the last."""
    end = len(items) if size is None else start + size
    page: dict[str, Any] = {"items": items[start:end]}
    if end < len(items):
        page["nextToken"] = base64.urlsafe_b64encode(str(end).encode()).decode()
    return page


def _offset(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except ValueError:
        text = ""
    if not _COUNT.fullmatch(text):
        raise bad_request("Invalid nextToken: pass back the nextToken of the previous page.")
    return int(text)


# --- stages ----------------------------------------------------------------------------------


def _get_stage(call: Call, api_id: str, stage_name: str) -> Reply:
    api = _api(call, api_id)
    with STATE.lock:
        return Reply.json(_stage_json(_stage(api, stage_name)))


def _create_stage(call: Call, api_id: str) -> Reply:
    """CreateStage: a name the API has a stage of already is 409 ConflictException (moto replaces
    the stage); a deploymentId must name a deployment of the API, and a stage with autoDeploy has
    the API deployed to it at once (moto keeps no deployments)."""
    api = _api(call, api_id)
    request = _body(call)
    name = request.get("stageName")
    if name in api.stages:
        raise conflict(f"Stage already exists: {name}")
    auto_deploy = _boolean(request.get("autoDeploy", False), "autoDeploy")
    if request.get("deploymentId") is not None:
        with STATE.lock:
            _stage_deployment(call, api, request["deploymentId"], auto_deploy)
    reply = call.forward()
    if reply.status < 300 and auto_deploy:
        with STATE.lock:
            _auto_deploy(call, api_id, _stage(api, name))
            return Reply.json(_stage_json(_stage(api, name)), reply.status)
    return reply


def _update_stage(call: Call, api_id: str, stage_name: str) -> Reply:
    """UpdateStage: fields absent from the request stay as they are; any invalid field changes nothing."""
    api = _api(call, api_id)
    request = _body(call)
    with STATE.lock:
        stage = _stage(api, stage_name)
        was_auto = stage.auto_deploy
        for attribute, value in _stage_changes(call, api, stage, request).items():
            setattr(stage, attribute, value)
        if stage.auto_deploy and not was_auto:
            _auto_deploy(call, api_id, stage)
        _touch(stage)
        return Reply.json(_stage_json(stage))


def _stage_changes(call: Call, api, stage, request: dict) -> dict[str, Any]:
    """The moto Stage attributes an UpdateStage request sets, every one validated."""
    changes: dict[str, Any] = {}
    if "autoDeploy" in request:
        changes["auto_deploy"] = _boolean(request["autoDeploy"], "autoDeploy")
    if "description" in request:
        changes["description"] = _description(request["description"])
    if "clientCertificateId" in request:
        changes["client_certificate_id"] = _client_certificate(api, request["clientCertificateId"])
    if "defaultRouteSettings" in request:
        given = _route_settings(api, request["defaultRouteSettings"], "defaultRouteSettings")
        changes["default_route_settings"] = {**stage.default_route_settings, **given}
    if "routeSettings" in request:
        changes["route_settings"] = _merged_route_settings(api, stage, request["routeSettings"])
    if "stageVariables" in request:
        changes["stage_variables"] = _merged_variables(stage, request["stageVariables"])
    if "accessLogSettings" in request:
        changes["access_log_settings"] = _access_log_settings(request["accessLogSettings"])
    if "deploymentId" in request:
        auto_deploy = changes.get("auto_deploy", stage.auto_deploy)
        deployment_id = _stage_deployment(call, api, request["deploymentId"], auto_deploy)
        changes["config"] = {**stage.config, "deploymentId": deployment_id}
    return changes


def _route_settings(api, value: Any, where: str) -> dict[str, Any]:
    """One RouteSettings object, checked against the reference and the API's protocol."""
    if not isinstance(value, dict):
        raise bad_request(f"Invalid {where}: expected an object.")
    settings = {field: value[field] for field in _ROUTE_SETTING_FIELDS if field in value}
    if api.protocol_type == "HTTP" and _EXECUTION_LOG_FIELDS & settings.keys():
        raise bad_request("Execution logs are not supported on protocolType HTTP")
    for flag in ("dataTraceEnabled", "detailedMetricsEnabled"):
        if flag in settings:
            _boolean(settings[flag], f"{where}.{flag}")
    if settings.get("loggingLevel", "OFF") not in _LOGGING_LEVELS:
        raise bad_request(f"Invalid {where}.loggingLevel: it must be one of {', '.join(_LOGGING_LEVELS)}.")
    if "throttlingRateLimit" in settings and not _is_rate(settings["throttlingRateLimit"]):
        raise bad_request(f"Invalid {where}.throttlingRateLimit: it must be a number of 0 or more.")
    if "throttlingBurstLimit" in settings and not _is_burst(settings["throttlingBurstLimit"]):
        raise bad_request(f"Invalid {where}.throttlingBurstLimit: it must be an integer of 0 or more.")
    return settings


def _is_rate(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def _is_burst(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _INT32_MAX


def _merged_route_settings(api, stage, value: Any) -> dict[str, dict]:
    """The stage's route settings with the request's merged in, route key by route key."""
    if not isinstance(value, dict):
        raise bad_request("Invalid routeSettings: expected an object keyed by route key.")
    route_keys = {route.route_key for route in api.routes.values()}
    merged = dict(stage.route_settings)
    for route_key, settings in value.items():
        if route_key not in route_keys:
            raise not_found(f"Unable to find Route by key {route_key} within the provided RouteSettings")
        given = _route_settings(api, settings, f"routeSettings[{route_key}]")
        merged[route_key] = {**merged.get(route_key, {}), **given}
    return merged


def _merged_variables(stage, value: Any) -> dict[str, str]:
    """The stage variables after the update: those named are set, those set to "" removed."""
    if not isinstance(value, dict):
        raise bad_request("Invalid stageVariables: expected an object.")
    merged = dict(stage.stage_variables)
    for name, text in value.items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise bad_request(f"Invalid stage variable name '{name}': it may use only A-Z, a-z, 0-9 and _ "
                              f"and be at most 64 characters long.")
        if text == "":
            merged.pop(name, None)
        elif isinstance(text, str) and _VARIABLE_VALUE.fullmatch(text):
            merged[name] = text
        else:
            raise bad_request(f"Invalid value for stage variable '{name}': it must match "
                              f"[A-Za-z0-9-._~:/?#&=,]+ and be at most 512 characters long.")
    if len(merged) > _MAX_VARIABLES:
        raise bad_request(f"A stage can have at most {_MAX_VARIABLES} stage variables.")
    return merged


def _access_log_settings(value: Any) -> dict[str, str] | None:
    """AccessLogSettings replace the stage's whole; an empty object turns access logging off."""
    if not isinstance(value, dict):
        raise bad_request("Invalid accessLogSettings: expected an object.")
    if not value:
        return None
    arn, log_format = value.get("destinationArn"), value.get("format")
    if not isinstance(arn, str) or not _LOG_GROUP_ARN.fullmatch(arn):
        raise bad_request(f"Invalid accessLogSettings.destinationArn '{arn}': "
                          f"it must be the ARN of a CloudWatch Logs log group.")
    if not isinstance(log_format, str) or not 0 < len(log_format) <= _MAX_LOG_FORMAT or "\n" in log_format:
        raise bad_request("Invalid accessLogSettings.format: it must be a single line of at most 3 KB.")
    if not _REQUEST_ID.search(log_format):
        raise bad_request("Invalid accessLogSettings.format: it must include $context.requestId "
                          "or $context.extendedRequestId.")
    return {"destinationArn": arn, "format": log_format}


def _stage_deployment(call: Call, api, deployment_id: Any, auto_deploy: bool | None) -> str:
    """A deployment id a stage may be pointed at: an existing one, and only without autoDeploy."""
    if auto_deploy:
        raise bad_request("The deploymentId of a stage can't be updated while autoDeploy is enabled.")
    return _deployment(call, api, deployment_id)["deploymentId"]


def _boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise bad_request(f"Invalid {field}: expected true or false.")
    return value


def _description(value: Any) -> str:
    if not isinstance(value, str) or len(value) > _MAX_DESCRIPTION:
        raise bad_request(f"Invalid description: it must be a string of at most {_MAX_DESCRIPTION} characters.")
    return value


def _client_certificate(api, value: Any) -> str:
    if api.protocol_type != "WEBSOCKET":
        raise bad_request("Client certificates for a stage are supported only for WebSocket APIs.")
    if not isinstance(value, str):
        raise bad_request("Invalid clientCertificateId: expected a string.")
    return value


def _delete_route_settings(call: Call, api_id: str, stage_name: str, route_key: str) -> Reply:
    api = _api(call, api_id)
    with STATE.lock:
        stage = _stage(api, stage_name)
        if route_key not in stage.route_settings:
            raise not_found(f"Unable to find RouteSettings for route key {route_key} in stage {stage_name}")
        stage.route_settings = {key: value for key, value in stage.route_settings.items() if key != route_key}
        _touch(stage)
    return Reply(204)


def _delete_access_log_settings(call: Call, api_id: str, stage_name: str) -> Reply:
    api = _api(call, api_id)
    with STATE.lock:
        stage = _stage(api, stage_name)
        stage.access_log_settings = None
        _touch(stage)
    return Reply(204)


def _reset_authorizers_cache(call: Call, api_id: str, stage_name: str) -> Reply:
    api = _api(call, api_id)
    with STATE.lock:
        _stage(api, stage_name)
        STATE.authorizers_flushed_at[(call.account, call.region, api_id, stage_name)] = time.time()
    return Reply(204)


def _stage_json(stage) -> dict[str, Any]:
    """The stage as GetStage returns it: moto's rendering plus the deployment it points at."""
    payload = stage.to_json()
    for field in ("deploymentId", "lastDeploymentStatusMessage"):
        if stage.config.get(field):
            payload[field] = stage.config[field]
    return payload


def _touch(stage) -> None:
    stage.updated = datetime.now()  # naive local time: moto renders its stage dates from it


# --- deployments -----------------------------------------------------------------------------


def _create_deployment(call: Call, api_id: str) -> Reply:
    """CreateDeployment: with a stageName, that stage now serves the new deployment."""
    api = _api(call, api_id)
    request = _body(call)
    description = _description(request.get("description", ""))
    with STATE.lock:
        stage = _deployment_target(api, request["stageName"]) if "stageName" in request else None
        deployment = _new_deployment(call, api_id, description)
        if stage is not None:
            stage.config = {**stage.config, "deploymentId": deployment["deploymentId"]}
            _touch(stage)
    return Reply.json(deployment, 201)


def _auto_deploy(call: Call, api_id: str, stage) -> None:
    """What API Gateway does for a stage with autoDeploy: deploy the API to it (the caller holds
    STATE.lock). Later changes to the API's routes are not deployed by the sandbox."""
    deployment = _new_deployment(call, api_id, "Automatic deployment triggered by changes to the Api configuration",
                                 automatic=True)
    stage.config = {**stage.config, "deploymentId": deployment["deploymentId"],
                    "lastDeploymentStatusMessage": f"Successfully deployed stage with deployment ID "
                                                   f"'{deployment['deploymentId']}'"}


def _deployment_target(api, stage_name: Any):
    """The stage a CreateDeployment names; a stage with autoDeploy takes no manual deployment."""
    stage = _stage(api, stage_name)
    if stage.auto_deploy:
        raise bad_request(f"Stage {stage_name} has autoDeploy enabled: API Gateway deploys it on every "
                          f"change, and it accepts no manual deployment.")
    return stage


def _new_deployment(call: Call, api_id: str, description: str, automatic: bool = False) -> dict[str, Any]:
    deployments = _deployments(call, api_id)
    deployment_id = _new_id(deployments)
    deployment = {"deploymentId": deployment_id, "deploymentStatus": "DEPLOYED", "autoDeployed": automatic,
                  "createdDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if description:
        deployment["description"] = description
    deployments[deployment_id] = deployment
    return deployment


def _new_id(taken: dict) -> str:
    """A deployment id like API Gateway's (six lowercase letters and digits), unused in `taken`."""
    alphabet = string.ascii_lowercase + string.digits
    candidate = ""
    while not candidate or candidate in taken:
        candidate = "".join(secrets.choice(alphabet) for _ in range(6))
    return candidate


def _get_deployments(call: Call, api_id: str) -> Reply:
    window = _window(call)
    _api(call, api_id)
    with STATE.lock:
        items = list(_deployments(call, api_id).values())
    return Reply.json(_page(items, *window))


def _get_deployment(call: Call, api_id: str, deployment_id: str) -> Reply:
    api = _api(call, api_id)
    with STATE.lock:
        return Reply.json(_deployment(call, api, deployment_id))


def _delete_deployment(call: Call, api_id: str, deployment_id: str) -> Reply:
    """DeleteDeployment, refused while a stage still serves the deployment."""
    api = _api(call, api_id)
    with STATE.lock:
        _deployment(call, api, deployment_id)
        if any(stage.config.get("deploymentId") == deployment_id for stage in api.stages.values()):
            raise bad_request("Active stages pointing to this deployment must be moved or deleted")
        del _deployments(call, api_id)[deployment_id]
    return Reply(204)


def _deployments(call: Call, api_id: str) -> dict[str, dict]:
    """The API's deployments by id, oldest first."""
    return STATE.v2_deployments.setdefault((call.account, call.region, api_id), {})


def _deployment(call: Call, api, deployment_id: Any) -> dict[str, Any]:
    found = _deployments(call, api.api_id).get(deployment_id) if isinstance(deployment_id, str) else None
    if found is None:
        raise not_found("Invalid Deployment identifier specified")
    return found


# --- lookups ---------------------------------------------------------------------------------


def _api(call: Call, api_id: str):
    """moto's Api, or the NotFoundException moto itself gives for an unknown id."""
    api = call.backend("apigatewayv2").apis.get(api_id)
    if api is None:
        raise not_found(f"Invalid API identifier specified {api_id}")
    return api


def _stage(api, stage_name: Any):
    stage = api.stages.get(stage_name) if isinstance(stage_name, str) else None
    if stage is None:
        raise not_found("Invalid stage identifier specified")
    return stage


def _body(call: Call) -> dict:
    try:
        request = call.json()
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(request, dict):
        raise bad_request("The request body must be a JSON object.")
    return request
