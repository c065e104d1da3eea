"""A stage's deployment history and "point the stage back at deployment X" (Change active deployment):
the plan, the CLI (`deployments`, `rollback`), apply, undo, refusals; REST and HTTP, on APIs of each
test's own in the scratch region, read back with plain boto3."""

from __future__ import annotations

import json
import re

import pytest
from test_hostile_text import SHORT, obeyable

from actions import deployments
from actions.engine import Conflict, Engine, Permission
from actions.plan import Invalid
from console.aws.budget import TokenBucket
from console.aws.session import Connection, Target
from console.config import Settings
from console.journal.store import Journal
from console.read.gateway import Gateway

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def rest_api_with_three_deployments(apigw, name: str) -> tuple[str, list[str]]:
    """A REST API whose stage dev has been deployed three times (v1, v2, v3): (api id, [v1, v2, v3] ids)."""
    api = apigw.create_rest_api(name=name)["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    ids = [apigw.create_deployment(restApiId=api, stageName="dev", description=f"v{n}")["id"] for n in (1, 2, 3)]
    return api, ids


def http_api_with_three_deployments(v2, name: str) -> tuple[str, list[str]]:
    api = v2.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
    v2.create_route(ApiId=api, RouteKey="GET /items")
    v2.create_stage(ApiId=api, StageName="dev")
    ids = [v2.create_deployment(ApiId=api, StageName="dev", Description=f"v{n}")["DeploymentId"] for n in (1, 2, 3)]
    return api, ids


@pytest.fixture
def rest(apigw, unique):
    api, ids = rest_api_with_three_deployments(apigw, unique("dep"))
    yield api, ids
    apigw.delete_rest_api(restApiId=api)


@pytest.fixture
def v2(aws, scratch_region):
    return aws("apigatewayv2", scratch_region)


@pytest.fixture
def http(v2, unique):
    api, ids = http_api_with_three_deployments(v2, unique("dep"))
    yield api, ids
    v2.delete_api(ApiId=api)


def serving(apigw, api: str) -> str:
    return apigw.get_stage(restApiId=api, stageName="dev")["deploymentId"]


@pytest.fixture
def engine(sandbox, scratch_region, tmp_path) -> Engine:
    connection = Connection(Target(endpoint_url=sandbox.url, region=scratch_region), TokenBucket(1000, 1000))
    connection.identify()
    return Engine(Gateway(connection), Journal(tmp_path / "audit.jsonl"), Settings(), Permission(True, "test"))


def document(engine: Engine, api_id: str, stage: str = "dev"):
    api = next(a for a in engine.gateway.apis(refresh=True) if a.id == api_id)
    engine.gateway.detail(api, refresh=True)
    return engine.document(api, stage)


# -- the list ----------------------------------------------------------------------------------------


def test_deployments_as_json_newest_first_with_the_active_one(cli, rest):
    api, (v1, v2_, v3) = rest
    code, out, err = cli("deployments", api, "dev", "--output", "json")
    assert code == 0, err
    listed = json.loads(out)
    assert [d["id"] for d in listed] == [v3, v2_, v1]
    assert [(d["description"], d["active"], d["canary"]) for d in listed] == [
        ("v3", True, False), ("v2", False, False), ("v1", False, False)]
    assert all(set(d) == {"id", "created", "description", "active", "canary"} for d in listed)
    assert all(ISO_Z.match(d["created"]) for d in listed)


def test_deployments_as_a_table_show_the_active_and_the_canary_and_foreign_text_visibly(cli, rest, apigw):
    api, (v1, v2_, v3) = rest
    hostile = apigw.create_deployment(restApiId=api, description=SHORT)["id"]  # not deployed to any stage
    apigw.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/canarySettings/deploymentId", "value": v2_},
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "10"}])
    code, out, err = cli("deployments", api, "dev")
    assert code == 0, err
    rows = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in
            {v1, v2_, v3, hostile}}
    assert "active" in rows[v3] and "canary 10%" in rows[v2_] and "v1" in rows[v1]
    assert "active" not in rows[v1] + rows[hostile] and "canary" not in rows[v3]
    assert not obeyable(out) and "␛]52;c;" in out and "[/]" in out
    assert out.index(hostile) < out.index(v3)  # newest first
    code, out, _ = cli("deployments", api, "dev", "--output", "json")
    listed = {d["id"]: d for d in json.loads(out)}
    assert listed[hostile]["description"] == SHORT and listed[v2_]["canary"] and not listed[v3]["canary"]


