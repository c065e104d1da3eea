"""A history fetch over HTTP to the sandbox: past one page, unfiltered, it reads the streams with
GetLogEvents (streams.py) and gives exactly FilterLogEvents' lines; with a pattern, or within one
page, it stays on FilterLogEvents; paced by the quotas, no ThrottlingException reaches the user.

The module writes one log group in a region of its own (its quotas are no other module's): three
streams whose lines share their timestamps (stream a's, then b's, then c's written, so
FilterLogEvents orders each instant's lines a, b, c), sized so that FilterLogEvents' first 1 MB page
ends inside an instant; then lines of stream a alone, so that a and b each hold over 1 MB
(GetLogEvents pages within a stream).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from botocore.config import Config

from console.logs.tail import filter_budget, filter_pages, history, metered, read_budgets

TIED = 600  # instants with a line in each of the three streams
ALONE = 400  # then instants with a line in stream a only
SIZES = {"a": 300, "b": 2_000, "c": 1_500}  # a tied instant is 3,878 bytes as Logs counts them
STEP_MS = 100
HERE = "ap-south-2"  # this module's own region
AT_ONCE = 6  # histories fetched together: over 50 GetLogEvents and 6 FilterLogEvents within a second or two


@pytest.fixture(scope="module")
def written(sandbox, aws_client_for):
    """(group, start_ms, end_ms) of the module's log group, written once, deleted afterwards."""
    import uuid

    logs = aws_client_for(sandbox.url, "logs", HERE)
    group = f"/aws/apigateway/history-{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=group)
    end = int(time.time() * 1000)
    first = end - (TIED + ALONE + 100) * STEP_MS
    lines: dict[str, list[dict]] = {"a": [], "b": [], "c": []}
    for k in range(TIED + ALONE):
        for stream in ("a", "b", "c") if k < TIED else ("a",):
            size = SIZES[stream] if k < TIED else 3_000
            message = f"stream-{stream} {k} ".ljust(size, "x")
            lines[stream].append({"timestamp": first + k * STEP_MS, "message": message})
    for stream, events in lines.items():  # a, then b, then c
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        batch, size = [], 0
        for event in events + [None]:
            if event is None or size + len(event["message"]) + 26 > 900_000:
                logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
                batch, size = [], 0
            if event is not None:
                batch.append(event)
                size += len(event["message"]) + 26
    logs.create_log_stream(logGroupName=group, logStreamName="old")  # last written 8 hours before: not read
    logs.put_log_events(logGroupName=group, logStreamName="old",
                        logEvents=[{"timestamp": first - 8 * 3_600_000, "message": "stream-old"}])
    yield group, first - 1_000, end
    logs.delete_log_group(logGroupName=group)


@pytest.fixture
def client(sandbox, aws_client_for):
    """A logs client paced by the console's buckets; a throttled call is not retried, so it would surface."""
    logs = aws_client_for(sandbox.url, "logs", HERE, Config(retries={"total_max_attempts": 1}))
    connection = SimpleNamespace(identity=None, target=SimpleNamespace(endpoint_url=sandbox.url), profile=None,
                                 region=HERE)
    metered(logs, filter_budget(connection), read_budgets(connection))
    calls: dict[str, int] = {}
    read: set[str] = set()

    def count(model, params, **_) -> None:
        calls[model.name] = calls.get(model.name, 0) + 1
        if model.name == "GetLogEvents":
            read.add(params["logStreamName"])

    logs.meta.events.register("before-parameter-build.cloudwatch-logs", count)
    logs.calls, logs.streams_read = calls, read
    return logs


def truth(logs, group: str, start: int, end: int, pattern: str | None = None) -> list[tuple]:
    """FilterLogEvents' own answer, page after page."""
    return [(e["timestamp"], e["logStreamName"], e["message"])
            for page in filter_pages(logs, group, start, end, pattern) for e in page]


def fetched(logs, group: str, start: int, end: int, pattern: str | None = None) -> list[tuple]:
    return [(line.timestamp, line.stream, line.message) for line in history(logs, [group], start, end, None, pattern)]


