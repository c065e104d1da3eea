"""The seeded history ends where the live traffic begins: at the start, not at the minute before it."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from console.sandbox.estate_types import Traffic
from console.sandbox.history import _metric_datums, access_log_group, load

BUSY = Traffic(600, 0.02, 0.001, 30)  # ten requests a second


def requests_by_minute(now_ms: int) -> dict[float, float]:
    datums = _metric_datums(random.Random(7), BUSY, {"Count": "requests"}, {"ApiName": "a", "Stage": "prod"}, now_ms)
    return {d["Timestamp"]: sum(d["Counts"]) for d in datums}


def test_the_minute_the_sandbox_starts_in_holds_the_seconds_before_the_start():
    minute = 1_800_000_000 // 60 * 60
    counted = requests_by_minute((minute + 45) * 1000)
    expected = BUSY.per_minute * load(1.0) * 0.75  # 45 s of the running minute, at the window's end load
    assert abs(counted[float(minute)] - expected) < 5 * expected ** 0.5  # Poisson: five standard deviations
    assert float(minute + 60) not in counted and float(minute - 60) in counted


def test_a_start_on_the_minute_has_no_running_minute():
    minute = 1_800_000_000 // 60 * 60
    counted = requests_by_minute(minute * 1000)
    assert max(counted) == float(minute - 60) and len(counted) == 180


# --- The seeded history's logs and metrics tell the same requests (issue #16, item 3) ---------------


@pytest.mark.parametrize("api_name", ["orders-api", "catalog-api"])
def test_each_request_of_the_recent_hour_has_its_log_line_and_older_minutes_have_none(aws, api_name):
    """A minute of the recent hour: as many access-log lines as CloudWatch's Count, with as many 4xx and
    5xx; a minute of the two hours before: metrics only, no lines standing for other requests."""
    logs, cloudwatch = aws("logs"), aws("cloudwatch")
    now = time.time() // 60 * 60

    def lines(minute: float) -> list[dict]:
        pages = logs.get_paginator("filter_log_events").paginate(
            logGroupName=access_log_group(api_name, "prod"), startTime=int(minute * 1000),
            endTime=int(minute * 1000) + 59_999)
        return [json.loads(event["message"]) for page in pages for event in page["events"]]

    def total(metric: str, minute: float) -> float:
        result = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {
            "Namespace": "AWS/ApiGateway", "MetricName": metric,
            "Dimensions": [{"Name": "ApiName", "Value": api_name}, {"Name": "Stage", "Value": "prod"}]},
            "Period": 60, "Stat": "Sum"}}], StartTime=datetime.fromtimestamp(minute, UTC),
            EndTime=datetime.fromtimestamp(minute + 60, UTC))
        return sum(result["MetricDataResults"][0]["Values"])

    recent = now - 30 * 60
    logged = lines(recent)
    assert len(logged) == total("Count", recent) > 0
    assert sum(line["status"].startswith("4") for line in logged) == total("4XXError", recent)
    assert sum(line["status"].startswith("5") for line in logged) == total("5XXError", recent)
    older = now - 90 * 60
    assert lines(older) == [] and total("Count", older) > 0


def test_get_usage_counts_the_historys_requests_of_each_key(aws):
    """GetUsage for today: each key of the seeded plan on orders-api prod has used at least the
    requests its access-log lines of today show (older minutes of the history add to them)."""
    apigw, logs = aws("apigateway"), aws("logs")
    api_id = next(api["id"] for api in apigw.get_rest_apis()["items"] if api["name"] == "orders-api")
    plan = next(plan for plan in apigw.get_usage_plans()["items"]
                if any(s["apiId"] == api_id and s["stage"] == "prod" for s in plan.get("apiStages", [])))
    today = datetime.now(UTC).date()
    midnight = datetime(today.year, today.month, today.day, tzinfo=UTC).timestamp()
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=access_log_group("orders-api", "prod"), startTime=int(midnight * 1000))
    lines = Counter(json.loads(event["message"]).get("apiKeyId") for page in pages for event in page["events"])
    used = apigw.get_usage(usagePlanId=plan["id"], startDate=today.isoformat(), endDate=today.isoformat())["items"]
    assert used and all(days[0][0] >= lines[key_id] for key_id, days in used.items())
    assert sum(days[0][0] for days in used.values()) >= sum(n for key, n in lines.items() if key in used) > 0
