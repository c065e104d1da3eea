"""The sandbox's CloudWatch Logs reads over HTTP, held to the Logs API reference and its filter syntax.

Each test's name states the documented rule it checks. Tests write log groups of their own in
`scratch_region` with plain boto3 clients. StartLiveTail clients turn host-prefix injection off:
botocore sends StartLiveTail to `stream-<host>`, which cannot resolve for 127.0.0.1 (see
test_a_default_client_cannot_reach_live_tail_on_an_ip_endpoint).
"""

from __future__ import annotations

import itertools
import json
import threading
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, EventStreamError

from console.sandbox import ACCOUNT_ID
from console.sandbox.fidelity import logs_live_tail

STATUSES = (200, 201, 404, 429, 500, 502, 504)
CLF = [  # space-delimited access-log lines: ip, id, user, [time], "request", status, size
    '203.0.113.7 - alice [21/Nov/2026:10:00:01 +0000] "GET /orders HTTP/1.1" 200 1534',
    '203.0.113.8 - bob [21/Nov/2026:10:00:02 +0000] "POST /orders HTTP/1.1" 502 120',
    '198.51.100.3 - - [21/Nov/2026:10:00:03 +0000] "GET /orders/42 HTTP/1.1" 504 4400',
    '198.51.100.3 - - [21/Nov/2026:10:00:04 +0000] "GET /health HTTP/1.1" 404 36',
]


@pytest.fixture
def logs(sandbox, scratch_region, aws_client_for):
    return aws_client_for(sandbox.url, "logs", scratch_region, Config(inject_host_prefix=False))


@pytest.fixture
def now_ms():
    return int(time.time() * 1000)


@pytest.fixture
def group(logs, unique):
    """An empty log group with a stream `s1`; deleted afterwards."""
    name = unique("/aws/apigateway/scratch")
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s1")
    yield name
    logs.delete_log_group(logGroupName=name)


@pytest.fixture
def access_log(logs, group, now_ms):
    """JSON access-log lines, one per status in STATUSES, a millisecond apart, statuses as strings."""
    lines = [{"status": str(status), "ip": f"203.0.113.{i}", "latency": 10 * (i + 1),
              "route": {"path": "/orders"}, "tags": ["a"], "error": None if status < 500 else "boom",
              "cached": status == 200}
             for i, status in enumerate(STATUSES)]
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": now_ms - 1000 + i, "message": json.dumps(line)} for i, line in enumerate(lines)])
    return group


def statuses(logs, group, pattern):
    events = logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"]
    return [int(json.loads(e["message"])["status"]) for e in events]


def put(logs, group, messages, stream="s1"):
    stamp = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": stamp + i, "message": m} for i, m in enumerate(messages)])


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


# --- Filter patterns: JSON ----------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "expected"), [
    ("{ $.status = 500 }", [500]),
    ("{ $.status != 500 }", [200, 201, 404, 429, 502, 504]),
    ("{ $.status >= 500 }", [500, 502, 504]),
    ("{ $.status > 500 }", [502, 504]),
    ("{ $.status < 404 }", [200, 201]),
    ("{ $.status <= 404 }", [200, 201, 404]),
    ("{$.latency>=60}", [502, 504]),
])
def test_json_numeric_comparisons_also_hold_for_numbers_written_as_strings(logs, access_log, pattern, expected):
    """{ SELECTOR NUMERIC_OPERATOR NUMBER } with = != < > <= >=; API Gateway logs "status":"502"."""
    assert statuses(logs, access_log, pattern) == expected


@pytest.mark.parametrize(("pattern", "expected"), [
    ('{ $.status = "5*" }', [500, 502, 504]),
    ("{ $.status = 5* }", [500, 502, 504]),
    ('{ $.status != "5*" }', [200, 201, 404, 429]),
    ("{ $.ip = 203.0.113.* }", list(STATUSES)),
    ('{ $.route.path = "/orders" }', list(STATUSES)),
    ('{ $.route.path = "*ders" }', list(STATUSES)),
    ('{ $.status = "50" }', []),
])
def test_json_string_values_quoted_or_not_with_star_wildcards(logs, access_log, pattern, expected):
    """{ SELECTOR EQUALITY_OPERATOR STRING }: quotes optional for plain text, * matches any text."""
    assert statuses(logs, access_log, pattern) == expected