def test_the_first_filter_page_ends_inside_an_instant(client, written):
    """The premise of the next test: the switch to the streams happens between two lines of one instant."""
    group, start, end = written
    page = client.filter_log_events(logGroupName=group, startTime=start, endTime=end)["events"]
    after = client.filter_log_events(logGroupName=group, startTime=page[-1]["timestamp"], endTime=end,
                                     limit=5)["events"]
    assert page[-1]["logStreamName"] == "a" and after[1]["logStreamName"] == "b"
    assert after[1]["timestamp"] == page[-1]["timestamp"]


def test_past_one_page_the_streams_read_give_exactly_filter_log_events_lines(client, written):
    group, start, end = written
    expected = truth(client, group, start, end)
    client.calls.clear()
    got = fetched(client, group, start, end)
    assert len(got) == TIED * 3 + ALONE
    assert got == expected  # same lines, same order, none lost or repeated at page and stream boundaries
    assert client.calls["FilterLogEvents"] == 1 and client.calls["DescribeLogStreams"] == 1
    assert client.calls["GetLogEvents"] >= 3 + 2 + 2  # a and b over 1 MB: two pages each, and each stream's end
    assert client.streams_read == {"a", "b", "c"}  # not "old", whose last event is hours before the window


def test_a_window_inside_the_group_reads_only_its_lines(client, written):
    group, start, end = written
    middle = start + 1_000 + 300 * STEP_MS
    window = (middle, middle + 600 * STEP_MS)  # its end falls on an instant of stream a alone: kept
    assert fetched(client, group, *window) == truth(client, group, *window)


def test_with_a_pattern_history_stays_on_filter_log_events(client, written):
    group, start, end = written
    client.calls.clear()
    got = fetched(client, group, start, end, '"stream-b"')
    assert len(got) == TIED and {stream for _, stream, _ in got} == {"b"}
    assert "GetLogEvents" not in client.calls and "DescribeLogStreams" not in client.calls
    assert got == truth(client, group, start, end, '"stream-b"')


def test_a_window_of_one_page_costs_one_call(client, written):
    group, _, end = written
    client.calls.clear()
    assert len(fetched(client, group, end - 150 * STEP_MS, end)) == 50  # the last 50 instants: stream a alone
    assert client.calls == {"FilterLogEvents": 1}


def test_histories_at_once_are_paced_under_the_quotas(client, written):
    """Fetches together want more GetLogEvents and FilterLogEvents at once than their quotas allow; paced by the
    console's buckets, none is refused (the client does not retry, so a refusal would surface)."""
    group, start, end = written
    time.sleep(1.0)  # the sandbox's quotas fill again after the tests before
    results: list = []

    def fetch() -> None:
        try:
            results.append(len(fetched(client, group, start, end)))
        except Exception as exc:  # recorded, to fail the test below
            results.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [TIED * 3 + ALONE] * AT_ONCE


@contextmanager
def refused(url: str, operation: str):
    """The sandbox answers `operation` in this module's region with AccessDeniedException, as AWS answers an
    identity whose policy allows FilterLogEvents only; other tests' faults are kept (GET, add, POST)."""
    def faults(body: dict | None = None) -> dict:
        request = urllib.request.Request(f"{url}/_sandbox/faults", method="POST" if body is not None else "GET",
                                         data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read())

    mine = f"logs:{operation}@{HERE}"
    held = faults()
    faults(held | {"deny": held.get("deny", []) + [mine]})
    try:
        yield
    finally:
        held = faults()
        faults(held | {"deny": [spec for spec in held.get("deny", []) if spec != mine]})


@pytest.mark.parametrize("operation", ["DescribeLogStreams", "GetLogEvents"])
def test_where_the_stream_reads_are_refused_filter_log_events_goes_on(sandbox, client, written, operation):
    group, start, end = written
    expected = truth(client, group, start, end)
    client.calls.clear()
    with refused(sandbox.url, operation):
        got = fetched(client, group, start, end)
    assert got == expected
    assert client.calls[operation] >= 1 and client.calls["FilterLogEvents"] > 1