# -- the plan ----------------------------------------------------------------------------------------


def test_the_default_is_the_deployment_before_the_active_one(engine, rest):
    api, (v1, v2_, v3) = rest
    plan = deployments.point(document(engine, api))
    assert plan.call.operation == "UpdateStage" and plan.call.params["patchOperations"] == [
        {"op": "replace", "path": "/deploymentId", "value": v2_}]
    assert [(c.label, c.before, c.after) for c in plan.changes][:2] == [
        ("stage deployment", v3, v2_), ("deployment description", "v3", "v2")]
    assert plan.changes[2].label == "deployment created" and all(v.endswith("UTC") for v in
                                                                   (plan.changes[2].before, plan.changes[2].after))
    assert plan.precondition == ((("deploymentId",), v3),) and plan.postcondition == ((("deploymentId",), v2_),)
    assert plan.inverse.call.params["patchOperations"][0]["value"] == v3
    assert plan.summary == f"Roll back dev: deployment {v3} → {v2_}"


def test_refused_when_already_active_unknown_or_none_older_and_nothing_is_sent(engine, rest, apigw):
    api, (v1, _, v3) = rest
    doc = document(engine, api)
    with pytest.raises(Invalid, match="already the deployment stage dev serves"):
        deployments.point(doc, v3)
    with pytest.raises(Invalid, match="is not a deployment of"):
        deployments.point(doc, "nope123")
    apigw.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/deploymentId", "value": v1}])
    with pytest.raises(Invalid, match="oldest deployment"):
        deployments.point(document(engine, api))
    assert engine.journal.entries() == []


def test_the_stage_moved_since_it_was_shown_or_planned_is_refused(engine, rest, apigw):
    api, (v1, v2_, v3) = rest
    with pytest.raises(Invalid, match=f"now serves {v3}, not {v2_} as shown"):
        deployments.point(document(engine, api), v1, seen=v2_)
    plan = deployments.point(document(engine, api), v1, seen=v3)
    apigw.update_stage(restApiId=api, stageName="dev", patchOperations=[  # a colleague rolls back meanwhile
        {"op": "replace", "path": "/deploymentId", "value": v2_}])
    with pytest.raises(Conflict, match="stage deployment"):
        engine.apply(plan)
    assert serving(apigw, api) == v2_


def test_a_canary_stage_takes_only_the_canary_deployment(engine, rest, apigw):
    api, (v1, v2_, _) = rest
    apigw.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/canarySettings/deploymentId", "value": v1},
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "5"}])
    with pytest.raises(Invalid, match="has a canary"):
        deployments.point(document(engine, api))  # v2: not the canary's
    plan = deployments.point(document(engine, api), v1)
    assert any("the canary runs" in w for w in plan.warnings)
    engine.apply(plan)
    assert serving(apigw, api) == v1


def test_an_http_stage_with_auto_deploy_is_refused(engine, http, v2):
    api, _ = http
    v2.update_stage(ApiId=api, StageName="dev", AutoDeploy=True)
    with pytest.raises(Invalid, match="auto-deploy on"):
        deployments.point(document(engine, api))


# -- the command line ----------------------------------------------------------------------------------


