"""CloudWatch metric alarms in the sandbox, held to the CloudWatch API reference and its documented
evaluation: seeded on the prod stages, evaluated each period against the published metrics, with
their state, reason and history.

Evaluations are made for each period once it has ended (and EVALUATION_DELAY more), stamped with
that time. Tests that need periods to end set the clock of their region's metric store ahead
rather than wait: an alarm created now, metrics published for the next minutes, the clock moved
past them. The rehearsal test plays an incident in the recent past instead, over a region seeded
for it, as the scenarios' own tests do.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from console.sandbox import ACCOUNT_ID, REGION
from console.sandbox.estate import (
    API_KEYS,
    ORDERS_API,
    PAYMENTS_API,
    STOREFRONT_HTTP,
    USAGE_PLANS,
    seed_region,
)
from console.sandbox.estate_types import RegionEstate
from console.sandbox.fidelity.cloudwatch import store_for
from console.sandbox.fidelity.cloudwatch_alarms import EVALUATION_DELAY
from console.sandbox.scenarios import begin
from console.sandbox.traffic.runner import Traffic, seeded_profiles

GATEWAY = "AWS/ApiGateway"
REHEARSAL = "ap-northeast-2"  # seeded here for the rehearsal test; no other test uses it


@pytest.fixture
def cloudwatch(aws, scratch_region):
    return aws("cloudwatch", scratch_region)


@pytest.fixture
def clock(scratch_region, monkeypatch):
    """clock(t): the scratch region's metric store (and so its alarms) takes `t` for now."""
    store = store_for(ACCOUNT_ID, scratch_region)

    def set_to(t: float) -> None:
        monkeypatch.setattr(store, "clock", lambda: t)

    return set_to


@pytest.fixture
def alarm(cloudwatch, unique):
    """alarm(**overrides) -> (name, namespace): a Sum alarm over one-minute periods, > 5 in 2 of 3."""
    def make(**overrides) -> tuple[str, str]:
        args = {"AlarmName": unique("alarm"), "Namespace": unique("Sandbox/Alarms"), "MetricName": "Errors",
                "Statistic": "Sum", "Dimensions": [{"Name": "Stage", "Value": "prod"}], "Period": 60,
                "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": 5.0,
                "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching", **overrides}
        cloudwatch.put_metric_alarm(**{key: value for key, value in args.items() if value is not None})
        return args["AlarmName"], args["Namespace"]

    return make


def publish(cloudwatch, namespace: str, first: float, values: list[float | None]) -> None:
    """One datum a minute from `first` (None: no datum that minute)."""
    data = [{"MetricName": "Errors", "Dimensions": [{"Name": "Stage", "Value": "prod"}],
             "Timestamp": first + 60 * k, "Value": value} for k, value in enumerate(values) if value is not None]
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)


def described(cloudwatch, name: str) -> dict:
    return cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def changes(cloudwatch, name: str) -> list[tuple[float, str]]:
    """(when, summary) of the alarm's state changes, oldest first."""
    items = cloudwatch.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate",
                                              ScanBy="TimestampAscending")["AlarmHistoryItems"]
    return [(item["Timestamp"].timestamp(), item["HistorySummary"]) for item in items]


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]


