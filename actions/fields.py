"""A field of a target's document, named in words: what a refusal says when a field has moved on.

Plans address fields by paths into the document exactly as AWS returns it ("methodSettings",
"~1items/GET", "throttlingBurstLimit"); an operator reads "method GET /items burst".
"""

from __future__ import annotations

from actions.plan import Path
from console.read.normalise import REST_DEFAULT_KEY, method_key

_WORDS = {
    "throttlingRateLimit": "rate", "ThrottlingRateLimit": "rate", "rateLimit": "rate",
    "throttlingBurstLimit": "burst", "ThrottlingBurstLimit": "burst", "burstLimit": "burst",
    "cachingEnabled": "caching", "cacheTtlInSeconds": "TTL (s)", "cacheDataEncrypted": "cache encryption",
    "metricsEnabled": "metrics", "DetailedMetricsEnabled": "detailed metrics", "loggingLevel": "logging level",
    "LoggingLevel": "logging level", "dataTraceEnabled": "data trace", "DataTraceEnabled": "data trace",
    "cacheClusterEnabled": "cache cluster", "cacheClusterSize": "cache size (GB)", "deploymentId": "deployment",
    "percentTraffic": "weight (% of requests)", "useStageCache": "uses the stage cache",
    "stageVariableOverrides": "overrides", "destinationArn": "destination", "DestinationArn": "destination",
    "format": "format", "Format": "format", "limit": "limit", "period": "period", "offset": "offset (days)",
}


def name(path: Path) -> str:
    """The field at `path`, in words ("stage default burst", "variable logLevel", "canary weight ...")."""
    head, rest = (path[0], tuple(path[1:])) if path else ("", ())
    if head == "methodSettings" and rest:
        scope = "stage default" if rest[0] == REST_DEFAULT_KEY else f"method {method_key(rest[0])[0]}"
        return _joined(scope, rest[1:])
    if head == "DefaultRouteSettings":
        return _joined("stage default", rest)
    if head == "RouteSettings" and rest:
        return _joined(f"route {rest[0]}", rest[1:])
    if head in ("variables", "StageVariables") and rest:
        return f"variable {rest[0]}"
    if head == "canarySettings":
        if rest[:1] == ("stageVariableOverrides",) and len(rest) > 1:
            return f"canary override {rest[1]}"
        return _joined("canary", rest)
    if head in ("deploymentId", "DeploymentId"):
        return "stage deployment"
    if head in ("accessLogSettings", "AccessLogSettings"):
        return _joined("access-log", rest) if rest else "access logging"
    if head == "apiStages" and rest:
        return _joined(f"API stage {rest[0]}", rest[1:])
    if head == "usagePlans" and rest:
        return f"usage plan {rest[0]}"
    return _joined(_WORDS.get(head, head), rest)


def _joined(scope: str, rest: tuple[str, ...]) -> str:
    return " ".join([scope, *(_WORDS.get(step, step) for step in rest)]).strip()
