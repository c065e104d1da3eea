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


def items_api(aws, region: str, name: str, *, settings: dict, keyed: bool = False,
              uri: str = "https://backend.example.com{path}", **stage) -> tuple[str, str]:
    """A REST API `name` in `region`: GET /items and GET /items/{id}, each an HTTP proxy to `uri` (`{path}`
    the resource's), deployed to a prod stage created with `stage` (CreateStage's arguments), its access
    log in a group of its own, and `settings` patched onto the stage; (api id, log group)."""
    apigw = aws("apigateway", region)
    api = apigw.create_rest_api(name=name)
    items = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="items")
    item = apigw.create_resource(restApiId=api["id"], parentId=items["id"], pathPart="{id}")
    for resource in (items, item):
        apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET",
                         authorizationType="NONE", apiKeyRequired=keyed)
        apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET",
                              type="HTTP_PROXY", integrationHttpMethod="GET", uri=uri.replace("{path}", resource["path"]))
    deployment = apigw.create_deployment(restApiId=api["id"], description="v1")
    apigw.create_stage(restApiId=api["id"], stageName="prod", deploymentId=deployment["id"], **stage)
    group = f"/aws/apigateway/{name}/prod/access"
    aws("logs", region).create_log_group(logGroupName=group)
    patch_stage(apigw, api["id"], {"/accessLogSettings/destinationArn":
                                   f"arn:aws:logs:{region}:123456789012:log-group:{group}", **settings})
    return api["id"], group


def patch_stage(apigw, api_id: str, settings: dict) -> None:
    """Replace each of `settings` (patch path -> value) on the API's prod stage, in one UpdateStage."""
    apigw.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
        {"op": "replace", "path": path, "value": str(value)} for path, value in settings.items()])