@pytest.mark.parametrize(("pattern", "expected"), [
    ("{ $.status >= 500 && $.latency >= 60 }", [502, 504]),
    ("{ $.status = 200 || $.status = 404 }", [200, 404]),
    ("{ $.status = 200 || $.status >= 500 && $.latency >= 60 }", [200, 502, 504]),
    ("{ ($.status = 200 || $.status >= 500) && $.latency >= 60 }", [502, 504]),
])
def test_json_and_binds_tighter_than_or_and_parentheses_group(logs, access_log, pattern, expected):
    """Compound conditions: () > && > ||, as standard order of operations."""
    assert statuses(logs, access_log, pattern) == expected


@pytest.mark.parametrize(("pattern", "expected"), [
    ("{ $.route = 1 }", []), ("{ $.route != 1 }", []), ("{ $.tags != 1 }", []),
    ("{ $.error IS NULL }", [200, 201, 404, 429]),
    ("{ $.missing NOT EXISTS }", list(STATUSES)),
    ("{ $.cached IS TRUE }", [200]),
    ("{ $.tags[0] = a }", list(STATUSES)),
])
def test_json_selectors_must_point_at_a_value_and_keywords_test_null_existence_booleans(
        logs, access_log, pattern, expected):
    """A selector on an object or array matches nothing (= and != alike); IS NULL, NOT EXISTS, IS TRUE."""
    assert statuses(logs, access_log, pattern) == expected


def test_json_patterns_never_match_events_that_are_not_json(logs, group):
    put(logs, group, ["status=500 plain text", '{"status": 500}'])
    assert statuses(logs, group, "{ $.status = 500 }") == [500]


# --- Filter patterns: space-delimited and terms -------------------------------------------------


@pytest.mark.parametrize(("pattern", "expected"), [
    ("[ip, id, user, timestamp, request, status = 5*, size]", [1, 2]),
    ("[ip, id, user, timestamp, request, status >= 500, size > 1000]", [2]),
    ("[..., status = 5*, size]", [1, 2]),
    ("[ip = 198.51.100.*, ...]", [2, 3]),
    ('[ip, id, user, timestamp, request = "*/orders*", status, size]', [0, 1, 2]),
    ("[ip, id, user, timestamp, request, status = 404 || status = 502, size]", [1, 3]),
    ("[ip, id, user, timestamp, request, status = 5* && size < 1000, size]", [1]),
    ("[ip, id, user, timestamp, request, status]", []),
    ("[..., request=*health*, status=4*,]", [3]),  # the trailing comma is one more (unnamed) field
])
def test_space_delimited_fields_brackets_and_quotes_group_ellipsis_skips(logs, group, pattern, expected):
    """[w1, w2, ...]: fields by spaces, [..] and ".." one field; conditions with =, numbers, *, && and ||."""
    put(logs, group, CLF)
    events = logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"]
    assert [CLF.index(e["message"]) for e in events] == expected


@pytest.mark.parametrize(("pattern", "expected"), [
    ("ERROR", [0, 1]),
    ("ERROR WARN", [0]),
    ("ERROR -WARN", [1]),
    ('ERROR - "Exiting"', [0]),
    ("?ERROR ?WARN", [0, 1, 2]),
    ('"WARN message"', [0, 2]),
    ("error", []),
    ("%ERR(OR)? [A-Z]%", [0]),
    ("", [0, 1, 2, 3]),
])
def test_terms_all_must_occur_quotes_make_phrases_minus_excludes_question_mark_is_or(logs, group, pattern, expected):
    """Unstructured terms are case-sensitive; "-" excludes, "?" terms match if any occurs, %..% is a regex."""
    lines = ["ERROR WARN message", "Exiting with ERRORCODE: -1", "WARN message", "all good"]
    put(logs, group, lines)
    events = logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"]
    assert [lines.index(e["message"]) for e in events] == expected