def _reason_time(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%d/%m/%y %H:%M:%S")


# --- The seeded alarms ------------------------------------------------------------------------------


def test_the_seed_alarms_each_prod_stage_with_api_gateway_metrics_and_dimensions(aws):
    """5xx and 4xx alarms on every prod stage with traffic, p99 latency where a minute has enough requests;
    REST metrics by ApiName and Stage, HTTP API metrics by ApiId and Stage; created through PutMetricAlarm,
    evaluated over the seeded history (OK: it holds no incident)."""
    cloudwatch = aws("cloudwatch", REGION)
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    storefront = next(a["ApiId"] for a in aws("apigatewayv2", REGION).get_apis()["Items"]
                      if a["Name"] == STOREFRONT_HTTP.name)
    expected = {f"{api}-prod-{kind}" for api in ("orders-api", "payments-api", "catalog-api", "storefront-http")
                for kind in ("5xx", "4xx")} | {f"{api}-prod-p99-latency" for api in ("orders-api", "catalog-api",
                                                                                    "storefront-http")}
    assert set(alarms) == expected
    five = alarms["orders-api-prod-5xx"]
    assert (five["Namespace"], five["MetricName"], five["Statistic"], five["Period"], five["EvaluationPeriods"],
            five["DatapointsToAlarm"], five["ComparisonOperator"]) == (
        GATEWAY, "5XXError", "Sum", 60, 5, 2, "GreaterThanThreshold")
    assert {(d["Name"], d["Value"]) for d in five["Dimensions"]} == {("ApiName", "orders-api"), ("Stage", "prod")}
    http = alarms["storefront-http-prod-4xx"]
    assert http["MetricName"] == "4xx" and http["Statistic"] == "Average"
    assert {(d["Name"], d["Value"]) for d in http["Dimensions"]} == {("ApiId", storefront), ("Stage", "prod")}
    assert alarms["catalog-api-prod-p99-latency"]["ExtendedStatistic"] == "p99"
    for name, found in alarms.items():
        assert not found["StateReason"].startswith("Unchecked"), name  # evaluated over the history
        if "latency" not in name:  # latency alarms go INSUFFICIENT_DATA once the history's minutes are behind
            assert found["StateValue"] == "OK", name
    assert [summary for _, summary in changes(cloudwatch, "payments-api-prod-5xx")] == [
        "Alarm updated from INSUFFICIENT_DATA to OK"]
    eu = aws("cloudwatch", "eu-west-1").describe_alarms(AlarmNamePrefix="orders-api-eu-prod-")["MetricAlarms"]
    assert [a["AlarmName"] for a in eu] == ["orders-api-eu-prod-4xx", "orders-api-eu-prod-5xx"]


# --- PutMetricAlarm and the alarm's life ------------------------------------------------------------


def test_a_new_alarm_is_insufficient_data_until_evaluated_and_its_creation_is_in_its_history(cloudwatch, alarm):
    name, _ = alarm()
    found = described(cloudwatch, name)
    assert (found["StateValue"], found["StateReason"]) == ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
    assert found["AlarmArn"].endswith(f":alarm:{name}")
    history = cloudwatch.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
    assert [(h["HistoryItemType"], h["HistorySummary"]) for h in history] == [
        ("ConfigurationUpdate", f'Alarm "{name}" created')]
    assert json.loads(history[0]["HistoryData"])["createdAlarm"]["Threshold"] == 5.0


def test_datapoints_to_alarm_of_the_evaluation_periods_breaching_make_alarm_and_fewer_make_ok(
        cloudwatch, alarm, clock):
    """M of N: ALARM when at least DatapointsToAlarm of the last EvaluationPeriods datapoints breach, OK
    when fewer do; each change stamped when its period's evaluation ran, worded as CloudWatch words it."""
    name, namespace = alarm()
    first = time.time() // 60 * 60  # the first period the new alarm evaluates
    publish(cloudwatch, namespace, first, [1, 9, 1, 12, 1, 1, 1])
    clock(first + 7 * 60 + EVALUATION_DELAY)
    assert changes(cloudwatch, name) == [
        (first + 60 + EVALUATION_DELAY, "Alarm updated from INSUFFICIENT_DATA to OK"),
        (first + 240 + EVALUATION_DELAY, "Alarm updated from OK to ALARM"),  # 9 and 12 of [9, 1, 12]
        (first + 300 + EVALUATION_DELAY, "Alarm updated from ALARM to OK"),  # [1, 12, 1]: only one
    ]
    history = cloudwatch.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    went_off = json.loads(history[1]["HistoryData"])["newState"]
    assert went_off["stateReason"] == (
        f"Threshold Crossed: 2 out of the last 3 datapoints [12.0 ({_reason_time(first + 180)}), "
        f"9.0 ({_reason_time(first + 60)})] were greater than the threshold (5.0) "
        "(minimum 2 datapoints for OK -> ALARM transition).")
    assert [(p["value"], p["sampleCount"]) for p in went_off["stateReasonData"]["evaluatedDatapoints"]] == [
        (12.0, 1.0), (1.0, 1.0), (9.0, 1.0)]
    now = described(cloudwatch, name)
    assert now["StateValue"] == "OK" and now["StateReason"].startswith("Threshold Crossed: 2 out of the last 3 ")
    assert now["StateUpdatedTimestamp"].timestamp() == first + 300 + EVALUATION_DELAY
    assert "minimum 2 datapoints for ALARM -> OK transition" in now["StateReason"]


@pytest.mark.parametrize("treat, state, reason", [
    ("missing", "INSUFFICIENT_DATA", "Insufficient Data: 2 datapoints were unknown."),
    ("ignore", "ALARM", None),  # the state it had is kept
    ("breaching", "ALARM", None),
    ("notBreaching", "OK", ("Threshold Crossed: 1 out of the last 2 datapoints was not greater than the threshold "
                            "(5.0) (minimum 1 datapoint for ALARM -> OK transition) and 1 missing datapoint was "
                            "treated as [NonBreaching].")),  # when the second-last real datapoint left the range
])
def test_missing_data_is_treated_as_the_alarm_says(cloudwatch, alarm, clock, treat, state, reason):
    """Two breaching minutes, then none: while the evaluation range (the periods and a few before) still
    holds enough real datapoints they decide; once it holds none, TreatMissingData does."""
    name, namespace = alarm(EvaluationPeriods=2, DatapointsToAlarm=2, TreatMissingData=treat)
    first = time.time() // 60 * 60
    publish(cloudwatch, namespace, first, [9, 9])
    clock(first + 2 * 60 + EVALUATION_DELAY)
    assert described(cloudwatch, name)["StateValue"] == "ALARM"
    clock(first + 8 * 60 + EVALUATION_DELAY)
    found = described(cloudwatch, name)
    assert found["StateValue"] == state
    if reason:
        assert found["StateReason"] == reason


def test_a_percentile_alarm_compares_the_minute_percentile(cloudwatch, alarm, clock):
    name, namespace = alarm(Statistic=None, ExtendedStatistic="p99", Threshold=1000.0, EvaluationPeriods=1,
                            DatapointsToAlarm=1, TreatMissingData="missing", MetricName="Latency")
    first = time.time() // 60 * 60
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Latency", "Dimensions": [{"Name": "Stage", "Value": "prod"}], "Timestamp": first,
         "Values": [50.0, 29_000.0], "Counts": [980, 20], "Unit": "Milliseconds"}])
    clock(first + 60 + EVALUATION_DELAY)
    found = described(cloudwatch, name)
    assert found["StateValue"] == "ALARM" and "[29000.0 (" in found["StateReason"]


