"""The sandbox's estate: what a mid-size company's API Gateway account looks like, built on demand.

An empty moto server shows nothing worth browsing, so every sandbox start fills it with the same
estate: REST, HTTP and WebSocket APIs with deployments and stages, throttles, caching, access
logging, usage plans and keys, three hours of access-log lines and CloudWatch metrics, and a
small second region. Everything is created through the public AWS API with plain boto3 clients,
exactly as the console will read it back, so the sandbox exercises the same paths as a real account.

The estate is declared first, as an inventory (module-level dataclasses), and built by the small
functions below it. Traffic (log lines, metrics) comes from a seeded `random.Random`, so two
sandboxes differ only in the ids moto assigns and in the wall-clock window they cover.
Seeding runs on every sandbox start, so it makes few calls: one client per service and region,
log events and metric data sent in large batches.
"""

from __future__ import annotations

import base64
import gc
import math
import random
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

from console.sandbox import ACCESS_KEY_ID, ACCOUNT_ID, REGION, SECRET_ACCESS_KEY

SEED = 20_241_121
WINDOW_MINUTES = 180  # how far back the generated traffic (logs and metrics) reaches
EU_REGION = "eu-west-1"


# --- Inventory: the shapes ------------------------------------------------------------------


@dataclass(frozen=True)
class Traffic:
    """How busy a stage is and how it behaves; log lines and metrics are both drawn from it."""

    per_minute: float  # mean requests a minute
    client_errors: float  # share of 4xx
    server_errors: float  # share of 5xx
    latency_ms: float  # median integration latency
    log_lines: int = 0  # access-log lines to write (a sample of the traffic)
    cache_hit_ratio: float = 0.0


@dataclass(frozen=True)
class Method:
    """One method of a REST resource; `weight` is its share of the API's traffic."""

    path: str
    verb: str
    integration: str  # "HTTP_PROXY" (to the stage's backendHost) or "MOCK"
    weight: int
    api_key_required: bool = False


@dataclass(frozen=True)
class Throttle:
    """A per-method throttle override on a stage (REST) or a route (HTTP API)."""

    target: str  # REST: "/orders POST"; HTTP API: a route key
    rate: float
    burst: int


@dataclass(frozen=True)
class RestStage:
    """A REST stage; `rate`/`burst` are its stage-wide default throttle."""

    name: str
    description: str
    deployment: int  # index into the API's deployments
    rate: float
    burst: int
    log_level: str  # INFO | ERROR
    variables: dict[str, str]
    traffic: Traffic
    tracing: bool = False
    access_log_format: str | None = None
    method_throttles: tuple[Throttle, ...] = ()
    cache_ttl: int | None = None  # set on the one stage with a cache cluster


@dataclass(frozen=True)
class RestApi:
    """A REST API: its methods (the resource tree follows from their paths), its deployments
    oldest first, and its stages."""

    name: str
    description: str
    endpoint_type: str
    tags: dict[str, str]
    methods: tuple[Method, ...]
    deployments: tuple[str, ...]
    stages: tuple[RestStage, ...]


@dataclass(frozen=True)
class Integration:
    """An HTTP or WebSocket API integration, referred to by its routes through `key`."""

    key: str
    type: str  # HTTP_PROXY | AWS_PROXY
    uri: str
    method: str | None = None  # HTTP_PROXY only
    payload_format: str | None = None


@dataclass(frozen=True)
class Route:
    """An HTTP or WebSocket route; `weight` is its share of the API's traffic."""

    key: str  # "GET /products/{id}", "$default", "sendMessage" ...
    integration: str
    weight: int = 0


@dataclass(frozen=True)
class V2Stage:
    """An HTTP or WebSocket API stage; `rate`/`burst` are its default route throttle."""

    name: str
    description: str
    rate: float
    burst: int
    variables: dict[str, str]
    auto_deploy: bool = False
    logging_level: str | None = None  # WebSocket only
    route_throttles: tuple[Throttle, ...] = ()
    access_log_format: str | None = None
    traffic: Traffic | None = None


