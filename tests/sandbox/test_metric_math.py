"""Metric math and the ranged statistics, table-driven, over known data points published here.

The rules are the CloudWatch User Guide's: "Metric math syntax and functions" (operators, FILL,
RATE, DIFF, DIFF_TIME, RUNNING_SUM, IF, the reducers over a TS and a TS[], METRICS(), FIRST, LAST,
REMOVE_EMPTY, CEIL, FLOOR, LOG10, STDDEV, DATAPOINT_COUNT, PERIOD) and "CloudWatch statistics
definitions" (TM, WM, TC, TS, PR, IQM: the lower bound exclusive, the upper inclusive). Each row
gives an expression (or a Stat) and the values CloudWatch documents for the data below.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from once import once

REGION = "ap-southeast-4"  # this module's own
START = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=20)
MINUTES = 6  # the requests' window: START .. START + 6 minutes
# Hits and Errors per minute (None: nothing published that minute).
HITS = [10.0, 20.0, None, 50.0, 40.0, None]
ERRORS = [1.0, 0.0, None, 5.0, 4.0, None]
LATENCY = [*range(1, 20), 100]  # twenty values in one minute: 1 .. 19 and 100


def at(*minutes: int) -> list[datetime]:
    return [START + timedelta(minutes=m) for m in minutes]


@pytest.fixture(scope="module")
def cloudwatch(sandbox, aws_client_for):
    return aws_client_for(sandbox.url, "cloudwatch", REGION)


@pytest.fixture(scope="module")
def namespace(sandbox, cloudwatch) -> str:
    def publish() -> str:
        name = f"Sandbox/Math-{uuid.uuid4().hex[:8]}"
        data = [{"MetricName": metric, "Timestamp": START + timedelta(minutes=m), "Value": value}
                for metric, series in (("Hits", HITS), ("Errors", ERRORS))
                for m, value in enumerate(series) if value is not None]
        data.append({"MetricName": "Latency", "Timestamp": START, "Values": [float(v) for v in LATENCY]})
        cloudwatch.put_metric_data(Namespace=name, MetricData=data)
        return name

    return once(sandbox, __name__, publish)


def metric(query_id: str, namespace: str, name: str, stat: str = "Sum") -> dict:
    return {"Id": query_id, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": name}, "Period": 60, "Stat": stat}}


def answer(cloudwatch, queries: list[dict]) -> list[dict]:
    return cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=START,
                                      EndTime=START + timedelta(minutes=MINUTES),
                                      ScanBy="TimestampAscending")["MetricDataResults"]


def evaluated(cloudwatch, namespace: str, expression: str) -> list[dict]:
    queries = [metric("m1", namespace, "Hits"), metric("m2", namespace, "Errors"),
               {"Id": "e1", "Expression": expression}]
    return answer(cloudwatch, queries)


EXPRESSIONS = [
    # arithmetic between series and scalars
    ("100 * m2 / m1", at(0, 1, 3, 4), [10.0, 0.0, 10.0, 10.0]),
    ("m1 - m2", at(0, 1, 3, 4), [9.0, 20.0, 45.0, 36.0]),
    ("m1 - AVG(m1)", at(0, 1, 3, 4), [-20.0, -10.0, 20.0, 10.0]),
    ("m1 / MAX(m1) + MIN(m1)", at(0, 1, 3, 4), [10.2, 10.4, 11.0, 10.8]),
    ("m1 * 0 + SUM(m1)", at(0, 1, 3, 4), [120.0] * 4),
    ("CEIL(m1 / 3)", at(0, 1, 3, 4), [4.0, 7.0, 17.0, 14.0]),
    ("FLOOR(m1 / 3)", at(0, 1, 3, 4), [3.0, 6.0, 16.0, 13.0]),
    ("LOG10(m1)", at(0, 1, 3, 4), [1.0, math.log10(20), math.log10(50), math.log10(40)]),
    ("m1 * 0 + STDDEV(m1)", at(0, 1, 3, 4), [math.sqrt(250)] * 4),
    ("m1 * 0 + DATAPOINT_COUNT(m1)", at(0, 1, 3, 4), [4.0] * 4),
    ("m1 * 0 + PERIOD(m1)", at(0, 1, 3, 4), [60.0] * 4),
    # over arrays: point by point, a value missing from one series counted as 0
    ("SUM([m1, m2])", at(0, 1, 3, 4), [11.0, 20.0, 55.0, 44.0]),
    ("MAX(METRICS())", at(0, 1, 3, 4), [10.0, 20.0, 50.0, 40.0]),
    ("MIN(METRICS())", at(0, 1, 3, 4), [1.0, 0.0, 5.0, 4.0]),
    ("AVG(METRICS())", at(0, 1, 3, 4), [5.5, 10.0, 27.5, 22.0]),
    ("FIRST([m2, m1])", at(0, 1, 3, 4), [1.0, 0.0, 5.0, 4.0]),
    ("LAST([m2, m1])", at(0, 1, 3, 4), [10.0, 20.0, 50.0, 40.0]),
    # FILL: the request's periods without a value
    ("FILL(m1, 0)", at(0, 1, 2, 3, 4, 5), [10.0, 20.0, 0.0, 50.0, 40.0, 0.0]),
    ("FILL(m1, -1 * MIN(m2) + 7)", at(0, 1, 2, 3, 4, 5), [10.0, 20.0, 7.0, 50.0, 40.0, 7.0]),
    ("FILL(m1, REPEAT)", at(0, 1, 2, 3, 4, 5), [10.0, 20.0, 20.0, 50.0, 40.0, 40.0]),
    ("FILL(m1, LINEAR)", at(0, 1, 2, 3, 4), [10.0, 20.0, 35.0, 50.0, 40.0]),
    # along a series
    ("DIFF(m1)", at(1, 3, 4), [10.0, 30.0, -10.0]),
    ("DIFF_TIME(m1)", at(1, 3, 4), [60.0, 120.0, 60.0]),
    ("RATE(m1)", at(1, 3, 4), [10 / 60, 30 / 120, -10 / 60]),
    ("RATE(FILL(m1, 0))", at(1, 2, 3, 4, 5), [10 / 60, -20 / 60, 50 / 60, -10 / 60, -40 / 60]),
    ("RUNNING_SUM(m1)", at(0, 1, 3, 4), [10.0, 30.0, 80.0, 120.0]),
    # comparisons, logic and IF
    ("m1 > 15", at(0, 1, 3, 4), [0.0, 1.0, 1.0, 1.0]),
    ("NOT m2", at(0, 1, 3, 4), [0.0, 1.0, 0.0, 0.0]),
    ("m1 >= 20 && m2 != 5", at(0, 1, 3, 4), [0.0, 1.0, 0.0, 1.0]),
    ("IF(m1 > 15, m1)", at(1, 3, 4), [20.0, 50.0, 40.0]),
    ("IF(m1 > 15, 1, 0)", at(0, 1, 3, 4), [0.0, 1.0, 1.0, 1.0]),
    ("IF(m2 == 0 OR m1 >= 50, 100, m2)", at(0, 1, 3, 4), [1.0, 100.0, 100.0, 4.0]),
    ("IF(m2 / m1 > 0.05, m2 / m1 * 100, 0)", at(0, 1, 3, 4), [10.0, 0.0, 10.0, 10.0]),
]


@pytest.mark.parametrize(("expression", "stamps", "values"), EXPRESSIONS, ids=[row[0] for row in EXPRESSIONS])
def test_an_expression_answers_the_documented_values(cloudwatch, namespace, expression, stamps, values):
    [result] = evaluated(cloudwatch, namespace, expression)
    assert result["Timestamps"] == stamps
    assert result["Values"] == pytest.approx(values)


def test_an_array_result_is_one_result_per_series_and_remove_empty_drops_the_empty(cloudwatch, namespace):
    """An expression giving a TS[] answers one MetricDataResult per series, all with its Id."""
    queries = [metric("m1", namespace, "Hits"), metric("m2", namespace, "Errors"),
               metric("m3", namespace, "NeverPublished"),
               {"Id": "e1", "Expression": "FILL(METRICS(), 0)", "ReturnData": False},
               {"Id": "e2", "Expression": "REMOVE_EMPTY(METRICS())"}]
    assert [r["Id"] for r in answer(cloudwatch, queries)] == ["e2", "e2"]
    filled = answer(cloudwatch, [*queries[:3], {"Id": "e1", "Expression": "FILL(METRICS(), 0)"}])
    assert [r["Values"] for r in filled] == [[10.0, 20.0, 0.0, 50.0, 40.0, 0.0], [1.0, 0.0, 0.0, 5.0, 4.0, 0.0],
                                             [0.0] * 6]


@pytest.mark.parametrize("expression", [
    "SEARCH('{AWS/ApiGateway,ApiName} MetricName=\"Count\"', 'Sum', 60)", "ANOMALY_DETECTION_BAND(m1, 2)",
    "SORT(METRICS(), SUM, DESC)", "fill(m1, 0)"])
def test_a_function_the_sandbox_does_not_evaluate_is_a_validation_error_naming_it(cloudwatch, namespace, expression):
    with pytest.raises(ClientError) as raised:
        evaluated(cloudwatch, namespace, expression)
    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("ValidationError", 400)
    assert expression.split("(")[0] in error["Error"]["Message"]


@pytest.mark.parametrize("expression", ["FILL(m1)", "FILL(m1, REPEAT, 0)", "m1 + REPEAT", "ABS(m1, REPEAT)",
                                        "IF(m1)", "DIFF([m1, m2]) + [m1]", "RATE(5)"])
def test_a_function_given_the_wrong_arguments_is_a_validation_error(cloudwatch, namespace, expression):
    with pytest.raises(ClientError) as raised:
        evaluated(cloudwatch, namespace, expression)
    assert raised.value.response["Error"]["Code"] == "ValidationError"


# Latency: 1 .. 19 and 100, one minute. (Stat, value)
STATISTICS = [
    ("TM(10%:90%)", 10.5),  # the 2 lowest and 2 highest dropped: 3 .. 18
    ("tm90", 9.5),  # TM(:90%): 1 .. 18
    ("TM(5:15)", 10.5),  # 5 < v <= 15: 6 .. 15
    ("IQM", 10.5),  # TM(25%:75%): 6 .. 15
    ("WM(10%:90%)", 10.5),  # 1, 2 counted as 3; 19, 100 as 18
    ("wm90", 10.35),  # 19 and 100 counted as 18
    ("TC(10%:90%)", 16.0),
    ("tc90", 18.0),
    ("TS(10%:90%)", 168.0),
    ("ts90", 171.0),
    ("PR(:10)", 50.0),  # ten of twenty at or below 10
    ("PR(5:100)", 75.0),  # 5 < v <= 100
    ("p50", 10.0),
]


def test_the_ranged_statistics_answer_the_documented_values(cloudwatch, namespace):
    queries = [{**metric(f"s{i}", namespace, "Latency", stat), "ReturnData": True} for i, (stat, _) in
               enumerate(STATISTICS)]
    got = {r["Id"]: r["Values"] for r in answer(cloudwatch, queries)}
    assert {stat: got[f"s{i}"] for i, (stat, _) in enumerate(STATISTICS)} == \
        {stat: [pytest.approx(value)] for stat, value in STATISTICS}


def test_get_metric_statistics_takes_ranged_statistics_as_extended_statistics(cloudwatch, namespace):
    answered = cloudwatch.get_metric_statistics(Namespace=namespace, MetricName="Latency", StartTime=START,
                                                EndTime=START + timedelta(minutes=1), Period=60,
                                                ExtendedStatistics=["tm90", "TC(10%:90%)", "p50"])
    [point] = answered["Datapoints"]
    assert point["ExtendedStatistics"] == {"tm90": 9.5, "TC(10%:90%)": 16.0, "p50": 10.0}


@pytest.mark.parametrize("stat", ["TM(90%:10%)", "TM(:)", "PR(10%:)", "TM(5%:101%)", "tm101", "XX(1:2)", "Median"])
def test_a_statistic_that_is_not_documented_is_refused_naming_it(cloudwatch, namespace, stat):
    with pytest.raises(ClientError) as raised:
        answer(cloudwatch, [{**metric("s1", namespace, "Latency", stat), "ReturnData": True}])
    assert stat in raised.value.response["Error"]["Message"]
