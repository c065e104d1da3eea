"""The read model: API Gateway v1 (REST) and v2 (HTTP, WebSocket) normalised into one set of values.

Screens and the CLI render these; they never see a boto3 response. Every value that came from AWS
carries `fetched_at` so its age can be shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Mapping


class Protocol(StrEnum):
    REST = "REST"
    HTTP = "HTTP"
    WEBSOCKET = "WEBSOCKET"

    @property
    def is_v2(self) -> bool:
        return self is not Protocol.REST


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str
    user_id: str

    @property
    def partition(self) -> str:
        """aws, aws-cn, aws-us-gov…: the caller's ARN says which AWS this is."""
        parts = self.arn.split(":")
        return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"


@dataclass(frozen=True)
class Api:
    id: str
    name: str
    protocol: Protocol
    endpoint_type: str  # EDGE / REGIONAL / PRIVATE
    created: datetime | None
    description: str
    fetched_at: datetime
    version: str = ""
    endpoint: str = ""  # v2: ApiEndpoint; REST: the execute-api host
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Throttle:
    """Requests per second (steady state) and burst; None where AWS leaves it unset."""

    rate: float | None = None
    burst: int | None = None

    @property
    def is_set(self) -> bool:
        return self.rate is not None or self.burst is not None


@dataclass(frozen=True)
class MethodSetting:
    """A per-method (REST) or per-route (v2) override; `key` reads like a route: "GET /orders".

    `path` is how AWS names it in patch operations: REST `~1orders/GET`, v2 the route key itself.
    """

    key: str
    path: str
    throttle: Throttle = Throttle()
    logging_level: str | None = None
    data_trace: bool | None = None
    metrics: bool | None = None
    caching: bool | None = None
    cache_ttl: int | None = None


@dataclass(frozen=True)
class AccessLog:
    destination_arn: str
    format: str

    @property
    def is_firehose(self) -> bool:
        return ":firehose:" in self.destination_arn

    @property
    def log_group(self) -> str | None:
        """The CloudWatch Logs group name, or None for a Firehose destination."""
        if ":log-group:" not in self.destination_arn:
            return None
        return self.destination_arn.split(":log-group:", 1)[1].removesuffix(":*")


@dataclass(frozen=True)
class Cache:
    enabled: bool
    size: str | None  # GB, as AWS spells it ("0.5", "1.6", ...)
    status: str | None  # AVAILABLE / CREATE_IN_PROGRESS / ... / NOT_AVAILABLE


@dataclass(frozen=True)
class Canary:
    percent: float
    deployment_id: str | None
    variable_overrides: Mapping[str, str] = field(default_factory=dict)
    use_stage_cache: bool = False


@dataclass(frozen=True)
class Stage:
    api_id: str
    protocol: Protocol
    name: str
    deployment_id: str | None
    description: str
    created: datetime | None
    updated: datetime | None
    fetched_at: datetime
    default: MethodSetting  # REST "*/*"; v2 DefaultRouteSettings
    overrides: tuple[MethodSetting, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    access_log: AccessLog | None = None
    cache: Cache | None = None  # REST only
    canary: Canary | None = None  # REST only
    tracing: bool | None = None  # REST only (X-Ray)
    auto_deploy: bool | None = None  # v2 only
    tags: Mapping[str, str] = field(default_factory=dict)
    web_acl: str | None = None  # REST only: the ARN of the WAF web ACL in front of the stage (webAclArn)

    @property
    def throttle(self) -> Throttle:
        return self.default.throttle


@dataclass(frozen=True)
class Deployment:
    id: str
    description: str
    created: datetime | None


@dataclass(frozen=True)
class Resource:
    """A REST resource and the HTTP methods defined on it."""

    id: str
    path: str
    methods: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    id: str
    key: str  # "GET /products", "$connect", "$default"
    target: str  # "integrations/abc123" or ""
    authorization: str


@dataclass(frozen=True)
class Integration:
    id: str
    type: str
    uri: str
    method: str


@dataclass(frozen=True)
class ApiDetail:
    """What the API view shows beyond the list row: its structure and deployments."""

    api: Api
    resources: tuple[Resource, ...] = ()  # REST
    routes: tuple[Route, ...] = ()  # v2
    integrations: tuple[Integration, ...] = ()  # v2
    deployments: tuple[Deployment, ...] = ()
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class AccountLimits:
    """The account-level throttle for the region (GetAccount), shown beside stage throttles."""

    throttle: Throttle
    fetched_at: datetime


@dataclass(frozen=True)
class UsagePlan:
    id: str
    name: str
    description: str
    throttle: Throttle
    quota_limit: int | None
    quota_period: str | None
    quota_offset: int | None
    api_stages: tuple[tuple[str, str], ...]  # (api id, stage name)
    fetched_at: datetime
    method_throttles: tuple[tuple[str, str, str, Throttle], ...] = ()  # (api id, stage, "VERB /path", limits)

    @property
    def quota(self) -> str:
        """ "5,000/DAY", with "+2" for an offset; "" without a quota."""
        if self.quota_limit is None:
            return ""
        return f"{self.quota_limit:,}/{self.quota_period}" + (f" +{self.quota_offset}" if self.quota_offset else "")


@dataclass(frozen=True)
class ApiKey:
    """An API key; its value is never part of the read model (fetched only when revealed)."""

    id: str
    name: str
    enabled: bool
    created: datetime | None
    updated: datetime | None
    description: str
    fetched_at: datetime


@dataclass(frozen=True)
class PlanKey:
    """An API key as a usage plan lists it (GetUsagePlanKeys), its value left out."""

    id: str
    name: str
    type: str


@dataclass(frozen=True)
class KeyUsage:
    """One key's requests per day of a GetUsage range, with what its quota period had left each day."""

    key_id: str
    used: tuple[int, ...]
    remaining: tuple[int | None, ...]  # None: the plan has no quota

    @property
    def total(self) -> int:
        return sum(self.used)

    @property
    def left(self) -> int | None:
        """Remaining on the last day of the range (the current period, when the range ends today)."""
        return self.remaining[-1] if self.remaining else None


@dataclass(frozen=True)
class Usage:
    """GetUsage of one plan over [start, end] (inclusive), per key."""

    plan_id: str
    start: date
    end: date
    keys: tuple[KeyUsage, ...]
    fetched_at: datetime

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1))

    def daily(self) -> tuple[int, ...]:
        """Requests per day, all keys together."""
        if not self.keys:
            return (0,) * len(self.days)
        return tuple(sum(day) for day in zip(*(k.used for k in self.keys), strict=True))