@dataclass(frozen=True)
class V2Api:
    """An HTTP or WebSocket API (API Gateway v2)."""

    name: str
    protocol: str  # HTTP | WEBSOCKET
    description: str
    tags: dict[str, str]
    integrations: tuple[Integration, ...]
    routes: tuple[Route, ...]
    stages: tuple[V2Stage, ...]
    route_selection: str | None = None


@dataclass(frozen=True)
class UsagePlan:
    """A usage plan over the prod stages of `apis`, with optional per-method throttles."""

    name: str
    description: str
    rate: float
    burst: int
    quota: int
    period: str  # DAY | WEEK | MONTH
    apis: tuple[str, ...]  # REST API names
    method_throttles: dict[str, tuple[Throttle, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiKey:
    """An API key, attached to the usage plan named `plan`."""

    name: str
    plan: str
    customer: str
    description: str
    enabled: bool = True


@dataclass(frozen=True)
class RegionEstate:
    """Everything seeded in one region."""

    region: str
    rest_apis: tuple[RestApi, ...]
    v2_apis: tuple[V2Api, ...] = ()
    usage_plans: tuple[UsagePlan, ...] = ()
    api_keys: tuple[ApiKey, ...] = ()


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
    '"integrationStatus":"$context.integration.status","errorMessage":"$context.error.message"}'
)
HTTP_API_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol",'
    '"responseLength":"$context.responseLength","responseLatency":"$context.responseLatency",'
    '"integrationLatency":"$context.integration.latency",'
    '"integrationError":"$context.integrationErrorMessage"}'
)


# --- Inventory: the estate -------------------------------------------------------------------

_PLATFORM_TAGS = {"env": "shared", "managed-by": "terraform"}

ORDERS_API = RestApi(
    name="orders-api",
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
            Traffic(0.3, 0.09, 0.004, 60),
        ),
        RestStage(
            "staging", "Pre-production — release candidates and partner sandbox", 1, 200, 400,
            "INFO",
            {"backendHost": "orders-svc.staging.internal.example.com", "lambdaAlias": "staging",
             "featureFlags": "refunds,split-shipments", "logLevel": "INFO"},
            Traffic(0.8, 0.06, 0.003, 55, log_lines=220),
            access_log_format=REST_STANDARD_FORMAT,
            method_throttles=(Throttle("/orders POST", 20, 40),),
        ),
        RestStage(
            "prod", "Production", 1, 2000, 5000, "ERROR",
            {"backendHost": "orders-svc.prod.internal.example.com", "lambdaAlias": "live",
             "featureFlags": "refunds", "logLevel": "WARN"},
            Traffic(120, 0.035, 0.002, 48, log_lines=380),
            tracing=True,
            access_log_format=REST_DETAILED_FORMAT,
            method_throttles=(
                Throttle("/orders POST", 200, 400),
                Throttle("/orders/{orderId}/refunds POST", 20, 40),
            ),
        ),
    ),
)

PAYMENTS_API = RestApi(
    name="payments-api",
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
            Traffic(0.2, 0.12, 0.006, 140),
            tracing=True,
        ),
        RestStage(
            "staging", "Pre-production — PSP sandbox credentials", 2, 100, 200, "INFO",
            {"backendHost": "payments-svc.staging.internal.example.com",
             "lambdaAlias": "staging", "pspEnvironment": "sandbox",
             "featureFlags": "partial-capture,idempotency-keys"},
            Traffic(0.6, 0.07, 0.004, 150, log_lines=200),
            tracing=True,
            access_log_format=REST_STANDARD_FORMAT,
        ),
        # The slightly unhealthy stage: the PSP adapter times out now and then.
        RestStage(
            "prod", "Production — PCI scope", 1, 1000, 2000, "ERROR",
            {"backendHost": "payments-svc.prod.internal.example.com", "lambdaAlias": "live",
             "pspEnvironment": "live", "featureFlags": "partial-capture"},
            Traffic(45, 0.04, 0.021, 210, log_lines=320),
            tracing=True,
            access_log_format=REST_DETAILED_FORMAT,
            method_throttles=(
                Throttle("/payments POST", 100, 200),
                Throttle("/webhooks/psp POST", 50, 100),
            ),
        ),
    ),
)

