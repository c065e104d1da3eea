"""The sandbox's CloudWatch metrics over HTTP, held to the CloudWatch API reference.

Each test's name states the documented rule it checks. Tests publish under a namespace of their
own in `scratch_region` with plain boto3 clients; the seeded region is only read. Clients that
speak rpc-v2-cbor or query are plain boto3 clients whose service model lists only that protocol.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from console.sandbox import ACCOUNT_ID, REGION
from console.sandbox.fidelity.cloudwatch import store_for
from console.sandbox.process import spawn
from console.sandbox.server import reset

GATEWAY = "AWS/ApiGateway"
DIMS = [{"Name": "ApiName", "Value": "scratch-api"}, {"Name": "Stage", "Value": "prod"}]
REVERSED = list(reversed(DIMS))


@pytest.fixture
def cloudwatch(aws, scratch_region):
    return aws("cloudwatch", scratch_region)


@pytest.fixture
def namespace(unique):
    return unique("Sandbox/Tests")


@pytest.fixture
def minute():
    """A whole minute ten minutes ago: recent enough for every rounding rule."""
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)


def stat_query(query_id, namespace, name, stat, dims=DIMS, period=60, **extra):
    return {"Id": query_id, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": name, "Dimensions": dims},
        "Period": period, "Stat": stat}, **extra}


def results(cloudwatch, queries, start, end, **extra):
    answer = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end, **extra)
    return {r["Id"]: r for r in answer["MetricDataResults"]}


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


# --- Statistics --------------------------------------------------------------------------------


def test_percentiles_and_basic_statistics_come_back_together_from_values_and_counts(cloudwatch, namespace, minute):
    """Values/Counts support percentiles (PutMetricData); GetMetricData takes pNN.NN beside the basic five."""
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[{
        "MetricName": "Latency", "Dimensions": DIMS, "Timestamp": minute, "Unit": "Milliseconds",
        "Values": [10, 20, 30, 40, 1000], "Counts": [500, 300, 150, 49, 1]}])
    stats = ["p50", "p90", "p99", "p99.9", "p100", "Sum", "Average", "Maximum", "Minimum", "SampleCount"]
    queries = [stat_query(f"q{i}", namespace, "Latency", stat) for i, stat in enumerate(stats)]
    got = results(cloudwatch, queries, minute, minute + timedelta(minutes=1))
    values = {stat: got[f"q{i}"]["Values"] for i, stat in enumerate(stats)}
    assert values == {"p50": [10.0], "p90": [30.0], "p99": [40.0], "p99.9": [40.0], "p100": [1000.0],
                      "Sum": [18460.0], "Average": [18.46], "Maximum": [1000.0], "Minimum": [10.0],
                      "SampleCount": [1000.0]}


def test_a_values_and_counts_datum_is_stored_as_one_weighted_sample(cloudwatch, namespace, minute, scratch_region):
    """A datum's Values are each unique value once with its count: kept as such, not as 1000 points."""
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[{
        "MetricName": "Latency", "Dimensions": DIMS, "Timestamp": minute,
        "Values": [10, 20], "Counts": [600, 400]}])
    samples = store_for(ACCOUNT_ID, scratch_region).find(namespace, "Latency", DIMS).samples
    assert [(s.values, s.counts, s.count) for s in samples] == [((10.0, 20.0), (600.0, 400.0), 1000.0)]
    assert [m["MetricName"] for m in cloudwatch.list_metrics(Namespace=namespace)["Metrics"]] == ["Latency"]


def test_statistic_sets_give_basic_statistics_and_percentiles_only_when_their_values_are_identical(
        cloudwatch, namespace, minute):
    """Percentiles need raw data; a statistic set qualifies only if Min = Max and Sum = Min x SampleCount."""
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Spread", "Timestamp": minute,
         "StatisticValues": {"SampleCount": 10, "Sum": 55, "Minimum": 1, "Maximum": 10}},
        {"MetricName": "Flat", "Timestamp": minute,
         "StatisticValues": {"SampleCount": 4, "Sum": 20, "Minimum": 5, "Maximum": 5}}])
    stats = ["Sum", "Average", "Minimum", "Maximum", "SampleCount", "p50"]
    queries = [stat_query(f"{m.lower()}{i}", namespace, m, s, dims=[])
               for m in ("Spread", "Flat") for i, s in enumerate(stats)]
    got = results(cloudwatch, queries, minute, minute + timedelta(minutes=1))
    assert [got[f"spread{i}"]["Values"] for i in range(6)] == [[55.0], [5.5], [1.0], [10.0], [10.0], []]
    assert got["flat5"]["Values"] == [5.0]