def test_rollback_dry_run_shows_the_plan_and_the_exact_aws_command_and_sends_nothing(cli, rest, apigw, sandbox,
                                                                                     scratch_region):
    api, (_, v2_, v3) = rest
    code, out, err = cli("rollback", api, "dev", "--dry-run")
    assert code == 0, err
    ops = json.dumps([{"op": "replace", "path": "/deploymentId", "value": v2_}], separators=(",", ":"))
    line = (f"aws apigateway update-stage --rest-api-id {api} --stage-name dev --patch-operations '{ops}' "
            f"--region {scratch_region} --endpoint-url {sandbox.url}")
    assert line in out.replace("\n", "")
    assert "Dry run: nothing was sent." in out and "v3" in out and "v2" in out
    assert serving(apigw, api) == v3
    code, out, _ = cli("rollback", api, "dev", "--dry-run", "--output", "json")
    answer = json.loads(out)
    assert code == 0 and not answer["applied"] and answer["plan"]["aws_cli"] == line
    assert serving(apigw, api) == v3


def test_rollback_applies_the_previous_deployment_and_undo_points_back(cli, rest, apigw):
    api, (_, v2_, v3) = rest
    code, out, err = cli("rollback", api, "dev", "--yes", "--output", "json")
    answer = json.loads(out)
    assert code == 0 and answer["applied"] and answer["request_id"], err
    assert serving(apigw, api) == v2_
    code, _, err = cli("undo", answer["entry"], "--yes")
    assert code == 0, err
    assert serving(apigw, api) == v3


def test_rollback_to_a_named_deployment(cli, rest, apigw):
    api, (v1, _, _) = rest
    code, out, err = cli("rollback", api, "dev", v1, "--yes")
    assert code == 0 and "Undo with: apigw-console undo" in out, err
    assert serving(apigw, api) == v1


def test_rollback_refuses_the_active_or_an_unknown_deployment_in_words(cli, rest, apigw):
    api, (_, _, v3) = rest
    code, _, err = cli("rollback", api, "dev", v3, "--yes")
    assert code == 2 and f"{v3} is already the deployment stage dev serves" in err
    code, _, err = cli("rollback", api, "dev", "nope123", "--yes")
    assert code == 2 and "is not a deployment of" in err and "'nope123'" in err
    assert serving(apigw, api) == v3
    code, out, _ = cli("audit", "--output", "json")
    assert json.loads(out) == []  # refused before any call: nothing journaled


def test_http_rollback_and_undo(cli, http, v2, sandbox, scratch_region):
    api, (v1, v2_, v3) = http
    code, out, err = cli("rollback", api, "dev", "--dry-run", "--output", "json")
    assert code == 0, err
    assert json.loads(out)["plan"]["aws_cli"] == (
        f"aws apigatewayv2 update-stage --api-id {api} --stage-name dev --deployment-id {v2_} "
        f"--region {scratch_region} --endpoint-url {sandbox.url}")
    code, out, err = cli("rollback", api, "dev", "--yes", "--output", "json")
    assert code == 0, err
    assert v2.get_stage(ApiId=api, StageName="dev")["DeploymentId"] == v2_
    code, out, err = cli("deployments", api, "dev", "--output", "json")
    assert [(d["id"], d["active"]) for d in json.loads(out)] == [(v3, False), (v2_, True), (v1, False)]
    assert cli("undo", "--yes")[0] == 0
    assert v2.get_stage(ApiId=api, StageName="dev")["DeploymentId"] == v3


def test_http_rollback_refused_with_auto_deploy(cli, http, v2):
    api, _ = http
    v2.update_stage(ApiId=api, StageName="dev", AutoDeploy=True)  # which deploys the API to it at once
    serving = v2.get_stage(ApiId=api, StageName="dev")["DeploymentId"]
    code, _, err = cli("rollback", api, "dev", "--yes")
    assert code == 2 and "auto-deploy on" in err
    assert v2.get_stage(ApiId=api, StageName="dev")["DeploymentId"] == serving
