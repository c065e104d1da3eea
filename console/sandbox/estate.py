"""The sandbox's estate: what a mid-size company's API Gateway account looks like, built on demand.

An empty moto server shows nothing worth browsing, so every sandbox start fills it with the same
estate: REST, HTTP and WebSocket APIs with deployments and stages, throttles, caching, access
logging, usage plans and keys, three hours of access-log lines and CloudWatch metrics, and a
small second region. The estate is created through the public AWS API with plain boto3 clients,
exactly as the console will read it back, so the sandbox exercises the same paths as a real account.

The estate is declared first, as an inventory (module-level values of the frozen types in
console.sandbox.estate_types), and built by the small functions below it. Building takes ~150
calls, too slow for every start, so a start restores what the last build left
(console.sandbox.snapshot) and builds only when the code has changed since.
Its history (log lines, metrics: console.sandbox.history) is drawn afresh on every start from a
seeded `random.Random`, so two sandboxes differ only in the wall-clock window they cover.
"""

from __future__ import annotations

import gc
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

from console.sandbox import ACCESS_KEY_ID, ACCOUNT_ID, REGION, SECRET_ACCESS_KEY, history, snapshot
from console.sandbox import estate_authorizers, estate_guards
from console.sandbox import estate_dates, estate_domains
from console.sandbox.control_plane import INTERNAL_HEADER
from console.sandbox.estate_types import (
    Alarm,
    ApiKey,
    Ids,
    Integration,
    Method,
    RegionEstate,
    RestApi,
    RestStage,
    Route,
    Throttle,
    Traffic,
    UsagePlan,
    V2Api,
    V2Stage,
)
from console.sandbox.history import access_log_group
from console.sandbox.history_websocket import SocketTraffic

SEED = 20_241_121
EU_REGION = "eu-west-1"


# --- Inventory: access-log formats -----------------------------------------------------------

# The JSON format the API Gateway console proposes.
REST_STANDARD_FORMAT = (
    '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", '
    '"caller":"$context.identity.caller", "user":"$context.identity.user", '
    '"requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", '
    '"resourcePath":"$context.resourcePath", "status":"$context.status", '
    '"protocol":"$context.protocol", "responseLength":"$context.responseLength" }'
)
# What a team that tails its logs writes: latencies, the key, the error, the integration's view.
REST_DETAILED_FORMAT = (
    '{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId",'
    '"ip":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent",'
    '"apiKeyId":"$context.identity.apiKeyId","requestTime":"$context.requestTime",'
    '"requestTimeEpoch":"$context.requestTimeEpoch","httpMethod":"$context.httpMethod",'
    '"resourcePath":"$context.resourcePath","path":"$context.path","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
    '"responseLatency":"$context.responseLatency",'
    '"integrationLatency":"$context.integrationLatency",'
    '"integrationStatus":"$context.integration.status","errorMessage":"$context.error.message",'
    '"responseType":"$context.error.responseType"}'
)
HTTP_API_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol",'
    '"responseLength":"$context.responseLength","responseLatency":"$context.responseLatency",'
    '"integrationLatency":"$context.integration.latency",'
    '"integrationError":"$context.integrationErrorMessage","responseType":"$context.error.responseType"}'
)
# The WebSocket API console's proposal (requestId, ip, requestTime, eventType, routeKey, status,
# connectionId), with what a team on call adds: the message, the integration's view, the refusal.
WEBSOCKET_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"userAgent":"$context.identity.userAgent","requestTime":"$context.requestTime",'
    '"requestTimeEpoch":"$context.requestTimeEpoch","eventType":"$context.eventType",'
    '"routeKey":"$context.routeKey","status":"$context.status","connectionId":"$context.connectionId",'
    '"messageId":"$context.messageId","integrationLatency":"$context.integrationLatency",'
    '"integrationStatus":"$context.integration.status","errorMessage":"$context.error.message",'
    '"responseType":"$context.error.responseType","authorizerError":"$context.authorizer.error"}'
)


# --- Inventory: alarms -----------------------------------------------------------------------


