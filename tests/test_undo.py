"""Undo changes only what the change changed, against the sandbox over HTTP.

For every action kind that has an inverse: the change is applied, then another client (plain boto3)
changes a *different* field of the same target, and the undo leaves that field as the other client
set it while putting back everything the change wrote; or the other client changes a field the
change wrote, and the undo is refused, naming the field, the value the change left and its value
now, and nothing is sent. Undoing a creation removes the whole resource, so a field someone set on
it since refuses that undo too.

Each example works on a target of its own: a new stage of the module's REST or HTTP API, a new
usage plan, a new API key, all in the scratch region.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions import access_logging, api_keys, cache, canary, stage_variables, throttle, usage_plans
from actions.canary_gate import Verdict
from actions.engine import Conflict, Engine, Permission
from actions.plan import Plan
from actions.resource_doc import stage_key
from console.aws.budget import TokenBucket
from console.aws.session import Connection, Target
from console.config import Settings
from console.journal.store import Journal
from console.read.gateway import Gateway

REGION = "ap-southeast-2"
PASS = Verdict(("test: the gate passed",), ())
EXAMPLES = settings(max_examples=3, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
pytestmark = pytest.mark.usefixtures("unpaced")

CLOCKS = {"lastUpdatedDate", "createdDate", "LastUpdatedDate", "CreatedDate"}


@pytest.fixture(scope="module")
def connection(sandbox) -> Connection:
    connection = Connection(Target(endpoint_url=sandbox.url, region=REGION), TokenBucket(1000, 1000))
    connection.identify()
    return connection


@pytest.fixture(scope="module")
def deployments(scratch_apis, aws_client_for, sandbox) -> tuple[str, str]:
    """The REST API's first deployment (new stages run it) and a second one (for canaries)."""
    apigw = aws_client_for(sandbox.url, "apigateway", REGION)
    first = apigw.get_deployments(restApiId=scratch_apis["REST"])["items"][0]["id"]
    second = apigw.create_deployment(restApiId=scratch_apis["REST"], description="canary build")["id"]
    return first, second


@dataclass
class Ctx:
    """One example's world: the engine, plain clients, and the target made for it."""

    engine: Engine
    apigw: Any
    apigwv2: Any
    rest: str
    http: str
    deployments: tuple[str, str]
    made: list
    draw: Callable[[Any], Any]
    stage: str = ""
    plan_id: str = ""
    key_id: str = ""
    rate: int = 0  # the rate the change wrote, where it wrote one
    touched: Callable[[str], str] | None = None  # the first name the change wrote under a field
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    def doc(self, protocol: str):
        return self.engine.document(self.engine.gateway.find_api(self.rest if protocol == "REST" else self.http),
                                    self.stage)

    def patch(self, *ops: dict) -> None:
        self.apigw.update_stage(restApiId=self.rest, stageName=self.stage, patchOperations=list(ops))

    def v2(self, **fields: Any) -> None:
        self.apigwv2.update_stage(ApiId=self.http, StageName=self.stage, **fields)

    def plan_patch(self, *ops: dict) -> None:
        self.apigw.update_usage_plan(usagePlanId=self.plan_id, patchOperations=list(ops))

    def key_patch(self, *ops: dict) -> None:
        self.apigw.update_api_key(apiKey=self.key_id, patchOperations=list(ops))

    def usage_plan(self):
        self.engine.gateway.usage_plans(refresh=True)
        return self.engine.usage_plan(self.plan_id)

    def api_key(self):
        self.engine.gateway.api_keys(refresh=True)
        return self.engine.api_key(self.key_id)


def replace_op(path: str, value: Any) -> dict:
    return {"op": "replace", "path": path, "value": str(value)}


def other_than(*taken: Any) -> Callable[[Any], Any]:
    """A strategy-drawn whole number from 1 to 5000 that is none of `taken`."""
    return st.integers(1, 5000).filter(lambda v: v not in taken)


# -- targets ---------------------------------------------------------------------------------------------


