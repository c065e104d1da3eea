"""Canary releases through the change engine, against the sandbox over HTTP: each plan leaves the
stage exactly as the AWS docs say, and undo restores the stage as it was. Then the bad-canary
rehearsal: the gate blocks promotion naming the failing rule, and after a rollback the stage
serves only the base deployment."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from once import once
from canary_rehearsal import rehearse, run, traffic

from actions import canary, canary_rollout
from actions.canary_gate import Verdict, evaluate
from actions.engine import Engine, Permission
from actions.plan import Invalid, Plan
from console.aws.errors import Problem
from console.aws.session import Connection, Target
from console.config import CanaryGate, Settings
from console.journal.store import Journal
from console.read.canary_compare import compare
from console.read.gateway import Gateway

SCRATCH = "ap-southeast-2"
REHEARSAL = "sa-east-1"
PASS = Verdict(("test: the gate passed",), ())
GATE = CanaryGate(min_requests=50, max_5xx_margin=1.0, max_p99_ratio=1.25, window_minutes=10)


def make_engine(url: str, region: str, journal: Journal) -> Engine:
    connection = Connection(Target(endpoint_url=url, region=region))
    connection.identify()
    return Engine(Gateway(connection), journal, Settings(canary=GATE), Permission(True, "test"))


@pytest.fixture
def engine(sandbox, tmp_path) -> Engine:
    return make_engine(sandbox.url, SCRATCH, Journal(tmp_path / "audit.jsonl"))


def doc(engine: Engine, api_id: str, stage: str = "dev"):
    return engine.document(engine.gateway.find_api(api_id), stage)


def release(engine: Engine, api_id: str, stage: str = "dev") -> dict:
    """What a canary plan may touch and an undo must restore."""
    raw = doc(engine, api_id, stage).raw
    return json.loads(json.dumps({k: raw.get(k) for k in ("deploymentId", "variables", "canarySettings")}))


def undo_all(engine: Engine, count: int) -> None:
    for _ in range(count):
        engine.apply(engine.undo_plan())


def test_create_weigh_promote_remove_then_undo_each(engine, scratch_apis, aws):
    api = scratch_apis["REST"]
    client = aws("apigateway", SCRATCH)
    new = client.create_deployment(restApiId=api, description="v2")["id"]
    base = release(engine, api)
    engine.apply(canary.create(doc(engine, api), weight="5", deployment=new,
                               overrides={"logLevel": "debug", "featureX": "on"}, use_stage_cache=True))
    assert release(engine, api)["canarySettings"] == {"deploymentId": new, "percentTraffic": 5.0, "useStageCache": True,
                                                      "stageVariableOverrides": {"logLevel": "debug", "featureX": "on"}}
    engine.apply(canary.weigh(doc(engine, api), "25"))
    assert release(engine, api)["canarySettings"]["percentTraffic"] == 25.0

    promotion = canary.promote(doc(engine, api), PASS)
    assert promotion.call.params["patchOperations"] == [
        {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
        {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"}]
    assert not promotion.needs_override and promotion.notes == ("promotion gate passed: test: the gate passed",)
    applied = engine.apply(promotion)
    assert not applied.entry.get("surprises")
    promoted = release(engine, api)
    assert promoted["deploymentId"] == new
    assert promoted["variables"] == {**base["variables"], "logLevel": "debug", "featureX": "on"}
    assert promoted["canarySettings"]["percentTraffic"] == 0.0 and promoted["canarySettings"]["deploymentId"] == new

    removal = canary.remove(doc(engine, api), promoted=True)
    assert removal.call.params["patchOperations"] == [{"op": "remove", "path": "/canarySettings"}]
    engine.apply(removal)
    assert release(engine, api) == {**promoted, "canarySettings": None}

    undo_all(engine, 1)
    assert release(engine, api) == promoted
    undo_all(engine, 3)
    assert release(engine, api) == base
    assert engine.journal.last_undoable() is None


def test_create_by_deploying_then_roll_back_then_undo_both(engine, scratch_apis, aws):
    api = scratch_apis["REST"]
    base = release(engine, api)
    plan = canary.create(doc(engine, api), weight=10, description="deployed as a canary")
    assert plan.call.operation == "CreateDeployment"
    assert plan.call.params["canarySettings"] == {"percentTraffic": 10.0, "useStageCache": False,
                                                  "stageVariableOverrides": {}}
    applied = engine.apply(plan)
    new = applied.answer["id"]
    assert dict(applied.plan.postcondition)[canary.DEPLOYMENT] == new and not applied.entry.get("surprises")
    deployments = {d["id"]: d for d in aws("apigateway", SCRATCH).get_deployments(restApiId=api)["items"]}
    assert deployments[new]["description"] == "deployed as a canary"
    attached = release(engine, api)
    assert attached["deploymentId"] == base["deploymentId"]
    assert attached["canarySettings"]["deploymentId"] == new

    rollback = canary.remove(doc(engine, api))
    assert "Roll back" in rollback.summary
    engine.apply(rollback)
    assert release(engine, api) == base  # the base deployment and variables, no canary

    undo_all(engine, 1)
    assert release(engine, api) == attached
    undo_all(engine, 1)
    assert release(engine, api) == base


def test_rollback_keeping_settings_and_override_edits_undo(engine, scratch_apis):
    api = scratch_apis["REST"]
    base = release(engine, api)
    engine.apply(canary.create(doc(engine, api), weight="20", deployment=base["deploymentId"],
                               overrides={"logLevel": "debug"}))
    created = release(engine, api)
    engine.apply(canary.edit_overrides(doc(engine, api), {"logLevel": "trace", "newFlag": "1"}))
    assert release(engine, api)["canarySettings"]["stageVariableOverrides"] == {"logLevel": "trace", "newFlag": "1"}
    paused = canary.pause(doc(engine, api))
    assert paused.call.params["patchOperations"] == [
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0"}]
    engine.apply(paused)
    kept = release(engine, api)["canarySettings"]
    assert kept["percentTraffic"] == 0.0 and kept["stageVariableOverrides"]["newFlag"] == "1"
    undo_all(engine, 2)
    assert release(engine, api) == created
    engine.apply(canary.remove(doc(engine, api)))
    assert release(engine, api) == base


def test_input_is_refused_with_field_and_rule(engine, scratch_apis):
    rest = scratch_apis["REST"]
    with pytest.raises(Invalid, match="REST API feature"):
        canary.create(doc(engine, scratch_apis["HTTP"]), weight=5)
    with pytest.raises(Invalid, match="no canary"):
        canary.weigh(doc(engine, rest, "prod"), 5)
    for weight in ("150", "-1", "nan", "five"):
        with pytest.raises(Invalid, match="weight: must be a percentage from 0.0 to 100.0"):
            canary.create(doc(engine, rest, "prod"), weight=weight)
    with pytest.raises(Invalid, match="not a deployment"):
        canary.create(doc(engine, rest, "prod"), weight=5, deployment="nope")
    with pytest.raises(Invalid, match="letters, digits and underscores"):
        canary.create(doc(engine, rest, "prod"), weight=5, overrides={"bad-name": "x"})
    with pytest.raises(Invalid, match="promote can only be the last step"):
        canary_rollout.parse("5, promote, 50")
    with pytest.raises(Invalid, match="above the one before"):
        canary_rollout.parse("25, 5")
    assert canary_rollout.parse("5 → 25, 50 promote").steps == (5.0, 25.0, 50.0, "promote")


def test_a_gated_plan_is_sent_only_with_the_override_which_the_journal_keeps(engine, scratch_apis):
    api = scratch_apis["REST"]
    engine.apply(canary.create(doc(engine, api), weight=5, deployment=doc(engine, api).raw["deploymentId"]))
    blocked = canary.promote(doc(engine, api), Verdict((), ("canary 5xx 30% vs the base's 1%",)))
    assert blocked.needs_override and "promotion gate: canary 5xx 30% vs the base's 1%" in blocked.warnings
    assert Plan.from_json(blocked.to_json()) == blocked
    with pytest.raises(Problem, match="no override was given"):
        engine.apply(blocked)
    applied = engine.apply(blocked.overridden())
    notes = applied.entry["plan"]["notes"]
    assert notes == ["gate overridden by the operator: promotion gate: canary 5xx 30% vs the base's 1%"]
    assert not engine.undo_plan().needs_override
    undo_all(engine, 2)
    assert release(engine, api)["canarySettings"] is None


# -- the bad-canary rehearsal ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rehearsal(sandbox) -> str:
    return once(sandbox, __name__, lambda: build_rehearsal(sandbox))


def build_rehearsal(sandbox) -> str:
    return rehearse(sandbox.url, REHEARSAL)


def test_bad_canary_is_blocked_by_the_gate_and_rolled_back_to_the_base(sandbox, rehearsal, tmp_path):
    engine = make_engine(sandbox.url, REHEARSAL, Journal(tmp_path / "audit.jsonl"))
    clients = traffic(sandbox.url, REHEARSAL)
    now = time.time()
    run(clients, now - 1200, 600)  # ten minutes of the bad canary
    api = engine.gateway.find_api(rehearsal)
    stage = engine.gateway.stage(api, "prod", refresh=True)
    before = compare(engine.connection, api, stage, 10, now=datetime.fromtimestamp(now - 600, UTC))
    assert before.canary.requests >= GATE.min_requests and before.base.requests > 3 * before.canary.requests
    assert before.canary.share_5xx > 20 > 5 > before.base.share_5xx  # the base: its usual ~2% 5xx
    verdict = evaluate(before, GATE)
    assert any(rule.startswith("canary 5xx") and "percentage point above" in rule for rule in verdict.failed)
    plan = canary.promote(doc(engine, rehearsal, "prod"), verdict)
    assert plan.needs_override and any("canary 5xx" in w for w in plan.warnings)

    engine.apply(canary.remove(doc(engine, rehearsal, "prod")))
    run(clients, now - 600, 600)  # ten minutes after the rollback
    stage = engine.gateway.stage(api, "prod", refresh=True)
    after = compare(engine.connection, api, stage, 10, now=datetime.fromtimestamp(now, UTC))
    assert stage.canary is None and after.canary is None
    assert after.base.requests > 300 and after.base.share_5xx < 5
    routed = engine.connection.client("logs").filter_log_events(
        logGroupName=f"/aws/apigateway/{api.name}/prod/access/Canary", startTime=int((now - 600) * 1000),
        endTime=int(now * 1000))["events"]
    assert routed == []  # no request went to the canary's deployment after the rollback


def test_the_gate_settings_come_from_the_canary_table_of_the_config(tmp_path):
    from console.config import load

    path = tmp_path / "config.toml"
    path.write_text("[canary]\nmin_requests = 500\nmax_5xx_margin = 0.5\nmax_p99_ratio = 0.9\n"
                    "window_minutes = true\nspeed = 3\n")
    settings = load(path)
    assert settings.canary == CanaryGate(min_requests=500, max_5xx_margin=0.5)
    assert [p.split(": ", 1)[1] for p in settings.problems] == [
        "'max_p99_ratio' must be a number from 1 to 1000 (a multiple of the base's p99); using the default",
        "'window_minutes' must be a whole number of minutes from 1 to 1440; using the default",
        "unknown key 'speed' in [canary] ignored"]
    assert "line 4" in settings.problems[0] and "line 6" in settings.problems[2]