def _prod_alarms(*, server: float, client_rate: float = 0.1, p99_ms: float | None = None,
                 http: bool = False) -> tuple[Alarm, ...]:
    """A prod stage's alarms, on the metric names its kind of API publishes (REST: 4XXError, 5XXError;
    HTTP API: 4xx, 5xx): server errors counted (a threshold for the stage's volume), client errors as a
    share of requests (a storm of clients must not alarm once it is no longer throttled), p99 latency."""
    four, five = ("4xx", "5xx") if http else ("4XXError", "5XXError")
    alarms = [
        Alarm("5xx", five, "Sum", server, f"More than {server:g} server errors a minute, in 2 of the last 5 minutes."),
        Alarm("4xx", four, "Average", client_rate, f"Client errors (throttling included) above {client_rate:.0%} "
                                                   "of requests, in 2 of the last 5 minutes."),
    ]
    if p99_ms is not None:
        alarms.append(Alarm("p99-latency", "Latency", "p99", p99_ms,
                            f"p99 latency above {p99_ms:g} ms, in 3 of the last 5 minutes.", datapoints=3,
                            treat_missing="missing"))
    return tuple(alarms)


# --- Inventory: the estate -------------------------------------------------------------------

_PLATFORM_TAGS = {"env": "shared", "managed-by": "terraform"}

ORDERS_API = RestApi(
    name="orders-api",
    created_days=540,
    description="Order intake, amendments and refunds for web and mobile checkout.",
    endpoint_type="REGIONAL",
    tags={**_PLATFORM_TAGS, "team": "checkout", "cost-center": "CC-2041"},
    methods=(
        Method("/health", "GET", "MOCK", 6),
        Method("/orders", "GET", "HTTP_PROXY", 30),
        Method("/orders", "POST", "HTTP_PROXY", 14, api_key_required=True),
        Method("/orders", "OPTIONS", "MOCK", 3),
        Method("/orders/{orderId}", "GET", "HTTP_PROXY", 28),
        Method("/orders/{orderId}", "PUT", "HTTP_PROXY", 5, api_key_required=True),
        Method("/orders/{orderId}", "DELETE", "HTTP_PROXY", 2, api_key_required=True),
        Method("/orders/{orderId}/items", "GET", "HTTP_PROXY", 9),
        Method("/orders/{orderId}/items", "POST", "HTTP_PROXY", 4, api_key_required=True),
        Method("/orders/{orderId}/refunds", "POST", "HTTP_PROXY", 1, api_key_required=True),
    ),
    deployments=(
        "v1.40.2 — fix pagination cursor on GET /orders",
        "v1.41.0 — add refunds",
    ),
    stages=(
        RestStage(
            "dev", "Development — deployed on every merge to main", 1, 50, 100, "INFO",
            {"backendHost": "orders-svc.dev.internal.example.com", "lambdaAlias": "dev",
             "featureFlags": "refunds,split-shipments", "logLevel": "DEBUG"},
            Traffic(0.3, 0.09, 0.004, 60, shape="bursts"),
        ),
        RestStage(
            "staging", "Pre-production — release candidates and partner sandbox", 1, 200, 400,
            "INFO",
            {"backendHost": "orders-svc.staging.internal.example.com", "lambdaAlias": "staging",
             "featureFlags": "refunds,split-shipments", "logLevel": "INFO"},
            Traffic(0.8, 0.06, 0.003, 55, shape="bursts"),
            access_log_format=REST_STANDARD_FORMAT,
            method_throttles=(Throttle("/orders POST", 20, 40),),
        ),
        RestStage(
            "prod", "Production", 1, 2000, 5000, "ERROR",
            {"backendHost": "orders-svc.prod.internal.example.com", "lambdaAlias": "live",
             "featureFlags": "refunds", "logLevel": "WARN"},
            Traffic(120, 0.035, 0.002, 48),
            tracing=True,
            access_log_format=REST_DETAILED_FORMAT,
            method_throttles=(
                Throttle("/orders POST", 200, 400),
                Throttle("/orders/{orderId}/refunds POST", 20, 40),
            ),
            alarms=_prod_alarms(server=15, p99_ms=1000),
        ),
    ),
)