@pytest.mark.parametrize("pattern", [
    "/orders", "{ $.status >= 500", '{ $.status >= "5" }', "[a, b", "{ status = 5 }"])
def test_malformed_filter_patterns_are_invalid_parameters(logs, group, pattern):
    """Terms with characters other than letters, digits and _ must be quoted; numeric operators take numbers."""
    response = error_of(lambda: logs.filter_log_events(logGroupName=group, filterPattern=pattern))
    assert response["Error"]["Code"] == "InvalidParameterException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"


# --- FilterLogEvents: groups, streams, time, paging ----------------------------------------------


def test_next_token_pages_through_every_match_once_in_time_order(logs, group, now_ms):
    """limit caps a page; nextToken continues; events come oldest first (startFromHead defaults to true)."""
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": now_ms - 100 + i, "message": f"line {i} ERROR"} for i in range(25)])
    seen, token = [], None
    while True:
        page = logs.filter_log_events(logGroupName=group, filterPattern="ERROR", limit=10,
                                      **({"nextToken": token} if token else {}))
        seen += [e["message"] for e in page["events"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == [f"line {i} ERROR" for i in range(25)]


def test_start_from_head_false_returns_newest_first_and_the_token_keeps_the_direction(logs, group, now_ms):
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": now_ms - 100 + i, "message": f"line {i}"} for i in range(5)])
    first = logs.filter_log_events(logGroupName=group, startFromHead=False, startTime=now_ms - 1000, limit=3)
    rest = logs.filter_log_events(logGroupName=group, nextToken=first["nextToken"])
    assert [e["message"] for e in first["events"] + rest["events"]] == [f"line {i}" for i in range(4, -1, -1)]
    response = error_of(lambda: logs.filter_log_events(logGroupName=group, startFromHead=False, startTime=0))
    assert response["Error"]["Code"] == "InvalidParameterException"  # only with startTime >= 2024-01-01


def test_events_outside_start_and_end_time_are_not_returned(logs, group, now_ms):
    """Events before startTime or later than endTime are not returned (both bounds included)."""
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": now_ms - 100 + i, "message": f"line {i}"} for i in range(5)])
    events = logs.filter_log_events(logGroupName=group, startTime=now_ms - 99, endTime=now_ms - 97)["events"]
    assert [e["message"] for e in events] == ["line 1", "line 2", "line 3"]


@pytest.mark.parametrize("interleaved", [True, False])
def test_events_of_all_streams_are_interleaved_by_time(logs, group, now_ms, interleaved):
    """interleaved is ignored and assumed true: events from several streams in one time order."""
    logs.create_log_stream(logGroupName=group, logStreamName="s2")
    for stream, offsets in (("s1", (0, 2, 4)), ("s2", (1, 3))):
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": now_ms + i, "message": f"{stream}@{i}"} for i in offsets])
    events = logs.filter_log_events(logGroupName=group, interleaved=interleaved)["events"]
    assert [e["message"] for e in events] == ["s1@0", "s2@1", "s1@2", "s2@3", "s1@4"]
    assert {e["logStreamName"] for e in events} == {"s1", "s2"} and all(e["eventId"] for e in events)


def test_streams_by_name_or_by_prefix_but_not_both(logs, group, now_ms):
    logs.create_log_stream(logGroupName=group, logStreamName="other")
    for stream in ("s1", "other"):
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": now_ms, "message": stream}])
    by_prefix = logs.filter_log_events(logGroupName=group, logStreamNamePrefix="s")["events"]
    by_name = logs.filter_log_events(logGroupName=group, logStreamNames=["other"])["events"]
    assert ([e["message"] for e in by_prefix], [e["message"] for e in by_name]) == (["s1"], ["other"])
    both = error_of(lambda: logs.filter_log_events(logGroupName=group, logStreamNames=["s1"], logStreamNamePrefix="s"))
    assert both["Error"]["Code"] == "InvalidParameterException"


def test_log_group_identifier_takes_a_name_or_an_arn_but_not_with_log_group_name(logs, group, scratch_region, now_ms):
    put(logs, group, ["hello"])
    arn = f"arn:aws:logs:{scratch_region}:{ACCOUNT_ID}:log-group:{group}"
    for identifier in (group, arn, f"{arn}:*"):
        assert [e["message"] for e in logs.filter_log_events(logGroupIdentifier=identifier)["events"]] == ["hello"]
    both = error_of(lambda: logs.filter_log_events(logGroupName=group, logGroupIdentifier=arn))
    assert both["Error"]["Code"] == "InvalidParameterException"
    missing = error_of(lambda: logs.filter_log_events(logGroupName=group + "-nope"))
    assert missing["Error"]["Code"] == "ResourceNotFoundException"


# --- StartLiveTail -----------------------------------------------------------------------------


def collect(stream, seconds: float) -> list[tuple[float, dict]]:
    """(seconds since start, event) for every frame the session sends within `seconds`."""
    began, frames = time.monotonic(), []
    for event in stream:
        frames.append((time.monotonic() - began, event))
        if time.monotonic() - began > seconds:
            break
    stream.close()
    return frames


def later(seconds: float, action) -> threading.Thread:
    def run():
        time.sleep(seconds)
        action()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def results(frames) -> list[dict]:
    return [r for _, f in frames if "sessionUpdate" in f for r in f["sessionUpdate"]["sessionResults"]]


def test_live_tail_sends_session_start_then_each_second_the_new_matching_events_of_its_groups(
        logs, group, unique, scratch_region):
    """One sessionStart; a sessionUpdate every second with events ingested since, filtered, unsampled.

    Only the named group counts, even when another group was created after it; events put before
    the session started are not sent.
    """
    put(logs, group, ['{"status": "500", "when": "before"}'])
    newer = unique("/aws/apigateway/newer")
    logs.create_log_group(logGroupName=newer)
    logs.create_log_stream(logGroupName=newer, logStreamName="s1")
    arn = f"arn:aws:logs:{scratch_region}:{ACCOUNT_ID}:log-group:{group}"
    session = logs.start_live_tail(logGroupIdentifiers=[arn], logEventFilterPattern="{ $.status >= 500 }")
    writer = later(1.5, lambda: (put(logs, group, ['{"status": "502"}', '{"status": "200"}']),
                                 put(logs, newer, ['{"status": "503"}'])))
    frames = collect(session["responseStream"], 3.6)
    writer.join()
    logs.delete_log_group(logGroupName=newer)
    start = frames[0][1]["sessionStart"]
    assert start["logGroupIdentifiers"] == [arn] and start["logEventFilterPattern"] == "{ $.status >= 500 }"
    updates = [(at, f["sessionUpdate"]) for at, f in frames[1:]]
    assert len(updates) >= 3 and all(u["sessionMetadata"]["sampled"] is False for _, u in updates)
    stamps = [at for at, _ in updates]
    assert 0.8 < (stamps[-1] - stamps[0]) / (len(stamps) - 1) < 1.2
    assert max(b - a for a, b in itertools.pairwise(stamps)) < 2
    assert [(r["message"], r["logStreamName"], r["logGroupIdentifier"]) for r in results(frames)] == [
        ('{"status": "502"}', "s1", arn)]


def test_live_tail_by_log_group_name_and_stream_prefix(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="other")
    session = logs.start_live_tail(logGroupIdentifiers=[group], logStreamNamePrefixes=["s"])
    writer = later(0.5, lambda: (put(logs, group, ["from s1"]), put(logs, group, ["from other"], stream="other")))
    frames = collect(session["responseStream"], 2.2)
    writer.join()
    assert [r["message"] for r in results(frames)] == ["from s1"]


def test_live_tail_samples_down_to_500_events_an_update_and_says_so(logs, group):
    """More than 500 matching events in a second: 500 of them are sent, with sampled true."""
    session = logs.start_live_tail(logGroupIdentifiers=[group])
    writer = later(0.3, lambda: put(logs, group, [f"event {i}" for i in range(600)]))
    frames = collect(session["responseStream"], 2.2)
    writer.join()
    updates = [f["sessionUpdate"] for _, f in frames if "sessionUpdate" in f]
    full = [u for u in updates if u["sessionResults"]]
    assert len(full) == 1 and len(full[0]["sessionResults"]) == 500 and full[0]["sessionMetadata"]["sampled"]


def test_live_tail_ends_with_session_timeout_exception(logs, group, monkeypatch):
    """Sessions time out (after three hours in AWS) with a SessionTimeoutException in the stream."""
    monkeypatch.setattr(logs_live_tail, "SESSION_SECONDS", 1.5)
    session = logs.start_live_tail(logGroupIdentifiers=[group])
    with pytest.raises(EventStreamError) as raised:
        collect(session["responseStream"], 10)
    assert raised.value.response["Error"]["Code"] == "SessionTimeoutException"


def test_live_tail_session_stops_when_the_client_closes_the_stream(logs, group, monkeypatch):
    """Closing the stream ends the session: the sandbox stops polling for it within a second or two."""
    polls = []
    original = logs_live_tail.Session.new_events
    monkeypatch.setattr(logs_live_tail.Session, "new_events", lambda self: polls.append(1) or original(self))
    session = logs.start_live_tail(logGroupIdentifiers=[group])
    collect(session["responseStream"], 1.0)
    time.sleep(2.5)
    settled = len(polls)
    time.sleep(1.5)
    assert len(polls) == settled


@pytest.mark.parametrize(("arguments", "code"), [
    ({"logGroupIdentifiers": [f"g{i}" for i in range(11)]}, "InvalidParameterException"),
    ({"logStreamNames": ["s1"], "logStreamNamePrefixes": ["s"]}, "InvalidParameterException"),
    ({"logGroupIdentifiers": ["GROUP", "GROUP"], "logStreamNames": ["s1"]}, "InvalidParameterException"),
    ({"logGroupIdentifiers": ["ARN:*"]}, "InvalidParameterException"),
    ({"logEventFilterPattern": "{ $.status >= }"}, "InvalidParameterException"),
    ({"logGroupIdentifiers": ["no-such-group"]}, "ResourceNotFoundException"),
])
def test_live_tail_requests_are_checked_before_the_stream_starts(logs, group, scratch_region, arguments, code):
    """At most 10 groups; names or prefixes, not both, and only with one group; ARNs without *."""
    arn = f"arn:aws:logs:{scratch_region}:{ACCOUNT_ID}:log-group:{group}"
    request = {"logGroupIdentifiers": [group], **arguments}
    named = request["logGroupIdentifiers"]
    request["logGroupIdentifiers"] = [g.replace("GROUP", group).replace("ARN", arn) for g in named]
    response = error_of(lambda: logs.start_live_tail(**request))
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (code, 400)


def test_a_default_client_cannot_reach_live_tail_on_an_ip_endpoint(sandbox, scratch_region, group, monkeypatch,
                                                                   aws_client_for):
    """botocore prefixes StartLiveTail's host with "stream-": stream-127.0.0.1 resolves nowhere.

    Nothing reaches the sandbox, so it cannot help; turning host-prefix injection off (Config, or
    AWS_DISABLE_HOST_PREFIX_INJECTION) makes the same default client work. The client only gives up
    sooner (one attempt, a short connect timeout): its host prefix is botocore's default still.
    """
    def client():
        return aws_client_for(sandbox.url, "logs", scratch_region,
                              Config(connect_timeout=2, retries={"total_max_attempts": 1, "mode": "standard"}))

    with pytest.raises(EndpointConnectionError, match="stream-127.0.0.1"):
        client().start_live_tail(logGroupIdentifiers=[group])
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    stream = client().start_live_tail(logGroupIdentifiers=[group])["responseStream"]
    assert "sessionStart" in next(iter(stream))
    stream.close()


def test_filter_log_events_allows_five_calls_a_second_per_account_and_region(sandbox, aws_client_for,
                                                                            scratch_region, group):
    """CloudWatch Logs quotas: FilterLogEvents, 5 transactions per second per account and Region; a call
    over it is refused with ThrottlingException. Unused, the quota fills again at that rate."""
    logs = aws_client_for(sandbox.url, "logs", scratch_region,
                          Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    time.sleep(1.0)  # whatever earlier tests spent has come back
    answered = 0
    with pytest.raises(ClientError) as refused:
        for _ in range(20):
            logs.filter_log_events(logGroupName=group, limit=1)
            answered += 1
    assert refused.value.response["Error"]["Code"] == "ThrottlingException"
    assert 5 <= answered <= 6  # five at once, and perhaps one more second's fifth while they ran
    time.sleep(0.25)
    logs.filter_log_events(logGroupName=group, limit=1)


# --- GetLogEvents and DescribeLogStreams ---------------------------------------------------------


def page_bytes(events) -> int:
    return sum(len(e["message"].encode()) + 26 for e in events)


def test_get_log_events_pages_hold_at_most_1_mb_and_the_forward_token_comes_back_at_the_end(logs, group, now_ms):
    """GetLogEvents: "returns as many log events as can fit in a response size of 1 MB (up to 10,000 log
    events)"; nextForwardToken: "If you have reached the end of the stream, it returns the same token
    you passed in." Events come oldest first and carry no event id and no stream name."""
    messages = [f"{i:04d} ".ljust(3_000, "x") for i in range(400)]  # 1.2 MB
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": now_ms - 400 + i, "message": m} for i, m in enumerate(messages)])
    first = logs.get_log_events(logGroupName=group, logStreamName="s1", startFromHead=True)
    assert 300 < len(first["events"]) < 400 and page_bytes(first["events"]) <= 1_048_576
    assert set(first["events"][0]) == {"timestamp", "message", "ingestionTime"}
    second = logs.get_log_events(logGroupName=group, logStreamName="s1", nextToken=first["nextForwardToken"])
    assert [e["message"] for e in first["events"] + second["events"]] == messages
    end = logs.get_log_events(logGroupName=group, logStreamName="s1", nextToken=second["nextForwardToken"])
    assert end["events"] == [] and end["nextForwardToken"] == second["nextForwardToken"]


def test_get_log_events_includes_start_time_and_leaves_out_end_time(logs, group, now_ms):
    """GetLogEvents startTime: "Events with a timestamp equal to this time or later than this time are
    included"; endTime: "Events with a timestamp equal to or later than this time are not included."
    limit: 1 to 10,000."""
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": now_ms + i, "message": f"m{i}"} for i in range(4)])
    got = logs.get_log_events(logGroupName=group, logStreamName="s1", startTime=now_ms + 1, endTime=now_ms + 3,
                              startFromHead=True)
    assert [e["message"] for e in got["events"]] == ["m1", "m2"]
    assert error_of(lambda: logs.get_log_events(logGroupName=group, logStreamName="s1", limit=10_001))[
        "Error"]["Code"] == "InvalidParameterException"
    assert error_of(lambda: logs.get_log_events(logGroupName=group, logStreamName="nope"))[
        "Error"]["Code"] == "ResourceNotFoundException"


def test_get_log_events_without_start_from_head_starts_at_the_newest_and_pages_backward(logs, group, now_ms):
    """startFromHead: "If the value is false, the latest log events are returned first. The default value
    is false." nextBackwardToken: "If you have reached the end of the stream, it returns the same token
    you passed in." Each page is in time order."""
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": now_ms + i, "message": f"m{i}"} for i in range(5)])
    pages, token = [], None
    for _ in range(4):
        reply = logs.get_log_events(logGroupName=group, logStreamName="s1", limit=2,
                                    **({"nextToken": token} if token else {}))
        pages.append([e["message"] for e in reply["events"]])
        if reply["nextBackwardToken"] == token:
            break
        token = reply["nextBackwardToken"]
    assert pages == [["m3", "m4"], ["m1", "m2"], ["m0"], []]


def test_get_log_events_tokens_hold_across_events_written_out_of_order(logs, group, now_ms):
    """A forward token goes on after the last event it returned, whatever arrives meanwhile (the
    token names an event, not a position in a list)."""
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": now_ms + 10 * i, "message": f"m{i}"} for i in range(4)])
    first = logs.get_log_events(logGroupName=group, logStreamName="s1", limit=2, startFromHead=True)
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[{"timestamp": now_ms - 5, "message": "old"}])
    rest = logs.get_log_events(logGroupName=group, logStreamName="s1", nextToken=first["nextForwardToken"])
    assert [e["message"] for e in first["events"] + rest["events"]] == ["m0", "m1", "m2", "m3"]


def test_get_log_events_allows_25_calls_a_second_per_account_and_region(sandbox, aws_client_for, group):
    """CloudWatch Logs quotas: GetLogEvents, 25 transactions per second per account and Region; over it,
    ThrottlingException. (Its own region: other modules' reads do not spend its quota.)"""
    region = "ap-east-2"  # no other test uses it
    logs = aws_client_for(sandbox.url, "logs", region, Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    try:
        time.sleep(1.0)
        answered = 0
        with pytest.raises(ClientError) as refused:
            for _ in range(60):
                logs.get_log_events(logGroupName=group, logStreamName="s1", limit=1)
                answered += 1
        assert refused.value.response["Error"]["Code"] == "ThrottlingException"
        assert 25 <= answered <= 30  # 25 at once, and a few more of the next second's while they ran
    finally:
        logs.delete_log_group(logGroupName=group)


def test_describe_log_streams_pages_50_and_orders_by_last_event_time_newest_first(logs, group, now_ms):
    """DescribeLogStreams: "By default, this operation returns up to 50 log streams"; orderBy
    LastEventTime with descending=true lists the stream with the latest event first; "If you order
    the results by event time, you cannot specify the logStreamNamePrefix parameter."
    lastEventTimestamp, firstEventTimestamp and lastIngestionTime are given for streams with events."""
    for i in range(55):
        logs.create_log_stream(logGroupName=group, logStreamName=f"x{i:02d}")
    for i in (3, 7, 5):
        logs.put_log_events(logGroupName=group, logStreamName=f"x{i:02d}",
                            logEvents=[{"timestamp": now_ms - 100 + i, "message": "m"}])
    first = logs.describe_log_streams(logGroupName=group)
    assert len(first["logStreams"]) == 50 and first.get("nextToken")
    rest = logs.describe_log_streams(logGroupName=group, nextToken=first["nextToken"])
    assert len(first["logStreams"]) + len(rest["logStreams"]) == 56  # and s1
    newest = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True, limit=3)
    assert [s["logStreamName"] for s in newest["logStreams"]] == ["x07", "x05", "x03"]
    assert {"firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"} <= set(newest["logStreams"][0])
    assert error_of(lambda: logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime",
                                                      logStreamNamePrefix="x"))["Error"]["Code"] == \
        "InvalidParameterException"


def test_describe_log_streams_allows_5_calls_a_second_per_account_and_region(sandbox, aws_client_for, group):
    """DescribeLogStreams: "This operation has a limit of five transactions per second, after which
    transactions are throttled." (Its own region: other modules' listings do not spend its quota.)"""
    logs = aws_client_for(sandbox.url, "logs", "ap-east-2",
                          Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    logs.create_log_group(logGroupName=group)
    try:
        time.sleep(1.0)
        answered = 0
        with pytest.raises(ClientError) as refused:
            for _ in range(20):
                logs.describe_log_streams(logGroupName=group)
                answered += 1
        assert refused.value.response["Error"]["Code"] == "ThrottlingException"
        assert 5 <= answered <= 6
    finally:
        logs.delete_log_group(logGroupName=group)
