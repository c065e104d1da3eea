"""The read side against the sandbox over HTTP: v1 and v2 normalised, lazily fetched, cached."""

from __future__ import annotations

import pytest

from console.aws.errors import Problem
from console.aws.session import Connection, Target
from console.model import Protocol
from console.read.gateway import Gateway


def count_requests(connection: Connection) -> list[str]:
    """Record the operation of every HTTP request the connection's API Gateway clients send."""
    seen: list[str] = []
    for client in (connection.apigw, connection.apigwv2):
        client.meta.events.register("before-send", lambda request, **_: seen.append(request.url))
    return seen


def test_lists_rest_http_and_websocket_apis_as_one_sorted_list(gateway):
    apis = gateway.apis()
    protocols = {a.protocol for a in apis}
    assert protocols == {Protocol.REST, Protocol.HTTP, Protocol.WEBSOCKET}
    assert [a.name.lower() for a in apis] == sorted(a.name.lower() for a in apis)
    rest = [a for a in apis if a.protocol is Protocol.REST]
    assert len(rest) >= 3
    assert all(a.endpoint.startswith(f"https://{a.id}.execute-api.us-east-1") for a in rest)
    assert all(a.fetched_at is not None for a in apis)


def test_rest_stage_normalises_throttles_overrides_variables_and_logging(gateway, aws):
    api = next(a for a in gateway.apis() if a.protocol is Protocol.REST)
    stages = gateway.stages(api)
    assert {"dev", "staging", "prod"} <= {s.name for s in stages}
    raw = aws("apigateway").get_stage(restApiId=api.id, stageName="prod")
    prod = gateway.stage(api, "prod")
    default = raw["methodSettings"]["*/*"]
    assert prod.throttle.rate == default["throttlingRateLimit"]
    assert prod.throttle.burst == default["throttlingBurstLimit"]
    assert dict(prod.variables) == raw.get("variables", {})
    assert prod.access_log is not None and prod.access_log.log_group
    overridden = [k for k in raw["methodSettings"] if k != "*/*"]
    assert len(prod.overrides) == len(overridden)
    for override in prod.overrides:
        verb, path = override.key.split(" ", 1)
        assert path.startswith("/") and verb.isupper()
        assert override.path.endswith("/" + verb) and "/" not in override.path.removesuffix("/" + verb)


def test_exactly_one_stage_of_the_estate_has_its_cache_enabled(gateway):
    cached = [(a.name, s.name) for a in gateway.apis() if a.protocol is Protocol.REST
              for s in gateway.stages(a) if s.cache and s.cache.enabled]
    assert len(cached) == 1 and cached[0][1] == "prod"


def test_http_api_stages_routes_and_integrations(gateway):
    api = next(a for a in gateway.apis() if a.protocol is Protocol.HTTP)
    stages = {s.name: s for s in gateway.stages(api)}
    assert {"$default", "prod"} <= set(stages)
    assert stages["prod"].protocol is Protocol.HTTP and stages["prod"].cache is None
    detail = gateway.detail(api)
    assert detail.routes and detail.integrations
    targets = {r.target.removeprefix("integrations/") for r in detail.routes if r.target}
    assert targets <= {i.id for i in detail.integrations}


def test_websocket_api_routes_include_connect_and_disconnect(gateway):
    api = next(a for a in gateway.apis() if a.protocol is Protocol.WEBSOCKET)
    keys = {r.key for r in gateway.detail(api).routes}
    assert {"$connect", "$disconnect", "$default"} <= keys


def test_rest_detail_has_resource_tree_and_deployments_newest_first(gateway):
    api = next(a for a in gateway.apis() if a.protocol is Protocol.REST)
    detail = gateway.detail(api)
    assert detail.resources[0].path == "/"
    assert any(r.methods for r in detail.resources)
    assert len(detail.deployments) >= 2
    created = [d.created for d in detail.deployments]
    assert created == sorted(created, reverse=True)


def test_answers_are_cached_until_refresh(connection):
    gateway = Gateway(connection)
    sent = count_requests(connection)
    gateway.apis()
    after_first = len(sent)
    assert after_first >= 2  # one page of REST APIs, one of v2 APIs
    gateway.apis()
    assert len(sent) == after_first
    gateway.apis(refresh=True)
    assert len(sent) == 2 * after_first


def test_stage_list_fills_the_single_stage_cache(connection):
    gateway = Gateway(connection)
    api = next(a for a in gateway.apis() if a.protocol is Protocol.REST)
    gateway.stages(api)
    sent = count_requests(connection)
    gateway.stage(api, "prod")
    assert sent == []
    assert gateway.peek("stages", api.id) is not None


def test_find_api_by_id_and_by_name(gateway):
    api = gateway.apis()[0]
    assert gateway.find_api(api.id) == api
    assert gateway.find_api(api.name) == api
    assert gateway.find_api(api.name.upper()) == api


def test_unknown_api_is_a_plain_not_found(gateway):
    with pytest.raises(Problem) as raised:
        gateway.find_api("no-such-api")
    assert raised.value.kind == "not-found" and "no-such-api" in raised.value.message


def test_ambiguous_name_lists_the_candidates(sandbox, aws, unique, scratch_region):
    name = unique("twin")
    client = aws("apigateway", scratch_region)
    ids = [client.create_rest_api(name=name)["id"] for _ in range(2)]
    gateway = Gateway(Connection(Target(endpoint_url=sandbox.url, region=scratch_region)))
    with pytest.raises(Problem) as raised:
        gateway.find_api(name)
    assert raised.value.kind == "bad-request"
    assert all(i in raised.value.message for i in ids)


def test_aws_errors_become_problems_with_their_code(gateway):
    api = next(a for a in gateway.apis() if a.protocol is Protocol.REST)
    with pytest.raises(Problem) as raised:
        gateway.stage(api, "no-such-stage")
    assert raised.value.kind == "not-found"
    assert raised.value.code == "NotFoundException"


def test_account_limits_come_from_get_account(gateway, aws):
    settings = aws("apigateway").get_account()["throttleSettings"]
    limits = gateway.account_limits()
    assert limits.throttle.rate == settings["rateLimit"] and limits.throttle.burst == settings["burstLimit"]


def test_usage_plans_and_keys_are_listed_without_key_values(gateway):
    plans = gateway.usage_plans()
    keys = gateway.api_keys()
    assert plans and keys
    assert any(p.api_stages for p in plans)
    assert not any(hasattr(k, "value") for k in keys)


def test_regions_are_separate_estates(sandbox):
    east = Gateway(Connection(Target(endpoint_url=sandbox.url, region="us-east-1"))).apis()
    west = Gateway(Connection(Target(endpoint_url=sandbox.url, region="eu-west-1"))).apis()
    assert west and not {a.id for a in west} & {a.id for a in east}


def test_http_api_deployments_are_listed_newest_first_and_named_on_the_stage(sandbox, aws, scratch_apis):
    api_id = scratch_apis["HTTP"]
    client = aws("apigatewayv2", "ap-southeast-2")
    first = client.create_deployment(ApiId=api_id, Description="v1")["DeploymentId"]
    second = client.create_deployment(ApiId=api_id, StageName="dev", Description="v2 — checkout")["DeploymentId"]
    gateway = Gateway(Connection(Target(endpoint_url=sandbox.url, region="ap-southeast-2")))
    api = gateway.find_api(api_id)
    deployments = gateway.detail(api).deployments
    assert {first, second} <= {d.id for d in deployments}
    created = [d.created for d in deployments]
    assert created == sorted(created, reverse=True)
    assert gateway.stage(api, "dev").deployment_id == second