def rest_stage(ctx: Ctx) -> None:
    ctx.stage = f"u{uuid.uuid4().hex[:8]}"
    ctx.apigw.create_stage(restApiId=ctx.rest, stageName=ctx.stage, deploymentId=ctx.deployments[0],
                           variables={"backendHost": "a.example.com", "logLevel": "info"})
    ctx.cleanup.append(lambda: ctx.apigw.delete_stage(restApiId=ctx.rest, stageName=ctx.stage))
    ctx.patch(replace_op("/*/*/throttling/rateLimit", 100), replace_op("/*/*/throttling/burstLimit", 200),
              replace_op("/~1items/POST/throttling/rateLimit", 10),
              replace_op("/~1items/POST/throttling/burstLimit", 20))


def http_stage(ctx: Ctx) -> None:
    ctx.stage = f"u{uuid.uuid4().hex[:8]}"
    ctx.apigwv2.create_stage(ApiId=ctx.http, StageName=ctx.stage, StageVariables={"backendHost": "a.example.com"},
                             DefaultRouteSettings={"ThrottlingRateLimit": 100.0, "ThrottlingBurstLimit": 200},
                             RouteSettings={"POST /items": {"ThrottlingRateLimit": 10.0, "ThrottlingBurstLimit": 20}})
    ctx.cleanup.append(lambda: ctx.apigwv2.delete_stage(ApiId=ctx.http, StageName=ctx.stage))


def rest_stage_with_canary(ctx: Ctx) -> None:
    rest_stage(ctx)
    ctx.patch(replace_op("/canarySettings/deploymentId", ctx.deployments[1]),
              replace_op("/canarySettings/percentTraffic", 10), replace_op("/canarySettings/useStageCache", "true"),
              replace_op("/canarySettings/stageVariableOverrides/logLevel", "debug"),
              replace_op("/canarySettings/stageVariableOverrides/featureX", "on"))


def usage_plan(ctx: Ctx, *, attached: bool = False, method_throttle: bool = False, half: bool = False) -> None:
    """A plan with a throttle (only its rate, when `half`) and a quota."""
    ctx.plan_id = ctx.apigw.create_usage_plan(name=f"undo-{uuid.uuid4().hex[:8]}", description="first",
                                              throttle={"rateLimit": 10.0} if half else
                                              {"rateLimit": 10.0, "burstLimit": 20},
                                              quota={"limit": 1000, "period": "DAY"})["id"]
    ctx.made.append(("plan", ctx.plan_id))
    if attached or method_throttle:
        rest_stage(ctx)
        ctx.plan_patch({"op": "add", "path": "/apiStages", "value": stage_key(ctx.rest, ctx.stage)})
    if method_throttle:
        path = f"/apiStages/{stage_key(ctx.rest, ctx.stage)}/throttle/~1items~1{{id}}/GET"
        ctx.plan_patch(replace_op(f"{path}/rateLimit", 5), replace_op(f"{path}/burstLimit", 10))


def api_key(ctx: Ctx, *, in_plan: bool = False) -> None:
    ctx.key_id = ctx.apigw.create_api_key(name=f"undo-{uuid.uuid4().hex[:8]}", enabled=True)["id"]
    ctx.made.append(("key", ctx.key_id))
    ctx.plan_id = ctx.apigw.create_usage_plan(name=f"undo-{uuid.uuid4().hex[:8]}")["id"]
    ctx.made.append(("plan", ctx.plan_id))
    if in_plan:
        ctx.apigw.create_usage_plan_key(usagePlanId=ctx.plan_id, keyId=ctx.key_id, keyType="API_KEY")


# -- the cases -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """`plan` builds the change; `other` has another client change a field the change did not write;
    `ours` has it change a field the change wrote, and returns that field's name as a refusal says it."""

    setup: Callable[[Ctx], None]
    plan: Callable[[Ctx], Plan]
    other: Callable[[Ctx], None]
    ours: Callable[[Ctx], str]
    creation: bool = False  # its undo deletes the resource: any field set since refuses it
    unrestorable: frozenset[str] = frozenset()  # fields AWS cannot put back (said in the plan's warnings)


def _rest_variable(ctx: Ctx, name: str = "backendHost") -> None:
    ctx.patch(replace_op(f"/variables/{name}", f"{ctx.draw(st.sampled_from(['b', 'c', 'd']))}.example.com"))