def test_set_alarm_state_holds_until_the_next_evaluation(cloudwatch, alarm, clock):
    name, namespace = alarm(EvaluationPeriods=1, DatapointsToAlarm=1)
    first = time.time() // 60 * 60
    publish(cloudwatch, namespace, first, [1, 1])
    clock(first + 60 + EVALUATION_DELAY)
    assert described(cloudwatch, name)["StateValue"] == "OK"
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Testing the pager",
                               StateReasonData='{"drill": true}')
    found = described(cloudwatch, name)
    assert (found["StateValue"], found["StateReason"], found["StateReasonData"]) == (
        "ALARM", "Testing the pager", '{"drill": true}')
    clock(first + 120 + EVALUATION_DELAY)
    assert described(cloudwatch, name)["StateValue"] == "OK"
    assert [s for _, s in changes(cloudwatch, name)][-2:] == ["Alarm updated from OK to ALARM",
                                                              "Alarm updated from ALARM to OK"]
    assert error_of(lambda: cloudwatch.set_alarm_state(AlarmName="no-such-alarm", StateValue="OK",
                                                       StateReason="x"))["Code"] == "ResourceNotFound"
    assert error_of(lambda: cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="x",
                                                       StateReasonData="{not json"))["Code"] == "InvalidFormat"


