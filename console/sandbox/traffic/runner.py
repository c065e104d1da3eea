"""Traffic that reacts: simulated clients calling every stage of the sandbox's estate.

A console for operating API Gateway is only worth rehearsing on if the estate answers back: a
throttle lowered in the console must shed 429s, a canary's share must follow its percentTraffic, a
flushed cache must miss. So the clients here replay nothing. Every tick they send requests that
meet the estate's *current* configuration, read back from the sandbox itself, and the gateway's
answers land where API Gateway puts them: access-log lines in each stage's own configured format
(its access-log group, and `<group>/Canary` for a canary's requests) and AWS/ApiGateway metrics.

A request meets, in API Gateway's order: the stage's WAF web ACL, if it has one (about one request in
WAF_EVERY is a bot it blocks: 403 WAF_FILTERED); the method's authorizer, if it has one (about two in
AUTH_EVERY bring no valid token, 401 UNAUTHORIZED, or are denied by a Lambda's policy, 403 ACCESS_DENIED);
the API key (none, or a disabled one: 403); the throttles
as token buckets, in the order API Gateway documents — the usage plan's per key for the method, then
per key; the method's own limit or else the stage default, which is a bucket *per method* (a stage
rate R with M busy methods admits up to M x R); then the account's limit over every stage of the
region (429); the plan's quota (429 "Limit Exceeded"); the stage cache, which a flush empties and
the TTL refills; then the backend of the deployment the request was routed to. Releases named in `FAILING_RELEASES`
fail often wherever they are deployed, which is how a rehearsal's canary goes bad.

`Traffic.step(seconds, now)` simulates the `seconds` before `now`; tests call it directly, and a
running sandbox calls it about once a second from a `Runner` thread. Each stage draws from its own
generator, seeded from one seed, so a run is reproducible and one stage's change leaves the others'
traffic as it was.
"""

from __future__ import annotations

import base64
import itertools
import logging
import math
import random
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import boto3

from console.sandbox import ACCOUNT_ID, REGION
from console.sandbox.callers import CLIENT_IPS, user_agent
from console.sandbox.estate import ESTATE, EU_REGION, SEED, Clients, sandbox_session
from console.sandbox.estate_types import Traffic as Profile
from console.sandbox.history import (
    CLIENT_ERRORS,
    RESPONSE_BYTES,
    SERVER_ERRORS,
    SUCCESS_STATUS,
    Request,
    common_context,
    concrete_path,
    execution_log,
    execution_log_group,
    execution_logged,
    integration_latency,
    load,
    ms,
    poisson,
    quota_reason,
    render,
    throttle_reason,
    weighted,
)
from console.sandbox.state import STATE
from console.sandbox.traffic.cache import EndpointCache, emptied_at, key_count, stale_key
from console.sandbox.traffic.estate import Endpoint, Limit, Plan, Stage, read_region
from console.sandbox.traffic.quota import Quotas
from console.sandbox.traffic.sinks import LogSink, MetricSink, MetricTarget
from console.sandbox.traffic.websocket import SocketRun

log = logging.getLogger("apigw-console.sandbox.traffic")

REFRESH_SECONDS = 5.0  # how often the estate is read again
ACCOUNT_LIMIT = Limit(10_000, 5_000)  # API Gateway's default per account and region, over all its APIs
LIVE_LOAD = load(1.0)  # live traffic continues at the level the seeded history ends on
PSP_ADAPTER_V3 = "v2.9.0 — PSP adapter v3 (retries moved client-side)"
FAILING_RELEASES = {PSP_ADAPTER_V3: 0.7}  # deployment description -> share of backend answers that are 5xx
STALE_SHARE = 0.5  # of cache hits on a stale stage's item paths, answered from before the change
# The backend's own 4xx answers; the gateway's 403s and 429s come from keys, throttles and quotas.
BACKEND_ERRORS = tuple(row for row in CLIENT_ERRORS if row[2] is None)
BACKEND_SHARE = sum(w for _, w, _ in BACKEND_ERRORS) / sum(w for _, w, _ in CLIENT_ERRORS)
WAF_EVERY = 53  # of a web ACL's stage's requests, one in this many is blocked (chosen by time: the stream stays)
AUTH_EVERY = 199  # of an authorized method's requests, one in this many has no valid token, one is denied
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"