def _http_variable(ctx: Ctx) -> None:
    ctx.v2(StageVariables={"backendHost": f"{ctx.draw(st.sampled_from(['b', 'c', 'd']))}.example.com"})


def _throttle_ours(ctx: Ctx, path: str, name: str, avoid: int) -> str:
    ctx.patch(replace_op(path, ctx.draw(other_than(avoid))))
    return name


def _planned_rate(plan: Plan) -> int:
    return int(next(v for p, v in plan.postcondition if p[-1] in ("throttlingRateLimit", "ThrottlingRateLimit",
                                                                   "rateLimit")))


CASES: dict[str, Case] = {
    "throttle, REST stage default": Case(
        rest_stage,
        lambda ctx: throttle.set_throttle(ctx.doc("REST"), selector=None, rate=str(ctx.draw(other_than(100))),
                                          burst=None),
        lambda ctx: ctx.patch(replace_op("/*/*/throttling/burstLimit", ctx.draw(other_than(200)))),
        lambda ctx: _throttle_ours(ctx, "/*/*/throttling/rateLimit", "stage default rate", ctx.rate)),
    "throttle, REST method override": Case(
        rest_stage,
        lambda ctx: throttle.set_throttle(ctx.doc("REST"), selector="POST /items", rate=str(ctx.draw(other_than(10))),
                                          burst=None),
        lambda ctx: ctx.patch(replace_op("/~1items/POST/throttling/burstLimit", ctx.draw(other_than(20)))),
        lambda ctx: _throttle_ours(ctx, "/~1items/POST/throttling/rateLimit", "method POST /items rate", ctx.rate)),
    "throttle, new REST method override": Case(
        rest_stage,
        lambda ctx: throttle.set_throttle(ctx.doc("REST"), selector="GET /items/{id}",
                                          rate=str(ctx.draw(other_than())), burst=str(ctx.draw(other_than()))),
        _rest_variable,
        lambda ctx: _throttle_ours(ctx, "/~1items~1{id}/GET/throttling/rateLimit", "method GET /items/{id} rate",
                                   ctx.rate)),
    "throttle, REST override removed": Case(
        rest_stage,
        lambda ctx: throttle.unset_throttle(ctx.doc("REST"), selector="POST /items"),
        lambda ctx: ctx.patch(replace_op("/*/*/throttling/burstLimit", ctx.draw(other_than(200)))),
        lambda ctx: _throttle_ours(ctx, "/~1items/POST/throttling/rateLimit", "method POST /items", 0)),
    "throttle, HTTP stage default": Case(
        http_stage,
        lambda ctx: throttle.set_throttle(ctx.doc("HTTP"), selector=None, rate=str(ctx.draw(other_than(100))),
                                          burst=None),
        lambda ctx: ctx.v2(DefaultRouteSettings={"ThrottlingBurstLimit": ctx.draw(other_than(200))}),
        lambda ctx: (ctx.v2(DefaultRouteSettings={"ThrottlingRateLimit": float(ctx.draw(other_than(ctx.rate)))}),
                     "stage default rate")[1]),
    "throttle, HTTP route override": Case(
        http_stage,
        lambda ctx: throttle.set_throttle(ctx.doc("HTTP"), selector="POST /items", rate=str(ctx.draw(other_than(10))),
                                          burst=None),
        lambda ctx: ctx.v2(RouteSettings={"POST /items": {"ThrottlingBurstLimit": ctx.draw(other_than(20))}}),
        lambda ctx: (ctx.v2(RouteSettings={"POST /items": {"ThrottlingRateLimit":
                                                            float(ctx.draw(other_than(ctx.rate)))}}),
                     "route POST /items rate")[1]),
    "throttle, new HTTP route override": Case(
        http_stage,
        lambda ctx: throttle.set_throttle(ctx.doc("HTTP"), selector="GET /items/{id}",
                                          rate=str(ctx.draw(other_than())), burst=str(ctx.draw(other_than()))),
        _http_variable,
        lambda ctx: (ctx.v2(RouteSettings={"GET /items/{id}": {"ThrottlingRateLimit":
                                                                float(ctx.draw(other_than(ctx.rate)))}}),
                     "route GET /items/{id} rate")[1]),
    "throttle, HTTP override removed": Case(
        http_stage,
        lambda ctx: throttle.unset_throttle(ctx.doc("HTTP"), selector="POST /items"),
        lambda ctx: ctx.v2(DefaultRouteSettings={"ThrottlingBurstLimit": ctx.draw(other_than(200))}),
        lambda ctx: (ctx.v2(RouteSettings={"POST /items": {"ThrottlingRateLimit": 7.0}}), "route POST /items")[1]),
    "variables, REST": Case(
        rest_stage,
        lambda ctx: stage_variables.set_variables(ctx.doc("REST"), {
            ctx.draw(st.sampled_from(["logLevel", "release", "feature_1"])): ctx.draw(st.from_regex(
                r"[A-Za-z0-9._-]{1,12}", fullmatch=True).filter(lambda v: v != "info"))}),
        _rest_variable,
        lambda ctx: (_rest_variable(ctx, ctx.touched("variables")), f"variable {ctx.touched('variables')}")[1]),
    "variables, HTTP": Case(
        http_stage,
        lambda ctx: stage_variables.set_variables(ctx.doc("HTTP"), {
            ctx.draw(st.sampled_from(["logLevel", "release"])): ctx.draw(st.from_regex(r"[A-Za-z0-9._-]{1,12}",
                                                                                        fullmatch=True))}),
        _http_variable,
        lambda ctx: (ctx.v2(StageVariables={ctx.touched("StageVariables"): "someone.else"}),
                     f"variable {ctx.touched('StageVariables')}")[1]),
    "cache, every method": Case(
        rest_stage,
        lambda ctx: cache.set_cache(ctx.doc("REST"), caching=True, ttl=str(ctx.draw(st.integers(0, 3600).filter(
            lambda v: v != 300)))),
        lambda ctx: ctx.patch(replace_op("/*/*/throttling/burstLimit", ctx.draw(other_than(200)))),
        lambda ctx: (ctx.patch(replace_op("/*/*/caching/enabled", "false")), "stage default caching")[1]),
    "cache, cluster": Case(
        rest_stage,
        lambda ctx: cache.set_cache(ctx.doc("REST"), cluster=True),
        _rest_variable,
        lambda ctx: (ctx.patch(replace_op("/cacheClusterEnabled", "false")), "cache cluster")[1],
        unrestorable=frozenset({"cacheClusterSize", "cacheClusterStatus"})),
    "access logging, REST": Case(
        rest_stage,
        lambda ctx: access_logging.enable(ctx.doc("REST"), group=f"/aws/apigateway/undo/{ctx.stage}"),
        _rest_variable,
        lambda ctx: (ctx.patch(replace_op("/accessLogSettings/format", "$context.requestId $context.status")),
                     "access-log format")[1]),
    "access logging, HTTP": Case(
        http_stage,
        lambda ctx: access_logging.enable(ctx.doc("HTTP"), group=f"/aws/apigateway/undo/{ctx.stage}"),
        _http_variable,
        lambda ctx: (ctx.v2(AccessLogSettings={
            "DestinationArn": ctx.doc("HTTP").raw["AccessLogSettings"]["DestinationArn"],
            "Format": "$context.requestId $context.status"}), "access-log format")[1]),
    "canary, created on a deployment": Case(
        rest_stage,
        lambda ctx: canary.create(ctx.doc("REST"), weight=ctx.draw(st.integers(1, 50)), deployment=ctx.deployments[1],
                                  overrides={"logLevel": "debug"}),
        _rest_variable,
        lambda ctx: (ctx.patch(replace_op("/canarySettings/percentTraffic", 77)), "canary weight")[1]),
    "canary, created by deploying": Case(
        rest_stage,
        lambda ctx: canary.create(ctx.doc("REST"), weight=ctx.draw(st.integers(1, 50))),
        _rest_variable,
        lambda ctx: (ctx.patch(replace_op("/canarySettings/percentTraffic", 77)), "canary weight")[1]),
    "canary, weighed": Case(
        rest_stage_with_canary,
        lambda ctx: canary.weigh(ctx.doc("REST"), ctx.draw(st.integers(11, 90))),
        lambda ctx: ctx.patch(replace_op("/canarySettings/stageVariableOverrides/logLevel", "trace")),
        lambda ctx: (ctx.patch(replace_op("/canarySettings/percentTraffic", 5)), "canary weight")[1]),
    "canary, overrides edited": Case(
        rest_stage_with_canary,
        lambda ctx: canary.edit_overrides(ctx.doc("REST"), {"logLevel": ctx.draw(st.sampled_from(["warn", "error"])),
                                                           "featureX": "on"}),
        lambda ctx: ctx.patch(replace_op("/canarySettings/percentTraffic", ctx.draw(st.integers(20, 90)))),
        lambda ctx: (ctx.patch(replace_op("/canarySettings/stageVariableOverrides/logLevel", "trace")),
                     "canary override logLevel")[1]),
    "canary, promoted": Case(
        rest_stage_with_canary,
        lambda ctx: canary.promote(ctx.doc("REST"), PASS),
        _rest_variable,
        lambda ctx: (ctx.patch(replace_op("/variables/logLevel", "warn")), "variable logLevel")[1]),
    "canary, removed": Case(
        rest_stage_with_canary,
        lambda ctx: canary.remove(ctx.doc("REST")),
        _rest_variable,
        lambda ctx: (ctx.patch(replace_op("/canarySettings/percentTraffic", 5)), "canary")[1]),
    "usage plan, throttle": Case(
        usage_plan,
        lambda ctx: usage_plans.update(ctx.usage_plan(), rate=str(ctx.draw(other_than(10)))),
        lambda ctx: ctx.plan_patch(replace_op("/description", ctx.draw(st.sampled_from(["second", "third"])))),
        lambda ctx: (ctx.plan_patch(replace_op("/throttle/rateLimit", ctx.draw(other_than(ctx.rate)))),
                     "throttle rate")[1]),
    "usage plan, throttle half set": Case(
        lambda ctx: usage_plan(ctx, half=True),
        lambda ctx: usage_plans.update(ctx.usage_plan(), burst=str(ctx.draw(other_than()))),
        lambda ctx: ctx.plan_patch(replace_op("/description", ctx.draw(st.sampled_from(["second", "third"])))),
        lambda ctx: (ctx.plan_patch(replace_op("/throttle/burstLimit", 99999)), "throttle burst")[1]),
    "usage plan, quota": Case(
        usage_plan,
        lambda ctx: usage_plans.update(ctx.usage_plan(), quota=usage_plans.Quota(ctx.draw(other_than(1000)), "WEEK")),
        lambda ctx: ctx.plan_patch(replace_op("/throttle/burstLimit", ctx.draw(other_than(20)))),
        lambda ctx: (ctx.plan_patch(replace_op("/quota/limit", 999999)), "quota limit")[1]),
    "usage plan, stage attached": Case(
        lambda ctx: (usage_plan(ctx), rest_stage(ctx)),
        lambda ctx: usage_plans.attach(ctx.usage_plan(), ctx.engine.gateway.find_api(ctx.rest), ctx.stage,
                                       [ctx.stage]),
        lambda ctx: ctx.plan_patch(replace_op("/description", "second")),
        lambda ctx: (ctx.plan_patch(replace_op(f"/apiStages/{stage_key(ctx.rest, ctx.stage)}/throttle/~1items/GET/"
                                               "rateLimit", 3)), f"API stage {stage_key(ctx.rest, ctx.stage)}")[1]),
    "usage plan, stage detached": Case(
        lambda ctx: usage_plan(ctx, attached=True),
        lambda ctx: usage_plans.detach(ctx.usage_plan(), ctx.engine.gateway.find_api(ctx.rest), ctx.stage),
        lambda ctx: ctx.plan_patch(replace_op("/description", "second")),
        lambda ctx: (ctx.plan_patch({"op": "add", "path": "/apiStages", "value": stage_key(ctx.rest, ctx.stage)}),
                     f"API stage {stage_key(ctx.rest, ctx.stage)}")[1]),
    "usage plan, method throttle": Case(
        lambda ctx: usage_plan(ctx, method_throttle=True),
        lambda ctx: usage_plans.set_method_throttle(ctx.usage_plan(), ctx.engine.gateway.detail(
            ctx.engine.gateway.find_api(ctx.rest)), ctx.stage, "GET /items/{id}", rate=str(ctx.draw(other_than(5))),
            burst=None),
        lambda ctx: ctx.plan_patch(replace_op(f"/apiStages/{stage_key(ctx.rest, ctx.stage)}/throttle/~1items~1{{id}}/"
                                              "GET/burstLimit", ctx.draw(other_than(10)))),
        lambda ctx: (ctx.plan_patch(replace_op(f"/apiStages/{stage_key(ctx.rest, ctx.stage)}/throttle/~1items~1{{id}}/"
                                               "GET/rateLimit", ctx.draw(other_than(ctx.rate)))),
                     f"API stage {stage_key(ctx.rest, ctx.stage)} GET /items/{{id}} rate")[1]),
    "usage plan, method throttle removed": Case(
        lambda ctx: usage_plan(ctx, method_throttle=True),
        lambda ctx: usage_plans.unset_method_throttle(ctx.usage_plan(), ctx.engine.gateway.detail(
            ctx.engine.gateway.find_api(ctx.rest)), ctx.stage, "GET /items/{id}"),
        lambda ctx: ctx.plan_patch(replace_op("/description", "second")),
        lambda ctx: (ctx.plan_patch(replace_op(f"/apiStages/{stage_key(ctx.rest, ctx.stage)}/throttle/~1items~1{{id}}/"
                                               "GET/rateLimit", 3)),
                     f"API stage {stage_key(ctx.rest, ctx.stage)} GET /items/{{id}}")[1]),
    "usage plan, created": Case(
        lambda ctx: None,
        lambda ctx: usage_plans.create(ctx.engine.place(), name=f"undo-{uuid.uuid4().hex[:8]}", taken=(),
                                       rate=str(ctx.draw(other_than())), burst=str(ctx.draw(other_than()))),
        lambda ctx: ctx.plan_patch(replace_op("/description", "set since")),
        lambda ctx: (ctx.plan_patch(replace_op("/name", f"renamed-{uuid.uuid4().hex[:6]}")), "name")[1],
        creation=True),
    "API key, enabled": Case(
        api_key,
        lambda ctx: api_keys.set_enabled(ctx.api_key(), False),
        lambda ctx: ctx.key_patch(replace_op("/name", f"renamed-{uuid.uuid4().hex[:6]}")),
        lambda ctx: (ctx.key_patch(replace_op("/enabled", "true")), "enabled")[1]),
    "API key, renamed": Case(
        api_key,
        lambda ctx: api_keys.rename(ctx.api_key(), f"new-{uuid.uuid4().hex[:6]}"),
        lambda ctx: ctx.key_patch(replace_op("/enabled", "false")),
        lambda ctx: (ctx.key_patch(replace_op("/name", f"other-{uuid.uuid4().hex[:6]}")), "name")[1]),
    "API key, added to a plan": Case(
        api_key,
        lambda ctx: api_keys.associate(ctx.api_key(), ctx.engine.gateway.find_plan(ctx.plan_id), []),
        lambda ctx: ctx.key_patch(replace_op("/enabled", "false")),
        lambda ctx: (ctx.apigw.delete_usage_plan_key(usagePlanId=ctx.plan_id, keyId=ctx.key_id),
                     f"usage plan {ctx.plan_id}")[1]),
    "API key, removed from a plan": Case(
        lambda ctx: api_key(ctx, in_plan=True),
        lambda ctx: api_keys.dissociate(ctx.api_key(), ctx.engine.gateway.find_plan(ctx.plan_id)),
        lambda ctx: ctx.key_patch(replace_op("/enabled", "false")),
        lambda ctx: (ctx.apigw.create_usage_plan_key(usagePlanId=ctx.plan_id, keyId=ctx.key_id, keyType="API_KEY"),
                     f"usage plan {ctx.plan_id}")[1]),
    "API key, created": Case(
        lambda ctx: None,
        lambda ctx: api_keys.create(ctx.engine.place(), name=f"undo-{uuid.uuid4().hex[:8]}"),
        lambda ctx: ctx.key_patch(replace_op("/description", "set since")),
        lambda ctx: (ctx.key_patch(replace_op("/enabled", "false")), "enabled")[1],
        creation=True),
}