def test_percentiles_are_not_available_when_a_value_is_negative(cloudwatch, namespace, minute):
    """GetMetricStatistics: percentile statistics are not available when any value is negative."""
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Delta", "Timestamp": minute, "Values": [-5, 5, 10]}])
    got = results(cloudwatch, [stat_query("p", namespace, "Delta", "p50", dims=[]),
                               stat_query("s", namespace, "Delta", "Sum", dims=[])],
                  minute, minute + timedelta(minutes=1))
    assert (got["p"]["Values"], got["s"]["Values"]) == ([], [10.0])


def test_dimensions_are_a_set_so_their_order_does_not_matter(cloudwatch, namespace, minute):
    """CloudWatch identifies a metric by its name and dimension combination, not their order."""
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Count", "Dimensions": DIMS, "Timestamp": minute, "Value": 3},
        {"MetricName": "Count", "Dimensions": REVERSED, "Timestamp": minute, "Value": 4}])
    got = results(cloudwatch, [stat_query("a", namespace, "Count", "Sum", dims=REVERSED)],
                  minute, minute + timedelta(minutes=1))
    assert got["a"]["Values"] == [7.0]
    points = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName="Count", Dimensions=REVERSED, StartTime=minute,
        EndTime=minute + timedelta(minutes=1), Period=60, Statistics=["SampleCount"])["Datapoints"]
    assert [p["SampleCount"] for p in points] == [2.0]
    assert len(cloudwatch.list_metrics(Namespace=namespace)["Metrics"]) == 1


def test_unit_selects_only_data_published_with_that_unit(cloudwatch, namespace, minute):
    """If you specify a unit, the operation returns only data that was collected with that unit."""
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Size", "Timestamp": minute, "Value": 1, "Unit": "Bytes"},
        {"MetricName": "Size", "Timestamp": minute, "Value": 1000, "Unit": "Kilobytes"}])
    query = stat_query("k", namespace, "Size", "Sum", dims=[])
    query["MetricStat"]["Unit"] = "Kilobytes"
    assert results(cloudwatch, [query], minute, minute + timedelta(minutes=1))["k"]["Values"] == [1000.0]


def test_only_the_basic_statistics_and_percentiles_are_accepted_as_stat(cloudwatch, namespace, minute):
    response = error_of(lambda: results(cloudwatch, [stat_query("a", namespace, "X", "Median", dims=[])],
                                        minute, minute + timedelta(minutes=1)))
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("InvalidParameterValue", 400)


# --- Time: order, periods, range, paging ---------------------------------------------------------


@pytest.fixture
def ten_minutes(cloudwatch, namespace, minute):
    """Metric `Ticks`: value i at minute + i for i in 0..9."""
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Ticks", "Timestamp": minute + timedelta(minutes=i), "Value": i} for i in range(10)])
    return minute


def test_timestamps_are_newest_first_unless_scan_by_asks_for_ascending(cloudwatch, namespace, ten_minutes):
    """ScanBy: TimestampDescending (the default) returns the newest data first."""
    query = [stat_query("t", namespace, "Ticks", "Sum", dims=[])]
    end = ten_minutes + timedelta(minutes=10)
    newest_first = results(cloudwatch, query, ten_minutes, end)["t"]
    assert newest_first["Values"] == [float(i) for i in range(9, -1, -1)]
    assert newest_first["Timestamps"] == sorted(newest_first["Timestamps"], reverse=True)
    oldest_first = results(cloudwatch, query, ten_minutes, end, ScanBy="TimestampAscending")["t"]
    assert oldest_first["Values"] == [float(i) for i in range(10)]


