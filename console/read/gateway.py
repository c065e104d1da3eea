"""The read side: list and describe APIs, stages, structure, plans and keys — paged, lazy, cached.

Every list is fetched with the largest page AWS allows (500), so a 900-API account costs three
control-plane calls; stages and structure are fetched only when asked for. Answers are cached with
the time they were fetched; `refresh=True` fetches again. Safe to call from several worker threads.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from typing import Callable, Collection, Sequence, TypeVar

from console.aws.errors import Problem, explain
from console.aws.session import Connection
from console.model import (
    AccountLimits,
    Api,
    ApiDetail,
    ApiKey,
    CustomDomain,
    Deployment,
    GatewayResponse,
    PlanKey,
    Protocol,
    Stage,
    Throttle,
    Usage,
    UsagePlan,
)
from console.read import domains, normalise

PAGE = 500
REST_SOURCE, V2_SOURCE = "REST APIs", "HTTP and WebSocket APIs"
T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Gateway:
    def __init__(self, connection: Connection):
        self.connection = connection
        self._cache: dict[tuple, object] = {}
        self._lock = threading.Lock()
        self.generation = 0  # counts `forget`s: changes applied since a view read
        self._gaps: dict[tuple, dict[str, Problem]] = {}  # what a read could not get, by cache key

    # -- caching -------------------------------------------------------------------------------

    def _cached(self, key: tuple, fetch: Callable[[], T], refresh: bool) -> T:
        if not refresh:
            with self._lock:
                if key in self._cache:
                    return self._cache[key]  # type: ignore[return-value]
        try:
            value = fetch()
        except Exception as exc:
            raise explain(exc, profile=self.connection.target.profile) from None
        with self._lock:
            self._cache[key] = value
        return value

    def peek(self, *key) -> object | None:
        """A cached answer without fetching (e.g. a stage count "once known")."""
        with self._lock:
            return self._cache.get(key)

    def forget(self, *prefix) -> None:
        """Drop cached answers whose key starts with `prefix` (everything when empty). Each drop is a new
        `generation`: a view that read before it shows what may have changed, and reads again."""
        with self._lock:
            for key in [k for k in self._cache if k[: len(prefix)] == prefix]:
                del self._cache[key]
            self.generation += 1

    def _pages(self, client, operation: str, items: str, **params) -> list[dict]:
        paginator = client.get_paginator(operation)
        config = {"PageSize": PAGE}
        return [item for page in paginator.paginate(**params, PaginationConfig=config) for item in page.get(items, [])]

    # -- APIs ----------------------------------------------------------------------------------

    def apis(self, refresh: bool = False) -> list[Api]:
        """REST APIs (API Gateway v1) and HTTP/WebSocket APIs (v2), each read on its own: when one of the
        two cannot be read (an emulator without v2, a policy that allows only REST), the list holds the
        other and `gaps()` says what is missing and why. Only when neither can be read is it a Problem."""
        def fetch() -> list[Api]:
            now = _now()
            region = self.connection.region
            sources = {
                REST_SOURCE: lambda: [normalise.rest_api(r, region, now)
                                      for r in self._pages(self.connection.apigw, "get_rest_apis", "items")],
                V2_SOURCE: lambda: [normalise.v2_api(r, now)
                                    for r in self._pages(self.connection.apigwv2, "get_apis", "Items")],
            }
            found: list[Api] = []
            gaps: dict[str, Problem] = {}
            with ThreadPoolExecutor(len(sources), thread_name_prefix="apis") as pool:  # each waits on AWS alone
                reads = {name: pool.submit(read) for name, read in sources.items()}
            for name, read in reads.items():
                try:
                    found += read.result()
                except Exception as exc:
                    gaps[name] = explain(exc, profile=self.connection.target.profile)
            if len(gaps) == len(sources):
                raise gaps[REST_SOURCE]
            with self._lock:
                self._gaps[("apis",)] = gaps
            return sorted(found, key=lambda a: (a.name.lower(), a.protocol, a.id))

        return self._cached(("apis",), fetch, refresh)

    def gaps(self, *key) -> dict[str, Problem]:
        """What the last read of `key` could not read, by source ("REST APIs", "HTTP and WebSocket APIs")."""
        with self._lock:
            return dict(self._gaps.get(key, {}))

    def find_api(self, ref: str) -> Api:
        """An API by id or by name; an unknown or ambiguous name is a Problem naming the candidates."""
        apis = self.apis()
        by_id = [a for a in apis if a.id == ref]
        if by_id:
            return by_id[0]
        named = [a for a in apis if a.name == ref] or [a for a in apis if a.name.lower() == ref.lower()]
        if len(named) == 1:
            return named[0]
        if named:
            listing = ", ".join(f"{a.id} ({a.protocol}, created {a.created:%Y-%m-%d})" if a.created
                                else f"{a.id} ({a.protocol})" for a in named)
            raise Problem(f"{len(named)} APIs are named '{ref}': {listing}. Name one by its id.", kind="bad-request")
        missing = "".join(f" {source} could not be read: {problem.message}"
                          for source, problem in self.gaps("apis").items())
        raise Problem(f"No API with id or name '{ref}' in {self.connection.region}.{missing}", kind="not-found")

    # -- stages --------------------------------------------------------------------------------

    def stages(self, api: Api, refresh: bool = False) -> list[Stage]:
        def fetch() -> list[Stage]:
            now = _now()
            if api.protocol is Protocol.REST:
                raw = self.connection.apigw.get_stages(restApiId=api.id).get("item", [])
                stages = [normalise.rest_stage(api.id, s, now) for s in raw]
            else:
                raw = self._pages(self.connection.apigwv2, "get_stages", "Items", ApiId=api.id)
                stages = [normalise.v2_stage(api, s, now) for s in raw]
            return sorted(stages, key=lambda s: s.name)

        stages = self._cached(("stages", api.id), fetch, refresh)
        with self._lock:
            for stage in stages:
                self._cache[("stage", api.id, stage.name)] = stage
        return stages

    def stage(self, api: Api, name: str, refresh: bool = False) -> Stage:
        def fetch() -> Stage:
            now = _now()
            if api.protocol is Protocol.REST:
                return normalise.rest_stage(api.id, self.connection.apigw.get_stage(restApiId=api.id, stageName=name), now)
            return normalise.v2_stage(api, self.connection.apigwv2.get_stage(ApiId=api.id, StageName=name), now)

        return self._cached(("stage", api.id, name), fetch, refresh)

    def gateway_responses(self, api: Api, refresh: bool = False) -> list[GatewayResponse]:
        """A REST API's gateway responses (what each kind of refusal is answered with); none for v2 APIs."""
        def fetch() -> list[GatewayResponse]:
            if api.protocol is not Protocol.REST:
                return []
            raw = self._pages(self.connection.apigw, "get_gateway_responses", "items", restApiId=api.id)
            return sorted((normalise.gateway_response(r) for r in raw), key=lambda r: r.type)

        return self._cached(("gateway-responses", api.id), fetch, refresh)

    # -- structure -----------------------------------------------------------------------------

    def detail(self, api: Api, refresh: bool = False) -> ApiDetail:
        def fetch() -> ApiDetail:
            now = _now()
            if api.protocol is Protocol.REST:
                client = self.connection.apigw
                resources = self._pages(client, "get_resources", "items", restApiId=api.id, embed=["methods"])
                deployments = self._pages(client, "get_deployments", "items", restApiId=api.id)
                return ApiDetail(
                    api=api,
                    resources=tuple(sorted((normalise.rest_resource(r) for r in resources), key=lambda r: r.path)),
                    deployments=_newest_first(normalise.rest_deployment(d) for d in deployments),
                    fetched_at=now,
                )
            client = self.connection.apigwv2
            routes = self._pages(client, "get_routes", "Items", ApiId=api.id)
            integrations = self._pages(client, "get_integrations", "Items", ApiId=api.id)
            deployments = self._pages(client, "get_deployments", "Items", ApiId=api.id)
            return ApiDetail(
                api=api,
                routes=tuple(sorted((normalise.route(r) for r in routes), key=lambda r: r.key)),
                integrations=tuple(normalise.integration(i) for i in integrations),
                deployments=_newest_first(normalise.v2_deployment(d) for d in deployments),
                fetched_at=now,
            )

        return self._cached(("detail", api.id), fetch, refresh)

    def deployment(self, api: Api, deployment_id: str | None) -> Deployment | None:
        """One deployment: from the API's detail when that is read already, else by its own call (a
        stage's command needs neither the API's resources nor its other deployments)."""
        if not deployment_id:
            return None
        known = self.peek("detail", api.id)
        if isinstance(known, ApiDetail):
            return next((d for d in known.deployments if d.id == deployment_id), None)

        def fetch() -> Deployment:
            if api.protocol is Protocol.REST:
                return normalise.rest_deployment(self.connection.apigw.get_deployment(
                    restApiId=api.id, deploymentId=deployment_id))
            return normalise.v2_deployment(self.connection.apigwv2.get_deployment(
                ApiId=api.id, DeploymentId=deployment_id))

        return self._cached(("deployment", api.id, deployment_id), fetch, False)

    # -- custom domains ------------------------------------------------------------------------

    def domains(self, refresh: bool = False) -> list[CustomDomain]:
        """Custom domain names, v1 and v2 merged, with their mappings (console.read.domains); as with `apis`,
        a side that cannot be read is a gap (`gaps("domains")`), and only both failing is a Problem."""
        def fetch() -> list[CustomDomain]:
            found, gaps = domains.read(self.connection, self._pages, _now())
            with self._lock:
                self._gaps[("domains",)] = gaps
            return found

        return self._cached(("domains",), fetch, refresh)

    # -- account, plans, keys --------------------------------------------------------------------

    def account_limits(self, refresh: bool = False) -> AccountLimits:
        def fetch() -> AccountLimits:
            settings = self.connection.apigw.get_account().get("throttleSettings") or {}
            return AccountLimits(
                throttle=Throttle(rate=settings.get("rateLimit"), burst=settings.get("burstLimit")),
                fetched_at=_now(),
            )

        return self._cached(("account",), fetch, refresh)

    def usage_plans(self, refresh: bool = False) -> list[UsagePlan]:
        def fetch() -> list[UsagePlan]:
            now = _now()
            plans = self._pages(self.connection.apigw, "get_usage_plans", "items")
            return sorted((normalise.usage_plan(p, now) for p in plans), key=lambda p: p.name.lower())

        return self._cached(("plans",), fetch, refresh)

    def api_keys(self, refresh: bool = False) -> list[ApiKey]:
        def fetch() -> list[ApiKey]:
            now = _now()
            keys = self._pages(self.connection.apigw, "get_api_keys", "items", includeValues=False)
            return sorted((normalise.api_key(k, now) for k in keys), key=lambda k: k.name.lower())

        return self._cached(("keys",), fetch, refresh)

    def find_plan(self, ref: str) -> UsagePlan:
        """A usage plan by id or by name (as `find_api` finds an API)."""
        return _named(self.usage_plans(), ref, "usage plan", self.connection.region)

    def find_key(self, ref: str) -> ApiKey:
        """An API key by id or by name (as `find_api` finds an API)."""
        return _named(self.api_keys(), ref, "API key", self.connection.region)

    def plan_keys(self, plan_id: str, refresh: bool = False) -> list[PlanKey]:
        """The keys of one usage plan (cached under "plans", so any plan or key change drops it)."""
        def fetch() -> list[PlanKey]:
            keys = self._pages(self.connection.apigw, "get_usage_plan_keys", "items", usagePlanId=plan_id)
            return sorted((normalise.plan_key(k) for k in keys), key=lambda k: k.name.lower())

        return self._cached(("plans", "keys", plan_id), fetch, refresh)

    def key_plans(self, refresh: bool = False) -> dict[str, tuple[str, ...]]:
        """Each API key's usage plans (ids), from every plan's keys: one call per plan."""
        found: dict[str, list[str]] = {}
        for plan in self.usage_plans(refresh):
            for key in self.plan_keys(plan.id, refresh):
                found.setdefault(key.id, []).append(plan.id)
        return {key: tuple(plans) for key, plans in found.items()}

    def usage(self, plan_id: str, start: date, end: date, key_id: str | None = None) -> Usage:
        """GetUsage over [start, end] (inclusive), all keys or one; never cached: it moves with traffic."""
        def fetch() -> Usage:
            params = {"usagePlanId": plan_id, "startDate": start.isoformat(), "endDate": end.isoformat()}
            pages = self.connection.apigw.get_paginator("get_usage").paginate(
                **params, **({"keyId": key_id} if key_id else {}), PaginationConfig={"PageSize": PAGE})
            items: dict = {}
            for page in pages:
                items.update(page.get("items") or {})
            return normalise.usage({**params, "items": items}, _now())

        return self._cached(("usage", plan_id, start, end, key_id), fetch, refresh=True)

    def key_value(self, key_id: str) -> str:
        """An API key's value, for the operator who asked to see it: fetched each time, never cached."""
        try:
            return self.connection.apigw.get_api_key(apiKey=key_id, includeValue=True).get("value") or ""
        except Exception as exc:
            raise explain(exc, profile=self.connection.target.profile) from None

    def keys_with_values(self, values: Collection[str]) -> dict[str, str]:
        """{value: key id} for those of `values` some key already has; values are compared and dropped."""
        try:
            keys = self._pages(self.connection.apigw, "get_api_keys", "items", includeValues=True)
        except Exception as exc:
            raise explain(exc, profile=self.connection.target.profile) from None
        wanted = set(values)
        return {k["value"]: k["id"] for k in keys if k.get("value") in wanted}


def _named(items: Sequence[T], ref: str, what: str, region: str) -> T:
    """The item whose id is `ref`, else the one so named; an unknown or ambiguous name is a Problem."""
    by_id = [i for i in items if i.id == ref]
    if by_id:
        return by_id[0]
    named = [i for i in items if i.name == ref] or [i for i in items if i.name.lower() == ref.lower()]
    if len(named) == 1:
        return named[0]
    if named:
        raise Problem(f"{len(named)} {what}s are named '{ref}': {', '.join(i.id for i in named)}. Name one by "
                      "its id.", kind="bad-request")
    raise Problem(f"No {what} with id or name '{ref}' in {region}.", kind="not-found")


def _newest_first(deployments) -> tuple:
    """Newest first. AWS dates a deployment to the second, so of those made in one second the one AWS
    lists later (it lists them in the order they were made) counts as the newer."""
    far_past = datetime.min.replace(tzinfo=timezone.utc)
    listed = list(deployments)
    order = sorted(range(len(listed)), key=lambda i: (listed[i].created or far_past, i), reverse=True)
    return tuple(listed[i] for i in order)