# -- the property -----------------------------------------------------------------------------------------


def flat(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    """A document as {path: leaf}; an empty object is a leaf of its own, clocks are left out."""
    if isinstance(value, dict) and value:
        found: dict[tuple, Any] = {}
        for key, inner in value.items():
            if key not in CLOCKS:
                found.update(flat(inner, path + (key,)))
        return found
    return {path: value}


def shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.fixture
def world(connection, scratch_apis, deployments, made, aws, tmp_path):
    engine = Engine(Gateway(connection), Journal(tmp_path / "audit.jsonl"), Settings(), Permission(True, "test"))
    return dict(engine=engine, apigw=aws("apigateway", REGION), apigwv2=aws("apigatewayv2", REGION),
                rest=scratch_apis["REST"], http=scratch_apis["HTTP"], deployments=deployments, made=made)


@pytest.mark.parametrize("kind", list(CASES))
@EXAMPLES
@given(data=st.data(), colleague=st.sampled_from(["another field", "our field"]))
def test_undo_writes_back_only_what_the_change_wrote(world, kind, data, colleague):
    case = CASES[kind]
    ctx = Ctx(**world, draw=data.draw)
    engine = ctx.engine
    try:
        case.setup(ctx)
        plan = case.plan(ctx)
        ctx.rate = _planned_rate(plan) if any(p[-1].lower().endswith("ratelimit") for p, _ in plan.postcondition) \
            else 0
        ctx.touched = lambda field: next(p[1] for p, _ in plan.postcondition if p[0] == field)  # noqa: B023
        before = flat(engine.read(plan.target)) if not case.creation else {}
        applied = engine.apply(plan)
        target = applied.plan.target
        if case.creation:
            ctx.plan_id = ctx.key_id = target.resource_id
            ctx.made.append(("key" if target.resource == "api-key" else "plan", target.resource_id))
        left = flat(engine.read(target))
        inverse = engine.undo_plan(applied.entry["id"])

        if colleague == "our field":
            name = case.ours(ctx)
            now = flat(engine.read(target))
            for attempt in (lambda: engine.undo_plan(applied.entry["id"]), lambda: engine.apply(inverse)):
                with pytest.raises(Conflict) as refused:
                    attempt()
                message = refused.value.message
                assert f"changed since: {name} " in message or ("changed since: " in message
                                                                and f", {name} " in message), message
            assert flat(engine.read(target)) == now, "a refused undo sends nothing"
            return

        case.other(ctx)
        theirs = flat(engine.read(target))
        changed = {p for p in set(left) | set(theirs) if left.get(p, "absent") != theirs.get(p, "absent")}
        assert changed, "the other client changed something"
        if case.creation:  # undo would delete what someone changed since: refused, naming it
            with pytest.raises(Conflict) as refused:
                engine.undo_plan(applied.entry["id"])
            assert "changed since: " in refused.value.message
            assert flat(engine.read(target)) == theirs
            return
        engine.apply(engine.undo_plan(applied.entry["id"]))
        after = flat(engine.read(target))
        expected = {p: v for p, v in before.items() if p not in changed}
        expected.update({p: theirs[p] for p in changed if p in theirs})
        unrestorable = {p for p in set(after) | set(expected) if p and p[-1] in case.unrestorable}
        assert {p: v for p, v in after.items() if p not in unrestorable} == \
               {p: v for p, v in expected.items() if p not in unrestorable}
    finally:
        for clean in reversed(ctx.cleanup):
            clean()


# -- created objects --------------------------------------------------------------------------------------


def test_undoing_a_new_override_is_refused_when_a_field_it_did_not_set_changed_since(world):
    """The undo of a new override removes it whole: a burst someone set on it since is named, not dropped."""
    ctx = Ctx(**world, draw=lambda strategy: None)
    try:
        rest_stage(ctx)
        applied = ctx.engine.apply(throttle.set_throttle(ctx.doc("REST"), selector="GET /items/{id}", rate="5",
                                                         burst=None))
        left = ctx.doc("REST").raw["methodSettings"]["~1items~1{id}/GET"]["throttlingBurstLimit"]
        ctx.patch(replace_op("/~1items~1{id}/GET/throttling/burstLimit", 800))
        with pytest.raises(Conflict) as refused:
            ctx.engine.undo_plan(applied.entry["id"])
        assert f"changed since: method GET /items/{{id}} burst {shown(left)} → 800" in refused.value.message
        assert ctx.doc("REST").raw["methodSettings"]["~1items~1{id}/GET"]["throttlingBurstLimit"] == 800
    finally:
        for clean in reversed(ctx.cleanup):
            clean()


def test_a_promotion_undone_restores_the_canary_and_the_stage_as_they_were(world):
    ctx = Ctx(**world, draw=lambda strategy: None)
    try:
        rest_stage_with_canary(ctx)
        before = ctx.doc("REST").raw
        applied = ctx.engine.apply(canary.promote(ctx.doc("REST"), PASS))
        promoted = ctx.doc("REST").raw
        assert promoted["deploymentId"] == ctx.deployments[1] and promoted["variables"]["logLevel"] == "debug"
        ctx.patch(replace_op("/description", "a colleague was here"))
        ctx.engine.apply(ctx.engine.undo_plan(applied.entry["id"]))
        after = ctx.doc("REST").raw
        assert after["description"] == "a colleague was here"
        assert after["deploymentId"] == before["deploymentId"] == ctx.deployments[0]
        assert after["variables"] == before["variables"] == {"backendHost": "a.example.com", "logLevel": "info"}
        assert after["canarySettings"] == before["canarySettings"] == {
            "deploymentId": ctx.deployments[1], "percentTraffic": 10.0, "useStageCache": True,
            "stageVariableOverrides": {"logLevel": "debug", "featureX": "on"}}
    finally:
        for clean in reversed(ctx.cleanup):
            clean()


def test_an_undo_that_puts_a_section_back_whole_is_refused_when_its_other_field_changed(world):
    """A usage plan throttle that had only a rate gets a burst; AWS cannot unset one field, so the undo
    removes the throttle and puts the rate back: a rate someone set since is named, not overwritten."""
    ctx = Ctx(**world, draw=lambda strategy: None)
    usage_plan(ctx, half=True)
    applied = ctx.engine.apply(usage_plans.update(ctx.usage_plan(), burst="40"))
    ctx.plan_patch(replace_op("/throttle/rateLimit", 25))
    with pytest.raises(Conflict) as refused:
        ctx.engine.undo_plan(applied.entry["id"])
    assert "changed since: throttle rate 10 → 25" in refused.value.message
    assert ctx.apigw.get_usage_plan(usagePlanId=ctx.plan_id)["throttle"] == {"rateLimit": 25.0, "burstLimit": 40}


def test_undoing_a_promotion_is_refused_when_the_canary_it_would_attach_again_changed(world):
    ctx = Ctx(**world, draw=lambda strategy: None)
    try:
        rest_stage_with_canary(ctx)
        applied = ctx.engine.apply(canary.promote(ctx.doc("REST"), PASS))
        ctx.patch(replace_op("/canarySettings/stageVariableOverrides/featureX", "off"))
        with pytest.raises(Conflict) as refused:
            ctx.engine.undo_plan(applied.entry["id"])
        assert "changed since: canary overrides " in refused.value.message
        assert ctx.doc("REST").raw["canarySettings"]["stageVariableOverrides"]["featureX"] == "off"
    finally:
        for clean in reversed(ctx.cleanup):
            clean()


def test_a_v2_throttle_with_nothing_to_put_back_says_it_has_no_undo(world):
    """API Gateway cannot remove one route setting: a rate set where there was none cannot be undone,
    and the plan says so rather than offering an undo that would leave it."""
    ctx = Ctx(**world, draw=lambda strategy: None)
    try:
        http_stage(ctx)
        ctx.v2(RouteSettings={"GET /items": {"DetailedMetricsEnabled": True}})
        plan = throttle.set_throttle(ctx.doc("HTTP"), selector="GET /items", rate="7", burst=None)
        assert plan.inverse_call is None
        assert any(w.startswith("No undo: it would keep the new rate") for w in plan.warnings)
        partial = throttle.set_throttle(ctx.doc("HTTP"), selector="POST /items", rate="7", burst=None)
        assert partial.inverse_call.params["RouteSettings"] == {"POST /items": {"ThrottlingRateLimit": 10.0}}
    finally:
        for clean in reversed(ctx.cleanup):
            clean()