StageName = tuple[str, str, str]  # region, API name, stage name


def seeded_profiles() -> dict[StageName, Profile]:
    """The traffic profile of every seeded stage that has one."""
    profiles: dict[StageName, Profile] = {}
    for estate in ESTATE:
        for api in estate.rest_apis:
            profiles |= {(estate.region, api.name, s.name): s.traffic for s in api.stages}
        for v2 in estate.v2_apis:
            profiles |= {(estate.region, v2.name, s.name): s.traffic for s in v2.stages if s.traffic}
    return profiles


@dataclass(frozen=True)
class Answer:
    """How the gateway answered one request."""

    status: int
    error: str | None  # the gateway's own message ($context.error.message)
    integration_ms: int | None  # None: no backend was called
    cache_hit: bool | None  # None: the request never reached a cache
    reason: str | None = None  # a refusal as the execution log tells it
    cause: str | None = None  # $context.error.responseType where the status and message do not tell it


class Traffic:
    """The engine: simulated clients for every profiled stage of some regions of one sandbox."""

    def __init__(self, url: str, *, regions: Iterable[str] = (REGION, EU_REGION),
                 profiles: Mapping[StageName, Profile] | None = None,
                 stale: Mapping[StageName, float] | None = None, seed: int = SEED,
                 refresh_seconds: float = REFRESH_SECONDS, account_limit: Limit = ACCOUNT_LIMIT,
                 still_sent: Iterable[str] = (), session: boto3.session.Session | None = None,
                 account: str = ACCOUNT_ID):
        """`profiles`: each stage's load (default: the seeded ones); `stale`: stages whose cache
        holds answers from before an epoch second, until flushed or expired; `account_limit`: the
        throttle over all the stages of a region; `still_sent`: ids of keys disabled while their
        clients still send them (an incident's), never retired; `session` and `account`: another
        account of a fleet, reached by a session whose keys are that account's."""
        session = session or sandbox_session()
        self._clients = {region: Clients(session, url, region, account) for region in regions}
        self._profiles = dict(seeded_profiles() if profiles is None else profiles)
        self._stale = dict(stale or {})
        self._seed = seed
        self.refresh_seconds = refresh_seconds
        self._stages: list[Stage] = []
        self._read_at = -math.inf
        self._runs: dict[tuple[str, ...], _StageRun] = {}
        self._sockets: dict[tuple[str, ...], SocketRun] = {}  # WebSocket stages' clients
        self._keys_seen: set[str] = set()
        self._retired: set[str] = set()  # keys already disabled when first seen: their clients left
        self._still_sent = frozenset(still_sent)
        self.logs = LogSink(self._clients.__getitem__, random.Random(f"{seed}:streams"))
        self.metrics = MetricSink(self._clients.__getitem__)
        self.quotas = Quotas(account)
        self.account_limit = account_limit
        self._accounts: dict[str, _Bucket] = {}  # region -> the account's bucket there

    def account_admits(self, region: str, at: float) -> bool:
        """Whether the account's bucket in `region` has a token for a request at `at` (taking it)."""
        bucket = self._accounts.get(region)
        if bucket is None:
            bucket = self._accounts[region] = _Bucket(self.account_limit, at)
        return bucket.take(self.account_limit, at)

    def refresh(self, now: float) -> None:
        """Read the estate again (the step does this every `refresh_seconds`)."""
        self._stages = [stage for region, clients in self._clients.items()
                        for stage in read_region(clients, region, self._profiled_apis(region))]
        self._read_at = now
        for stage in self._stages:
            fresh = {k for plan in stage.plans for k in plan.keys} - self._keys_seen
            self._retired |= {k for k in fresh if k not in stage.enabled_keys and k not in self._still_sent}
            self._keys_seen |= fresh

    def step(self, seconds: float, now: float) -> None:
        """Simulate the `seconds` of traffic before `now` (epoch seconds) and write what it produced."""
        if seconds <= 0:
            return
        if now - self._read_at >= self.refresh_seconds:
            self.refresh(now)
        for stage in self._stages:
            profile = self._profiles.get(stage.named)
            if profile and profile.per_minute > 0:
                self._run(stage).simulate(stage, profile, now - seconds, seconds)
        self.quotas.commit()
        self.logs.flush(now)
        self.metrics.flush(now)

    def close(self, now: float) -> None:
        """Write whatever is still buffered, the current minute's metrics included."""
        self.logs.flush(now)
        self.metrics.flush(now, everything=True)
        for sockets in self._sockets.values():
            sockets.flush(now, everything=True)

    def _profiled_apis(self, region: str) -> set[str]:
        """The names of the region's APIs with a profiled stage: the only ones worth reading."""
        return {api for where, api, _ in self._profiles if where == region}

    def stale_since(self, stage: Stage) -> float | None:
        return self._stale.get(stage.named)

    def retired(self, key_id: str) -> bool:
        return key_id in self._retired

    def reread_soon(self) -> None:
        """Read the estate on the next step (something it refers to is not known yet)."""
        self._read_at = -math.inf

    def _run(self, stage: Stage) -> _StageRun | SocketRun:
        runs = self._sockets if stage.websocket else self._runs
        run = runs.get(stage.key)
        if run is None:
            rng = random.Random(f"{self._seed}:{':'.join(stage.named)}")
            run = runs[stage.key] = SocketRun(self.logs, self.metrics, rng) if stage.websocket else _StageRun(self, rng)
        return run