def test_period_buckets_start_at_start_time_which_is_inclusive_while_end_time_is_exclusive(
        cloudwatch, namespace, ten_minutes):
    """Data points aggregate per Period from StartTime; StartTime is inclusive, EndTime exclusive."""
    query = [stat_query("t", namespace, "Ticks", "Sum", dims=[], period=300)]
    got = results(cloudwatch, query, ten_minutes, ten_minutes + timedelta(minutes=9),
                  ScanBy="TimestampAscending")["t"]
    assert got["Values"] == [0.0 + 1 + 2 + 3 + 4, 5.0 + 6 + 7 + 8]
    assert [t.astimezone(UTC) for t in got["Timestamps"]] == [ten_minutes, ten_minutes + timedelta(minutes=5)]


def test_start_time_is_rounded_down_to_the_minute(cloudwatch, namespace, ten_minutes):
    """Start time less than 15 days ago: CloudWatch rounds it down to the nearest whole minute."""
    query = [stat_query("t", namespace, "Ticks", "Sum", dims=[])]
    got = results(cloudwatch, query, ten_minutes + timedelta(seconds=30), ten_minutes + timedelta(minutes=2))
    assert got["t"]["Values"] == [1.0, 0.0]


def test_max_datapoints_pages_and_next_token_carries_on(cloudwatch, namespace, ten_minutes):
    """MaxDatapoints caps a page; PartialData and NextToken lead to the rest."""
    query = [stat_query("t", namespace, "Ticks", "Sum", dims=[])]
    end = ten_minutes + timedelta(minutes=10)
    first = cloudwatch.get_metric_data(MetricDataQueries=query, StartTime=ten_minutes, EndTime=end, MaxDatapoints=6)
    assert first["MetricDataResults"][0]["StatusCode"] == "PartialData"
    second = cloudwatch.get_metric_data(MetricDataQueries=query, StartTime=ten_minutes, EndTime=end,
                                        MaxDatapoints=6, NextToken=first["NextToken"])
    assert "NextToken" not in second and second["MetricDataResults"][0]["StatusCode"] == "Complete"
    values = first["MetricDataResults"][0]["Values"] + second["MetricDataResults"][0]["Values"]
    assert values == [float(i) for i in range(9, -1, -1)]


def test_labels_are_returned_as_given_and_default_to_the_metric_name(cloudwatch, namespace, ten_minutes):
    queries = [stat_query("a", namespace, "Ticks", "Sum", dims=[], Label="Ticks per minute"),
               stat_query("b", namespace, "Ticks", "Sum", dims=[])]
    got = results(cloudwatch, queries, ten_minutes, ten_minutes + timedelta(minutes=10))
    assert (got["a"]["Label"], got["b"]["Label"]) == ("Ticks per minute", "Ticks")


# --- Metric math ---------------------------------------------------------------------------------


def test_metric_math_operators_reducers_and_return_data(cloudwatch, namespace, minute):
    """Metric math: TS op TS, TS op S, SUM of TS[]; missing values count as 0; x/0 points are dropped.

    ReturnData=false keeps a query out of the results while expressions still use it.
    """
    t0, t1, t2 = minute, minute + timedelta(minutes=1), minute + timedelta(minutes=2)
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Errors", "Timestamp": t0, "Value": 5},
        {"MetricName": "Requests", "Timestamp": t0, "Value": 200},
        {"MetricName": "Errors", "Timestamp": t1, "Value": 3},
        {"MetricName": "Requests", "Timestamp": t2, "Value": 100}])
    quiet = {"ReturnData": False}
    queries = [stat_query("m1", namespace, "Errors", "Sum", dims=[], **quiet),
               stat_query("m2", namespace, "Requests", "Sum", dims=[], **quiet)]
    expressions = {"rate": "100*(m1/m2)", "plus": "m1+m2", "minus": "m1-m2", "times": "m1*2", "half": "m1/2",
                   "total": "SUM([m1,m2])", "power": "m2^2/-m1", "share": "m1/SUM(m2)"}
    queries += [{"Id": key, "Expression": text} for key, text in expressions.items()]
    got = results(cloudwatch, queries, minute, minute + timedelta(minutes=3), ScanBy="TimestampAscending")
    assert not {"m1", "m2"} & set(got)
    by_minute = {key: dict(zip((t.astimezone(UTC) for t in r["Timestamps"]), r["Values"], strict=True)) for key, r in got.items()}
    assert by_minute["rate"] == {t0: 2.5, t2: 0.0}  # at t1 Requests is missing: 3/0 is dropped
    assert by_minute["plus"] == {t0: 205.0, t1: 3.0, t2: 100.0}
    assert by_minute["minus"] == {t0: -195.0, t1: 3.0, t2: -100.0}
    assert by_minute["times"] == {t0: 10.0, t1: 6.0}
    assert by_minute["half"] == {t0: 2.5, t1: 1.5}
    assert by_minute["total"] == {t0: 205.0, t1: 3.0, t2: 100.0}
    assert by_minute["power"] == {t0: -8000.0, t1: 0.0}  # at t2, 100^2/-0 is dropped
    assert by_minute["share"] == {t0: 5 / 300, t1: 3 / 300}


