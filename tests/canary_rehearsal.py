"""The bad-canary rehearsal in a region of a test module's own, with traffic stepped over simulated time.

The shared sandbox's seeded regions are read-only for tests, and a second sandbox in the same process
would share moto's backends (and so seed them twice), so payments-api — with its partner plan and
keys, whose clients call it — is seeded again into the module's region and the scenario begins there.
"""

from __future__ import annotations

import dataclasses

from console.sandbox.estate import API_KEYS, PAYMENTS_API, USAGE_PLANS, seed_region
from console.sandbox.estate_types import RegionEstate
from console.sandbox.scenarios import begin
from console.sandbox.traffic.runner import Traffic, seeded_profiles

GOLD = next(plan for plan in USAGE_PLANS if PAYMENTS_API.name in plan.apis)


def rehearse(url: str, region: str) -> str:
    """Seed payments-api into `region`, begin bad-canary on its prod stage; the API's id."""
    plan = dataclasses.replace(GOLD, apis=(PAYMENTS_API.name,), method_throttles={})
    estate = RegionEstate(region, rest_apis=(PAYMENTS_API,), usage_plans=(plan,),
                          api_keys=tuple(k for k in API_KEYS if k.plan == GOLD.name))
    ids = seed_region(url, estate)
    begin("bad-canary", url, region)
    return ids.rest_apis[PAYMENTS_API.name]


def traffic(url: str, region: str, scale: float = 1.0) -> Traffic:
    """Simulated clients of payments-api prod only (`scale` times as many), reading the estate before
    every step."""
    profiles = {(region, name, stage): dataclasses.replace(profile, per_minute=profile.per_minute * scale)
                for (_, name, stage), profile in seeded_profiles().items()
                if name == PAYMENTS_API.name and stage == "prod"}
    return Traffic(url, regions=(region,), profiles=profiles, refresh_seconds=0)


def run(engine: Traffic, start: float, seconds: float) -> None:
    """Simulate [start, start + seconds) and write everything it produced."""
    engine.step(seconds, start + seconds)
    engine.close(start + seconds)