@dataclass(frozen=True)
class Authorizer:
    """An authorizer of an API (REST or v2), its target, and the methods or routes that use it."""

    id: str
    name: str
    type: str  # REST: TOKEN, REQUEST, COGNITO_USER_POOLS; HTTP: REQUEST (Lambda), JWT; WebSocket: REQUEST
    identity_source: tuple[str, ...]
    ttl: int | None  # seconds a result is cached (0: never); None where AWS keeps none (JWT, WebSocket)
    function: str = ""  # the Lambda function ARN, read from the authorizerUri
    user_pools: tuple[str, ...] = ()  # Cognito user pool ARNs
    issuer: str = ""  # JWT
    audience: tuple[str, ...] = ()  # JWT
    validation: str = ""  # REST TOKEN: identityValidationExpression
    used_by: tuple[str, ...] = ()  # "GET /orders" (REST method) or route keys

    @property
    def target(self) -> str:
        """What the authorizer asks: the Lambda function, the user pools, or the JWT issuer."""
        return self.function or ", ".join(self.user_pools) or self.issuer


@dataclass(frozen=True)
class ApiAuthorizers:
    api: Api
    authorizers: tuple[Authorizer, ...]
    fetched_at: datetime


@dataclass(frozen=True)
class AuthorizerTest:
    """TestInvokeAuthorizer's answer: what a client sending these values would have met."""

    authorizer: Authorizer
    client_status: int  # 0: the authorizer let the request through; else the HTTP status the client gets
    latency_ms: int
    principal_id: str
    policy: str  # the JSON policy document the Lambda returned
    context: Mapping[str, tuple[str, ...]]  # the answer's `authorization` map (a Lambda's context)
    claims: Mapping[str, str]  # a Cognito user pool's claims
    log: str
    tested_at: datetime

    @property
    def allowed(self) -> bool:
        return self.client_status == 0


@dataclass(frozen=True)
class GatewayResponse:
    """What a REST API answers one kind of refusal with (GetGatewayResponses): its type and status."""

    type: str  # INVALID_API_KEY, THROTTLED, WAF_FILTERED, DEFAULT_4XX, ...
    status: str | None  # None: the type's default status
    default: bool  # API Gateway's own answer, not customised


@dataclass(frozen=True)
class DomainMapping:
    """A base path mapping (v1) or API mapping (v2): requests under `path` on the domain go to the stage.

    `path` is "" for the domain's root (AWS spells it "(none)" in v1 and "" in v2) and may hold slashes (v2)."""

    path: str
    api_id: str
    stage: str


@dataclass(frozen=True)
class CustomDomain:
    """A custom domain name, as API Gateway v1 (GetDomainNames) and/or v2 reports it: AWS keeps one set of
    domain names that both APIs list, so `versions` says which of them reported this one."""

    name: str
    versions: tuple[str, ...]  # ("v1",), ("v2",) or both
    endpoint_type: str  # REGIONAL / EDGE / PRIVATE
    security_policy: str
    certificate_arn: str
    certificate_uploaded: datetime | None  # where AWS reports it (imported certificates)
    target: str  # the host the DNS record points at: d-….execute-api… or ….cloudfront.net
    status: str
    mappings: tuple[DomainMapping, ...]
    fetched_at: datetime


@dataclass(frozen=True)
class UrlMatch:
    """What serves a URL: the API and stage, and the resource (REST) or route (HTTP) its path matches."""

    url: str
    api: Api
    stage: str
    via: str  # "execute-api", or the custom domain and the mapping that took the request
    path: str  # the path the API sees (after the stage segment or the mapping's base path)
    resource: str  # REST resource path, HTTP route path or "$default"; "" for WebSocket APIs
    keys: tuple[str, ...]  # "GET /orders/{orderId}": the methods or route keys serving it
    params: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
