"""Rehearsal scenarios: the seeded estate, started in the middle of an incident.

A responder should rehearse on what they will meet. Each scenario makes its incident's *cause* a
real change to the estate, made through the public API — so the console shows the cause and its
actions can fix it — and hands the traffic generator the demand or backend behaviour that turns
the cause into symptoms. Because the traffic reacts to the estate, fixing the cause in the
console ends the symptoms: raise the throttle, roll back the canary, flush the cache.

Each scenario strikes a different prod stage, so all of them can run in one estate.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from console.sandbox import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from console.sandbox.estate import CATALOG_API, ORDERS_API, PAYMENTS_API
from console.sandbox.estate_types import Traffic as Profile
from console.sandbox.traffic.runner import FAILING_RELEASES, LIVE_LOAD, PSP_ADAPTER_V3, StageName

# 60 req/s, 22 times the stage's usual load, against 20: half the requests are throttled, and six
# minutes of it replay in about a second.
STORM_RATE = 60  # requests a second the storm sends to orders-api prod...
STORM_LIMIT = (20, 40)  # ...against this stage throttle (rate, burst)
CANARY_PERCENT = 20.0
STALE_TTL = 3600


@dataclass(frozen=True)
class Incident:
    """What a started scenario hands the traffic generator."""

    profiles: dict[StageName, Profile] = field(default_factory=dict)  # changed demand
    stale: dict[StageName, float] = field(default_factory=dict)  # caches holding answers from before


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


SCENARIOS = {s.name: s for s in (
    Scenario("throttle-storm",
             f"orders-api prod sheds 429s: ~{STORM_RATE} req/s against a {STORM_LIMIT[0]} req/s stage "
             "throttle left from a load test",
             ORDERS_API.name, _throttle_storm),
    Scenario("bad-canary",
             f"payments-api prod 5xx is up: a {CANARY_PERCENT:g}% canary of {PSP_ADAPTER_V3.split(' — ')[0]} "
             f"fails {FAILING_RELEASES[PSP_ADAPTER_V3]:.0%} of its calls",
             PAYMENTS_API.name, _bad_canary),
    Scenario("stale-cache",
             f"catalog-api prod serves cached 404s for items that now exist (TTL {STALE_TTL} s) until a "
             "cache flush",
             CATALOG_API.name, _stale_cache),
)}


def describe() -> list[str]:
    """One line per scenario, for `--scenario list`."""
    width = max(map(len, SCENARIOS))
    return [f"{s.name:<{width}}  {s.summary}" for s in SCENARIOS.values()]


def begin(name: str, url: str, region: str = REGION, now: float | None = None) -> Incident:
    """Start scenario `name` on the seeded estate of `region` at the sandbox `url`."""
    scenario = SCENARIOS[name]
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)
    apigw = session.client("apigateway", region_name=region, endpoint_url=url)
    api_id = next(api["id"] for page in apigw.get_paginator("get_rest_apis").paginate()
                  for api in page["items"] if api["name"] == scenario.api)
    return scenario.begin(apigw, api_id, region, time.time() if now is None else now)


def _profile(api: Any, stage_name: str) -> Profile:
    return next(s.traffic for s in api.stages if s.name == stage_name)