PAYMENTS_API = RestApi(
    name="payments-api",
    created_days=430,
    description="Card payments, captures and refunds; fronts the PSP adapter service.",
    endpoint_type="REGIONAL",
    tags={**_PLATFORM_TAGS, "team": "payments", "cost-center": "CC-3307", "pci-scope": "true"},
    methods=(
        Method("/health", "GET", "MOCK", 6),
        Method("/payments", "POST", "HTTP_PROXY", 30, api_key_required=True),
        Method("/payments/{paymentId}", "GET", "HTTP_PROXY", 35, api_key_required=True),
        Method("/payments/{paymentId}/capture", "POST", "HTTP_PROXY", 18, api_key_required=True),
        Method("/payments/{paymentId}/refunds", "GET", "HTTP_PROXY", 3, api_key_required=True),
        Method("/payments/{paymentId}/refunds", "POST", "HTTP_PROXY", 2, api_key_required=True),
        Method("/webhooks/psp", "POST", "HTTP_PROXY", 12),
    ),
    deployments=(
        "v2.7.0 — 3-D Secure 2 challenge flow",
        "v2.8.0 — partial captures",
        "v2.8.1 — idempotency keys on POST /payments",
    ),
    stages=(
        RestStage(
            "dev", "Development — deployed on every merge to main", 2, 50, 100, "INFO",
            {"backendHost": "payments-svc.dev.internal.example.com", "lambdaAlias": "dev",
             "pspEnvironment": "sandbox", "featureFlags": "partial-capture,idempotency-keys"},
            Traffic(0.2, 0.12, 0.006, 140, shape="bursts"),
            tracing=True,
        ),
        RestStage(
            "staging", "Pre-production — PSP sandbox credentials", 2, 100, 200, "INFO",
            {"backendHost": "payments-svc.staging.internal.example.com",
             "lambdaAlias": "staging", "pspEnvironment": "sandbox",
             "featureFlags": "partial-capture,idempotency-keys"},
            Traffic(0.6, 0.07, 0.004, 150, shape="bursts"),
            tracing=True,
            access_log_format=REST_STANDARD_FORMAT,
        ),
        # The slightly unhealthy stage: the PSP adapter times out now and then.
        RestStage(
            "prod", "Production — PCI scope", 1, 1000, 2000, "ERROR",
            {"backendHost": "payments-svc.prod.internal.example.com", "lambdaAlias": "live",
             "pspEnvironment": "live", "featureFlags": "partial-capture"},
            Traffic(45, 0.04, 0.021, 210, shape="batch"),
            tracing=True,
            access_log_format=REST_DETAILED_FORMAT,
            method_throttles=(
                Throttle("/payments POST", 100, 200),
                Throttle("/webhooks/psp POST", 50, 100),
            ),
            # No p99 alarm: at ~60 requests a minute a minute's p99 is its slowest request, and the PSP
            # adapter's occasional 29 s timeout would keep one flapping.
            alarms=_prod_alarms(server=5, client_rate=0.15),
        ),
    ),
)

CATALOG_API = RestApi(
    name="catalog-api",
    created_days=720,
    description="Public product catalogue: products, categories and search.",
    endpoint_type="EDGE",
    tags={**_PLATFORM_TAGS, "team": "discovery", "cost-center": "CC-1180"},
    methods=(
        Method("/health", "GET", "MOCK", 4),
        Method("/products", "GET", "HTTP_PROXY", 30),
        Method("/products", "OPTIONS", "MOCK", 2),
        Method("/products/{sku}", "GET", "HTTP_PROXY", 38),
        Method("/categories", "GET", "HTTP_PROXY", 6),
        Method("/categories/{categoryId}/products", "GET", "HTTP_PROXY", 9),
        Method("/search", "GET", "HTTP_PROXY", 11),
    ),
    deployments=(
        "v3.12.0 — category facets",
        "v3.13.0 — search endpoint",
    ),
    stages=(
        RestStage(
            "dev", "Development — deployed on every merge to main", 1, 50, 100, "INFO",
            {"backendHost": "catalog-svc.dev.internal.example.com", "lambdaAlias": "dev",
             "searchIndex": "products-dev", "logLevel": "DEBUG"},
            Traffic(0.3, 0.08, 0.003, 35, shape="bursts"),
        ),
        RestStage(
            "staging", "Pre-production", 1, 500, 1000, "INFO",
            {"backendHost": "catalog-svc.staging.internal.example.com", "lambdaAlias": "staging",
             "searchIndex": "products-staging", "logLevel": "INFO"},
            Traffic(1, 0.05, 0.002, 32, shape="bursts"),
            access_log_format=REST_STANDARD_FORMAT,
        ),
        RestStage(
            "prod", "Production — behind CloudFront, 0.5 GB cache", 1, 5000, 10000, "ERROR",
            {"backendHost": "catalog-svc.prod.internal.example.com", "lambdaAlias": "live",
             "searchIndex": "products-live", "logLevel": "WARN"},
            Traffic(300, 0.025, 0.001, 28, cache_hit_ratio=0.62, shape="steady"),
            access_log_format=REST_DETAILED_FORMAT,
            method_throttles=(Throttle("/search GET", 500, 1000),),
            cache_ttl=300,
            alarms=_prod_alarms(server=10, p99_ms=1000),
        ),
    ),
)