def test_updating_an_alarm_keeps_its_state_and_records_the_update(cloudwatch, alarm, clock):
    name, namespace = alarm()
    first = time.time() // 60 * 60
    publish(cloudwatch, namespace, first, [9, 9])
    clock(first + 120 + EVALUATION_DELAY)
    assert described(cloudwatch, name)["StateValue"] == "ALARM"
    alarm_args = described(cloudwatch, name)
    cloudwatch.put_metric_alarm(
        AlarmName=name, Namespace=namespace, MetricName="Errors", Statistic="Sum",
        Dimensions=alarm_args["Dimensions"], Period=60, EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=7.0,
        ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching")
    found = described(cloudwatch, name)
    assert (found["StateValue"], found["Threshold"]) == ("ALARM", 7.0)
    updates = cloudwatch.describe_alarm_history(AlarmName=name, HistoryItemType="ConfigurationUpdate")
    assert updates["AlarmHistoryItems"][0]["HistorySummary"] == f'Alarm "{name}" updated'


@pytest.mark.parametrize("change, code", [
    ({"DatapointsToAlarm": 4}, "ValidationError"),  # more than EvaluationPeriods
    ({"ExtendedStatistic": "p99"}, "InvalidParameterCombination"),  # beside Statistic
    ({"Period": 45}, "InvalidParameterValue"),
    ({"EvaluationPeriods": 1441}, "ValidationError"),  # more than a day of minutes
    ({"TreatMissingData": "sometimes"}, "ValidationError"),
])
def test_put_metric_alarm_refuses_what_cloudwatch_refuses(alarm, change, code):
    assert error_of(lambda: alarm(**change))["Code"] == code


# --- Reading alarms ---------------------------------------------------------------------------------


def test_describe_alarms_combines_its_filters_and_pages_by_name(cloudwatch, alarm, clock, unique):
    prefix = unique("fleet")
    names = [alarm(AlarmName=f"{prefix}-{n}")[0] for n in ("c", "a", "b")]
    first = time.time() // 60 * 60
    publish(cloudwatch, described(cloudwatch, names[0])["Namespace"], first, [9, 9])
    clock(first + 120 + EVALUATION_DELAY)
    assert [a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNamePrefix=prefix, StateValue="ALARM")[
        "MetricAlarms"]] == [f"{prefix}-c"]
    page = cloudwatch.describe_alarms(AlarmNamePrefix=prefix, MaxRecords=2)
    rest = cloudwatch.describe_alarms(AlarmNamePrefix=prefix, MaxRecords=2, NextToken=page["NextToken"])
    assert [a["AlarmName"] for a in page["MetricAlarms"] + rest["MetricAlarms"]] == sorted(names)
    assert "NextToken" not in rest
    assert cloudwatch.describe_alarms(AlarmNamePrefix=prefix, AlarmTypes=["CompositeAlarm"])["MetricAlarms"] == []
    assert error_of(lambda: cloudwatch.describe_alarms(AlarmNames=names, AlarmNamePrefix=prefix))[
        "Code"] == "InvalidParameterCombination"
    on_metric = cloudwatch.describe_alarms_for_metric(
        MetricName="Errors", Namespace=described(cloudwatch, names[1])["Namespace"],
        Dimensions=[{"Name": "Stage", "Value": "prod"}])["MetricAlarms"]
    assert [a["AlarmName"] for a in on_metric] == [f"{prefix}-a"]
    cloudwatch.delete_alarms(AlarmNames=[names[1]])
    assert [a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]] == [
        f"{prefix}-b", f"{prefix}-c"]
    assert error_of(lambda: cloudwatch.delete_alarms(AlarmNames=[names[1]]))["Code"] == "ResourceNotFound"


@pytest.mark.parametrize("protocol", ["query", "smithy-rpc-v2-cbor", "json"])
def test_alarms_are_described_in_each_protocol_cloudwatch_speaks(client_speaking, alarm, protocol):
    name, _ = alarm()
    speaking = client_speaking(protocol)
    found = speaking.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert (found["StateValue"], found["Threshold"], found["StateUpdatedTimestamp"].year) == (
        "INSUFFICIENT_DATA", 5.0, datetime.now(UTC).year)
    history = speaking.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
    assert history[0]["HistorySummary"] == f'Alarm "{name}" created'


