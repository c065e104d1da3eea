"""A rehearsal starts mid-incident: `apigw-console sandbox --scenario NAME` begins the incident ONSET
minutes before the start, and CloudWatch, the access logs, usage and the alarms hold its minutes from
the first answer on.

Each scenario runs in a real sandbox process of its own, read over HTTP right after it announces
itself. The minutes compared are the last five that were complete when the sandbox started: all
replayed from the onset, so every request in them is both a log line and a metric, and the live
traffic (which writes the running minute's metrics only once it is over) cannot be caught halfway.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from console.cli import main
from console.sandbox.estate import API_KEYS, EU_REGION, STOREFRONT_HTTP
from console.sandbox.fidelity.cloudwatch_alarms import EVALUATION_DELAY
from console.sandbox.process import ChildSandbox, spawn
from console.sandbox.scenarios import ONSET_MINUTES

GATEWAY = "AWS/ApiGateway"


@dataclass
class Rehearsal:
    child: ChildSandbox
    spawned: float  # epoch seconds, before the process was started
    announced: float  # ... and when it answered with its URL

    @property
    def minutes(self) -> tuple[float, float]:
        """The last five minutes that were complete when the sandbox started: [start, end)."""
        end = self.announced // 60 * 60
        return end - 300, end

    def onsets(self) -> tuple[float, float]:
        """The earliest and the latest the onset can be: ONSET_MINUTES before the start, on the minute."""
        return tuple((t - ONSET_MINUTES * 60) // 60 * 60 for t in (self.spawned, self.announced))


@contextmanager
def rehearsing(scenario: str, *extra: str) -> Iterator[Rehearsal]:
    """`apigw-console sandbox --scenario NAME` in a process of its own, until the block ends."""
    spawned = time.time()
    child = spawn("--scenario", scenario, *extra)
    try:
        yield Rehearsal(child, spawned, time.time())
    finally:
        child.close()


def client(rehearsal: Rehearsal, aws_client_for, service: str, region: str = "us-east-1"):
    return aws_client_for(rehearsal.child.url, service, region)


def per_minute(cloudwatch, metric: str, dimensions: dict[str, str], start: float, end: float,
               stat: str = "Sum") -> dict[float, float]:
    """{minute: value} of an AWS/ApiGateway metric over [start, end)."""
    answer = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "m", "MetricStat": {
        "Metric": {"Namespace": GATEWAY, "MetricName": metric,
                   "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]},
        "Period": 60, "Stat": stat}}], StartTime=start, EndTime=end)["MetricDataResults"][0]
    return {stamp.timestamp(): value for stamp, value in zip(answer["Timestamps"], answer["Values"], strict=True)}


def log_lines(logs, group: str, start: float, end: float) -> list[tuple[float, dict]]:
    """(minute, line) of every access-log line of `group` in [start, end)."""
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, startTime=int(start * 1000), endTime=int(end * 1000) - 1)
    return [(event["timestamp"] // 60_000 * 60.0, json.loads(event["message"]))
            for page in pages for event in page["events"]]


def agreement(cloudwatch, logs, api: str, start: float, end: float) -> tuple[dict, dict]:
    """Count, 4XXError and 5XXError per minute from CloudWatch, beside the same counts from the stage's
    access log: (metrics, counted), each {name: {minute: count}}."""
    dims = {"ApiName": api, "Stage": "prod"}
    metrics = {name: per_minute(cloudwatch, name, dims, start, end) for name in ("Count", "4XXError", "5XXError")}
    lines = log_lines(logs, f"/aws/apigateway/{api}/prod/access", start, end)
    counted = {"Count": Counter(minute for minute, _ in lines),
               "4XXError": Counter(minute for minute, line in lines if line["status"].startswith("4")),
               "5XXError": Counter(minute for minute, line in lines if line["status"].startswith("5"))}
    return metrics, counted


def assert_logs_agree_with_metrics(metrics: dict, counted: dict, start: float, end: float) -> None:
    """Every request of the minutes is one log line and counted once in the metrics: equal, minute by minute."""
    minutes = [start + 60 * k for k in range(int((end - start) // 60))]
    assert sorted(metrics["Count"]) == minutes  # a datapoint for each of the five minutes
    for name in ("Count", "4XXError", "5XXError"):
        assert {m: int(metrics[name].get(m, 0)) for m in minutes} == {m: counted[name][m] for m in minutes}, name


def test_a_throttle_storm_is_in_cloudwatch_the_access_log_and_its_alarm_from_the_start(sandbox, aws_client_for):
    """(`sandbox`: the session's sandbox has built the estate snapshot the process restores.)"""
    with rehearsing("throttle-storm") as storm:
        start, end = storm.minutes
        cloudwatch, logs = client(storm, aws_client_for, "cloudwatch"), client(storm, aws_client_for, "logs")
        metrics, counted = agreement(cloudwatch, logs, "orders-api", start, end)
        share_4xx = sum(metrics["4XXError"].values()) / sum(metrics["Count"].values())
        assert share_4xx > 0.3  # about half: the throttle sheds what the storm sends beyond 20 req/s
        assert_logs_agree_with_metrics(metrics, counted, start, end)

        # The history ends at the onset; the storm's minutes run from it, ONSET_MINUTES before the start.
        counts = per_minute(cloudwatch, "Count", {"ApiName": "orders-api", "Stage": "prod"}, end - 900, end)
        stormy = sorted(minute for minute, count in counts.items() if count > 1000)  # ~3,600; usually ~170
        onset = stormy[0]
        assert stormy == [onset + 60 * k for k in range(len(stormy))]  # every minute since, without a gap
        assert storm.onsets()[0] <= onset <= storm.onsets()[1]
        assert counts[onset - 60] < 400  # the minute before: the history's afternoon

        # orders-api-prod-4xx went to ALARM as the storm's second minute ended (2 of 5); the rest are OK.
        assert_alarm_from(cloudwatch, "orders-api-prod-4xx", onset + 120, onset + 120)


def test_a_bad_canary_is_in_cloudwatch_the_access_logs_usage_and_its_alarm_from_the_start(sandbox, aws_client_for):
    with rehearsing("bad-canary") as canary:
        start, end = canary.minutes
        cloudwatch, logs = client(canary, aws_client_for, "cloudwatch"), client(canary, aws_client_for, "logs")
        apigwv2 = client(canary, aws_client_for, "apigatewayv2")
        storefront = next(a["ApiId"] for a in apigwv2.get_apis()["Items"] if a["Name"] == STOREFRONT_HTTP.name)

        def share_5xx(dims: dict[str, str], errors: str = "5XXError", where=cloudwatch) -> float:
            return (sum(per_minute(where, errors, dims, start, end).values())
                    / sum(per_minute(where, "Count", dims, start, end).values()))

        others = [share_5xx({"ApiName": api, "Stage": "prod"}) for api in ("orders-api", "catalog-api")]
        others.append(share_5xx({"ApiId": storefront, "Stage": "prod"}, "5xx"))
        others.append(share_5xx({"ApiName": "orders-api-eu", "Stage": "prod"},
                                where=client(canary, aws_client_for, "cloudwatch", EU_REGION)))
        payments = share_5xx({"ApiName": "payments-api", "Stage": "prod"})
        assert payments > 0.06 and payments > 3 * max(others), (payments, others)

        metrics, counted = agreement(cloudwatch, logs, "payments-api", start, end)
        assert_logs_agree_with_metrics(metrics, counted, start, end)
        # The canary's own log group has the requests routed to it: a fifth of them, mostly failing.
        routed = log_lines(logs, "/aws/apigateway/payments-api/prod/access/Canary", start, end)
        assert 0.1 < len(routed) / sum(counted["Count"].values()) < 0.3
        assert sum(line["status"].startswith("5") for _, line in routed) / len(routed) > 0.4

        # GetUsage counts the replayed requests each key made, as it counts the live traffic's.
        apigw = client(canary, aws_client_for, "apigateway")
        key = next(k["id"] for k in apigw.get_api_keys()["items"] if k["name"] == API_KEYS[0].name)
        plan = next(p["id"] for p in apigw.get_usage_plans()["items"] if p["name"] == API_KEYS[0].plan)
        admitted = sum(line["apiKeyId"] == key and line["status"] not in ("403", "429")
                       for api in ("orders-api", "payments-api", "catalog-api")
                       for _, line in log_lines(logs, f"/aws/apigateway/{api}/prod/access", start, end))
        days = [datetime.fromtimestamp(t, UTC).date().isoformat() for t in (start - 86_400, end)]
        usage = apigw.get_usage(usagePlanId=plan, keyId=key, startDate=days[0], endDate=days[1])
        assert admitted > 20 and sum(day[0] for day in usage["items"].get(key, [])) >= admitted

        # payments-api-prod-5xx went to ALARM within a few minutes of the onset (2 of 5 minutes over
        # 5 errors, at ~10 a minute); the rest are OK.
        earliest, latest = canary.onsets()
        assert_alarm_from(cloudwatch, "payments-api-prod-5xx", earliest + 120, latest + 300)


def assert_alarm_from(cloudwatch, alarm: str, earliest: float, latest: float) -> None:
    """`alarm` is in ALARM since an evaluation between `earliest` and `latest` (period ends), its one
    change since the history began; every other alarm is OK."""
    states = {a["AlarmName"]: a["StateValue"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert states.pop(alarm) == "ALARM"
    assert set(states.values()) == {"OK"}, states
    changes = cloudwatch.describe_alarm_history(AlarmName=alarm, HistoryItemType="StateUpdate",
                                                ScanBy="TimestampAscending")["AlarmHistoryItems"]
    assert [c["HistorySummary"] for c in changes] == ["Alarm updated from INSUFFICIENT_DATA to OK",
                                                      "Alarm updated from OK to ALARM"]
    assert earliest + EVALUATION_DELAY <= changes[-1]["Timestamp"].timestamp() <= latest + EVALUATION_DELAY


def test_onset_zero_begins_the_incident_at_the_start(sandbox, aws_client_for):
    """--onset 0: the history runs up to the start, as without a scenario; the storm is only beginning."""
    with rehearsing("throttle-storm", "--onset", "0") as storm:
        cloudwatch = client(storm, aws_client_for, "cloudwatch")
        end = storm.spawned // 60 * 60
        counts = per_minute(cloudwatch, "Count", {"ApiName": "orders-api", "Stage": "prod"}, end - 600, end)
        assert counts and max(counts.values()) < 400
        alarm = cloudwatch.describe_alarms(AlarmNames=["orders-api-prod-4xx"])["MetricAlarms"][0]
        assert alarm["StateValue"] == "OK"


@pytest.mark.parametrize("argv, complaint", [
    (["--scenario", "throttle-storm", "--onset", "61"], "--onset is minutes before the start, from 0 to 60"),
    (["--scenario", "throttle-storm", "--onset", "-1"], "--onset is minutes before the start, from 0 to 60"),
    (["--onset", "5"], "--onset dates a scenario's incident; name one with --scenario"),
])
def test_onset_is_checked_before_anything_starts(argv, complaint, capsys):
    assert main(["sandbox", "--port", "0", *argv]) == 2
    assert complaint in capsys.readouterr().err


def test_a_minute_is_whole_from_the_onset():
    """The onset falls on a minute, at least ONSET_MINUTES before the start; 0 is the start itself."""
    from console.sandbox.scenarios import onset_time

    start = datetime(2026, 3, 4, 10, 17, 42, tzinfo=UTC).timestamp()
    assert onset_time(start, 6) == (datetime(2026, 3, 4, 10, 11, tzinfo=UTC)).timestamp()
    assert onset_time(start, 0) == start
    assert start - onset_time(start, 6) == pytest.approx(timedelta(minutes=6, seconds=42).total_seconds())
