"""The estate's shapes: the frozen value types the estate is declared in, and the ids a build returns.

`estate` declares the sandbox's estate in these types and builds it; `history` draws a region's past
from them, the traffic generator its live requests, and `snapshot` keeps the `Ids` a build
returned. They import nothing of the sandbox, so any of those modules can import them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Traffic:
    """How busy a stage is and how it behaves; log lines and metrics are both drawn from it."""

    per_minute: float  # mean requests a minute
    client_errors: float  # share of 4xx
    server_errors: float  # share of 5xx
    latency_ms: float  # median integration latency
    cache_hit_ratio: float = 0.0
    shape: str = "afternoon"  # how its history rises and falls (history._SHAPES)


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
class Alarm:
    """A CloudWatch metric alarm on a stage, named `<api>-<stage>-<name>`: ALARM when `datapoints` of the
    last `periods` one-minute values of `statistic` over `metric` are greater than `threshold`."""

    name: str  # "5xx", "4xx", "p99-latency"
    metric: str  # as the stage's kind of API publishes it: "5XXError" (REST), "5xx" (HTTP API), "Latency"
    statistic: str  # "Sum", "Average", ... or a percentile: "p99"
    threshold: float
    description: str
    periods: int = 5
    datapoints: int = 2
    treat_missing: str = "notBreaching"


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
    alarms: tuple[Alarm, ...] = ()
    detailed_metrics: bool = True  # metrics/enabled for every method: per-method series as well as the stage's


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
    created_days: int = 30  # how long before the build it was created (estate_dates)


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
    auto_deploy: bool = False  # else it serves `deployment` (an index into its API's deployments)
    deployment: int = 0
    logging_level: str | None = None  # WebSocket only
    route_throttles: tuple[Throttle, ...] = ()
    access_log_format: str | None = None
    traffic: Traffic | None = None
    alarms: tuple[Alarm, ...] = ()

    @property
    def detailed_metrics(self) -> bool:
        """DetailedMetricsEnabled (per-route series as well as the stage's): the estate's prod stages have them."""
        return self.name == "prod"


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
    created_days: int = 30  # how long before the build it was created (estate_dates)
    deployments: tuple[str, ...] = ()  # descriptions, oldest first (an autoDeploy stage has its own)


@dataclass(frozen=True)
class UsagePlan:
    """A usage plan over the `stages` (default prod) of `apis`, with optional per-method throttles."""

    name: str
    description: str
    rate: float
    burst: int
    quota: int
    period: str  # DAY | WEEK | MONTH
    apis: tuple[str, ...]  # REST API names
    method_throttles: dict[str, tuple[Throttle, ...]] = field(default_factory=dict)
    stages: tuple[str, ...] = ("prod",)


@dataclass(frozen=True)
class ApiKey:
    """An API key, attached to the usage plan named `plan`."""

    name: str
    plan: str
    customer: str
    description: str
    enabled: bool = True
    created_days: int = 30  # how long before the build it was created (estate_dates)


@dataclass(frozen=True)
class RegionEstate:
    """Everything seeded in one region."""

    region: str
    rest_apis: tuple[RestApi, ...]
    v2_apis: tuple[V2Api, ...] = ()
    usage_plans: tuple[UsagePlan, ...] = ()
    api_keys: tuple[ApiKey, ...] = ()


@dataclass(frozen=True)
class Ids:
    """What AWS named when a region's estate was built, which its history refers to."""

    rest_apis: dict[str, str]  # REST API name -> id
    v2_apis: dict[str, str]  # HTTP/WebSocket API name -> id
    keys: dict[str, tuple[str, ...]]  # REST API name -> ids of the enabled keys its plans admit