class _Bucket:
    """A token bucket, refilled continuously; its limit is passed on each call so changes apply at once."""

    __slots__ = ("tokens", "at")

    def __init__(self, limit: Limit, at: float):
        self.tokens, self.at = float(limit.burst), at

    def take(self, limit: Limit, at: float) -> bool:
        self.tokens = min(float(limit.burst), self.tokens + max(0.0, at - self.at) * limit.rate)
        self.at = at
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class _StageRun:
    """One stage's clients: its random stream and throttle buckets, kept across estate reads."""

    def __init__(self, traffic: Traffic, rng: random.Random):
        self.traffic = traffic
        self.rng = rng
        self.buckets: dict[tuple, _Bucket] = {}
        self.caches: dict[tuple[str, str, int], EndpointCache] = {}  # (verb, path, TTL) -> its entries
        self.started: float | None = None  # when these clients began: a cache older than that is warm
        self.weights = 1.0  # the called endpoints' weights, in all
        self.targets: dict[tuple, list[MetricTarget]] = {}  # where each kind of request is counted

    def simulate(self, stage: Stage, profile: Profile, start: float, seconds: float) -> None:
        """The stage's requests in [start, start + seconds), answered, logged and counted."""
        rng = self.rng
        count = poisson(rng, profile.per_minute * LIVE_LOAD * seconds / 60)
        called = [e for e in stage.endpoints if e.weight > 0]
        if not count or not called:
            return
        if self.started is None:
            self.started = start
        self.weights = sum(e.weight for e in called)
        times = sorted(start + rng.random() * seconds for _ in range(count))
        endpoints = rng.choices(called, cum_weights=list(itertools.accumulate(e.weight for e in called)), k=count)
        canary = None if stage.http else STATE.canaries.get(stage.key)
        if canary and canary.get("deploymentId") not in stage.releases:
            self.traffic.reread_soon()
        keys = self._keys_sent(stage)
        target = _metric_target(stage)
        for at, endpoint in zip(times, endpoints, strict=True):
            routed = bool(canary) and rng.random() * 100 < float(canary.get("percentTraffic") or 0)
            key_id = rng.choice(keys) if endpoint.key_required and keys else None
            answer = self._answer(stage, profile, endpoint, at, key_id, canary if routed else None)
            self._record(stage, endpoint, at, key_id, answer, target, canary, routed)

    def _keys_sent(self, stage: Stage) -> list[str]:
        """The API keys this stage's clients send: those of the plans covering it, minus retired ones."""
        keys = dict.fromkeys(k for plan in stage.plans for k in plan.keys)
        return [k for k in keys if not self.traffic.retired(k)]

    def _answer(self, stage: Stage, profile: Profile, endpoint: Endpoint, at: float, key_id: str | None,
                canary: dict | None) -> Answer:
        refused = self._refusal(stage, endpoint, at, key_id)
        if refused:
            return refused
        if endpoint.mock:
            return Answer(200, None, None, None)
        cacheable = endpoint.cache_ttl is not None and (not canary or bool(canary.get("useStageCache")))
        cached = self._cache(stage, profile, endpoint, at) if cacheable else None
        if cached:
            return cached
        release = stage.releases.get(canary["deploymentId"] if canary else stage.deployment_id, "")
        failing = max(profile.server_errors, FAILING_RELEASES.get(release, 0.0))
        status, error, integration_ms = self._backend(endpoint.verb, profile, failing)
        return Answer(status, error, integration_ms, False if cacheable else None)

    def _refusal(self, stage: Stage, endpoint: Endpoint, at: float, key_id: str | None) -> Answer | None:
        """The gateway's own refusals: the web ACL's, a missing or disabled key, a throttle, an exhausted quota."""
        if stage.web_acl and int(at * 1000) % WAF_EVERY == 0:
            return Answer(403, "Forbidden", None, None, cause="WAF_FILTERED")
        if endpoint.authorizer and int(at * 1000) % AUTH_EVERY < 2:
            if int(at * 1000) % AUTH_EVERY == 0 or endpoint.authorizer != "CUSTOM":  # a pool or JWT only rejects
                return Answer(401, "Unauthorized", None, None, cause="UNAUTHORIZED")
            return Answer(403, EXPLICIT_DENY, None, None, cause="ACCESS_DENIED")
        if endpoint.key_required and (key_id is None or key_id not in stage.enabled_keys):
            return Answer(403, "Forbidden", None, None)
        where = (stage.api_id, stage.name, endpoint.verb, endpoint.path)
        plan = _plan_of(stage, key_id) if key_id else None
        if plan is not None and key_id is not None:
            method_limit = plan.method_limits.get((endpoint.verb, endpoint.path))
            for bucket, plan_limit in ((("plan", plan.id, key_id, endpoint.verb, endpoint.path), method_limit),
                                       (("plan", plan.id, key_id), plan.limit)):
                if plan_limit and not self._take(bucket, plan_limit, at):
                    return Answer(429, "Too Many Requests", None, None, throttle_reason(
                        *where, plan_limit.rate, plan_limit.burst, key_id=key_id, plan_id=plan.id))
        limit = endpoint.limit or stage.limit  # the stage default is each method's own bucket
        if limit and not self._take(("method", endpoint.verb, endpoint.path), limit, at):
            return Answer(429, "Too Many Requests", None, None, throttle_reason(*where, limit.rate, limit.burst))
        if not self.traffic.account_admits(stage.region, at):
            return Answer(429, "Too Many Requests", None, None)
        if plan is None or key_id is None:
            return None
        if not self.traffic.quotas.admit(stage.region, plan, key_id, at):
            return Answer(429, "Limit Exceeded", None, None,
                          quota_reason(stage.api_id, stage.name, key_id, plan.id, plan.quota, plan.period))
        return None

    def _take(self, name: tuple, limit: Limit, at: float) -> bool:
        bucket = self.buckets.get(name)
        if bucket is None:
            bucket = self.buckets[name] = _Bucket(limit, at)
        return bucket.take(limit, at)

    def _targets(self, stage: Stage, endpoint: Endpoint, target: MetricTarget, routed: bool) -> list[MetricTarget]:
        """Where a request is counted: its stage; with detailed metrics its method (ApiName, Method,
        Resource, Stage) or route (ApiId, Route, Stage); a canary's request also under the stage
        name with "/Canary", as its logs go to the group with that suffix."""
        key = (target, endpoint.verb, endpoint.path, endpoint.detailed, routed)
        targets = self.targets.get(key)
        if targets is None:
            targets = self.targets[key] = _metric_targets(stage, endpoint, target, routed)
        return targets

    def _cache(self, stage: Stage, profile: Profile, endpoint: Endpoint, at: float) -> Answer | None:
        """A cache hit, if this request's cache key has a live entry (traffic.cache); a miss fills it.

        A hit on an item path from an entry filled before a stale stage's change answers, for a
        fixed share of the keys, what the backend said before it: 404.
        """
        ttl = endpoint.cache_ttl
        if not ttl or profile.cache_hit_ratio <= 0:
            return None
        emptied = emptied_at(STATE.cache_ready_at.get(stage.key), STATE.cache_flushed_at.get(stage.key))
        cache = self.caches.get((endpoint.verb, endpoint.path, ttl))
        if cache is None:
            per_ttl = profile.per_minute * LIVE_LOAD / 60 * endpoint.weight / self.weights * ttl
            cache = EndpointCache(key_count(profile.cache_hit_ratio, per_ttl), per_ttl)
            cache.warm(self.rng, self.started if self.started is not None else at, ttl, emptied)
            self.caches[(endpoint.verb, endpoint.path, ttl)] = cache
        key, filled = cache.ask(self.rng, at, ttl, emptied)
        if filled is None:
            return None
        since = self.traffic.stale_since(stage)
        stale = since is not None and filled < since and "{" in endpoint.path and stale_key(key, STALE_SHARE)
        return Answer(404 if stale else SUCCESS_STATUS.get(endpoint.verb, 200), None, None, True)

    def _backend(self, verb: str, profile: Profile, server_errors: float) -> tuple[int, str | None, int]:
        """(status, gateway message, integration latency) of a request the backend answered."""
        rng = self.rng
        draw = rng.random()
        if draw < server_errors:
            status, error = weighted(rng, SERVER_ERRORS)
            if status == 504:
                return status, error, 29_000 + rng.randint(0, 40)
        elif draw < server_errors + profile.client_errors * BACKEND_SHARE:
            status, error = weighted(rng, BACKEND_ERRORS)
        else:
            status, error = SUCCESS_STATUS.get(verb, 200), None
        return status, error, int(integration_latency(rng, profile))

    def _record(self, stage: Stage, endpoint: Endpoint, at: float, key_id: str | None, answer: Answer,
                target: MetricTarget, canary: dict | None, routed: bool) -> None:
        """Count the request and write its access-log line(s) in the stage's current format."""
        rng = self.rng
        epoch_ms = int(at * 1000)
        response_ms = int((answer.integration_ms or 0) + rng.lognormvariate(math.log(6), 0.5)) + 1
        length = _length(rng, answer.status)
        for counted in self._targets(stage, endpoint, target, routed):
            self.traffic.metrics.add(counted, epoch_ms, answer.status, response_ms, answer.integration_ms,
                                     answer.cache_hit, length)
        access = bool(stage.log_group and stage.log_format)
        level = None if stage.http else stage.logging_level
        # a request the web ACL blocked never reached the stage: no execution-log lines
        execution = execution_logged(level, answer.status, answer.error) and answer.cause != "WAF_FILTERED"
        if not (access or execution):
            return
        request = Request(epoch_ms, endpoint.verb, endpoint.path, answer.status, response_ms,
                           answer.integration_ms, answer.error, length, rng.choice(CLIENT_IPS),
                           user_agent(rng, epoch_ms), answer.cause)
        deployment = canary["deploymentId"] if routed else stage.deployment_id
        context = _context(rng, stage, endpoint, request, key_id, deployment, routed if canary else None)
        sink = self.traffic.logs
        if access:
            assert stage.log_group and stage.log_format
            line = render(stage.log_format, context)
            sink.add(stage.region, stage.log_group, epoch_ms, line)
            if routed:
                sink.add(stage.region, f"{stage.log_group}/Canary", epoch_ms, line)
        if execution:
            assert level
            group = execution_log_group(stage.api_id, stage.name) + ("/Canary" if routed else "")
            uri = None
            if endpoint.uri and answer.integration_ms is not None:
                uri = endpoint.uri.replace(endpoint.path, context["path"].removeprefix(f"/{stage.name}"))
            for at_ms, message in execution_log(level, request, context, api_id=stage.api_id,
                                                stage_name=stage.name, endpoint_uri=uri, reason=answer.reason):
                sink.add(stage.region, group, at_ms, message)


