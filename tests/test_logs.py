"""The tail engine: every line once, in order, across a forced reconnect, in LiveTail and polling modes."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from once import once
from botocore.config import Config
from botocore.exceptions import ClientError
from traffic_helpers import stepped

from console.aws.budget import TokenBucket
from console.logs.access_log import parser_for
from console.logs.buffer import LogBuffer
from console.logs.filter import LineFilter
from console.logs.sources import LogGroup, group_arn, sources
from console.logs.stats import Rollup
from console.logs.tail import Tail, filter_budget, history, metered
from console.model import AccessLog, Canary, MethodSetting, Protocol, Stage
from console.sandbox import ACCOUNT_ID, REGION
from console.sandbox.estate import ORDERS_API, PAYMENTS_API, REST_DETAILED_FORMAT
from console.sandbox.history import render

ORDERS = "/aws/apigateway/orders-api/prod/access"


HERE = "us-west-1"  # this module's own region


@pytest.fixture(scope="module")
def live(sandbox):
    return once(sandbox, __name__, lambda: build_live(sandbox))


def build_live(sandbox):
    return stepped(sandbox.url, HERE, rest_apis=(ORDERS_API, PAYMENTS_API),
                   stages=(("orders-api", "prod"), ("payments-api", "prod")))


def group(name: str, region: str = HERE) -> LogGroup:
    return LogGroup(name, group_arn(name, region, ACCOUNT_ID))


def written(live, name: str, since_ms: int) -> list[str]:
    """Request ids of every line in the group since `since_ms`, as the sandbox holds them: the truth."""
    parser = parser_for(REST_DETAILED_FORMAT)
    logs = live.client("logs")
    return [parser.parse(line.message).request_id
            for line in history(logs, [name], since_ms, None, None)]


def pump(tail: Tail, into: LogBuffer, seconds: float, until=lambda: False) -> list:
    end = time.monotonic() + seconds
    notices = []
    while time.monotonic() < end and not until():
        batch = tail.drain()
        into.add(batch.lines)
        notices += batch.notices
        time.sleep(0.05)
    return notices


def run_tail(live, *, live_tail: bool) -> tuple[LogBuffer, list, Tail, int]:
    start_ms = int(time.time() * 1000)
    tail = Tail(live.logs(), [group(ORDERS)], parser_for(REST_DETAILED_FORMAT), budget=TokenBucket(5, 5),
                since_ms=start_ms, live=live_tail, settle=0.3, reconnect_delay=1.0, backfill_delay=0.1).start()
    buffer = LogBuffer()
    notices = pump(tail, buffer, 3.0, until=lambda: tail.state.mode != "connecting")
    time.sleep(max(0.0, start_ms / 1000 + 1.1 - time.time()))  # the first step's second starts after start_ms
    for _ in range(3):
        live.step(1.0)
        notices += pump(tail, buffer, 0.3)
    if live_tail:
        tail.reconnect()
        live.step(1.0)  # written while no session is open: only the backfill can bring these
        live.step(1.0)
        notices += pump(tail, buffer, 3.0, until=lambda: any(n.kind == "backfilled" for n in notices))
    for _ in range(3):
        live.step(1.0)
        notices += pump(tail, buffer, 0.3)
    notices += pump(tail, buffer, 1.3)
    tail.stop()
    buffer.add(tail.drain().lines)
    return buffer, notices, tail, start_ms


def assert_complete(live, buffer: LogBuffer, start_ms: int) -> None:
    truth = written(live, ORDERS, start_ms)
    shown = [line.entry.request_id for line in buffer.shown]
    assert len(truth) >= 5
    assert len(shown) == len(set(shown)), "a line was shown twice"
    extra = [(line.entry.request_id, line.timestamp - start_ms, line.stream) for line in buffer.shown
             if line.entry.request_id not in set(truth)]
    assert sorted(shown) == sorted(truth), f"a line is missing or extra: {extra} missing {set(truth) - set(shown)}"
    stamps = [line.timestamp for line in buffer.shown]
    assert stamps == sorted(stamps), "lines out of order"


def test_live_tail_loses_and_repeats_nothing_across_a_forced_reconnect(live):
    buffer, notices, tail, start_ms = run_tail(live, live_tail=True)
    assert_complete(live, buffer, start_ms)
    kinds = [n.kind for n in notices]
    assert kinds[0] == "live" and "gap" in kinds and "backfilled" in kinds
    recovered = next(n for n in notices if n.kind == "backfilled")
    assert "recovered" in recovered.text and not recovered.text.startswith("Gap filled by polling: 0 ")
    assert tail.state.gaps == 1 and buffer.duplicates == 0


def test_a_gaps_backfill_never_reaches_back_past_where_the_tail_began(live, scratch_region, unique):
    """A gap is backfilled from the newest line seen less an overlap (3 s at least): a line written
    before the tail began, within that overlap, is still not one the operator asked for."""
    logs = live.logs(scratch_region)
    name = unique("/gap")
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s")

    def put(request_id: str, at_ms: int) -> None:
        logs.put_log_events(logGroupName=name, logStreamName="s", logEvents=[
            {"timestamp": at_ms, "message": render(REST_DETAILED_FORMAT, {"requestId": request_id, "status": "200"})}])

    since = int(time.time() * 1000)
    put("before", since - 1_000)
    tail = Tail(logs, [group(name, scratch_region)], parser_for(REST_DETAILED_FORMAT), budget=TokenBucket(5, 5),
                since_ms=since, settle=0.2, reconnect_delay=0.5, backfill_delay=0.0).start()
    buffer = LogBuffer()
    notices = pump(tail, buffer, 3.0, until=lambda: tail.state.mode == "live")
    put("first", since + 100)
    notices += pump(tail, buffer, 2.0, until=lambda: len(buffer.shown) == 1)
    tail.reconnect()
    put("second", since + 200)
    notices += pump(tail, buffer, 4.0, until=lambda: any(n.kind == "backfilled" for n in notices))
    tail.stop()
    buffer.add(tail.drain().lines)
    assert sorted(line.entry.request_id for line in buffer.shown) == ["first", "second"]


def test_polling_loses_and_repeats_nothing(live):
    buffer, notices, tail, start_ms = run_tail(live, live_tail=False)
    assert_complete(live, buffer, start_ms)
    assert notices[0].kind == "polling"
    assert tail.state.duplicates > 0  # the overlap was fetched again and dropped by event id
    assert buffer.duplicates == 0


def test_live_tail_says_when_it_samples_and_backfills_the_rest(live, scratch_region, unique):
    logs = live.logs(scratch_region)
    name = unique("/burst")
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s")
    parser = parser_for(REST_DETAILED_FORMAT)
    tail = Tail(logs, [group(name, scratch_region)], parser, budget=TokenBucket(5, 5), settle=0.2,
                backfill_delay=0.0).start()
    buffer = LogBuffer()
    notices = pump(tail, buffer, 3.0, until=lambda: tail.state.mode == "live")
    now = int(time.time() * 1000)
    lines = [{"timestamp": now + i // 10, "message": render(REST_DETAILED_FORMAT, {"requestId": f"r{i:05d}",
                                                                                   "status": "200"})}
             for i in range(1_200)]
    logs.put_log_events(logGroupName=name, logStreamName="s", logEvents=lines)
    notices += pump(tail, buffer, 5.0, until=lambda: len(buffer.shown) == 1_200)
    tail.stop()
    buffer.add(tail.drain().lines)
    assert "sampled" in [n.kind for n in notices]
    assert sorted(line.entry.request_id for line in buffer.shown) == [f"r{i:05d}" for i in range(1_200)]


def test_throttling_backs_off_and_says_so(sandbox, aws_client_for, scratch_region, unique):
    """FilterLogEvents allows 5 calls a second per account and Region, shared by every tool. When another
    tool has spent them, the tail's poll is refused with ThrottlingException: it says so, waits 2 s (no
    retry storm), and then takes the line it was after."""
    def client():  # no retries of its own: the tail's back-off is what is under test
        return aws_client_for(sandbox.url, "logs", scratch_region,
                              Config(retries={"total_max_attempts": 1, "mode": "standard"}))

    name = f"/throttled/{unique}"
    setup, other = client(), client()
    setup.create_log_group(logGroupName=name)
    setup.create_log_stream(logGroupName=name, logStreamName="s")
    now_ms = int(time.time() * 1000)
    setup.put_log_events(logGroupName=name, logStreamName="s", logEvents=[{"timestamp": now_ms, "message": "hello"}])
    for _ in range(20):  # another tool spends the quota: five calls, then refusals
        try:
            other.filter_log_events(logGroupName=name, limit=1)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ThrottlingException"
            break
    else:
        pytest.fail("the sandbox never refused a call over the quota")
    # The next call is allowed 200 ms later; the tail's first poll, at once, is refused.
    tail = Tail(client(), [group(name, scratch_region)], None, budget=TokenBucket(5, 5), since_ms=now_ms - 1000,
                live=False, settle=0).start()
    notices, lines = [], []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not lines:
        batch = tail.drain()
        notices += batch.notices
        lines += batch.lines
        time.sleep(0.05)
    tail.stop()
    assert [n.kind for n in notices][:2] == ["polling", "throttled"]
    throttled = notices[1]
    assert "Retrying in 2 s" in throttled.text
    assert [line.message for line in lines] == ["hello"]
    assert time.time() - throttled.at >= 1.9, "the tail polled again before its back-off was over"


def test_the_filter_budget_is_one_per_account_and_region(connection):
    connection.identify()
    assert filter_budget(connection) is filter_budget(connection)
    assert filter_budget(connection).rate == 5
    hooks = {}
    client = SimpleNamespace(meta=SimpleNamespace(events=SimpleNamespace(
        register=lambda name, handler, unique_id: hooks.setdefault(name, handler))))

    def no_waiting(seconds):
        raise TimeoutError(seconds)

    metered(client, TokenBucket(5, 5, clock=lambda: 0.0, sleep=no_waiting))
    hook = hooks["before-send.cloudwatch-logs.FilterLogEvents"]
    for _ in range(5):
        assert hook() is None  # a before-send handler must return None, or botocore takes it for the response
    with pytest.raises(TimeoutError):
        hook()  # the sixth call in the same second waits


def test_filter_patterns_narrow_the_fetch_without_losing_a_match(live, scratch_region, unique):
    logs = live.client("logs", scratch_region)
    clf = '$context.identity.sourceIp [$context.requestTime] "$context.httpMethod $context.resourcePath" ' \
          '$context.status $context.requestId'
    now = int(time.time() * 1000)
    for log_format in (REST_DETAILED_FORMAT, clf):
        name = unique("/patterns")
        logs.create_log_group(logGroupName=name)
        logs.create_log_stream(logGroupName=name, logStreamName="s")
        events = [{"timestamp": now + i, "message": render(log_format, {
            "requestId": f"r{i}", "status": status, "httpMethod": method, "resourcePath": path,
            "identity.sourceIp": "192.0.2.1", "requestTime": "12/Mar/2026:10:11:12 +0000"})}
            for i, (status, method, path) in enumerate([("200", "GET", "/orders"), ("502", "POST", "/orders"),
                                                        ("504", "GET", "/items"), ("404", "POST", "/orders/1")])]
        logs.put_log_events(logGroupName=name, logStreamName="s", logEvents=events)
        parser = parser_for(log_format)
        for typed, expected in (("5xx", {"r1", "r2"}), ("4xx 5xx POST /orders", {"r1", "r3"}),
                                ("5xx GET", {"r2"})):
            line_filter = LineFilter.parse(typed)
            pattern = line_filter.pattern(parser)
            assert pattern, (log_format, typed)
            fetched = list(history(logs, [name], now - 1000, None, parser, pattern))
            assert {line.entry.request_id for line in fetched if line_filter.matches(line)} == expected
            assert len(fetched) <= 4 and {line.entry.request_id for line in fetched} >= expected


def test_the_rollup_counts_by_second_and_ranks_routes():
    parser = parser_for(REST_DETAILED_FORMAT)
    rollup = Rollup(window=900)
    base = 1_790_000_000_000
    for i in range(1_000):
        status = "502" if i % 10 == 0 else "200"
        route = "/slow" if i % 4 == 0 else "/fast"
        latency = "900" if route == "/slow" else "20"
        rollup.add(parser.facts(render(REST_DETAILED_FORMAT, {"status": status, "resourcePath": route,
                                                               "responseLatency": latency})), base + i * 10)
    now = (base + 10_000) // 1000
    points = rollup.points(now, 60, 10)
    assert sum(p.counts[3] for p in points) == 100 and sum(p.counts[0] for p in points) == 900
    assert 850 < max(p.p99 for p in points if p.p99) < 950
    assert rollup.top_routes(now, 300, "5xx")[0].errors5 >= 50
    assert rollup.top_routes(now, 300, "p99")[0].route == "/slow"
    rollup.add(None, base - 2_000_000)  # older than the window: ignored
    assert rollup.lines == 1_000


def test_the_5xx_rate_of_the_stream_rises_when_the_bad_canary_starts(sandbox):
    from console.sandbox.scenarios import begin

    run = stepped(sandbox.url, "us-east-2", rest_apis=(PAYMENTS_API,), stages=(("payments-api", "prod"),))
    name = "/aws/apigateway/payments-api/prod/access"
    parser = parser_for(REST_DETAILED_FORMAT)
    rollup = Rollup(window=1_800)
    at = time.time() - 1_230  # ten healthy minutes, then ten with the canary, in fifteen-second steps
    for _ in range(40):
        at += 15
        run.traffic.step(15.0, at)
    begin("bad-canary", run.url, run.region)
    began = int(at)
    run.traffic.refresh(at)
    for _ in range(40):
        at += 15
        run.traffic.step(15.0, at)
    rollup.add_lines(history(run.client("logs"), [name], int((at - 1_200) * 1000), None, parser))
    points = rollup.points(int(at), 1_200, 10)  # what the 5xx chart draws, in ten-second steps

    def share(chosen) -> float:
        counts = [sum(p.counts[i] for p in chosen) for i in range(4)]
        assert sum(counts) > 400
        return counts[3] / sum(counts)

    healthy = share([p for p in points if p.start < began])
    failing = share([p for p in points if p.start >= began])
    assert failing > 1.5 * healthy

def test_where_a_stages_logs_are():
    now = None
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/apigateway/x/prod/access"
    base = Stage(api_id="abc", protocol=Protocol.REST, name="prod", deployment_id="d", description="", created=now,
                 updated=now, fetched_at=now, default=MethodSetting("*/*", "*/*"),
                 access_log=AccessLog(arn, REST_DETAILED_FORMAT), canary=Canary(10.0, "d2"))
    found = sources(base, REGION, ACCOUNT_ID)
    assert found.access.name == "/aws/apigateway/x/prod/access" and found.problem is None
    assert found.canary == LogGroup("/aws/apigateway/x/prod/access/Canary", arn + "/Canary")
    assert found.execution.name == "API-Gateway-Execution-Logs_abc/prod"
    from dataclasses import replace

    none = sources(replace(base, access_log=None, canary=None), REGION, ACCOUNT_ID)
    assert none.access is None and "no access logging" in none.problem
    firehose = sources(replace(base, access_log=AccessLog(
        f"arn:aws:firehose:{REGION}:{ACCOUNT_ID}:deliverystream/amazon-apigateway-x", "{}")), REGION, ACCOUNT_ID)
    assert firehose.access is None and "Firehose" in firehose.problem and "cannot tail" in firehose.problem