CATALOG_API = RestApi(
    name="catalog-api",
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
            Traffic(0.3, 0.08, 0.003, 35),
        ),
        RestStage(
            "staging", "Pre-production", 1, 500, 1000, "INFO",
            {"backendHost": "catalog-svc.staging.internal.example.com", "lambdaAlias": "staging",
             "searchIndex": "products-staging", "logLevel": "INFO"},
            Traffic(1, 0.05, 0.002, 32, log_lines=220),
            access_log_format=REST_STANDARD_FORMAT,
        ),
        RestStage(
            "prod", "Production — behind CloudFront, 0.5 GB cache", 1, 5000, 10000, "ERROR",
            {"backendHost": "catalog-svc.prod.internal.example.com", "lambdaAlias": "live",
             "searchIndex": "products-live", "logLevel": "WARN"},
            Traffic(300, 0.025, 0.001, 28, log_lines=400, cache_hit_ratio=0.62),
            access_log_format=REST_DETAILED_FORMAT,
            method_throttles=(Throttle("/search GET", 500, 1000),),
            cache_ttl=300,
        ),
    ),
)

ORDERS_API_EU = RestApi(
    name="orders-api-eu",
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
            Traffic(25, 0.03, 0.002, 41, log_lines=200),
            access_log_format=REST_DETAILED_FORMAT,
        ),
    ),
)

_LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function"

STOREFRONT_HTTP = V2Api(
    name="storefront-http",
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
            traffic=Traffic(0.5, 0.08, 0.005, 45),
        ),
        V2Stage(
            "prod", "Production", 2000, 4000,
            {"bffHost": "storefront-bff.prod.internal.example.com", "logLevel": "WARN"},
            route_throttles=(Throttle("POST /cart", 300, 600), Throttle("POST /checkout", 50, 100)),
            access_log_format=HTTP_API_FORMAT,
            traffic=Traffic(80, 0.03, 0.002, 52, log_lines=300),
        ),
    ),
)