def _plan_of(stage: Stage, key_id: str) -> Plan | None:
    return next((plan for plan in stage.plans if key_id in plan.keys), None)


def _metric_target(stage: Stage) -> MetricTarget:
    """REST metrics are keyed by API name, HTTP API metrics by API id; both by stage."""
    first = ("ApiId", stage.api_id) if stage.http else ("ApiName", stage.api_name)
    return MetricTarget(stage.region, (first, ("Stage", stage.name)), stage.http)


def _metric_targets(stage: Stage, endpoint: Endpoint, target: MetricTarget, routed: bool) -> list[MetricTarget]:
    targets = [target]
    if endpoint.detailed and stage.http:
        targets.append(MetricTarget(stage.region, (("ApiId", stage.api_id), ("Route", endpoint.route_key or "$default"),
                                                   ("Stage", stage.name)), True))
    elif endpoint.detailed:
        targets.append(MetricTarget(stage.region, (("ApiName", stage.api_name), ("Method", endpoint.verb),
                                                   ("Resource", endpoint.path), ("Stage", stage.name)), False))
    if routed:
        targets.append(MetricTarget(stage.region, (("ApiName", stage.api_name), ("Stage", f"{stage.name}/Canary")),
                                    False))
    return targets


def _length(rng: random.Random, status: int) -> int:
    """Response bytes, as the seeded lines have them."""
    if status == 204:
        return 0
    if status >= 400:
        return rng.randint(36, 180)
    return int(rng.lognormvariate(math.log(RESPONSE_BYTES), 0.9))