ORDERS_API_EU = RestApi(
    name="orders-api-eu",
    created_days=150,
    description="Order intake for the EU storefronts (data stays in eu-west-1).",
    endpoint_type="REGIONAL",
    tags={**_PLATFORM_TAGS, "team": "checkout", "cost-center": "CC-2041", "data-residency": "eu"},
    methods=(
        Method("/health", "GET", "MOCK", 6),
        Method("/orders", "GET", "HTTP_PROXY", 30),
        Method("/orders", "POST", "HTTP_PROXY", 14),
        Method("/orders/{orderId}", "GET", "HTTP_PROXY", 28),
    ),
    deployments=("v1.41.0 — eu-west-1 launch",),
    stages=(
        RestStage(
            "prod", "Production (EU)", 0, 1000, 2000, "ERROR",
            {"backendHost": "orders-svc.prod.eu-west-1.internal.example.com",
             "lambdaAlias": "live", "featureFlags": "refunds"},
            Traffic(25, 0.03, 0.002, 41, shape="dip"),
            access_log_format=REST_DETAILED_FORMAT,
            alarms=_prod_alarms(server=5, client_rate=0.2),
        ),
    ),
)

_LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function"

STOREFRONT_HTTP = V2Api(
    name="storefront-http",
    created_days=300,
    deployments=("v3.7.0 — one-page checkout", "v3.8.1 — cart totals rounding fix"),
    protocol="HTTP",
    description="Backend-for-frontend of the web storefront.",
    tags={**_PLATFORM_TAGS, "team": "storefront", "cost-center": "CC-1502"},
    integrations=(
        Integration("bff", "HTTP_PROXY", "https://storefront-bff.prod.internal.example.com/{proxy}",
                    method="ANY", payload_format="1.0"),
        Integration("cart", "AWS_PROXY", f"{_LAMBDA}:storefront-cart:live", payload_format="2.0"),
        Integration("checkout", "AWS_PROXY", f"{_LAMBDA}:storefront-checkout:live",
                    payload_format="2.0"),
    ),
    routes=(
        Route("GET /products", "bff", 34),
        Route("GET /products/{id}", "bff", 30),
        Route("POST /cart", "cart", 12),
        Route("GET /cart/{cartId}", "cart", 14),
        Route("POST /checkout", "checkout", 4),
        Route("$default", "bff", 6),
    ),
    stages=(
        V2Stage(
            "$default", "Auto-deployed from main", 100, 200,
            {"bffHost": "storefront-bff.dev.internal.example.com", "logLevel": "DEBUG"},
            auto_deploy=True,
            traffic=Traffic(0.5, 0.08, 0.005, 45, shape="bursts"),
        ),
        V2Stage(
            "prod", "Production", 2000, 4000,
            {"bffHost": "storefront-bff.prod.internal.example.com", "logLevel": "WARN"},
            deployment=1,
            route_throttles=(Throttle("POST /cart", 300, 600), Throttle("POST /checkout", 50, 100)),
            access_log_format=HTTP_API_FORMAT,
            traffic=Traffic(80, 0.03, 0.002, 52),
            alarms=_prod_alarms(server=10, p99_ms=1000, http=True),
        ),
    ),
)

NOTIFICATIONS_WS = V2Api(
    name="live-notifications-ws",
    created_days=95,
    deployments=("v1.1.0 — order-status pushes", "v1.2.0 — price-drop alerts"),
    protocol="WEBSOCKET",
    description="Order-status and price-drop notifications pushed to signed-in shoppers.",
    tags={**_PLATFORM_TAGS, "team": "storefront", "cost-center": "CC-1502"},
    route_selection="$request.body.action",
    integrations=(
        Integration("connections", "AWS_PROXY", f"{_LAMBDA}:notifications-connections:live"),
        Integration("router", "AWS_PROXY", f"{_LAMBDA}:notifications-router:live"),
    ),
    routes=(
        Route("$connect", "connections"),
        Route("$disconnect", "connections"),
        Route("$default", "router", 8),  # actions no route names: old app versions' "ping"
        Route("sendMessage", "router", 52),
        Route("subscribe", "router", 40),
    ),
    stages=(
        V2Stage(
            "prod", "Production", 500, 1000,
            {"connectionsTable": "ws-connections-prod", "lambdaAlias": "live"},
            deployment=1,
            logging_level="INFO",
            access_log_format=WEBSOCKET_FORMAT,
            # busiest in the evening (history_websocket.socket_load); 4% of connections refused by connect-token
            traffic=SocketTraffic(60, 0.04, 0.004, 35, messages_per_connection=6, minutes_connected=4),
        ),
    ),
)

