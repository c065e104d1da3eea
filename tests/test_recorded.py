"""The read model and its rendering on AWS answers recorded from the sandbox: no server, no network.

tests/recorded/ holds the raw HTTP exchanges the console's own read path made against a seeded
sandbox (tests/recorded/capture.py takes them). Here real boto3 clients send the same requests and
botocore parses the recorded bytes, so the Gateway, the metrics reader and describe.py run exactly as
they do live; a request that was not recorded fails the test. These tests run in `make test-fast`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from rich.console import Console
from wire_replay import RECORDED, Replay, load, meta

from console.aws.budget import TokenBucket
from console.aws.errors import Problem
from console.aws.session import Connection, Target
from console.model import Protocol
from console.read import metrics, pulse
from console.read.gateway import Gateway
from console.render import describe
from console.render.jsonable import jsonable

REGION = "us-east-1"
EXCHANGES = load()


def recorded_body(name: str) -> dict:
    """A recorded response body, as AWS sent it (the tests' independent view of the wire)."""
    return json.loads(json.loads((RECORDED / name).read_text())["response"]["body"])


def text(renderable, width: int = 160) -> str:
    console = Console(width=width, color_system=None, record=True)
    with console.capture() as captured:
        console.print(renderable)
    return captured.get()


def lines_with(rendered: str, *words: str) -> list[str]:
    return [line for line in rendered.splitlines() if all(w in line for w in words)]


@pytest.fixture(scope="module")
def wire() -> tuple[Replay, Connection]:
    """A real Connection whose clients are answered from the recordings (the port answers nothing).

    One for the module: building clients is most of a test's cost. Its budget is wide open, since
    replayed calls reach no account.
    """
    replay = Replay(EXCHANGES)
    connection = Connection(Target(endpoint_url="http://127.0.0.1:9", region=REGION), TokenBucket(1000, 1000))
    for service in ("apigateway", "apigatewayv2", "cloudwatch", "logs"):
        replay.attach(connection.client(service))
    return replay, connection


@pytest.fixture
def replay(wire) -> Replay:
    wire[0].sent.clear()
    return wire[0]


@pytest.fixture
def recorded_connection(wire, replay) -> Connection:
    return wire[1]


@pytest.fixture
def recorded(recorded_connection) -> Gateway:
    """A Gateway of the test's own: its read cache starts empty."""
    return Gateway(recorded_connection)


def api(gateway: Gateway, name: str):
    return gateway.find_api(name)


# -- APIs ------------------------------------------------------------------------------------------


def test_the_api_list_is_every_rest_http_and_websocket_api_sorted_by_name(recorded):
    apis = recorded.apis()
    rest = [a["name"] for a in recorded_body("apigateway.GetRestApis.json")["item"]]
    v2 = [a["name"] for a in recorded_body("apigatewayv2.GetApis.json")["items"]]
    assert [a.name for a in apis] == sorted(rest + v2)
    assert [(a.name, a.protocol) for a in apis] == [
        ("catalog-api", Protocol.REST), ("live-notifications-ws", Protocol.WEBSOCKET), ("orders-api", Protocol.REST),
        ("payments-api", Protocol.REST), ("storefront-http", Protocol.HTTP)]


def test_rest_apis_get_their_execute_api_endpoint_and_endpoint_type(recorded):
    orders, catalog = api(recorded, "orders-api"), api(recorded, "catalog-api")
    assert orders.endpoint == f"https://{orders.id}.execute-api.{REGION}.amazonaws.com"
    assert (orders.endpoint_type, catalog.endpoint_type) == ("REGIONAL", "EDGE")
    assert orders.tags["team"] == "checkout" and orders.version == "V1"


def test_v2_apis_keep_the_endpoint_aws_gives_and_are_regional(recorded):
    storefront = api(recorded, "storefront-http")
    raw = next(a for a in recorded_body("apigatewayv2.GetApis.json")["items"] if a["name"] == "storefront-http")
    assert storefront.id == raw["apiId"] and storefront.endpoint == raw["apiEndpoint"]
    assert storefront.endpoint_type == "REGIONAL"
    assert storefront.created == datetime.fromisoformat(raw["createdDate"].replace("Z", "+00:00"))


def test_created_dates_arrive_as_utc_datetimes_and_read_as_minutes(recorded):
    raw = next(a for a in recorded_body("apigateway.GetRestApis.json")["item"] if a["name"] == "orders-api")
    created = api(recorded, "orders-api").created
    assert created.tzinfo is not None and created.timestamp() == raw["createdDate"]
    assert describe.when(created) == datetime.fromtimestamp(raw["createdDate"], timezone.utc).strftime("%Y-%m-%d %H:%M")
    assert describe.when(None) == describe.DASH


def test_an_api_is_found_by_id_or_by_name_in_any_case(recorded):
    orders = api(recorded, "orders-api")
    assert recorded.find_api(orders.id) is orders
    assert recorded.find_api("ORDERS-API") is orders
    with pytest.raises(Problem) as missing:
        recorded.find_api("no-such-api")
    assert missing.value.kind == "not-found" and "us-east-1" in str(missing.value)


def test_the_list_is_fetched_once_and_again_only_on_refresh(recorded, replay):
    recorded.apis()
    recorded.apis()
    assert replay.sent == ["apigateway.GetRestApis.json", "apigatewayv2.GetApis.json"]
    recorded.apis(refresh=True)
    assert len(replay.sent) == 4


def test_lists_ask_for_the_largest_page(recorded, replay):
    recorded.apis()
    keys = [key for key, e in EXCHANGES.items() if e["file"] in replay.sent]
    assert any("limit=500" in k for k in keys) and any("maxResults=500" in k for k in keys)


# -- stages ----------------------------------------------------------------------------------------


def test_rest_stages_are_sorted_and_each_is_cached_for_the_stage_view(recorded, replay):
    orders = api(recorded, "orders-api")
    assert [s.name for s in recorded.stages(orders)] == ["dev", "prod", "staging"]
    sent = len(replay.sent)
    assert recorded.stage(orders, "prod").deployment_id == recorded_body(
        "apigateway.GetStages.orders-api.json")["item"][1]["deploymentId"]
    assert len(replay.sent) == sent, "the stage came from the list's cache"


def test_a_rest_stage_reads_its_default_throttle_method_overrides_and_variables(recorded):
    prod = recorded.stage(api(recorded, "orders-api"), "prod", refresh=True)
    assert (prod.throttle.rate, prod.throttle.burst) == (2000.0, 5000)
    assert [(o.key, o.path, o.throttle.rate, o.throttle.burst) for o in prod.overrides] == [
        ("POST /orders", "~1orders/POST", 200.0, 400),
        ("POST /orders/{orderId}/refunds", "~1orders~1{orderId}~1refunds/POST", 20.0, 40)]
    assert prod.default.logging_level == "ERROR" and prod.default.metrics is True
    assert prod.variables["backendHost"] == "orders-svc.prod.internal.example.com"
    assert prod.tracing is True and prod.canary is None


def test_a_rest_stage_names_its_access_log_group_and_keeps_its_format(recorded):
    prod = recorded.stage(api(recorded, "orders-api"), "prod", refresh=True)
    raw = recorded_body("apigateway.GetStage.orders-api.prod.json")["accessLogSettings"]
    assert prod.access_log.log_group == "/aws/apigateway/orders-api/prod/access"
    assert prod.access_log.format == raw["format"] and not prod.access_log.is_firehose


def test_a_stage_that_does_not_exist_is_a_not_found_problem(recorded):
    with pytest.raises(Problem) as missing:
        recorded.stage(api(recorded, "orders-api"), "nope")
    assert missing.value.kind == "not-found"
    assert "Invalid Stage identifier specified" in str(missing.value)


def test_the_cache_cluster_is_read_from_the_stage_that_has_one(recorded):
    stages = {(a.name, s.name): s for a in recorded.apis() if a.protocol is Protocol.REST for s in recorded.stages(a)}
    cached = {key: s.cache for key, s in stages.items() if s.cache and s.cache.enabled}
    assert len(cached) == 1, "the estate has one stage with a cache cluster"
    (where, cache), = cached.items()
    assert where[1] == "prod" and cache.size and float(cache.size) > 0


def test_an_http_stage_reads_its_default_route_and_route_overrides(recorded):
    prod = recorded.stage(api(recorded, "storefront-http"), "prod", refresh=True)
    assert prod.protocol is Protocol.HTTP
    assert (prod.throttle.rate, prod.throttle.burst) == (2000.0, 4000)
    assert [(o.key, o.throttle.rate, o.throttle.burst) for o in prod.overrides] == [
        ("POST /cart", 300.0, 600), ("POST /checkout", 50.0, 100)]
    assert prod.auto_deploy is False and prod.default.metrics is True
    assert prod.access_log.log_group == "/aws/apigateway/storefront-http/prod/access"


def test_websocket_stages_are_listed_like_any_other(recorded):
    ws = api(recorded, "live-notifications-ws")
    raw = recorded_body("apigatewayv2.GetStages.live-notifications-ws.json")["items"]
    assert [s.name for s in recorded.stages(ws)] == sorted(s["stageName"] for s in raw)
    assert all(s.protocol is Protocol.WEBSOCKET for s in recorded.stages(ws))


# -- structure -------------------------------------------------------------------------------------


def test_a_rest_api_has_its_resource_tree_and_every_deployment(recorded):
    detail = recorded.detail(api(recorded, "orders-api"))
    paths = [r.path for r in detail.resources]
    assert paths == sorted(paths) and "/orders/{orderId}" in paths
    assert next(r for r in detail.resources if r.path == "/orders").methods == ("GET", "OPTIONS", "POST")
    raw = recorded_body("apigateway.GetDeployments.orders-api.json")["item"]
    assert {d.id for d in detail.deployments} == {d["id"] for d in raw}
    assert "v1.41.0 — add refunds" in {d.description for d in detail.deployments}


def test_an_http_api_has_its_routes_and_integrations(recorded):
    detail = recorded.detail(api(recorded, "storefront-http"))
    keys = [r.key for r in detail.routes]
    assert keys == sorted(keys) and {"GET /products", "$default"} <= set(keys)
    targets = {r.target.removeprefix("integrations/") for r in detail.routes if r.target}
    assert targets <= {i.id for i in detail.integrations}


# -- plans, keys, account --------------------------------------------------------------------------


def test_usage_plans_read_throttle_quota_stages_and_method_throttles(recorded):
    plans = {p.name: p for p in recorded.usage_plans()}
    assert list(plans) == ["internal-free", "partner-gold", "partner-silver"]
    gold = plans["partner-gold"]
    assert (gold.throttle.rate, gold.throttle.burst, gold.quota) == (500.0, 1000, "1,000,000/MONTH")
    orders = api(recorded, "orders-api")
    assert len(gold.api_stages) == 3 and (orders.id, "prod") in gold.api_stages
    assert [(a, s, m, t.rate, t.burst) for a, s, m, t in gold.method_throttles] == [
        (orders.id, "prod", "POST /orders", 100.0, 200)]
    assert plans["internal-free"].quota == "5,000/DAY"


def test_api_keys_are_listed_by_name_without_their_values(recorded, replay):
    keys = recorded.api_keys()
    assert [k.name for k in keys] == sorted(k.name for k in keys) and len(keys) == 6
    assert {k.name for k in keys if not k.enabled} == {"hooli-sandbox", "wayne-ent-legacy"}
    asked = next(key for key, e in EXCHANGES.items() if e["file"] == replay.sent[-1])
    assert "includeValues=false" in asked


def test_each_key_is_mapped_to_the_plans_that_hold_it(recorded):
    plans = {p.id: p.name for p in recorded.usage_plans()}
    keys = {k.id: k.name for k in recorded.api_keys()}
    held = {keys[k]: sorted(plans[p] for p in ps) for k, ps in recorded.key_plans().items()}
    assert held["acme-corp-prod"] == ["partner-gold"] and held["initech-billing"] == ["partner-silver"]
    assert held["mobile-app-ios"] == ["internal-free"]


def test_the_account_throttle_is_read(recorded):
    limits = recorded.account_limits()
    assert (limits.throttle.rate, limits.throttle.burst) == (10000.0, 5000)


# -- CloudWatch ------------------------------------------------------------------------------------

NOW = datetime.fromisoformat(meta()["now"])


def test_a_rest_stage_view_is_one_get_metric_data_call_answering_every_series(recorded, recorded_connection, replay):
    ref = metrics.ref_for(api(recorded, "orders-api"), "prod")
    view = metrics.stage_metrics(recorded_connection.client("cloudwatch"), ref, "1h", now=NOW)
    assert replay.sent[-1] == "cloudwatch.GetMetricData.orders-api.prod.1h.json" and len(replay.sent) == 3
    assert {k for k in view.series if len(k) == 2} == {q for q in metrics.STAGE_VIEW
                                                       if q[0] not in ("data_processed", "connects")}
    assert view.end - view.start == timedelta(hours=1) and view.end <= NOW  # complete minutes only
    assert view.over_window("count", "Sum") == view.get("count", "Sum").total
    count = view.get("count", "Sum")
    assert count.total > 0 and list(count.timestamps) == sorted(count.timestamps)
    assert all(view.start <= t < view.end for t in count.timestamps)


def test_error_counts_and_latency_percentiles_are_consistent(recorded, recorded_connection):
    ref = metrics.ref_for(api(recorded, "orders-api"), "prod")
    view = metrics.stage_metrics(recorded_connection.client("cloudwatch"), ref, "1h", now=NOW)
    assert view.get("5xx", "Sum").total + view.get("4xx", "Sum").total <= view.get("count", "Sum").total
    p50, p99 = view.get("latency", "p50"), view.get("latency", "p99")
    assert p50.values and all(a <= b for a, b in zip(p50.values, p99.values, strict=True))


def test_an_http_stage_view_asks_for_data_processed_not_cache_counts(recorded, recorded_connection):
    ref = metrics.ref_for(api(recorded, "storefront-http"), "prod")
    view = metrics.stage_metrics(recorded_connection.client("cloudwatch"), ref, "1h", now=NOW)
    assert ("data_processed", "Sum") in view.series and ("cache_hits", "Sum") not in view.series
    assert ref.dimensions()[0] == {"Name": "ApiId", "Value": ref.api_id}
    assert view.get("count", "Sum").total > 0


def test_the_pulse_lists_every_stage_worst_first(recorded, recorded_connection):
    found = pulse.region_pulse(recorded_connection, recorded, metrics.region_refs(recorded), now=NOW)
    rows = found.rows
    names = {r.ref.api_name for r in rows}
    assert names == {"orders-api", "payments-api", "catalog-api", "storefront-http", "live-notifications-ws"}
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    assert all(len(r.per_minute) == 15 and r.window == found.window for r in rows)
    assert found.window.end <= NOW and found.window.minutes == pulse.WINDOW_MINUTES and sum(r.requests for r in rows) > 0


# -- rendering (describe.py, as the CLI prints it) -------------------------------------------------


def test_the_api_table_shows_every_api_with_its_protocol_date_and_stage_count(recorded):
    apis = recorded.apis()
    orders = api(recorded, "orders-api")
    rendered = text(describe.api_table(apis, {orders.id: 3}))
    for a in apis:
        assert lines_with(rendered, a.name, a.id, a.protocol.value)
    assert lines_with(rendered, "orders-api", describe.when(orders.created), " 3 ")
    assert lines_with(rendered, "payments-api", describe.DASH)  # its stages not counted yet


def test_the_rest_stage_view_reads_throttles_against_the_account_limit(recorded):
    orders = api(recorded, "orders-api")
    prod = recorded.stage(orders, "prod", refresh=True)
    sections = dict(describe.stage_sections(prod, limits=recorded.account_limits()))
    assert list(sections)[:3] == ["Deployment", "Throttling", "Method overrides"]
    throttling = text(sections["Throttling"])
    assert lines_with(throttling, "Stage default", "2000 rps, burst 5000")
    assert lines_with(throttling, "Account limit", "10000 rps, burst 5000")
    overrides = text(sections["Method overrides"])
    assert lines_with(overrides, "POST /orders", "200", "400") and lines_with(overrides, "refunds", "20", "40")
    logging = text(sections["Logging"])
    assert lines_with(logging, "Access logs", "/aws/apigateway/orders-api/prod/access")
    assert lines_with(logging, "Execution logs", "ERROR") and lines_with(logging, "X-Ray tracing", "on")
    assert lines_with(text(sections["Stage variables"]), "lambdaAlias", "live")


def test_the_http_stage_view_speaks_of_routes_and_has_no_cache_section(recorded):
    prod = recorded.stage(api(recorded, "storefront-http"), "prod", refresh=True)
    sections = dict(describe.stage_sections(prod))
    assert "Route overrides" in sections and "Cache" not in sections and "Canary" not in sections
    assert lines_with(text(sections["Throttling"]), "Default route", "2000 rps, burst 4000")
    assert lines_with(text(sections["Throttling"]), "Account limit", "not fetched")
    assert lines_with(text(sections["Route overrides"]), "POST /checkout", "50", "100")


def test_the_cache_section_lists_size_and_status_of_the_cluster(recorded):
    catalog = api(recorded, "catalog-api")
    cached = next(s for s in recorded.stages(catalog) if s.cache and s.cache.enabled)
    cache = text(dict(describe.stage_sections(cached))["Cache"])
    assert lines_with(cache, "Cache cluster", "enabled") and lines_with(cache, "Size", f"{cached.cache.size} GB")


def test_the_plan_table_names_api_stages_and_their_method_throttles(recorded):
    plans = recorded.usage_plans()
    names = {a.id: a.name for a in recorded.apis()}
    counts = {p.id: len(recorded.plan_keys(p.id)) for p in plans}
    rendered = text(describe.plan_table(plans, names, counts), width=400)
    gold = lines_with(rendered, "partner-gold")
    assert len(gold) == 1 and "500 rps, burst 1000" in gold[0] and "1,000,000/MONTH" in gold[0]
    assert "orders-api/prod (POST /orders 100 rps, burst 200)" in gold[0] and "payments-api/prod" in gold[0]
    assert f" {counts[next(p.id for p in plans if p.name == 'partner-gold')]} " in gold[0]


def test_a_plans_sections_count_its_keys(recorded):
    gold = recorded.find_plan("partner-gold")
    keys = recorded.plan_keys(gold.id)
    raw = recorded_body("apigateway.GetUsagePlanKeys.partner-gold.json")["item"]
    sections = dict(describe.plan_sections(gold, {a.id: a.name for a in recorded.apis()}, keys))
    assert f"Keys ({len(raw)})" in sections
    rendered = text(sections[f"Keys ({len(raw)})"])
    assert all(lines_with(rendered, k["name"], k["id"]) for k in raw)
    stages = text(sections["API stages and method throttles"])
    assert lines_with(stages, "orders-api", "prod", "POST /orders", "100", "200")


def test_the_key_table_masks_every_value_even_those_aws_sent(recorded):
    keys = recorded.api_keys()
    plans = {p.id: p.name for p in recorded.usage_plans()}
    rendered = text(describe.key_table(keys, recorded.key_plans(), plans), width=300)
    sent_values = [k["value"] for name in ("partner-gold", "partner-silver", "internal-free")
                   for k in recorded_body(f"apigateway.GetUsagePlanKeys.{name}.json")["item"]]
    assert sent_values and not any(v in rendered for v in sent_values)
    assert all(lines_with(rendered, k.name, describe.MASKED) for k in keys)
    assert lines_with(rendered, "hooli-sandbox", " no ") and lines_with(rendered, "acme-corp-prod", "partner-gold")


def test_a_stage_as_json_is_plain_json_with_iso_dates(recorded):
    prod = recorded.stage(api(recorded, "orders-api"), "prod", refresh=True)
    data = json.loads(json.dumps(jsonable(prod)))
    assert data["protocol"] == "REST" and data["default"]["throttle"] == {"rate": 2000.0, "burst": 5000}
    assert datetime.fromisoformat(data["created"]) == prod.created
    assert [o["key"] for o in data["overrides"]] == ["POST /orders", "POST /orders/{orderId}/refunds"]


def test_ages_read_as_seconds_minutes_and_hours(recorded):
    fetched = recorded.apis()[0].fetched_at
    assert describe.age(fetched, fetched + timedelta(seconds=14)) == "14 s ago"
    assert describe.age(fetched, fetched + timedelta(minutes=5, seconds=59)) == "5 min ago"
    assert describe.age(fetched, fetched + timedelta(hours=3)) == "3 h ago"