def _context(rng: random.Random, stage: Stage, endpoint: Endpoint, request: Request, key_id: str | None,
             deployment_id: str | None, canary: bool | None) -> dict[str, str]:
    """The $context variables of one request; the stage's format picks the ones it logs."""
    integration = ms(request.integration_ms)
    integration_status = "-" if request.integration_ms is None else str(request.status)
    context = common_context(rng, request) | {
        "stage": stage.name,
        "apiId": stage.api_id,
        "domainName": f"{stage.api_id}.execute-api.{stage.region}.amazonaws.com",
        "requestTimeEpoch": str(request.epoch_ms),
        "integrationLatency": integration,
        "integration.latency": integration,
        "integration.status": integration_status,
        "integrationStatus": integration_status,
        "error.messageString": f'"{request.gateway_error}"' if request.gateway_error else "-",
    }
    path = concrete_path(rng, endpoint.path)
    if stage.http:
        return context | {
            "requestId": base64.b64encode(rng.randbytes(11)).decode(),
            "routeKey": endpoint.route_key or "-",
            "path": path,
            "integrationErrorMessage": request.gateway_error or "-",
        }
    context |= {
        "requestId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "extendedRequestId": base64.b64encode(rng.randbytes(11)).decode(),
        "identity.apiKeyId": key_id or "-",
        "resourcePath": endpoint.path,
        "path": f"/{stage.name}{path}",
        "deploymentId": deployment_id or "-",
    }
    if canary is not None:  # API Gateway sets it only on stages with a canary
        context["isCanaryRequest"] = "true" if canary else "false"
    if request.cause in ("UNAUTHORIZED", "ACCESS_DENIED"):
        context["authorizer.error"] = request.gateway_error or "-"
    if stage.web_acl:  # set only where a web ACL evaluated the request
        blocked = request.cause == "WAF_FILTERED"
        context |= {"webaclArn": stage.web_acl, "waf.status": "403" if blocked else "200",
                    "wafResponseCode": "WAF_BLOCK" if blocked else "WAF_ALLOW"}
    return context


