"""Rehearsal scenarios: the seeded estate, started in the middle of an incident.

A responder should rehearse on what they will meet. Each scenario makes its incident's *cause* a
real change to the estate, made through the public API — so the console shows the cause and its
actions can fix it — and hands the traffic generator the demand or backend behaviour that turns
the cause into symptoms. Because the traffic reacts to the estate, fixing the cause in the
console ends the symptoms: raise the throttle, roll back the canary, flush the cache.

Each scenario strikes a different prod stage, so all of them can run in one estate (expired-keys
disables keys that orders-api's keyed methods take too: there it is a smaller share of the 4xx).

A rehearsal starts mid-incident: its onset lies ONSET_MINUTES in the past (on the minute), the seeded
history ends there, and `replay` has the traffic generator play the incident from the onset to the
start, so the last minutes of the access logs, the metrics (in agreement: one stream of requests
feeds both) and the usage plans' counts already show it, and the live traffic carries on from there.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from console.sandbox import ACCOUNT_ID, REGION
from console.sandbox.estate import API_KEYS, CATALOG_API, ORDERS_API, PAYMENTS_API, sandbox_session
from console.sandbox.estate_types import Traffic as Profile
from console.sandbox.state import STATE
from console.sandbox.traffic.runner import (
    FAILING_RELEASES,
    LIVE_LOAD,
    PSP_ADAPTER_V3,
    StageName,
    Traffic,
    seeded_profiles,
)

# 60 req/s, 22 times the stage's usual load, against a stage default of 5 req/s, which API Gateway
# applies to each method apart: GET /orders (~18 req/s) and GET /orders/{orderId} (~16) lose most of
# theirs, about 40% of all requests are throttled (POST /orders has its own 200 req/s), four times
# the rate (20 a method) admits them all, and six minutes of it replay in about a second.
STORM_RATE = 60  # requests a second the storm sends to orders-api prod...
STORM_LIMIT = (5, 10)  # ...against this stage default throttle (rate, burst), per method
CANARY_PERCENT = 20.0
STALE_TTL = 3600
ONSET_MINUTES = 6  # how long before the start an incident began, by default
MAX_ONSET_MINUTES = 60  # every minute of it is replayed at the start


@dataclass(frozen=True)
class Incident:
    """What a started scenario hands the traffic generator."""

    profiles: dict[StageName, Profile] = field(default_factory=dict)  # changed demand
    stale: dict[StageName, float] = field(default_factory=dict)  # caches holding answers from before
    still_sent: frozenset[str] = frozenset()  # ids of keys disabled whose clients keep sending them


@dataclass(frozen=True)
class Scenario:
    """A rehearsal: what `begin` changes in the estate, and what it tells the traffic."""

    name: str
    summary: str  # one line: the symptom, the cause, the fix to rehearse
    api: str  # the REST API it strikes, on its prod stage
    begin: Callable[[Any, str, str, float], Incident]  # (apigateway client, api id, region, now)


def _throttle_storm(apigw: Any, api_id: str, region: str, now: float) -> Incident:
    rate, burst = STORM_LIMIT
    apigw.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(rate)},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(burst)},
    ])
    normal = _profile(ORDERS_API, "prod")
    storm = dataclasses.replace(normal, per_minute=STORM_RATE * 60 / LIVE_LOAD)
    return Incident(profiles={(region, ORDERS_API.name, "prod"): storm})


def _bad_canary(apigw: Any, api_id: str, region: str, now: float) -> Incident:
    apigw.create_deployment(restApiId=api_id, stageName="prod", description=PSP_ADAPTER_V3,
                            canarySettings={"percentTraffic": CANARY_PERCENT, "useStageCache": False})
    return Incident()  # the release is in FAILING_RELEASES: the traffic fails it wherever it runs


def _stale_cache(apigw: Any, api_id: str, region: str, now: float) -> Incident:
    apigw.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": str(STALE_TTL)},
    ])
    return Incident(stale={(region, CATALOG_API.name, "prod"): now})


# The partner keys a clean-up script disabled by mistake: every enabled key of the plan payments-api's
# prod clients hold, so nearly all of payments-api's keyed calls are refused with 403 INVALID_API_KEY.
EXPIRED_PLAN = "partner-gold"
EXPIRED_KEYS = tuple(k.name for k in API_KEYS if k.plan == EXPIRED_PLAN and k.enabled)


def _expired_keys(apigw: Any, api_id: str, region: str, now: float) -> Incident:
    keys = [k for page in apigw.get_paginator("get_api_keys").paginate() for k in page["items"]
            if k["name"] in EXPIRED_KEYS]
    if not keys:
        raise ValueError(f"expired-keys disables {EXPIRED_PLAN}'s keys, which this estate has not")
    for key in keys:
        apigw.update_api_key(apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/enabled",
                                                                  "value": "false"}])
    return Incident(still_sent=frozenset(k["id"] for k in keys))


SCENARIOS = {s.name: s for s in (
    Scenario("throttle-storm",
             f"orders-api prod sheds 429s: ~{STORM_RATE} req/s against a {STORM_LIMIT[0]} req/s per-method "
             "stage throttle left from a load test",
             ORDERS_API.name, _throttle_storm),
    Scenario("bad-canary",
             f"payments-api prod 5xx is up: a {CANARY_PERCENT:g}% canary of {PSP_ADAPTER_V3.split(' — ')[0]} "
             f"fails {FAILING_RELEASES[PSP_ADAPTER_V3]:.0%} of its calls",
             PAYMENTS_API.name, _bad_canary),
    Scenario("stale-cache",
             f"catalog-api prod serves cached 404s for items that now exist (TTL {STALE_TTL} s) until a "
             "cache flush",
             CATALOG_API.name, _stale_cache),
    Scenario("expired-keys",
             f"payments-api prod refuses partners (403 INVALID_API_KEY): {len(EXPIRED_KEYS)} {EXPIRED_PLAN} keys "
             "disabled by mistake",
             PAYMENTS_API.name, _expired_keys),
)}


def describe() -> list[str]:
    """One line per scenario, for `--scenario list`."""
    width = max(map(len, SCENARIOS))
    return [f"{s.name:<{width}}  {s.summary}" for s in SCENARIOS.values()]


def begin(name: str, url: str, region: str = REGION, now: float | None = None, account: str = ACCOUNT_ID,
          session: boto3.session.Session | None = None) -> Incident:
    """Start scenario `name` on the seeded estate of `region` at the sandbox `url`; `now` is its onset
    (default: now), when the struck stage was last updated and a stale cache's answers date from.
    Another account of a fleet is struck through `session`, whose keys are that `account`'s; a
    ValueError says when its estate lacks what the scenario strikes."""
    scenario = SCENARIOS[name]
    session = session or sandbox_session()
    apigw = session.client("apigateway", region_name=region, endpoint_url=url)
    names = {api["name"]: api["id"] for page in apigw.get_paginator("get_rest_apis").paginate()
             for api in page["items"]}
    if scenario.api not in names:
        raise ValueError(f"{name} strikes {scenario.api} prod, which account {account} has not in {region} "
                         f"(it has {', '.join(sorted(names)) or 'no REST API'})")
    api_id = names[scenario.api]
    onset = time.time() if now is None else now
    incident = scenario.begin(apigw, api_id, region, onset)
    with STATE.lock:
        fields = STATE.stage_fields.get((account, region, api_id, "prod"))
        if fields is not None:  # the incident's cause is dated at its onset
            fields["lastUpdatedDate"] = min(fields.get("lastUpdatedDate", onset), onset)
    return incident


def onset_time(start: float, minutes: float) -> float:
    """When an incident that began `minutes` before `start` began: on the minute, so that each of its
    minutes is whole in CloudWatch (`start` itself when `minutes` is 0)."""
    return start if minutes <= 0 else (start - minutes * 60) // 60 * 60


def engine(url: str, incident: Incident | None) -> Traffic:
    """The traffic generator for the seeded estate at `url`, with the incident's demand and caches."""
    return Traffic(url, profiles=seeded_profiles() | (incident.profiles if incident else {}),
                   stale=incident.stale if incident else None,
                   still_sent=incident.still_sent if incident else ())


def replay(traffic: Traffic, since: float, caught_up: float = 1.0) -> float:
    """Play the traffic from `since` (an incident's onset) to now through `traffic` itself, so that the
    access logs, the metrics (the running minute's so far included) and the usage counts hold the
    incident's minutes, drawn from one stream of requests; the epoch second reached, which the live
    traffic continues from. The estate is read once: nothing else changes it while this runs."""
    refresh, traffic.refresh_seconds = traffic.refresh_seconds, math.inf
    reached = since
    try:
        while (now := time.time()) - reached > caught_up:
            traffic.step(now - reached, now)
            reached = now
    finally:
        traffic.refresh_seconds = refresh
    traffic.close(reached)
    return reached


def _profile(api: Any, stage_name: str) -> Profile:
    return next(s.traffic for s in api.stages if s.name == stage_name)
