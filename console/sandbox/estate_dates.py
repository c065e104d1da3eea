"""The estate's past: when each API, deployment, stage and key was made.

A build makes everything in the same second, which no account looks like: an estate months old, its
stages deployed last week, keys issued over a year, is what an operator reads ages and "last deployed"
against. After a build each resource is dated by its declaration's `created_days`, in working hours:

- an API on its day, its first deployment with it; later deployments spread towards the last,
  made max(1, created_days // 45) days ago (a stage still on an older deployment keeps that date);
- a REST stage created with the API (dev), a day later (staging) or three (prod), last updated
  when its deployment was made; an HTTP or WebSocket stage likewise, an autoDeploy stage's
  automatic deployment a few days old (the last merge to main);
- a key on its day; a disabled key last updated when it was disabled (a third of its age ago).

The dates are relative to the build, which the snapshot keeps (a snapshot a day old is a day older).
moto stamps each resource with the second it was made; the attributes it keeps them in are set here.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from console.sandbox import moto_seam
from console.sandbox.estate_types import ApiKey, Ids, RegionEstate, RestApi, V2Api
from console.sandbox.state import STATE

DAY = 86_400.0
STAGE_DELAYS = {"dev": 0, "staging": 1, "prod": 3}  # days after the API that a stage of this name was made


def date_region(estate: RegionEstate, ids: Ids, account: str, built: float | None = None) -> None:
    """Date what `build_region` made in `estate` as of `built` (default now)."""
    built = time.time() if built is None else built
    for api in estate.rest_apis:
        _date_rest_api(api, ids.rest_apis[api.name], account, estate.region, built)
    for v2_api in estate.v2_apis:
        _date_v2_api(v2_api, ids.v2_apis[v2_api.name], account, estate.region, built)
    keys = {key.name: key for key in moto_seam.backend("apigateway", account, estate.region).keys.values()}
    for key in estate.api_keys:
        if key.name in keys:
            created, updated = _key_dates(key, built)
            keys[key.name].created_date, keys[key.name].last_updated_date = int(created), int(updated)


def deployment_ages(created_days: int, count: int) -> list[float]:
    """Days before the build of each of `count` deployments, oldest first: the first with the API, the
    rest closer together as they near the last (releases speed up once an API is in use)."""
    last = max(1, created_days // 45)
    if count == 1:
        return [float(created_days)]
    return [last + (created_days - last) * ((count - 1 - i) / (count - 1)) ** 2 for i in range(count)]


def _at(days: float, built: float, name: str) -> float:
    """`days` before `built`, moved into that day's working hours (09:00–17:00 UTC) by `name`."""
    day_start = (built - days * DAY) // DAY * DAY
    return min(built, day_start + 9 * 3600 + random.Random(f"{name}@{days:.3f}").randrange(8 * 3600))


def _date_rest_api(api: RestApi, api_id: str, account: str, region: str, built: float) -> None:
    model = moto_seam.backend("apigateway", account, region).apis[api_id]
    created = _at(api.created_days, built, api.name)
    model.create_date = int(created)
    deployments = list(model.deployments.values())[:len(api.deployments)]  # the build's, oldest first
    made = [_at(days, built, f"{api.name}/{d.id}") for days, d in
            zip(deployment_ages(api.created_days, len(deployments)), deployments)]
    for deployment, at in zip(deployments, made):
        deployment.created_date = int(max(at, created))
    with STATE.lock:
        for stage in api.stages:
            born = min(built, created + STAGE_DELAYS.get(stage.name, 1) * DAY)
            deployed = max(made[stage.deployment], born) if stage.deployment < len(made) else born
            STATE.stage_fields[(account, region, api_id, stage.name)] |= {"createdDate": born,
                                                                          "lastUpdatedDate": deployed}


def _date_v2_api(api: V2Api, api_id: str, account: str, region: str, built: float) -> None:
    model = moto_seam.backend("apigatewayv2", account, region).apis[api_id]
    created = _at(api.created_days, built, api.name)
    model.created_date = datetime.fromtimestamp(created)  # moto keeps naive local times for v2
    with STATE.lock:
        deployments = STATE.v2_deployments.get((account, region, api_id), {})
        manual = [d for d in deployments.values() if not d["autoDeployed"]]
        made = {d["deploymentId"]: max(created, _at(days, built, f"{api.name}/{d['deploymentId']}"))
                for days, d in zip(deployment_ages(api.created_days, len(manual)), manual)}
        automatic = _at(max(1, api.created_days // 45) / 4, built, f"{api.name}/auto")  # the last merge to main
        for deployment in deployments.values():
            at = made.get(deployment["deploymentId"], automatic)
            deployment["createdDate"] = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for stage in api.stages:
            born = min(built, created + STAGE_DELAYS.get(stage.name, 1) * DAY)
            served = made.get(model.stages[stage.name].config.get("deploymentId"), automatic)
            model.stages[stage.name].created = datetime.fromtimestamp(born)
            model.stages[stage.name].updated = datetime.fromtimestamp(max(served, born))


def _key_dates(key: ApiKey, built: float) -> tuple[float, float]:
    created = _at(key.created_days, built, key.name)
    return created, created if key.enabled else _at(key.created_days / 3, built, f"{key.name}/disabled")
