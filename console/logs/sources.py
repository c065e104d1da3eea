"""Where a stage's logs are: its access-log group, the canary's group, the execution-log group.

API Gateway writes access logs to the `accessLogSettings.destinationArn` of the stage — a
CloudWatch Logs group or a Kinesis Data Firehose stream — and a REST canary's requests also to
`<group>/Canary`. Execution logs (REST only) go to `API-Gateway-Execution-Logs_<api id>/<stage>`.
Everything here is worked out from the stage itself; no call is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.model import Stage


@dataclass(frozen=True)
class LogGroup:
    """A CloudWatch Logs group, by name and by ARN (StartLiveTail takes ARNs only)."""

    name: str
    arn: str


@dataclass(frozen=True)
class LogSources:
    stage: Stage
    access: LogGroup | None  # None: no access logging, or a Firehose destination
    canary: LogGroup | None  # the canary's copy of the access log (REST stages with a canary)
    execution: LogGroup | None  # REST execution logs (written only when the stage's logging level is set)
    firehose: str | None  # the Firehose stream ARN, when that is the destination
    format: str  # the stage's access-log format ("" when none)

    @property
    def problem(self) -> str | None:
        """Why there is nothing to tail, in plain words (None: there is)."""
        if self.firehose:
            return (f"This stage sends its access logs to Kinesis Data Firehose ({self.firehose.rsplit('/', 1)[-1]}), "
                    "not to CloudWatch Logs, so the console cannot tail them; read them where the stream "
                    "delivers (S3, OpenSearch, ...), or point access logging at a log group.")
        if self.access is None:
            return ("This stage has no access logging, so there is nothing to tail. Turn it on (the console "
                    "proposes a log group and a JSON format with every field the log view uses).")
        if not self.format:
            return "This stage's access logging has no format, so API Gateway writes no lines."
        return None


def stage_sources(connection: Any, stage: Stage) -> LogSources:
    """The stage's log groups, named in the connection's account, region and partition (the one way to ask)."""
    identity = connection.identity or connection.identify()
    return sources(stage, connection.region, identity.account, identity.partition)


def sources(stage: Stage, region: str, account: str, partition: str = "aws") -> LogSources:
    """The stage's log groups; `account` and `region` name the execution-log group's ARN."""
    log = stage.access_log
    access = canary = None
    firehose = None
    if log and log.is_firehose:
        firehose = log.destination_arn
    elif log and log.log_group:
        arn = log.destination_arn.removesuffix(":*")
        access = LogGroup(log.log_group, arn)
        if stage.canary is not None:
            canary = LogGroup(f"{log.log_group}/Canary", f"{arn}/Canary")
    execution = None
    if not stage.protocol.is_v2:
        name = f"API-Gateway-Execution-Logs_{stage.api_id}/{stage.name}"
        execution = LogGroup(name, group_arn(name, region, account, partition))
    return LogSources(stage, access, canary, execution, firehose, log.format if log else "")


def group_arn(name: str, region: str, account: str, partition: str = "aws") -> str:
    return f"arn:{partition}:logs:{region}:{account}:log-group:{name}"
