"""Seeded APIs in a region of a test module's own, with traffic the test steps (no sleeping for lines).

The shared sandbox's seeded regions are read-only for tests, and a second sandbox in the same process
would share moto's backends (and seed them twice), so each module seeds the APIs it needs into a
region no other module uses and steps their traffic itself. Taken here: us-west-1 and us-east-2
(test_logs), eu-west-3 (test_logs_tui), ap-northeast-1 (test_logs_cli), eu-west-2 (test_metrics).
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass

import boto3

from console.sandbox import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from console.sandbox.estate import API_KEYS, USAGE_PLANS, seed_region
from console.sandbox.estate_types import RegionEstate
from console.sandbox.traffic.runner import Traffic, seeded_profiles


@dataclass
class Stepped:
    url: str
    region: str
    traffic: Traffic

    def step(self, seconds: float = 1.0, now: float | None = None) -> None:
        """Simulate the `seconds` of traffic before `now` (default: now) and write its lines and metrics."""
        self.traffic.step(seconds, time.time() if now is None else now)

    def client(self, service: str, region: str | None = None):
        return boto3.client(service, endpoint_url=self.url, region_name=region or self.region,
                            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)

    def logs(self, region: str | None = None):
        """A Logs client as the console builds it (a local endpoint: no host prefix for StartLiveTail)."""
        from console.aws.session import Connection, Target

        return Connection(Target(endpoint_url=self.url, region=region or self.region)).client("logs")


def _add_keys(apigw, plans: set[str]) -> None:
    """The seed's keys of these plans, with values of their own: the seed's values are taken, account-wide,
    by the estate the shared sandbox seeded."""
    ids = {plan["name"]: plan["id"] for plan in apigw.get_usage_plans()["items"]}
    for key in API_KEYS:
        if key.plan in plans:
            created = apigw.create_api_key(name=key.name, enabled=key.enabled, value=uuid.uuid4().hex)
            apigw.create_usage_plan_key(usagePlanId=ids[key.plan], keyId=created["id"], keyType="API_KEY")


def stepped(url: str, region: str, rest_apis=(), v2_apis=(), stages: tuple[tuple[str, str], ...] = ()) -> Stepped:
    """Seed the APIs (as the seed defines them) into `region`; traffic for the named (API, stage) pairs."""
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)
    names = {api.name for api in rest_apis}
    # The plans over these APIs, and keys in them, so keyed methods are called with keys as in the seed.
    plans = tuple(dataclasses.replace(plan, apis=tuple(a for a in plan.apis if a in names), method_throttles={})
                  for plan in USAGE_PLANS if names & set(plan.apis))
    seed_region(url, RegionEstate(region, rest_apis=tuple(rest_apis), v2_apis=tuple(v2_apis), usage_plans=plans))
    _add_keys(session.client("apigateway", region_name=region, endpoint_url=url), {plan.name for plan in plans})
    profiles = seeded_profiles()
    chosen = {(region, api, stage): profiles[(REGION, api, stage)] for api, stage in stages}
    return Stepped(url, region, Traffic(url, regions=(region,), profiles=chosen, refresh_seconds=0))
