"""CloudWatch for stages: the right names and dimensions, one call a refresh, batched for the pulse."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from once import once
from traffic_helpers import stepped

from console.aws.session import Connection, Target
from console.read import metrics, pulse
from console.read.gateway import Gateway
from console.read.metrics import StageRef
from console.sandbox.estate import ORDERS_API, STOREFRONT_HTTP

HERE = "eu-west-2"  # this module's own region


@pytest.fixture(scope="module")
def live(sandbox):
    return once(sandbox, __name__, lambda: build_live(sandbox))


def build_live(sandbox):
    """orders-api and storefront-http seeded here, with the last minutes of traffic published."""
    running = stepped(sandbox.url, HERE, rest_apis=(ORDERS_API,), v2_apis=(STOREFRONT_HTTP,),
                      stages=(("orders-api", "prod"), ("storefront-http", "prod")))
    now = time.time()
    for minute in range(4, -1, -1):
        running.step(60.0, now - minute * 60)
    running.traffic.close(now)
    return running


@pytest.fixture
def live_gateway(live):
    return Gateway(Connection(Target(endpoint_url=live.url, region=HERE)))


@pytest.fixture
def cloudwatch(live_gateway):
    """The region's CloudWatch (the one the pulse uses), counting GetMetricData calls."""
    client = live_gateway.connection.client("cloudwatch")
    client.calls = []
    client.meta.events.register("provide-client-params.cloudwatch.GetMetricData",
                                lambda params, **_: client.calls.append(len(params["MetricDataQueries"])))
    return client


@pytest.fixture
def refs(live):
    gateway = Gateway(Connection(Target(endpoint_url=live.url, region=HERE)))
    return {(ref.api_name, ref.stage): ref for ref in metrics.region_refs(gateway)}


def test_rest_and_http_stages_are_asked_by_their_own_names_and_dimensions():
    rest = StageRef("abc", "orders-api", "prod")
    http = StageRef("xyz", "storefront", "prod", http=True)
    window = metrics.WINDOWS["1h"]
    by_key = {q.key: q for q in metrics.stage_queries(rest, window) if len(q.key) == 2}
    assert by_key[("4xx", "Sum")].name == "4XXError" and by_key[("5xx", "Sum")].name == "5XXError"
    assert by_key[("count", "Sum")].dimensions == (("ApiName", "orders-api"), ("Stage", "prod"))
    assert ("cache_hits", "Sum") in by_key and ("data_processed", "Sum") not in by_key
    assert {s for (m, s) in by_key if m == "latency"} == {"Average", "p50", "p90", "p99"}
    by_key = {q.key: q for q in metrics.stage_queries(http, window) if len(q.key) == 2}
    assert by_key[("4xx", "Sum")].name == "4xx" and by_key[("5xx", "Sum")].name == "5xx"
    assert by_key[("count", "Sum")].dimensions == (("ApiId", "xyz"), ("Stage", "prod"))
    assert ("cache_hits", "Sum") not in by_key and ("data_processed", "Sum") in by_key


def test_a_stages_view_is_one_call_with_percentiles(cloudwatch, refs):
    found = metrics.stage_metrics(cloudwatch, refs[("orders-api", "prod")], "3h")
    assert len(cloudwatch.calls) == 1
    count = found.get("count", "Sum")
    assert count.total > 0 and list(count.timestamps) == sorted(count.timestamps)
    p50, p99 = found.get("latency", "p50"), found.get("latency", "p99")
    assert p99.values and all(a <= b for a, b in zip(p50.values, p99.values, strict=True))
    assert found.window.period == 300 and found.end - found.start == timedelta(hours=3)
    http = metrics.stage_metrics(cloudwatch, refs[("storefront-http", "prod")], "1h")
    assert http.get("count", "Sum").total > 0 and http.get("data_processed", "Sum").values


def test_the_pulse_is_worst_first_in_as_few_calls_as_the_limit_allows(cloudwatch, refs, live_gateway):
    found = pulse.region_pulse(live_gateway.connection, live_gateway, list(refs.values()))
    assert cloudwatch.calls == [3 * len(refs), len(refs)]  # counts by minute, then p99 over the window
    assert [r.score for r in found.rows] == sorted((r.score for r in found.rows), reverse=True)
    busy = next(r for r in found.rows if r.ref.stage == "prod" and r.ref.api_name == "orders-api")
    assert busy.requests > 0 and len(busy.per_minute) == 15 and found.window.minutes == pulse.WINDOW_MINUTES


def test_many_stages_are_batched_500_metrics_a_call(cloudwatch, live_gateway):
    """GetMetricData takes at most 500 queries a call: 200 stages of 3 counts and a p99 are three calls."""
    refs = [StageRef(f"id{i}", f"api{i}", "prod", http=i % 2 == 0) for i in range(200)]
    found = pulse.region_pulse(live_gateway.connection, live_gateway, refs, now=datetime.now(UTC))
    assert cloudwatch.calls == [500, 100, 200] and len(found.rows) == 200


