"""The sandbox's Logs Insights over HTTP: StartQuery, GetQueryResults, StopQuery, DescribeQueries, held to
the Logs API reference and the query syntax the console uses.

Each test's name states the documented rule it checks. The events are written with PutLogEvents to a log
group of this module's own, in a region no other test writes to.
"""

from __future__ import annotations

import json
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from console.sandbox.fidelity import logs_insights
from console.sandbox.fidelity.logs_insights import RUN_SECONDS

REGION = "ap-southeast-4"  # this module's own
MINUTE = 60_000
# (seconds after the first minute's start, status, method, path, latency ms); statuses as strings, as API Gateway writes
LINES = [
    (1, 200, "GET", "/orders", 10), (2, 200, "GET", "/orders", 20), (3, 404, "GET", "/orders/9", 5),
    (61, 500, "POST", "/orders", 300), (62, 502, "POST", "/orders", 250), (63, 200, "GET", "/health", 1),
    (121, 429, "GET", "/orders", 2), (122, 200, "GET", "/orders", 40), (123, 504, "GET", "/orders/7", 29000),
    (124, 200, "DELETE", "/orders/7", 15),
]


@pytest.fixture(scope="module")
def logs(sandbox, aws_client_for):
    return aws_client_for(sandbox.url, "logs", REGION)


@pytest.fixture(scope="module")
def base() -> int:
    """The start of a whole minute a few minutes ago (ms): bins fall on known minutes."""
    return (int(time.time() * 1000) // MINUTE - 5) * MINUTE


@pytest.fixture(scope="module")
def group(logs, base):
    """Two streams of JSON access-log lines (odd lines in `b`), and one line that is not JSON."""
    name = "/aws/apigateway/insights-test/prod/access"
    logs.create_log_group(logGroupName=name)
    for stream in ("a", "b"):
        logs.create_log_stream(logGroupName=name, logStreamName=stream)
    for parity, stream in ((0, "a"), (1, "b")):
        logs.put_log_events(logGroupName=name, logStreamName=stream, logEvents=[
            {"timestamp": base + seconds * 1000, "message": json.dumps(
                {"requestId": f"r{index}", "status": str(status), "httpMethod": method, "resourcePath": path,
                 "responseLatency": str(latency), "identity": {"sourceIp": f"203.0.113.{index}"}},
                separators=(",", ":"))}
            for index, (seconds, status, method, path, latency) in enumerate(LINES) if index % 2 == parity])
    logs.put_log_events(logGroupName=name, logStreamName="a", logEvents=[
        {"timestamp": base + 200_000, "message": "plain text: user=alice action=login"}])
    yield name
    logs.delete_log_group(logGroupName=name)


def run(logs, group, base, query: str, **extra) -> dict:
    """Start a query over the whole fixture and poll until it is no longer Running."""
    query_id = logs.start_query(logGroupName=group, startTime=base // 1000 - 60, endTime=base // 1000 + 600,
                                queryString=query, **extra)["queryId"]
    for _ in range(100):
        answer = logs.get_query_results(queryId=query_id)
        if answer["status"] not in ("Scheduled", "Running"):
            return answer
        time.sleep(0.05)
    raise AssertionError("the query never completed")


def rows(answer: dict) -> list[dict[str, str]]:
    return [{cell["field"]: cell["value"] for cell in row if cell["field"] != "@ptr"} for row in answer["results"]]


def minute(base: int, index: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime((base + index * MINUTE) / 1000))


@pytest.mark.parametrize("query, expected", [
    ("fields status | filter status >= 500 | sort status asc",
     [{"status": "500"}, {"status": "502"}, {"status": "504"}]),
    ("filter httpMethod = 'POST' and responseLatency > 260 | fields requestId", [{"requestId": "r3"}]),
    ("filter resourcePath like '/orders/' | fields requestId | sort requestId",
     [{"requestId": "r2"}, {"requestId": "r8"}, {"requestId": "r9"}]),
    ("filter resourcePath like /^\\/orders\\/\\d+$/ and not httpMethod in ['DELETE'] | fields requestId "
     "| sort requestId", [{"requestId": "r2"}, {"requestId": "r8"}]),
    ("filter status in [429, 504] or identity.sourceIp = '203.0.113.5' | fields requestId | sort requestId",
     [{"requestId": "r5"}, {"requestId": "r6"}, {"requestId": "r8"}]),
    ("filter httpMethod not like /GET|POST/ | fields requestId, httpMethod",
     [{"requestId": "r9", "httpMethod": "DELETE"}]),
    ("filter ispresent(httpMethod) | stats count(*) as requests, sum(responseLatency) as total by httpMethod "
     "| sort requests desc", [{"httpMethod": "GET", "requests": "7", "total": "29078"}, {"httpMethod": "POST", "requests": "2", "total": "550"},
      {"httpMethod": "DELETE", "requests": "1", "total": "15"}]),
    ("filter ispresent(status) | stats count(*), min(responseLatency), max(responseLatency), "
     "avg(responseLatency), pct(responseLatency, 50) by bin(1m) | sort bin(1m) asc", "by minute"),
    ("stats count(*) by status | sort status desc | limit 2",
     [{"status": "504", "count(*)": "1"}, {"status": "502", "count(*)": "1"}]),
    ("fields @message | filter @message like 'alice' | parse @message 'user=* action=*' as user, action "
     "| display user, action", [{"user": "alice", "action": "login"}]),
    ("parse @message /\"status\":\"(?<code>5\\d\\d)\"/ | filter ispresent(code) | stats count(*) as n by code "
     "| sort code", [{"code": "500", "n": "1"}, {"code": "502", "n": "1"}, {"code": "504", "n": "1"}]),
    ("fields toupper(httpMethod) as verb, responseLatency * 2 as doubled | filter requestId = 'r9'",
     [{"verb": "DELETE", "doubled": "30"}]),
    ("filter requestId = 'r9' | fields strlen(resourcePath) as n, tolower(httpMethod) as m, "
     "concat(httpMethod, ' ', resourcePath) as line, coalesce(nothing, status) as s, floor(responseLatency / 2) as f, "
     "ceil(responseLatency / 2) as c, abs(0 - responseLatency) as a, isempty(nothing) as e, isblank(status) as b",
     [{"n": "9", "m": "delete", "line": "DELETE /orders/7", "s": "200", "f": "7", "c": "8", "a": "15", "e": "true",
       "b": "false"}]),
    ("filter ispresent(status) | dedup httpMethod | fields httpMethod, requestId | sort httpMethod",
     [{"httpMethod": "DELETE", "requestId": "r9"}, {"httpMethod": "GET", "requestId": "r8"},
      {"httpMethod": "POST", "requestId": "r4"}]),
    ("stats count_distinct(resourcePath) as paths, earliest(requestId) as first, latest(requestId) as last",
     [{"paths": "4", "first": "r0", "last": "r9"}]),
    ("filter httpMethod = 'POST' | stats stddev(responseLatency) as sd, count(requestId) as n",
     [{"sd": "35.35533906", "n": "2"}]),
    ("filter requestId =~ /r[12]$/ | fields requestId, -responseLatency as neg, responseLatency % 3 as mod, "
     "2 ^ 3 as p | sort requestId", [{"requestId": "r1", "neg": "-20", "mod": "2", "p": "8"},
                                     {"requestId": "r2", "neg": "-5", "mod": "2", "p": "8"}]),
])
def test_queries_filter_aggregate_sort_and_limit_as_the_query_syntax_defines(logs, group, base, query, expected):
    answer = run(logs, group, base, query)
    assert answer["status"] == "Complete"
    if expected == "by minute":
        expected = [
            {"bin(1m)": minute(base, 0), "count(*)": "3", "min(responseLatency)": "5", "max(responseLatency)": "20",
             "avg(responseLatency)": "11.66666667", "pct(responseLatency, 50)": "10"},
            {"bin(1m)": minute(base, 1), "count(*)": "3", "min(responseLatency)": "1", "max(responseLatency)": "300",
             "avg(responseLatency)": "183.6666667", "pct(responseLatency, 50)": "250"},
            {"bin(1m)": minute(base, 2), "count(*)": "4", "min(responseLatency)": "2", "max(responseLatency)": "29000",
             "avg(responseLatency)": "7264.25", "pct(responseLatency, 50)": "15"}]
    assert rows(answer) == expected


def test_min_and_max_of_timestamps_are_times(logs, group, base):
    answer = run(logs, group, base, "stats min(@timestamp) as first, max(@timestamp) as last")
    first, last = (time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime(base / 1000 + n)) for n in (1, 200))
    assert rows(answer) == [{"first": first, "last": last}]