def test_an_expression_may_use_other_expressions_and_metrics_by_id(cloudwatch, namespace, minute):
    """An expression can use the Id of metrics and of other expressions; METRICS() is every metric."""
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "A", "Timestamp": minute, "Value": 2}, {"MetricName": "B", "Timestamp": minute, "Value": 6}])
    queries = [stat_query("errors_a", namespace, "A", "Sum", dims=[]), stat_query("b", namespace, "B", "Sum", dims=[]),
               {"Id": "e1", "Expression": "errors_a*10", "Label": "Ten A"}, {"Id": "e2", "Expression": "e1+b"},
               {"Id": "all", "Expression": "SUM(METRICS())"}, {"Id": "errs", "Expression": "SUM(METRICS(\"errors\"))"}]
    got = results(cloudwatch, queries, minute, minute + timedelta(minutes=1))
    assert {k: got[k]["Values"] for k in ("e1", "e2", "all", "errs")} == {
        "e1": [20.0], "e2": [26.0], "all": [8.0], "errs": [2.0]}
    assert got["e1"]["Label"] == "Ten A"


@pytest.mark.parametrize("expression", ["m1 +", "SUM(m1)", "ANOMALY_DETECTION_BAND(m1)", "nope*2", "e1", "m1 m1"])
def test_an_expression_that_is_not_valid_metric_math_is_a_validation_error(cloudwatch, namespace, minute, expression):
    """The final result must be a time series (SUM of one series is a scalar); Ids must exist; no cycles."""
    queries = [stat_query("m1", namespace, "X", "Sum", dims=[]), {"Id": "e1", "Expression": expression}]
    response = error_of(lambda: results(cloudwatch, queries, minute, minute + timedelta(minutes=1)))
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("ValidationError", 400)


@pytest.mark.parametrize("ids", [["Bad"], ["a", "a"], ["a-b"]])
def test_query_ids_start_with_a_lower_case_letter_and_are_unique(cloudwatch, namespace, minute, ids):
    """Id: letters, numbers and underscore, the first a lower-case letter; unique within a call."""
    queries = [stat_query(query_id, namespace, "X", "Sum") for query_id in ids]
    response = error_of(lambda: results(cloudwatch, queries, minute, minute + timedelta(minutes=1)))
    assert response["Error"]["Code"] == "ValidationError"


# --- GetMetricStatistics and ListMetrics ---------------------------------------------------------


def test_get_metric_statistics_takes_statistics_or_extended_statistics(cloudwatch, namespace, minute):
    """Statistics and ExtendedStatistics (percentiles) are exclusive; each datapoint carries its unit."""
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[{
        "MetricName": "Latency", "Dimensions": DIMS, "Timestamp": minute, "Unit": "Milliseconds",
        "Values": [10, 20, 90], "Counts": [40, 55, 5]}])
    window = {"Namespace": namespace, "MetricName": "Latency", "Dimensions": REVERSED, "StartTime": minute,
              "EndTime": minute + timedelta(minutes=1), "Period": 60}
    basic = cloudwatch.get_metric_statistics(**window, Statistics=["Average", "Maximum"])
    assert basic["Label"] == "Latency"
    assert [(p["Average"], p["Maximum"], p["Unit"]) for p in basic["Datapoints"]] == [(19.5, 90.0, "Milliseconds")]
    extended = cloudwatch.get_metric_statistics(**window, ExtendedStatistics=["p50", "p99"])
    assert extended["Datapoints"][0]["ExtendedStatistics"] == {"p50": 20.0, "p99": 90.0}
    both = error_of(lambda: cloudwatch.get_metric_statistics(**window, Statistics=["Sum"], ExtendedStatistics=["p9"]))
    assert both["Error"]["Code"] == "InvalidParameterCombination"