NOTIFICATIONS_WS = V2Api(
    name="live-notifications-ws",
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
        Route("$default", "router"),
        Route("sendMessage", "router"),
        Route("subscribe", "router"),
    ),
    stages=(
        V2Stage(
            "prod", "Production", 500, 1000,
            {"connectionsTable": "ws-connections-prod", "lambdaAlias": "live"},
            logging_level="INFO",
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
)

API_KEYS = (
    ApiKey("acme-corp-prod", "partner-gold", "acme-corp", "ACME Corp order integration"),
    ApiKey("globex-logistics-prod", "partner-gold", "globex", "Globex fulfilment connector"),
    ApiKey("initech-billing", "partner-silver", "initech", "Initech invoicing sync"),
    ApiKey("hooli-sandbox", "partner-silver", "hooli", "Pilot ended 2024-09", enabled=False),
    ApiKey("wayne-ent-legacy", "partner-gold", "wayne-ent", "Rotated; kept for audit",
           enabled=False),
    ApiKey("mobile-app-ios", "internal-free", "internal", "iOS app 6.x"),
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


# --- Inventory: what the traffic looks like -------------------------------------------------

# Documentation ranges (RFC 5737) and a carrier-grade NAT address: realistic, never anyone's.
CLIENT_IPS = tuple(f"203.0.113.{n}" for n in (7, 18, 44, 91, 133, 202)) + tuple(
    f"198.51.100.{n}" for n in (3, 27, 64, 150, 211)
) + ("192.0.2.15", "192.0.2.88", "100.64.12.9")
USER_AGENTS = (
    "okhttp/4.12.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "python-requests/2.32.3",
    "axios/1.7.2",
    "Go-http-client/2.0",
    "Amazon CloudFront",
)
PATH_PARAM_PREFIXES = {"orderId": "ord_", "paymentId": "pay_", "sku": "SKU-",
                       "categoryId": "cat_", "id": "prd_", "cartId": "cart_"}
# (status, weight, gateway's error message or None when the backend answered)
CLIENT_ERRORS = ((400, 30, None), (403, 15, "Forbidden"), (404, 35, None), (409, 5, None),
                 (429, 15, "Too Many Requests"))
SERVER_ERRORS = ((500, 25, None), (502, 30, "Internal server error"), (503, 15, None),
                 (504, 30, "Endpoint request timed out"))
SUCCESS_STATUS = {"POST": 201, "DELETE": 204}
LATENCY_SPREAD = 0.55  # sigma of the log-normal integration latency
RESPONSE_BYTES = 1400  # median response size
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# AWS/ApiGateway metric name -> the per-minute data it carries (see `_per_minute`).
REST_METRICS = {"Count": "requests", "4XXError": "4xx", "5XXError": "5xx", "Latency": "latency",
                "IntegrationLatency": "integration_latency"}
REST_CACHE_METRICS = {"CacheHitCount": "cache_hits", "CacheMissCount": "cache_misses"}
HTTP_METRICS = {"Count": "requests", "4xx": "4xx", "5xx": "5xx", "Latency": "latency",
                "IntegrationLatency": "integration_latency", "DataProcessed": "bytes"}
METRIC_UNITS = {"Latency": "Milliseconds", "IntegrationLatency": "Milliseconds",
                "DataProcessed": "Bytes"}


# --- Building ---------------------------------------------------------------------------------

# inject_host_prefix off: CloudWatch Logs prefixes some operations' hosts, which a loopback
# endpoint cannot resolve. No gzip of put_metric_data and no client-side validation: on loopback
# both cost more CPU than sending ten thousand metric datums, and the estate is fixed and tested.
_CONFIG = Config(
    inject_host_prefix=False, disable_request_compression=True, parameter_validation=False
)


def seed_estate(endpoint_url: str) -> None:
    """Create the whole estate on a (fresh) sandbox endpoint."""
    rng = random.Random(SEED)
    now_ms = int(time.time() * 1000)
    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY
    )
    with _gc_paused():
        for estate in ESTATE:
            _seed_region(_Clients(session, endpoint_url, estate.region), estate, rng, now_ms)


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


class _Clients:
    """One boto3 client per service for a region, made on first use."""

    def __init__(self, session: boto3.session.Session, endpoint_url: str, region: str):
        self.region = region
        self._session = session
        self._endpoint_url = endpoint_url

    def _make(self, service: str) -> Any:
        return self._session.client(
            service, region_name=self.region, endpoint_url=self._endpoint_url, config=_CONFIG
        )

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

    def log_group_arn(self, name: str) -> str:
        return f"arn:aws:logs:{self.region}:{ACCOUNT_ID}:log-group:{name}"


def _seed_region(clients: _Clients, estate: RegionEstate, rng: random.Random, now_ms: int) -> None:
    """Create a region's APIs, plans and keys, then write their logs and metrics in bulk."""
    rest_ids = {api.name: _create_rest_api(clients, api) for api in estate.rest_apis}
    key_ids = _create_usage_plans(clients.apigateway, estate, rest_ids)
    log_streams: list[tuple[str, list[dict[str, Any]]]] = []
    datums: list[dict[str, Any]] = []
    for api in estate.rest_apis:
        for stage in api.stages:
            group = _create_log_groups(clients, api.name, rest_ids[api.name], stage.name,
                                       access=stage.access_log_format is not None)
            if stage.access_log_format:
                events = _rest_access_log(rng, api, stage, key_ids.get(api.name, ()), now_ms)
                log_streams.append((group, events))
            metrics = REST_METRICS | (REST_CACHE_METRICS if stage.cache_ttl else {})
            dimensions = {"ApiName": api.name, "Stage": stage.name}
            datums += _metric_datums(rng, stage.traffic, metrics, dimensions, now_ms)
    for v2_api in estate.v2_apis:
        api_id = _create_v2_api(clients, v2_api)
        for v2_stage in v2_api.stages:
            group = _create_log_groups(clients, v2_api.name, api_id, v2_stage.name,
                                       execution=v2_stage.logging_level is not None,
                                       access=v2_stage.access_log_format is not None)
            if v2_stage.traffic is None:
                continue
            if v2_stage.access_log_format:
                log_streams.append((group, _http_access_log(rng, v2_api, v2_stage, now_ms)))
            dimensions = {"ApiId": api_id, "Stage": v2_stage.name}
            datums += _metric_datums(rng, v2_stage.traffic, HTTP_METRICS, dimensions, now_ms)
    _put_log_events(clients.logs, log_streams, rng)
    _put_metrics(clients.cloudwatch, datums)


def _create_log_groups(clients: _Clients, api_name: str, api_id: str, stage_name: str, *,
                       access: bool, execution: bool = True) -> str:
    """Create a stage's execution and/or access log group; return the access group's name."""
    tags = {"apigateway-api": api_name, "stage": stage_name}
    if execution:
        clients.logs.create_log_group(
            logGroupName=f"API-Gateway-Execution-Logs_{api_id}/{stage_name}", tags=tags
        )
    group = _access_log_group(api_name, stage_name)
    if access:
        clients.logs.create_log_group(logGroupName=group, tags=tags)
    return group


def _access_log_group(api_name: str, stage_name: str) -> str:
    return f"/aws/apigateway/{api_name}/{stage_name.strip('$')}/access"


# --- REST APIs --------------------------------------------------------------------------------


def _create_rest_api(clients: _Clients, api: RestApi) -> str:
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


def _stage_patches(clients: _Clients, api_name: str, stage: RestStage) -> list[dict[str, str]]:
    """update_stage operations for what create_stage does not take: method settings, access log.

    Method-setting paths are /{resource path with "/" escaped as "~1"}/{verb}/{setting}, or
    /*/*/{setting} for the stage-wide default.
    """
    settings: dict[str, object] = {
        "/*/*/throttling/rateLimit": stage.rate,
        "/*/*/throttling/burstLimit": stage.burst,
        "/*/*/logging/loglevel": stage.log_level,
        "/*/*/metrics/enabled": "true",
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
        group = _access_log_group(api_name, stage.name)
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
        for name in plan.apis:
            api_stage: dict[str, Any] = {"apiId": rest_ids[name], "stage": "prod"}
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
        for name in plans[key.plan].apis if key.enabled else ():
            keys_by_api.setdefault(name, []).append(key_id)
    return {name: tuple(ids) for name, ids in keys_by_api.items()}


# --- HTTP and WebSocket APIs ------------------------------------------------------------------


def _create_v2_api(clients: _Clients, api: V2Api) -> str:
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
    for stage in api.stages:
        v2.create_stage(ApiId=api_id, **_v2_stage_args(clients, api, stage))
    return api_id


def _v2_stage_args(clients: _Clients, api: V2Api, stage: V2Stage) -> dict[str, Any]:
    """Every setting of a v2 stage, given at creation: moto cannot update a v2 stage."""
    defaults: dict[str, Any] = {
        "ThrottlingRateLimit": stage.rate, "ThrottlingBurstLimit": stage.burst,
        "DetailedMetricsEnabled": stage.name == "prod",
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
            "DestinationArn": clients.log_group_arn(_access_log_group(api.name, stage.name)),
            "Format": stage.access_log_format,
        }
    return args


# --- Traffic: the shape of a day ------------------------------------------------------------

_PEAK_LOAD = 1.4


def _load(elapsed: float) -> float:
    """Traffic relative to a stage's mean, `elapsed` (0..1) into the window: an afternoon
    build-up with a ripple, never above `_PEAK_LOAD`."""
    return 0.6 + 0.7 * elapsed + 0.1 * math.sin(elapsed * 40)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw: Knuth's method for small means, normal approximation above."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial draw: exact for small n, normal approximation above."""
    if p <= 0 or n == 0:
        return 0
    if n < 30:
        return sum(rng.random() < p for _ in range(n))
    return min(n, max(0, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))


def _integration_latency(rng: random.Random, traffic: Traffic) -> float:
    """Log-normal around the stage's median, as backends are."""
    return traffic.latency_ms * rng.lognormvariate(0, LATENCY_SPREAD)


# --- Traffic: access-log lines ----------------------------------------------------------------

_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")


@dataclass(frozen=True)
class _Request:
    """One generated request, before it is rendered in a particular log format."""

    epoch_ms: int
    verb: str
    path: str  # the template: /orders/{orderId}
    status: int
    response_ms: int
    integration_ms: int | None  # None: the gateway answered without calling a backend
    gateway_error: str | None
    length: int
    ip: str
    user_agent: str


def _rest_access_log(
    rng: random.Random, api: RestApi, stage: RestStage, key_ids: tuple[str, ...], now_ms: int
) -> list[dict[str, Any]]:
    """Access-log events of a REST stage, in its own format."""
    assert stage.access_log_format
    routes = [(m.verb, m.path, m.integration == "MOCK") for m in api.methods]
    keyed = {(m.verb, m.path) for m in api.methods if m.api_key_required}
    events = []
    for request in _requests(rng, routes, [m.weight for m in api.methods], stage.traffic, now_ms):
        key_id = "-"
        if (request.verb, request.path) in keyed and key_ids and request.status != 403:
            key_id = rng.choice(key_ids)
        context = _common_context(rng, request) | {
            "requestId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "extendedRequestId": base64.b64encode(rng.randbytes(11)).decode(),
            "identity.apiKeyId": key_id,
            "requestTimeEpoch": str(request.epoch_ms),
            "resourcePath": request.path,
            "path": f"/{stage.name}{_concrete_path(rng, request.path)}",
            "integrationLatency": _ms(request.integration_ms),
            "integration.status": "-" if request.integration_ms is None else str(request.status),
        }
        events.append({"timestamp": request.epoch_ms,
                       "message": _render(stage.access_log_format, context)})
    return events


def _http_access_log(
    rng: random.Random, api: V2Api, stage: V2Stage, now_ms: int
) -> list[dict[str, Any]]:
    """Access-log events of an HTTP API stage, in its own format."""
    assert stage.access_log_format and stage.traffic
    routes = [(*_route_verb_path(r.key), False) for r in api.routes]
    events = []
    for request in _requests(rng, routes, [r.weight for r in api.routes], stage.traffic, now_ms):
        context = _common_context(rng, request) | {
            "requestId": base64.b64encode(rng.randbytes(11)).decode(),
            "routeKey": "$default" if request.verb == "ANY" else f"{request.verb} {request.path}",
            "integration.latency": _ms(request.integration_ms),
            "integrationErrorMessage": request.gateway_error or "-",
        }
        events.append({"timestamp": request.epoch_ms,
                       "message": _render(stage.access_log_format, context)})
    return events


def _render(log_format: str, context: dict[str, str]) -> str:
    """A log line as API Gateway writes it: each $context variable substituted, "-" if unset."""
    return _CONTEXT_VARIABLE.sub(lambda m: context.get(m.group(1), "-"), log_format)


def _requests(
    rng: random.Random, routes: list[tuple[str, str, bool]], weights: list[int],
    traffic: Traffic, now_ms: int,
) -> Iterator[_Request]:
    """`traffic.log_lines` requests over the window, in time order; routes: (verb, path, mock)."""
    for epoch_ms in _request_times(rng, traffic.log_lines, now_ms):
        verb, path, mock = rng.choices(routes, weights)[0]
        status, error, integration_ms = _outcome(rng, verb, mock, traffic)
        response_ms = int((integration_ms or 0) + rng.lognormvariate(math.log(6), 0.5)) + 1
        if status == 204:
            length = 0
        elif status >= 400:
            length = rng.randint(36, 180)
        else:
            length = int(rng.lognormvariate(math.log(RESPONSE_BYTES), 0.9))
        yield _Request(epoch_ms, verb, path, status, response_ms, integration_ms, error, length,
                       rng.choice(CLIENT_IPS), rng.choice(USER_AGENTS))


def _request_times(rng: random.Random, count: int, now_ms: int) -> list[int]:
    """`count` request times (epoch ms) in the window, ascending, following `_load`."""
    span = WINDOW_MINUTES * 60_000
    times: list[int] = []
    while len(times) < count:
        elapsed = rng.random()
        if rng.random() * _PEAK_LOAD < _load(elapsed):
            times.append(now_ms - span + int(elapsed * (span - 1000)))
    return sorted(times)


def _outcome(
    rng: random.Random, verb: str, mock: bool, traffic: Traffic
) -> tuple[int, str | None, int | None]:
    """(status, gateway error message, integration latency in ms) of one request."""
    if mock:
        return 200, None, None
    draw = rng.random()
    if draw < traffic.server_errors:
        status, error = _weighted(rng, SERVER_ERRORS)
        if status == 504:
            return status, error, 29_000 + rng.randint(0, 40)
    elif draw < traffic.server_errors + traffic.client_errors:
        status, error = _weighted(rng, CLIENT_ERRORS)
        if error:  # refused or throttled by the gateway itself
            return status, error, None
    else:
        status, error = SUCCESS_STATUS.get(verb, 200), None
    return status, error, int(_integration_latency(rng, traffic))


def _weighted(
    rng: random.Random, table: tuple[tuple[int, int, str | None], ...]
) -> tuple[int, str | None]:
    status, _, error = rng.choices(table, [weight for _, weight, _ in table])[0]
    return status, error


def _common_context(rng: random.Random, request: _Request) -> dict[str, str]:
    """$context variables that REST and HTTP APIs share."""
    moment = datetime.fromtimestamp(request.epoch_ms / 1000, UTC)
    return {
        "identity.sourceIp": request.ip,
        "identity.userAgent": request.user_agent,
        "requestTime": f"{moment:%d}/{_MONTHS[moment.month - 1]}/{moment:%Y:%H:%M:%S} +0000",
        "httpMethod": request.verb,
        "status": str(request.status),
        "protocol": rng.choice(("HTTP/1.1", "HTTP/2.0")),
        "responseLength": str(request.length),
        "responseLatency": str(request.response_ms),
        "error.message": request.gateway_error or "-",
    }


def _route_verb_path(route_key: str) -> tuple[str, str]:
    verb, _, path = route_key.partition(" ")
    return ("ANY", "/") if route_key == "$default" else (verb, path)


def _concrete_path(rng: random.Random, template: str) -> str:
    """A request path for a resource template: /orders/{orderId} -> /orders/ord_3f9a0c12."""
    return re.sub(
        r"\{(\w+)\}",
        lambda m: f"{PATH_PARAM_PREFIXES.get(m.group(1), '')}{rng.getrandbits(32):08x}",
        template,
    )


def _ms(value: int | None) -> str:
    return "-" if value is None else str(value)


def _put_log_events(
    logs: Any, log_streams: list[tuple[str, list[dict[str, Any]]]], rng: random.Random
) -> None:
    """Write each group's events, in one call, to a stream named like API Gateway's (32 hex)."""
    for group, events in log_streams:
        stream = f"{rng.getrandbits(128):032x}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


# --- Traffic: CloudWatch metrics --------------------------------------------------------------

# A minute's latencies as a histogram, the way CloudWatch stores percentile-ready data (Values and
# Counts): buckets of the log-normal integration latency, in standard deviations (z) from the
# median, each published at its middle; finer where p50 .. p99.9 fall. Shares are fixed, so each
# minute costs a few binomials, and ten buckets keep the PutMetricData bodies small to serialise.
_LATENCY_EDGES = (-1.5, -0.75, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
_LATENCY_POINTS = (-2.0, -1.1, -0.4, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25)
_LATENCY_SHARES = tuple(
    high - low for low, high in zip(
        (0.0, *(0.5 * (1 + math.erf(z / math.sqrt(2))) for z in _LATENCY_EDGES)),
        (*(0.5 * (1 + math.erf(z / math.sqrt(2))) for z in _LATENCY_EDGES), 1.0),
    )
)
# Naive UTC: botocore takes it as UTC without the time-zone conversion it gives aware datetimes.
_UTC_EPOCH = datetime(1970, 1, 1)
GATEWAY_OVERHEAD_MS = 7  # Latency = IntegrationLatency + the gateway's own milliseconds
TIMEOUT_MS = 29_000  # a 504 waits out the integration timeout
_TIMEOUT_SHARE = sum(w for status, w, _ in SERVER_ERRORS if status == 504) / sum(
    w for _, w, _ in SERVER_ERRORS
)


def _metric_datums(
    rng: random.Random, traffic: Traffic, metrics: dict[str, str], dimensions: dict[str, str],
    now_ms: int,
) -> list[dict[str, Any]]:
    """PutMetricData datums of one stage: each metric of `metrics` for each minute with traffic."""
    dims = [{"Name": name, "Value": value} for name, value in dimensions.items()]
    return [
        {"MetricName": name, "Dimensions": dims, "Timestamp": stamp,
         "Unit": METRIC_UNITS.get(name, "Count"), **data[key]}
        for stamp, data in _per_minute(rng, traffic, now_ms)
        for name, key in metrics.items()
    ]


def _per_minute(
    rng: random.Random, traffic: Traffic, now_ms: int
) -> Iterator[tuple[datetime, dict[str, dict[str, Any]]]]:
    """For each whole minute of the window that saw requests (naive UTC), its data by kind.

    Counters are 0/1 per request, as API Gateway emits them (Sum is the count, Average the rate),
    sent as Values/Counts; latencies as histograms, so percentiles exist; bytes as a statistic set.
    """
    first = now_ms // 60_000 - WINDOW_MINUTES
    for minute in range(WINDOW_MINUTES):
        requests = _poisson(rng, traffic.per_minute * _load(minute / WINDOW_MINUTES))
        if requests == 0:
            continue  # no requests, no datapoint
        server = _binomial(rng, requests, traffic.server_errors)
        client = _binomial(rng, requests - server, traffic.client_errors)
        hits = _binomial(rng, requests, traffic.cache_hit_ratio)
        timeouts = _binomial(rng, server, _TIMEOUT_SHARE)
        median = traffic.latency_ms * rng.uniform(0.9, 1.15)
        integration = _latency_histogram(rng, requests - timeouts, median, timeouts)
        yield _UTC_EPOCH + timedelta(minutes=first + minute), {
            "requests": _ones(requests, requests),
            "4xx": _ones(client, requests),
            "5xx": _ones(server, requests),
            "cache_hits": _ones(hits, requests),
            "cache_misses": _ones(requests - hits, requests),
            "integration_latency": integration,
            "latency": {"Values": [v + GATEWAY_OVERHEAD_MS for v in integration["Values"]],
                        "Counts": integration["Counts"]},
            "bytes": {"StatisticValues": _spread(
                requests, RESPONSE_BYTES * rng.uniform(0.9, 1.2),
                [RESPONSE_BYTES * rng.lognormvariate(0, 0.9)])},
        }


def _ones(hits: int, requests: int) -> dict[str, list[float]]:
    """A counter's minute: `hits` ones and `requests - hits` zeros, as Values and Counts."""
    pairs = [(value, count) for value, count in ((0.0, requests - hits), (1.0, hits)) if count]
    return {"Values": [v for v, _ in pairs], "Counts": [float(c) for _, c in pairs]}


def _latency_histogram(
    rng: random.Random, requests: int, median: float, timeouts: int
) -> dict[str, list[float]]:
    """`requests` log-normal latencies around `median` bucketed, plus `timeouts` at the timeout."""
    values, counts = [], []
    remaining, share_left = requests, 1.0
    for z, share in zip(_LATENCY_POINTS, _LATENCY_SHARES):
        count = _binomial(rng, remaining, min(1.0, share / share_left)) if share_left > 0 else 0
        remaining, share_left = remaining - count, share_left - share
        if count:
            values.append(round(median * math.exp(LATENCY_SPREAD * z), 1))
            counts.append(float(count))
    if timeouts:
        values.append(float(TIMEOUT_MS))
        counts.append(float(timeouts))
    return {"Values": values, "Counts": counts}


def _spread(requests: int, mean: float, samples: list[float]) -> dict[str, float]:
    """StatisticValues of `requests` values averaging `mean`, spread like `samples`."""
    tail = max(samples) * (1 + math.log1p(requests) / 3)
    return {"SampleCount": requests, "Sum": round(requests * mean, 1),
            "Minimum": round(min(samples) * 0.6, 1), "Maximum": round(max(tail, mean), 1)}


def _put_metrics(cloudwatch: Any, datums: list[dict[str, Any]]) -> None:
    """Send the datums 1000 at a time, the PutMetricData maximum."""
    for start in range(0, len(datums), 1000):
        cloudwatch.put_metric_data(
            Namespace="AWS/ApiGateway", MetricData=datums[start:start + 1000]
        )
