"""CloudWatch for stages: the right names and dimensions, one call a refresh, batched for the pulse."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from traffic_helpers import stepped

from console.aws.session import Connection, Target
from console.read import metrics
from console.read.gateway import Gateway
from console.read.metrics import StageRef
from console.sandbox.estate import ORDERS_API, STOREFRONT_HTTP

HERE = "eu-west-2"  # this module's own region


@pytest.fixture(scope="module")
def live(sandbox):
    """orders-api and storefront-http seeded here, with the last minutes of traffic published."""
    running = stepped(sandbox.url, HERE, rest_apis=(ORDERS_API,), v2_apis=(STOREFRONT_HTTP,),
                      stages=(("orders-api", "prod"), ("storefront-http", "prod")))
    now = time.time()
    for minute in range(4, -1, -1):
        running.step(60.0, now - minute * 60)
    running.traffic.close(now)
    return running


@pytest.fixture
def cloudwatch(live):
    """The region's CloudWatch, counting GetMetricData calls."""
    client = live.client("cloudwatch")
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
    by_key = {q.key: q for q in metrics.stage_queries(rest, window)}
    assert by_key[("4xx", "Sum")].name == "4XXError" and by_key[("5xx", "Sum")].name == "5XXError"
    assert by_key[("count", "Sum")].dimensions == (("ApiName", "orders-api"), ("Stage", "prod"))
    assert ("cache_hits", "Sum") in by_key and ("data_processed", "Sum") not in by_key
    assert {s for (m, s) in by_key if m == "latency"} == {"Average", "p50", "p90", "p99"}
    by_key = {q.key: q for q in metrics.stage_queries(http, window)}
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


def test_the_pulse_is_worst_first_in_as_few_calls_as_the_limit_allows(cloudwatch, refs):
    rows = metrics.pulse(cloudwatch, list(refs.values()))
    assert len(cloudwatch.calls) == -(-6 * len(refs) // 500)
    assert [r.severity for r in rows] == sorted((r.severity for r in rows), reverse=True)
    busy = next(r for r in rows if r.ref.stage == "prod" and r.ref.api_name == "orders-api")
    assert busy.requests_15m >= busy.requests_5m > 0 and len(busy.per_minute) == 15


def test_many_stages_are_batched_500_metrics_a_call(cloudwatch):
    """GetMetricData takes at most 500 queries a call: 100 stages of 6 metrics are two calls."""
    refs = [StageRef(f"id{i}", f"api{i}", "prod", http=i % 2 == 0) for i in range(100)]
    rows = metrics.pulse(cloudwatch, refs, now=datetime.now(UTC))
    assert cloudwatch.calls == [500, 100] and len(rows) == 100


def test_list_metrics_finds_a_stages_dimensions(cloudwatch, refs):
    found = metrics.discover(cloudwatch, refs[("orders-api", "prod")])
    assert found and all(m.dimension("ApiName") == "orders-api" and m.dimension("Stage") == "prod" for m in found)


def test_sparkline_scales_to_the_largest_value():
    assert metrics.sparkline([0, 5, 10]) == "▁▅█"
    assert metrics.sparkline([0, 0]) == "▁▁"