def test_get_metric_statistics_refuses_more_than_1440_datapoints(cloudwatch, namespace, minute):
    response = error_of(lambda: cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName="X", StartTime=minute - timedelta(days=2), EndTime=minute,
        Period=60, Statistics=["Sum"]))
    assert response["Error"]["Code"] == "InvalidParameterCombination"


def test_list_metrics_names_each_metric_once_filters_by_dimension_and_pages_by_500(cloudwatch, namespace, minute):
    """ListMetrics: up to 500 results a call, NextToken for more; a dimension filter may omit the value."""
    data = [{"MetricName": "Count", "Timestamp": minute + timedelta(minutes=m), "Value": 1,
             "Dimensions": [{"Name": "Route", "Value": f"/r{i}"}, {"Name": "Stage", "Value": "prod"}]}
            for i in range(501) for m in range(2)]
    for start in range(0, len(data), 1000):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start:start + 1000])
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "Other", "Value": 1}])
    first = cloudwatch.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Stage"}])
    second = cloudwatch.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Stage"}], NextToken=first["NextToken"])
    assert (len(first["Metrics"]), len(second["Metrics"]), "NextToken" in second) == (500, 1, False)
    routes = {m["Dimensions"][0]["Value"] for m in first["Metrics"] + second["Metrics"]}
    assert len(routes) == 501
    only = cloudwatch.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Route", "Value": "/r7"}])["Metrics"]
    assert only == [{"Namespace": namespace, "MetricName": "Count", "Dimensions": data[14]["Dimensions"]}]
    assert [m["MetricName"] for m in cloudwatch.list_metrics(
        Namespace=namespace, MetricName="Other", RecentlyActive="PT3H")["Metrics"]] == ["Other"]


# --- PutMetricData validation --------------------------------------------------------------------