# --- A rehearsal ------------------------------------------------------------------------------------


def test_rehearsal_alarms_go_off_from_the_onset_and_clear_after_the_fix(sandbox, aws):
    """throttle-storm and bad-canary in one region, begun a few minutes ago and fixed five minutes in, as
    the console would fix them (the throttle raised, the canary rolled back): orders-api-prod-4xx and
    payments-api-prod-5xx go to ALARM from the onset, and back to OK after the fix plus the periods it
    takes for fewer than 2 of the last 5 datapoints to breach. (Half the scenario's storm: the same
    verdicts from fewer requests to simulate.)"""
    last_evaluated = (time.time() - EVALUATION_DELAY) // 60 * 60
    fixed = last_evaluated - 4 * 60
    onset = fixed - 5 * 60  # five minutes: ALARM needs 2 of them over 5 errors, almost sure from ~10 a minute
    apis = (ORDERS_API, PAYMENTS_API)
    plans = tuple(dataclasses.replace(plan, apis=tuple(a for a in plan.apis if a in {api.name for api in apis}))
                  for plan in USAGE_PLANS if {api.name for api in apis} & set(plan.apis))
    seed_region(sandbox.url, RegionEstate(REHEARSAL, rest_apis=apis, usage_plans=plans,
                                          api_keys=tuple(k for k in API_KEYS if k.plan in {p.name for p in plans})),
                history_end=onset)
    storm = begin("throttle-storm", sandbox.url, REHEARSAL, onset)
    begin("bad-canary", sandbox.url, REHEARSAL, onset)  # its release fails wherever it runs: no demand to add
    profiles = {(REHEARSAL, api, "prod"): profile for (_, api, stage), profile in seeded_profiles().items()
                if api in (ORDERS_API.name, PAYMENTS_API.name) and stage == "prod"}
    profiles |= {stage: dataclasses.replace(profile, per_minute=profile.per_minute / 2)
                 for stage, profile in storm.profiles.items()}
    traffic = Traffic(sandbox.url, regions=(REHEARSAL,), profiles=profiles)
    traffic.step(fixed - onset, fixed)
    apigw = aws("apigateway", REHEARSAL)
    ids = {api["name"]: api["id"] for api in apigw.get_rest_apis()["items"]}
    apigw.update_stage(restApiId=ids[ORDERS_API.name], stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "2000"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "5000"}])
    apigw.update_stage(restApiId=ids[PAYMENTS_API.name], stageName="prod", patchOperations=[
        {"op": "remove", "path": "/canarySettings"}])
    now = time.time()
    traffic.step(now - fixed, now)
    traffic.close(now)

    cloudwatch = aws("cloudwatch", REHEARSAL)
    states = {a["AlarmName"]: a["StateValue"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert states["orders-api-prod-4xx"] == states["payments-api-prod-5xx"] == "OK"
    storm_changes = changes(cloudwatch, "orders-api-prod-4xx")
    assert storm_changes == [
        (storm_changes[0][0], "Alarm updated from INSUFFICIENT_DATA to OK"),  # at the history's start
        (onset + 120 + EVALUATION_DELAY, "Alarm updated from OK to ALARM"),  # the storm's 2nd minute over
        (fixed + 240 + EVALUATION_DELAY, "Alarm updated from ALARM to OK"),  # 4 calm of the last 5
    ]
    canary_changes = changes(cloudwatch, "payments-api-prod-5xx")
    assert [summary for _, summary in canary_changes] == [
        "Alarm updated from INSUFFICIENT_DATA to OK", "Alarm updated from OK to ALARM",
        "Alarm updated from ALARM to OK"]
    assert onset + 120 + EVALUATION_DELAY <= canary_changes[1][0] <= fixed + EVALUATION_DELAY
    assert fixed <= canary_changes[2][0] <= fixed + 240 + EVALUATION_DELAY