def test_without_sort_events_come_newest_first_with_every_discovered_field_and_their_log_stream(logs, group, base):
    answer = run(logs, group, base, "filter ispresent(requestId) | limit 3")
    found = rows(answer)
    assert [r["requestId"] for r in found] == ["r9", "r8", "r7"]
    assert found[0]["@logStream"] == "b" and found[1]["@logStream"] == "a"
    assert found[0]["identity.sourceIp"] == "203.0.113.9"
    assert found[0]["@timestamp"] == time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime(base / 1000 + 124))
    assert all(any(cell["field"] == "@ptr" for cell in row) for row in answer["results"])


def test_statistics_count_the_events_of_the_window_scanned_and_those_that_matched(logs, group, base):
    answer = run(logs, group, base, "filter status >= 500 | limit 1")
    assert len(answer["results"]) == 1
    statistics = answer["statistics"]
    assert statistics["recordsScanned"] == len(LINES) + 1
    assert statistics["recordsMatched"] == 3  # before the limit
    assert statistics["bytesScanned"] > 1000


def test_the_window_is_start_and_end_time_in_seconds_both_inclusive(logs, group, base):
    query_id = logs.start_query(logGroupName=group, startTime=base // 1000 + 61, endTime=base // 1000 + 63,
                                queryString="fields requestId | sort requestId")["queryId"]
    time.sleep(RUN_SECONDS + 0.05)
    answer = logs.get_query_results(queryId=query_id)
    assert rows(answer) == [{"requestId": "r3"}, {"requestId": "r4"}, {"requestId": "r5"}]