class Runner:
    """Steps a `Traffic` engine about once a second of wall-clock time, in a daemon thread."""

    TICK = 1.0
    MAX_STEP = 5.0  # after a stall (a suspended laptop), simulate a few seconds, not the whole gap
    FIRST_TICK = 2.0  # let a console's first requests go first: the first estate read is the costliest
    MAX_FIRST_STEP = 60.0  # from `since` to the first tick, at most

    def __init__(self, traffic: Traffic, since: float | None = None):
        """`since`: the epoch second the engine has already simulated up to (an incident's replayed
        onset), which the first tick continues from; default: when the first tick comes."""
        self.traffic = traffic
        self.since = since
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sandbox-traffic", daemon=True)

    def start(self) -> Runner:
        self._thread.start()
        return self

    def stop(self, flush: bool = True) -> None:
        """Stop stepping; with `flush`, wait for the current step and write what is buffered (pointless
        when the whole sandbox process is ending: its state goes with it)."""
        self._stop.set()
        if flush:
            self._thread.join()
            self.traffic.close(time.time())

    def _loop(self) -> None:
        if self._stop.wait(self.FIRST_TICK):
            return
        last = time.time() if self.since is None else self.since
        longest = self.MAX_FIRST_STEP
        while not self._stop.is_set():
            now = time.time()
            try:
                self.traffic.step(min(now - last, longest), now)
            except Exception:  # a reset or a deleted resource mid-tick must not end the traffic
                log.exception("traffic tick failed")
            last, longest = now, self.MAX_STEP
            self._stop.wait(max(0.0, self.TICK - (time.time() - now)))
