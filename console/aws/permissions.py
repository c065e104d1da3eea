"""What the console asks of AWS, as checks (`doctor`) and as least-privilege IAM policies.

Every check is a read with the smallest answer AWS gives (one item, one datapoint); none changes
anything. A check whose answer is "not found" proves the permission as well as a success does: AWS
decides whether a caller may ask before it looks for the thing asked about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

from console.aws.errors import explain

PROBE_GROUP = "/aws/apigateway/apigw-console-doctor-probe"  # a log group nobody has: the answer is "not found"


@dataclass(frozen=True)
class Check:
    service: str  # the client's name
    operation: str
    what: str  # what the console uses it for, in words
    call: Callable[[Any], Any]


def _metric_probe(client: Any) -> Any:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    return client.get_metric_data(StartTime=end - timedelta(minutes=5), EndTime=end, MetricDataQueries=[{
        "Id": "probe", "MetricStat": {"Metric": {"Namespace": "AWS/ApiGateway", "MetricName": "Count"},
                                      "Period": 300, "Stat": "Sum"}}])


CHECKS: tuple[Check, ...] = (
    Check("sts", "GetCallerIdentity", "who you are (the header)", lambda c: c.get_caller_identity()),
    Check("apigateway", "GetRestApis", "REST APIs", lambda c: c.get_rest_apis(limit=1)),
    Check("apigateway", "GetAccount", "the account's throttle limits", lambda c: c.get_account()),
    Check("apigateway", "GetUsagePlans", "usage plans", lambda c: c.get_usage_plans(limit=1)),
    Check("apigateway", "GetApiKeys", "API keys (values only when asked)", lambda c: c.get_api_keys(limit=1)),
    Check("apigatewayv2", "GetApis", "HTTP and WebSocket APIs", lambda c: c.get_apis(MaxResults="1")),
    Check("cloudwatch", "GetMetricData", "metrics, the pulse", _metric_probe),
    Check("cloudwatch", "ListMetrics", "which metrics a stage publishes (canary)",
          lambda c: c.list_metrics(Namespace="AWS/ApiGateway", MetricName="Count")),
    Check("cloudwatch", "DescribeAlarms", "alarm states in the pulse", lambda c: c.describe_alarms(MaxRecords=1)),
    Check("logs", "DescribeLogGroups", "access-log groups", lambda c: c.describe_log_groups(limit=1)),
    Check("logs", "FilterLogEvents", "log history, polling, the canary comparison",
          lambda c: c.filter_log_events(logGroupName=PROBE_GROUP, limit=1)),
    Check("logs", "DescribeLogStreams", "the streams a long log history is read from",
          lambda c: c.describe_log_streams(logGroupName=PROBE_GROUP, limit=1)),
    Check("logs", "GetLogEvents", "a long log history at 25 calls a second (else FilterLogEvents' 5)",
          lambda c: c.get_log_events(logGroupName=PROBE_GROUP, logStreamName="probe", limit=1)),
    Check("logs", "StartQuery", "Logs Insights queries (with GetQueryResults and StopQuery)",
          lambda c: c.start_query(logGroupName=PROBE_GROUP, startTime=0, endTime=60,
                                  queryString="fields @timestamp | limit 1")),
)


@dataclass(frozen=True)
class Outcome:
    check: Check
    allowed: bool
    detail: str  # "ok", "ok (not found: allowed)", or the refusal in words
    kind: str = "ok"  # ok | denied | unavailable | error


def run(connection: Any, checks: tuple[Check, ...] = CHECKS) -> list[Outcome]:
    outcomes = []
    for check in checks:
        try:
            check.call(connection.client(check.service))
            outcomes.append(Outcome(check, True, "ok"))
        except Exception as exc:
            problem = explain(exc)
            if problem.kind == "not-found":
                outcomes.append(Outcome(check, True, "ok (asked about nothing that exists: the ask was allowed)"))
            else:
                outcomes.append(Outcome(check, False, problem.message, problem.kind))
    return outcomes


def _apigateway(method: str, *paths: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": f"apigateway:{method}",
            "Resource": [f"arn:aws:apigateway:*::{path}" for path in paths]}


READ_ONLY_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Identity", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
        {"Sid": "ApiGatewayRead", **_apigateway(
            "GET", "/restapis", "/restapis/*", "/apis", "/apis/*", "/account", "/usageplans", "/usageplans/*",
            "/apikeys", "/apikeys/*", "/domainnames", "/domainnames/*")},
        {"Sid": "MetricsRead", "Effect": "Allow",
         "Action": ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "cloudwatch:DescribeAlarms"],
         "Resource": "*"},
        {"Sid": "LogsRead", "Effect": "Allow",
         "Action": ["logs:DescribeLogGroups", "logs:FilterLogEvents", "logs:StartLiveTail", "logs:DescribeLogStreams",
                    "logs:GetLogEvents", "logs:StartQuery", "logs:GetQueryResults", "logs:StopQuery"],
         "Resource": "*"},
    ],
}

CHANGES_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "StagesAndCanaries", **_apigateway("PATCH", "/restapis/*/stages/*", "/apis/*/stages/*")},
        {"Sid": "Deployments", **_apigateway("POST", "/restapis/*/deployments", "/apis/*/deployments")},
        {"Sid": "CacheFlushes", **_apigateway("DELETE", "/restapis/*/stages/*/cache/data",
                                              "/restapis/*/stages/*/cache/authorizers",
                                              "/apis/*/stages/*/cache/authorizers")},
        {"Sid": "PlansAndKeysCreate", **_apigateway("POST", "/usageplans", "/usageplans/*/keys", "/apikeys")},
        {"Sid": "PlansAndKeysChange", **_apigateway("PATCH", "/usageplans/*", "/usageplans/*/keys/*", "/apikeys/*")},
        {"Sid": "PlansAndKeysDelete", **_apigateway("DELETE", "/usageplans/*", "/usageplans/*/keys/*", "/apikeys/*")},
        # Not a change, but it runs the authorizer's Lambda: `authorizers test` (TestInvokeAuthorizer).
        {"Sid": "AuthorizerTests", **_apigateway("POST", "/restapis/*/authorizers/*")},
    ],
}