def test_the_limit_parameter_caps_the_rows(logs, group, base):
    answer = run(logs, group, base, "fields requestId", limit=2)
    assert len(answer["results"]) == 2 and answer["statistics"]["recordsMatched"] == len(LINES) + 1


def test_a_query_runs_asynchronously_and_stop_query_cancels_it_while_it_runs(logs, group, base):
    query_id = logs.start_query(logGroupName=group, startTime=base // 1000, endTime=base // 1000 + 600,
                                queryString="stats count(*)")["queryId"]
    first = logs.get_query_results(queryId=query_id)
    assert first["status"] == "Running" and first["results"] == []
    assert logs.stop_query(queryId=query_id)["success"] is True
    assert logs.get_query_results(queryId=query_id)["status"] == "Cancelled"
    described = logs.describe_queries(logGroupName=group, status="Cancelled")["queries"]
    assert query_id in [q["queryId"] for q in described]


def test_stop_query_on_a_finished_query_changes_nothing(logs, group, base):
    answer = run(logs, group, base, "stats count(*) as n")
    assert rows(answer) == [{"n": str(len(LINES) + 1)}]
    done = logs.describe_queries(logGroupName=group, status="Complete")["queries"][0]["queryId"]
    assert logs.stop_query(queryId=done)["success"] is False


@pytest.mark.parametrize("query, says", [
    ("pattern @message", "does not support the pattern command"),
    ("filter status >", "ends where more was expected"),
    ("stats median(responseLatency)", "does not support the aggregate median()"),
    ("fields levenshtein(a, b)", "does not support the function levenshtein()"),
    ("filter status = 500 |", "empty command"),
    ("filter resourcePath like /unterminated", "unterminated regular expression"),
    ("limit ten", "limit takes a positive whole number"),
    ("stats pct(responseLatency, 120)", "between 0 and 100"),
    ("fields requestId requestId", "unexpected symbol 'requestId'"),
    ("fields strlen(a, b)", "strlen() does not take 2 argument(s)"),
    ("filter count(*) > 1", "count() is an aggregate: use it in stats"),
])
def test_a_query_it_cannot_run_is_a_malformed_query_naming_what_and_where(logs, group, base, query, says):
    with pytest.raises(ClientError) as raised:
        logs.start_query(logGroupName=group, startTime=base // 1000, endTime=base // 1000 + 600, queryString=query)
    error = raised.value.response
    assert error["Error"]["Code"] == "MalformedQueryException"
    assert says in error["Error"]["Message"]
    assert set(error["queryCompileError"]["location"]) == {"startCharOffset", "endCharOffset"}


@pytest.mark.parametrize("arguments, code", [
    ({"logGroupName": "/no/such/group"}, "ResourceNotFoundException"),
    ({}, "InvalidParameterException"),
    ({"logGroupName": "G", "logGroupNames": ["G"]}, "InvalidParameterException"),
    ({"logGroupName": "G", "endTime": 0}, "InvalidParameterException"),
    ({"logGroupName": "G", "limit": 10_001}, "InvalidParameterException"),
])
def test_start_query_checks_its_parameters_before_it_runs(logs, group, base, arguments, code):
    arguments = {k: ([group] if v == ["G"] else group if v == "G" else v) for k, v in arguments.items()}
    arguments = {"startTime": base // 1000, "endTime": base // 1000 + 600, "queryString": "stats count(*)",
                 **arguments}
    with pytest.raises(ClientError) as raised:
        logs.start_query(**arguments)
    assert raised.value.response["Error"]["Code"] == code


def test_results_of_an_unknown_query_are_not_found(logs):
    with pytest.raises(ClientError) as raised:
        logs.get_query_results(queryId="00000000-0000-0000-0000-000000000000")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_thirty_queries_may_run_at_once_and_a_thirty_first_is_refused(sandbox, aws_client_for, logs, group, base,
                                                                      monkeypatch):
    monkeypatch.setattr(logs_insights, "RUN_SECONDS", 60.0)  # queries now run for a minute
    once = aws_client_for(sandbox.url, "logs", REGION, Config(retries={"total_max_attempts": 1}))  # SDKs retry it
    started = []
    try:
        for _ in range(logs_insights.MAX_RUNNING):
            started.append(logs.start_query(logGroupName=group, startTime=base // 1000, endTime=base // 1000 + 600,
                                            queryString="stats count(*)")["queryId"])
        with pytest.raises(ClientError) as raised:
            once.start_query(logGroupName=group, startTime=base // 1000, endTime=base // 1000 + 600,
                             queryString="stats count(*)")
        assert raised.value.response["Error"]["Code"] == "LimitExceededException"
    finally:
        for query_id in started:
            logs.stop_query(queryId=query_id)
    logs.start_query(logGroupName=group, startTime=base // 1000, endTime=base // 1000 + 600,
                     queryString="stats count(*)")  # stopped ones no longer count
