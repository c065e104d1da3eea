"""Access logging as a plan: turn it on (or point it elsewhere, or change its format).

Without access logs there is nothing to tail, no live chart and no canary comparison, so the log
view offers this plan when a stage has none. It proposes a log group named after the stage and the
console's recommended JSON format (every field the view parses). REST patches
`/accessLogSettings/destinationArn` and `/format` and is undone with `remove /accessLogSettings`;
v2 sends AccessLogSettings and is undone with DeleteAccessLogSettings.
"""

from __future__ import annotations

import re
from typing import Any

from actions.plan import Call, Change, Invalid, Plan
from actions.stage_doc import StageDoc
from console.logs.access_log import VARIABLE, recommended_format
from console.logs.sources import group_arn
from console.model import Api

MAX_FORMAT = 3 * 1024


def default_group(doc: StageDoc) -> str:
    """`/aws/apigateway/<api name>/<stage>/access`, with characters log group names refuse replaced."""
    name = re.sub(r"[^A-Za-z0-9_\-/.#]", "-", doc.api.name) or doc.api.id
    return f"/aws/apigateway/{name}/{doc.target.stage}/access"


def current(doc: StageDoc) -> tuple[str | None, str | None]:
    """(destination ARN, format) as the stage holds them now."""
    settings = doc.raw.get("accessLogSettings" if doc.rest else "AccessLogSettings") or {}
    if doc.rest:
        return settings.get("destinationArn"), settings.get("format")
    return settings.get("DestinationArn"), settings.get("Format")


def enable(doc: StageDoc, *, group: str | None = None, log_format: str | None = None, partition: str = "aws",
           group_exists: bool | None = None) -> Plan:
    """The plan that sends the stage's access logs to `group` (default: one named after the stage) in
    `log_format` (default: the recommended JSON). `group_exists` False adds a warning to create it."""
    target = doc.target
    group = group or default_group(doc)
    if not re.fullmatch(r"[A-Za-z0-9_\-/.#]{1,512}", group):
        raise Invalid("log group", "is 1-512 letters, digits and _ - / . #", group)
    log_format = log_format or recommended_format(http=not doc.rest)
    _check_format(log_format)
    arn = group_arn(group, target.region, target.account, partition)
    before_arn, before_format = current(doc)
    changes = tuple(c for c in (Change("access-log destination", before_arn, arn),
                                Change("access-log format", before_format, log_format)) if c.before != c.after)
    if not changes:
        raise Invalid("access logging", f"already goes to {group} in that format; nothing to change")
    warnings = []
    if group_exists is False:
        warnings.append(f"The log group {group} does not exist yet: create it first "
                        f"(aws logs create-log-group --log-group-name {group}) so the lines have somewhere to go.")
    if doc.rest:
        warnings.append("REST APIs write access logs only once the account's API Gateway settings name a "
                        "CloudWatch Logs role (cloudWatchRoleArn); set it once per region if it is not set.")
    verb = "Turn on" if before_arn is None else "Change"
    field = "accessLogSettings" if doc.rest else "AccessLogSettings"
    keys = ("destinationArn", "format") if doc.rest else ("DestinationArn", "Format")
    return Plan(
        kind="access-logging",
        summary=f"{verb} access logging: to {group} as {_describe(log_format)}",
        target=target,
        call=_call(doc, arn, log_format),
        changes=changes,
        precondition=(((field, keys[0]), before_arn), ((field, keys[1]), before_format)),
        postcondition=(((field, keys[0]), arn), ((field, keys[1]), log_format)),
        inverse_call=_call(doc, before_arn, before_format),
        warnings=tuple(warnings),
        protected=doc.protected,
    )


def _call(doc: StageDoc, arn: str | None, log_format: str | None) -> Call:
    """Set the destination and format; None for both turns access logging off."""
    target = doc.target
    if doc.rest:
        ops = ([{"op": "remove", "path": "/accessLogSettings"}] if arn is None else
               [{"op": "replace", "path": "/accessLogSettings/destinationArn", "value": arn},
                {"op": "replace", "path": "/accessLogSettings/format", "value": log_format}])
        return Call("apigateway", "UpdateStage",
                    {"restApiId": target.api_id, "stageName": target.stage, "patchOperations": ops})
    if arn is None:
        return Call("apigatewayv2", "DeleteAccessLogSettings", {"ApiId": target.api_id, "StageName": target.stage})
    return Call("apigatewayv2", "UpdateStage", {"ApiId": target.api_id, "StageName": target.stage,
                                                "AccessLogSettings": {"DestinationArn": arn, "Format": log_format}})


def _check_format(log_format: str) -> None:
    if "\n" in log_format or not 0 < len(log_format) <= MAX_FORMAT:
        raise Invalid("format", f"is one line of at most {MAX_FORMAT} characters", len(log_format))
    variables = set(VARIABLE.findall(log_format))
    if not variables & {"requestId", "extendedRequestId"}:
        raise Invalid("format", "must include $context.requestId or $context.extendedRequestId (AWS requires it)")


def _describe(log_format: str) -> str:
    if log_format in (recommended_format(http=False), recommended_format(http=True)):
        return "the recommended JSON format"
    return f"a format of {len(set(VARIABLE.findall(log_format)))} $context variables"


def plan_enable(engine: Any, api: Api, stage: str, *, group: str | None = None,
                log_format: str | None = None) -> Plan:
    """Read what `enable` needs (the stage, whether the group exists, the partition), then plan it."""
    doc = engine.document(api, stage)
    group = group or default_group(doc)
    existing = engine.connection.client("logs").describe_log_groups(logGroupNamePrefix=group).get("logGroups", [])
    identity = engine.connection.identity or engine.connection.identify()
    return enable(doc, group=group, log_format=log_format, partition=identity.partition,
                  group_exists=any(g["logGroupName"] == group for g in existing))