@pytest.mark.parametrize(("datum", "code"), [
    ({"Values": [1, 2], "Counts": [1]}, "InvalidParameterValue"),
    ({"Value": 1, "Values": [1]}, "InvalidParameterCombination"),
    ({"Value": 1, "Timestamp": datetime.now(UTC) - timedelta(days=15)}, "InvalidParameterValue"),
    ({"Values": list(range(151))}, "InvalidParameterValue"),
])
def test_put_metric_data_rejects_what_the_reference_rules_out(cloudwatch, namespace, datum, code):
    """Counts matches Values in length; one of Value/StatisticValues/Values; <= 2 weeks old; <= 150 values."""
    response = error_of(lambda: cloudwatch.put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": "m", **datum}]))
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (code, 400)
    assert cloudwatch.list_metrics(Namespace=namespace)["Metrics"] == []  # nothing of the call was stored


def test_gzipped_put_metric_data_is_accepted(cloudwatch, namespace, minute):
    """PutMetricData accepts a gzip-compressed payload (botocore compresses bodies over 10 KB)."""
    sent = []
    cloudwatch.meta.events.register("before-send.cloudwatch.PutMetricData",
                                    lambda request, **_: sent.append(request.headers.get("Content-Encoding")))
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Big", "Timestamp": minute, "Values": list(range(150))} for _ in range(20)])
    assert sent == [b"gzip"]
    got = results(cloudwatch, [stat_query("b", namespace, "Big", "SampleCount", dims=[])],
                  minute, minute + timedelta(minutes=1))
    assert got["b"]["Values"] == [3000.0]


# --- Protocols and errors ------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["smithy-rpc-v2-cbor", "query", "json"])
def test_each_protocol_reaches_the_same_metrics(client_speaking, cloudwatch, namespace, minute, protocol):
    """CloudWatch speaks rpc-v2-cbor, JSON 1.0 and query; whichever a client uses, the data is the same."""
    speaker = client_speaking(protocol)
    speaker.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Latency", "Dimensions": DIMS, "Timestamp": minute, "Values": [1, 2, 3], "Counts": [1, 1, 8]}])
    window = (minute, minute + timedelta(minutes=1))
    query = [stat_query("p", namespace, "Latency", "p50", dims=REVERSED)]
    assert results(cloudwatch, query, *window)["p"]["Values"] == [3.0]
    assert results(speaker, query, *window)["p"]["Values"] == [3.0]
    assert speaker.list_metrics(Namespace=namespace)["Metrics"][0]["Dimensions"] == DIMS
    speaker.put_metric_alarm(AlarmName=namespace, MetricName="Latency", Namespace=namespace, Statistic="Sum",
                             Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    assert namespace in [a["AlarmName"] for a in speaker.describe_alarms(AlarmNames=[namespace])["MetricAlarms"]]


@pytest.mark.parametrize(("protocol", "content_type"), [
    ("smithy-rpc-v2-cbor", "application/cbor"), ("query", "text/xml"), ("json", "application/x-amz-json-1.0")])
def test_errors_come_back_in_the_callers_protocol_never_as_html(client_speaking, namespace, protocol, content_type):
    """Modelled errors carry their code (the query code for awsQueryCompatible JSON and CBOR)."""
    speaker = client_speaking(protocol)
    responses = [
        error_of(lambda: speaker.put_metric_data(
            Namespace=namespace, MetricData=[{"MetricName": "m", "Values": [1], "Counts": [1, 2]}])),
        error_of(lambda: speaker.put_composite_alarm(AlarmName="x", AlarmRule='ALARM("y")')),  # moto lacks it
    ]
    assert [r["Error"]["Code"] for r in responses] == ["InvalidParameterValue", "InvalidAction"]
    for response in responses:
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == content_type


# --- The seeded estate and moto's reset ----------------------------------------------------------


def test_seeded_latencies_are_histograms_with_percentiles(aws):
    """The seed publishes Latency and IntegrationLatency per minute as Values/Counts: p50 < p99 exist.
    Whole half-hours of the history only: a period the history starts or ends in holds a few minutes, whose
    percentiles may tie, and which they are depends on the clock."""
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    end -= timedelta(minutes=end.minute % 30)
    dims = [{"Name": "Stage", "Value": "prod"}, {"Name": "ApiName", "Value": "orders-api"}]
    queries = [stat_query(f"{name.lower()}_{stat.replace('.', '_')}", GATEWAY, name, stat, dims=dims, period=1800)
               for name in ("Latency", "IntegrationLatency") for stat in ("p50", "p90", "p99", "p99.9", "Average")]
    queries.append(stat_query("count", GATEWAY, "Count", "Sum", dims=dims, period=1800))
    queries.append(stat_query("samples", GATEWAY, "Latency", "SampleCount", dims=dims, period=1800))
    got = results(aws("cloudwatch", REGION), queries, end - timedelta(hours=2, minutes=30), end)
    for name in ("latency", "integrationlatency"):
        p50, p90, p99, p999 = (got[f"{name}_{s}"]["Values"] for s in ("p50", "p90", "p99", "p99_9"))
        assert len(p50) >= 3 and all(a < b < c <= d for a, b, c, d in zip(p50, p90, p99, p999, strict=True))
    assert got["latency_p50"]["Values"][0] > got["integrationlatency_p50"]["Values"][0]
    assert got["samples"]["Values"] == got["count"]["Values"]


def test_moto_reset_clears_the_metric_store(aws_client_for):
    """POST /moto-api/reset empties the sandbox, metrics too (in a child: resetting ours would wipe the seed)."""
    child = spawn("--empty", "--no-traffic")
    try:
        cloudwatch = aws_client_for(child.url, "cloudwatch")
        cloudwatch.put_metric_data(Namespace="N", MetricData=[{"MetricName": "m", "Value": 1}])
        assert cloudwatch.list_metrics()["Metrics"]
        reset(child.url)
        assert cloudwatch.list_metrics()["Metrics"] == []
    finally:
        child.close()