USAGE_PLANS = (
    UsagePlan(
        "partner-gold", "Strategic partners: high throughput, monthly quota", 500, 1000,
        1_000_000, "MONTH", ("orders-api", "payments-api", "catalog-api"),
        method_throttles={"orders-api": (Throttle("/orders POST", 100, 200),)},
    ),
    UsagePlan("partner-silver", "Standard partners", 100, 200, 100_000, "MONTH",
              ("orders-api", "catalog-api")),
    UsagePlan("internal-free", "Internal tools and the mobile apps", 20, 40, 5_000, "DAY",
              ("catalog-api",)),
    # dev and staging require keys where prod does: their clients hold this plan's key, so their
    # errors come from their backends, not from a setup that refuses them (issue #16, item 7).
    UsagePlan("internal-preprod", "QA automation against dev and staging", 10, 20, 20_000, "DAY",
              ("orders-api", "payments-api"), stages=("dev", "staging")),
)

API_KEYS = (
    ApiKey("acme-corp-prod", "partner-gold", "acme-corp", "ACME Corp order integration", created_days=400),
    ApiKey("globex-logistics-prod", "partner-gold", "globex", "Globex fulfilment connector", created_days=380),
    ApiKey("initech-billing", "partner-silver", "initech", "Initech invoicing sync", created_days=250),
    ApiKey("hooli-sandbox", "partner-silver", "hooli", "Pilot partner; disabled when the pilot ended",
           enabled=False, created_days=200),
    ApiKey("wayne-ent-legacy", "partner-gold", "wayne-ent", "Rotated; kept for audit",
           enabled=False, created_days=610),
    ApiKey("mobile-app-ios", "internal-free", "internal", "iOS app 6.x", created_days=330),
    ApiKey("qa-automation", "internal-preprod", "internal", "CI smoke and contract tests", created_days=180),
)


ESTATE = (
    RegionEstate(
        REGION,
        rest_apis=(ORDERS_API, PAYMENTS_API, CATALOG_API),
        v2_apis=(STOREFRONT_HTTP, NOTIFICATIONS_WS),
        usage_plans=USAGE_PLANS,
        api_keys=API_KEYS,
    ),
    RegionEstate(EU_REGION, rest_apis=(ORDERS_API_EU,)),
)


# --- Building ---------------------------------------------------------------------------------

# inject_host_prefix off: CloudWatch Logs prefixes some operations' hosts, which a loopback
# endpoint cannot resolve. No gzip of put_metric_data and no client-side validation: on loopback
# both cost more CPU than sending ten thousand metric datums, and the estate is fixed and tested.
_CONFIG = Config(
    inject_host_prefix=False, disable_request_compression=True, parameter_validation=False
)


def seed_estate(endpoint_url: str, history_end: float | None = None) -> None:
    """The whole estate on a fresh sandbox endpoint served by this process, its history promised.

    The estate's APIs, plans, keys, log groups and alarms come from the snapshot when one fits this
    code; otherwise they are built through the API and the snapshot is taken. The history is always
    new, ends at `history_end` (epoch seconds; default now), and is written on first demand
    (history.PENDING).
    """
    regions = tuple(estate.region for estate in ESTATE)
    with _gc_paused():
        ids = snapshot.restore(ACCOUNT_ID, regions)
        if ids is None:
            ids = {estate.region: build_region(Clients(sandbox_session(), endpoint_url, estate.region), estate)
                   for estate in ESTATE}
            snapshot.capture(ACCOUNT_ID, regions, ids)
    now_ms = int((time.time() if history_end is None else history_end) * 1000)  # however late it is written

    def write_history() -> None:
        rng = random.Random(SEED)
        with _gc_paused():
            for estate in ESTATE:
                history.write(history.generate(estate, ids[estate.region], rng, now_ms), ACCOUNT_ID)

    history.PENDING.promise(write_history)


def seed_region(endpoint_url: str, estate: RegionEstate, history_end: float | None = None) -> Ids:
    """One region's estate and history (ending at `history_end`, default now), built through the API
    (a scratch region for rehearsals and tests, on a sandbox endpoint served by this process); what
    AWS named."""
    end = time.time() if history_end is None else history_end
    with _gc_paused():
        ids = build_region(Clients(sandbox_session(), endpoint_url, estate.region), estate)
        history.write(history.generate(estate, ids, random.Random(SEED), int(end * 1000)), ACCOUNT_ID)
    return ids