def test_list_metrics_finds_a_stages_dimensions(cloudwatch, refs):
    found = metrics.discover(cloudwatch, refs[("orders-api", "prod")])
    assert found and all(m.dimension("ApiName") == "orders-api" and m.dimension("Stage") == "prod" for m in found)


def test_sparkline_scales_to_the_largest_value_and_dots_a_minute_not_yet_published():
    assert metrics.sparkline([0, 5, 10]) == "▁▅█"
    assert metrics.sparkline([0, 0]) == "▁▁"
    assert metrics.sparkline([0, 10, None]) == "▁█·"


def test_one_stage_window_and_stat_give_one_number_in_pulse_metrics_view_and_cli(live, live_gateway, monkeypatch,
                                                                                  capsys):
    """p99 over the pulse's window (the last 3 complete minutes): CloudWatch's p99 with the window as period, the same in the
    pulse (TUI and `pulse --output json`), the metrics view, the canary view's CloudWatch column and
    `metrics --window 3m --output json`."""
    import json

    from console.cli import main
    from console.read.canary_compare import compare

    frozen = datetime.now(UTC).replace(second=30, microsecond=0)
    if frozen > datetime.now(UTC):
        frozen -= timedelta(minutes=1)
    monkeypatch.setattr(metrics, "_now", lambda: frozen)
    monkeypatch.setattr(pulse, "metrics_now", lambda: frozen)
    ref = next(r for r in metrics.region_refs(live_gateway) if (r.api_name, r.stage) == ("orders-api", "prod"))
    row = next(r for r in pulse.region_pulse(live_gateway.connection, live_gateway, [ref]).rows)
    view = metrics.stage_metrics(live_gateway.connection.client("cloudwatch"), ref, "3m")
    assert (view.start, view.end) == (row.window.start, row.window.end)
    assert row.window.end <= frozen and row.window.end.second == 0  # the running minute is never counted
    assert row.p99_ms is not None and row.p99_ms == view.over_window("latency", "p99")
    assert row.requests == view.over_window("count", "Sum") == view.get("count", "Sum").total
    api = live_gateway.find_api(ref.api_id)
    canary_view = compare(live_gateway.connection, api, live_gateway.stage(api, "prod"), pulse.WINDOW_MINUTES,
                          now=frozen)
    assert canary_view.cloudwatch_window == row.window
    stage_column = next(c for c in canary_view.cloudwatch if c.label.startswith("stage"))
    assert stage_column.p99 == row.p99_ms and stage_column.requests == row.requests
    base = ["--endpoint-url", live.url, "--region", HERE]
    assert main([*base, "metrics", "orders-api", "prod", "--window", "3m", "--output", "json"]) == 0
    series = json.loads(capsys.readouterr().out)["series"]
    assert next(s for s in series if (s["metric"], s["stat"]) == ("latency", "p99"))["over_window"] == row.p99_ms
    assert main([*base, "pulse", "--output", "json"]) == 0
    listed = next(r for r in json.loads(capsys.readouterr().out) if (r["api"], r["stage"]) == ("orders-api", "prod"))
    assert listed["p99_ms"] == round(row.p99_ms, 1) and listed["requests"] == row.requests
    assert listed["window_end"] == row.window.end.isoformat().replace("+00:00", "Z")


def test_no_window_ends_after_the_running_minute_began():
    now = datetime(2026, 12, 4, 3, 15, 42, tzinfo=UTC)
    assert metrics.aligned_range(metrics.WINDOWS["15m"], now) == (datetime(2026, 12, 4, 3, 0, tzinfo=UTC),
                                                                   datetime(2026, 12, 4, 3, 15, tzinfo=UTC))
    assert metrics.aligned_range(metrics.WINDOWS["3h"], now)[1] == datetime(2026, 12, 4, 3, 15, tzinfo=UTC)
    span = pulse.complete_minutes(5, now)
    assert span.label == "03:10–03:15 UTC" and span.minutes == 5


def test_the_canary_views_cloudwatch_column_leaves_out_a_minute_not_yet_published(live, live_gateway):
    """Its last minute has no point yet: the window moves back a minute (as the pulse's does), so the figures
    are never a minute short, and only one (a stage quiet for longer has its last three minutes, quiet)."""
    from console.read.canary_compare import compare

    ref = next(r for r in metrics.region_refs(live_gateway) if (r.api_name, r.stage) == ("orders-api", "prod"))
    published = metrics.stage_metrics(live_gateway.connection.client("cloudwatch"), ref, "15m",
                                      now=datetime.now(UTC) + timedelta(minutes=2)).get("count", "Sum").timestamps[-1]
    api = live_gateway.find_api(ref.api_id)
    stage = live_gateway.stage(api, "prod")
    after = published + timedelta(minutes=2, seconds=30)  # the minute after the last published one has ended
    shown = compare(live_gateway.connection, api, stage, 3, now=after)
    assert shown.cloudwatch_window.end == published + timedelta(minutes=1)
    assert shown.cloudwatch_window.minutes == 3 and any("not published" in note for note in shown.notes)
    later = compare(live_gateway.connection, api, stage, 3, now=after + timedelta(minutes=2))
    assert later.cloudwatch_window.end == published + timedelta(minutes=3)