def sandbox_session() -> boto3.session.Session:
    """A session with the sandbox's own keys: its seeding, its traffic and its rehearsals call as these."""
    return boto3.session.Session(aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while seeding.

    The client and the in-process server allocate enough short-lived objects to run it hundreds
    of times, a quarter or more of the seeding time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _mark_internal(request: Any, **_: Any) -> None:
    request.headers[INTERNAL_HEADER] = "1"


class Clients:
    """One boto3 client per service for a region, made on first use."""

    def __init__(self, session: boto3.session.Session, endpoint_url: str, region: str, account: str = ACCOUNT_ID):
        """`account`: whose the session's keys are (a fleet's other accounts assume a role into theirs)."""
        self.region, self.account = region, account
        self._session = session
        self._endpoint_url = endpoint_url

    def _make(self, service: str) -> Any:
        client = self._session.client(
            service, region_name=self.region, endpoint_url=self._endpoint_url, config=_CONFIG
        )
        # The sandbox's own calls (seeding, the traffic reading the estate) are not a client's: never limited.
        client.meta.events.register("before-sign", _mark_internal)
        return client

    @cached_property
    def apigateway(self) -> Any:
        return self._make("apigateway")

    @cached_property
    def apigatewayv2(self) -> Any:
        return self._make("apigatewayv2")

    @cached_property
    def logs(self) -> Any:
        return self._make("logs")

    @cached_property
    def cloudwatch(self) -> Any:
        return self._make("cloudwatch")

    def make(self, service: str) -> Any:
        """A client of a service the estate calls once (WAFv2)."""
        return self._make(service)

    def log_group_arn(self, name: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account}:log-group:{name}"


def build_region(clients: Clients, estate: RegionEstate) -> Ids:
    """Create a region's APIs, plans, keys and log groups through the API; what AWS named."""
    rest_ids = {api.name: _create_rest_api(clients, api) for api in estate.rest_apis}
    key_ids = _create_usage_plans(clients.apigateway, estate, rest_ids)
    for api in estate.rest_apis:
        for stage in api.stages:
            _create_log_groups(clients, api.name, rest_ids[api.name], stage.name,
                               access=stage.access_log_format is not None)
    v2_ids = {}
    for v2_api in estate.v2_apis:
        v2_ids[v2_api.name] = api_id = _create_v2_api(clients, v2_api)
        for v2_stage in v2_api.stages:
            _create_log_groups(clients, v2_api.name, api_id, v2_stage.name,
                               execution=v2_stage.logging_level is not None,
                               access=v2_stage.access_log_format is not None)
    for api in estate.rest_apis:
        for stage in api.stages:
            _create_alarms(clients.cloudwatch, api.name, stage.name, ("ApiName", api.name), stage.alarms, api.tags)
    for v2_api in estate.v2_apis:
        for v2_stage in v2_api.stages:
            _create_alarms(clients.cloudwatch, v2_api.name, v2_stage.name, ("ApiId", v2_ids[v2_api.name]),
                           v2_stage.alarms, v2_api.tags)
    estate_authorizers.seed(clients, rest_ids, v2_ids)
    estate_guards.seed(clients, rest_ids)
    estate_domains.seed(clients, rest_ids, v2_ids)
    ids = Ids(rest_apis=rest_ids, v2_apis=v2_ids, keys=key_ids)
    estate_dates.date_region(estate, ids, clients.account)
    return ids


def _create_alarms(cloudwatch: Any, api_name: str, stage_name: str, api_dimension: tuple[str, str],
                   alarms: tuple[Alarm, ...], tags: dict[str, str]) -> None:
    """A stage's alarms, with API Gateway's dimensions: ApiName and Stage (REST), ApiId and Stage (HTTP)."""
    for alarm in alarms:
        statistic = {"ExtendedStatistic": alarm.statistic} if alarm.statistic.startswith("p") else {
            "Statistic": alarm.statistic}
        cloudwatch.put_metric_alarm(
            AlarmName=f"{api_name}-{stage_name}-{alarm.name}", AlarmDescription=alarm.description,
            Namespace=history.NAMESPACE, MetricName=alarm.metric,
            Dimensions=[{"Name": api_dimension[0], "Value": api_dimension[1]}, {"Name": "Stage", "Value": stage_name}],
            Period=60, EvaluationPeriods=alarm.periods, DatapointsToAlarm=alarm.datapoints,
            Threshold=alarm.threshold, ComparisonOperator="GreaterThanThreshold",
            TreatMissingData=alarm.treat_missing, ActionsEnabled=False,
            Tags=[{"Key": "team", "Value": tags["team"]}] if "team" in tags else [], **statistic,
        )


def _create_log_groups(clients: Clients, api_name: str, api_id: str, stage_name: str, *,
                       access: bool, execution: bool = True) -> None:
    """Create a stage's execution and/or access log group."""
    tags = {"apigateway-api": api_name, "stage": stage_name}
    if execution:
        clients.logs.create_log_group(
            logGroupName=f"API-Gateway-Execution-Logs_{api_id}/{stage_name}", tags=tags
        )
    if access:
        clients.logs.create_log_group(logGroupName=access_log_group(api_name, stage_name), tags=tags)


# --- REST APIs --------------------------------------------------------------------------------


def _create_rest_api(clients: Clients, api: RestApi) -> str:
    """Create a REST API with its resources, methods, deployments and stages; return its id."""
    apigw = clients.apigateway
    created = apigw.create_rest_api(
        name=api.name, description=api.description, tags=api.tags,
        endpointConfiguration={"types": [api.endpoint_type]}, apiKeySource="HEADER",
    )
    api_id = created["id"]
    resource_ids = {"/": created["rootResourceId"]}
    for method in api.methods:
        resource_id = _ensure_resource(apigw, api_id, resource_ids, method.path)
        _put_method(apigw, api_id, resource_id, method)
    deployment_ids = [
        apigw.create_deployment(restApiId=api_id, description=description)["id"]
        for description in api.deployments
    ]
    for stage in api.stages:
        cache = {"cacheClusterEnabled": True, "cacheClusterSize": "0.5"} if stage.cache_ttl else {}
        apigw.create_stage(
            restApiId=api_id, stageName=stage.name, deploymentId=deployment_ids[stage.deployment],
            description=stage.description, variables=stage.variables,
            tracingEnabled=stage.tracing, tags={"env": stage.name}, **cache,
        )
        apigw.update_stage(
            restApiId=api_id, stageName=stage.name,
            patchOperations=_stage_patches(clients, api.name, stage),
        )
    return api_id


def _ensure_resource(apigw: Any, api_id: str, resource_ids: dict[str, str], path: str) -> str:
    """The id of the resource at `path`, creating it and any missing parent."""
    if path not in resource_ids:
        parent, _, part = path.rpartition("/")
        parent_id = _ensure_resource(apigw, api_id, resource_ids, parent or "/")
        resource_ids[path] = apigw.create_resource(
            restApiId=api_id, parentId=parent_id, pathPart=part
        )["id"]
    return resource_ids[path]


def _put_method(apigw: Any, api_id: str, resource_id: str, method: Method) -> None:
    """A method and its integration: MOCK answers 200, HTTP_PROXY goes to the stage's backend."""
    params = re.findall(r"\{(\w+)\}", method.path)
    apigw.put_method(
        restApiId=api_id, resourceId=resource_id, httpMethod=method.verb,
        authorizationType="NONE", apiKeyRequired=method.api_key_required,
        requestParameters={f"method.request.path.{p}": True for p in params},
    )
    if method.integration == "MOCK":
        integration: dict[str, Any] = {
            "type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        }
    else:
        integration = {
            "type": "HTTP_PROXY", "integrationHttpMethod": method.verb,
            "uri": f"https://${{stageVariables.backendHost}}{method.path}",
            "requestParameters": {
                f"integration.request.path.{p}": f"method.request.path.{p}" for p in params
            },
            "timeoutInMillis": 29000,
        }
    apigw.put_integration(
        restApiId=api_id, resourceId=resource_id, httpMethod=method.verb, **integration
    )


def _stage_patches(clients: Clients, api_name: str, stage: RestStage) -> list[dict[str, str]]:
    """update_stage operations for what create_stage does not take: method settings, access log.

    Method-setting paths are /{resource path with "/" escaped as "~1"}/{verb}/{setting}, or
    /*/*/{setting} for the stage-wide default.
    """
    settings: dict[str, object] = {
        "/*/*/throttling/rateLimit": stage.rate,
        "/*/*/throttling/burstLimit": stage.burst,
        "/*/*/logging/loglevel": stage.log_level,
        "/*/*/metrics/enabled": str(stage.detailed_metrics).lower(),
    }
    if stage.cache_ttl:
        settings["/*/*/caching/enabled"] = "true"
        settings["/*/*/caching/ttlInSeconds"] = stage.cache_ttl
    for throttle in stage.method_throttles:
        path, verb = throttle.target.split()
        escaped = path.replace("/", "~1")
        settings[f"/{escaped}/{verb}/throttling/rateLimit"] = throttle.rate
        settings[f"/{escaped}/{verb}/throttling/burstLimit"] = throttle.burst
    if stage.access_log_format:
        group = access_log_group(api_name, stage.name)
        settings["/accessLogSettings/destinationArn"] = clients.log_group_arn(group)
        settings["/accessLogSettings/format"] = stage.access_log_format
    return [{"op": "replace", "path": path, "value": str(value)}
            for path, value in settings.items()]


# --- Usage plans and keys ---------------------------------------------------------------------


def _create_usage_plans(
    apigw: Any, estate: RegionEstate, rest_ids: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    """Create the region's usage plans and API keys; return each API's enabled key ids."""
    plan_ids = {}
    for plan in estate.usage_plans:
        api_stages = []
        for name, stage in ((name, stage) for name in plan.apis for stage in plan.stages):
            api_stage: dict[str, Any] = {"apiId": rest_ids[name], "stage": stage}
            if name in plan.method_throttles:
                api_stage["throttle"] = {
                    t.target.replace(" ", "/"): {"rateLimit": t.rate, "burstLimit": t.burst}
                    for t in plan.method_throttles[name]
                }
            api_stages.append(api_stage)
        plan_ids[plan.name] = apigw.create_usage_plan(
            name=plan.name, description=plan.description, apiStages=api_stages,
            throttle={"rateLimit": plan.rate, "burstLimit": plan.burst},
            quota={"limit": plan.quota, "period": plan.period, "offset": 0},
            tags={"owner": "partner-engineering"},
        )["id"]
    values = random.Random(SEED)  # key values: their own stream, apart from the traffic's
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    plans = {plan.name: plan for plan in estate.usage_plans}
    keys_by_api: dict[str, list[str]] = {}
    for key in estate.api_keys:
        key_id = apigw.create_api_key(
            name=key.name, description=key.description, enabled=key.enabled,
            customerId=key.customer, value="".join(values.choices(alphabet, k=40)),
            tags={"customer": key.customer},
        )["id"]
        apigw.create_usage_plan_key(usagePlanId=plan_ids[key.plan], keyId=key_id, keyType="API_KEY")
        for name in plans[key.plan].apis if key.enabled and "prod" in plans[key.plan].stages else ():
            keys_by_api.setdefault(name, []).append(key_id)  # the keys prod's history is drawn with
    return {name: tuple(ids) for name, ids in keys_by_api.items()}


# --- HTTP and WebSocket APIs ------------------------------------------------------------------


def _create_v2_api(clients: Clients, api: V2Api) -> str:
    """Create an HTTP or WebSocket API with its integrations, routes and stages; return its id."""
    v2 = clients.apigatewayv2
    selection = {"RouteSelectionExpression": api.route_selection} if api.route_selection else {}
    api_id = v2.create_api(
        Name=api.name, ProtocolType=api.protocol, Description=api.description, Tags=api.tags,
        **selection,
    )["ApiId"]
    integration_ids = {}
    for integration in api.integrations:
        args: dict[str, Any] = {
            "IntegrationType": integration.type, "IntegrationUri": integration.uri,
            "TimeoutInMillis": 29000,
        }
        if integration.method:
            args["IntegrationMethod"] = integration.method
        if integration.payload_format:
            args["PayloadFormatVersion"] = integration.payload_format
        integration_ids[integration.key] = v2.create_integration(ApiId=api_id, **args)[
            "IntegrationId"
        ]
    for route in api.routes:
        v2.create_route(
            ApiId=api_id, RouteKey=route.key,
            Target=f"integrations/{integration_ids[route.integration]}",
        )
    deployment_ids = [v2.create_deployment(ApiId=api_id, Description=description)["DeploymentId"]
                      for description in api.deployments]
    for stage in api.stages:
        served = {} if stage.auto_deploy else {"DeploymentId": deployment_ids[stage.deployment]}
        v2.create_stage(ApiId=api_id, **_v2_stage_args(clients, api, stage), **served)
    return api_id


def _v2_stage_args(clients: Clients, api: V2Api, stage: V2Stage) -> dict[str, Any]:
    """Every setting of a v2 stage, given at creation: moto cannot update a v2 stage."""
    defaults: dict[str, Any] = {
        "ThrottlingRateLimit": stage.rate, "ThrottlingBurstLimit": stage.burst,
        "DetailedMetricsEnabled": stage.detailed_metrics,
    }
    if stage.logging_level:
        defaults |= {"LoggingLevel": stage.logging_level, "DataTraceEnabled": False}
    args: dict[str, Any] = {
        "StageName": stage.name, "Description": stage.description, "AutoDeploy": stage.auto_deploy,
        "StageVariables": stage.variables, "DefaultRouteSettings": defaults,
        "Tags": {"env": "prod" if stage.name == "prod" else "dev"},
    }
    if stage.route_throttles:
        args["RouteSettings"] = {
            t.target: {"ThrottlingRateLimit": t.rate, "ThrottlingBurstLimit": t.burst}
            for t in stage.route_throttles
        }
    if stage.access_log_format:
        args["AccessLogSettings"] = {
            "DestinationArn": clients.log_group_arn(access_log_group(api.name, stage.name)),
            "Format": stage.access_log_format,
        }
    return args

