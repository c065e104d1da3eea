"""Cache flushes, usage plans, API keys and usage from the command line, as a runbook runs them,
against the sandbox over HTTP in the scratch region (everything made here is deleted afterwards)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from actions import rotation
from actions.engine import Engine, Permission
from console.aws.session import Connection, Target
from console.config import Settings
from console.journal.store import Journal, journal_path
from console.read.gateway import Gateway
from console.sandbox import ACCOUNT_ID
from console.sandbox.state import STATE

REGION = "ap-southeast-2"
pytestmark = pytest.mark.usefixtures("private_dirs", "unpaced")


@pytest.fixture
def made(apigw):
    """Plans and keys by name, deleted after the test (stages detached first)."""
    names: list[str] = []
    yield names
    for plan in apigw.get_usage_plans(limit=500)["items"]:
        if plan["name"] in names:
            if plan["apiStages"]:
                apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
                    {"op": "remove", "path": "/apiStages", "value": f"{s['apiId']}:{s['stage']}"}
                    for s in plan["apiStages"]])
            apigw.delete_usage_plan(usagePlanId=plan["id"])
    for key in apigw.get_api_keys(limit=500)["items"]:
        if any(key["name"].startswith(name) for name in names):
            apigw.delete_api_key(apiKey=key["id"])


def journal_calls() -> list[str]:
    return [e["call"] for e in Journal(journal_path(sandbox=True)).entries()]  # the CLI on a local endpoint


def plan_named(apigw, name: str) -> dict:
    return next(p for p in apigw.get_usage_plans(limit=500)["items"] if p["name"] == name)


def key_named(apigw, name: str) -> dict:
    return next(k for k in apigw.get_api_keys(limit=500)["items"] if k["name"] == name)


# -- cache ---------------------------------------------------------------------------------------------


def test_cache_flush_says_it_cannot_be_undone_and_is_journaled(cli, scratch_apis):
    api = scratch_apis["REST"]
    code, out, _ = cli("cache", "flush", api, "dev", "--dry-run")
    assert code == 0 and "FlushStageCache" in out and "No undo" in out and journal_calls() == []
    code, out, _ = cli("cache", "flush", api, "dev", "--yes")
    assert code == 0 and "It cannot be undone." in out
    assert STATE.cache_flushed_at[(ACCOUNT_ID, REGION, api, "dev")]
    code, out, _ = cli("cache", "flush", scratch_apis["HTTP"], "dev", "--authorizers", "--yes", "--output", "json")
    assert code == 0 and json.loads(out)["plan"]["call"]["operation"] == "ResetAuthorizersCache"
    code, _, err = cli("cache", "flush", scratch_apis["HTTP"], "dev", "--yes")
    assert code == 2 and "no stage cache" in err


def test_cache_settings_are_set_and_undone(cli, scratch_apis, apigw):
    api = scratch_apis["REST"]
    before = apigw.get_stage(restApiId=api, stageName="dev")["methodSettings"]
    code, out, _ = cli("cache", "set", api, "dev", "--method", "GET /items", "--caching", "on", "--ttl", "60",
                       "--yes", "--output", "json")
    assert code == 0
    setting = apigw.get_stage(restApiId=api, stageName="dev")["methodSettings"]["~1items/GET"]
    assert (setting["cachingEnabled"], setting["cacheTtlInSeconds"]) == (True, 60)
    assert cli("undo", json.loads(out)["entry"], "--yes")[0] == 0
    assert apigw.get_stage(restApiId=api, stageName="dev")["methodSettings"] == before
    code, _, err = cli("cache", "set", api, "dev", "--ttl", "4000", "--yes")
    assert code == 2 and "ttl: is a whole number of seconds from 0 to 3600" in err


# -- usage plans ---------------------------------------------------------------------------------------


def test_a_plan_from_creation_to_deletion_named_by_name(cli, apigw, made, unique, scratch_apis):
    name = unique("cli-plan")
    made.append(name)
    api = scratch_apis["REST"]
    code, _, _ = cli("plans", "create", name, "--rate", "10", "--burst", "20", "--quota", "1000/DAY", "--dry-run")
    assert code == 0 and journal_calls() == []
    assert cli("plans", "create", name, "--rate", "10", "--burst", "20", "--quota", "1000/DAY", "--yes")[0] == 0
    code, out, _ = cli("plans", "update", name, "--rate", "x2", "--quota", "5000/MONTH", "--yes", "--output", "json")
    answer = json.loads(out)
    assert code == 0 and len(answer["plan"]["call"]["params"]["patchOperations"]) == 3
    assert plan_named(apigw, name)["quota"] == {"limit": 5000, "period": "MONTH"}
    assert cli("undo", answer["entry"], "--yes")[0] == 0
    assert plan_named(apigw, name)["quota"] == {"limit": 1000, "period": "DAY"}
    assert cli("plans", "attach", name, api, "dev", "--yes")[0] == 0
    assert cli("plans", "throttle", name, api, "dev", "--method", "POST /items", "--rate", "2", "--burst", "4",
               "--yes")[0] == 0
    code, out, _ = cli("plans", "show", name, "--output", "json")
    assert code == 0 and json.loads(out)["plan"]["method_throttles"] == [
        [api, "dev", "POST /items", {"rate": 2.0, "burst": 4}]]
    code, out, _ = cli("plans", "list", "--output", "json")
    assert code == 0 and any(p["name"] == name and p["keys"] == 0 for p in json.loads(out))
    code, _, err = cli("plans", "delete", name, "--yes")
    assert code == 2 and "detach them first" in err
    assert cli("plans", "detach", name, api, "dev", "--yes")[0] == 0
    code, out, _ = cli("plans", "delete", name, "--yes")
    assert code == 0 and "It cannot be undone." in out
    assert not any(p["name"] == name for p in apigw.get_usage_plans(limit=500)["items"])


@pytest.fixture(scope="module")
def bare_plan(sandbox, aws_client_for) -> str:
    """A plan the refusal tests name and never change."""
    apigw = aws_client_for(sandbox.url, "apigateway", REGION)
    name = f"cli-bare-{uuid.uuid4().hex[:8]}"
    plan_id = apigw.create_usage_plan(name=name)["id"]
    yield name
    apigw.delete_usage_plan(usagePlanId=plan_id)


@pytest.mark.parametrize("argv, message", [
    (("--quota", "1000/YEAR"), "quota period: is one of DAY, WEEK, MONTH"),
    (("--quota", "-5/DAY"), "quota limit: is a whole number of requests, 0 or more"),
    (("--quota", "10/WEEK/9"), "quota offset: is a whole number of days from 0 to 6"),
    (("--rate", "-1"), "rate: must be a non-negative number"),
    (("--burst", "-3"), "burst: must be a non-negative number"),
])
def test_bad_plan_settings_are_refused_naming_the_field_and_rule(cli, bare_plan, argv, message):
    code, _, err = cli("plans", "update", bare_plan, *argv, "--yes")
    assert code == 2 and message in err and journal_calls() == []


def test_an_unknown_stage_is_refused_before_any_call(cli, bare_plan, scratch_apis):
    code, _, err = cli("plans", "attach", bare_plan, scratch_apis["REST"], "qa", "--yes")
    assert code == 2 and "stage: must be a stage of" in err and "(it has: dev, prod)" in err
    assert journal_calls() == []


# -- API keys ------------------------------------------------------------------------------------------


def test_keys_created_into_plans_changed_and_deleted_values_only_on_request(
        cli, apigw, made, unique, tmp_path):
    plan, key, value = unique("cli-keyplan"), unique("cli-key"), unique("cli-value-0123456789abcdef")
    made += [plan, key]
    assert cli("plans", "create", plan, "--yes")[0] == 0
    code, out, _ = cli("keys", "create", key, "--value", value, "--plan", plan, "--yes", "--output", "json")
    answer = json.loads(out)
    assert code == 0 and [s["plan"]["call"]["operation"] for s in answer["steps"]] == [
        "CreateApiKey", "CreateUsagePlanKey"]
    assert value not in out and answer["key"]["name"] == key and "value" not in answer["key"]
    key_id = answer["key"]["id"]
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan_named(apigw, plan)["id"])["items"]] == [key_id]
    code, out, _ = cli("keys", "show", key)
    assert code == 0 and value not in out
    code, out, _ = cli("keys", "show", key, "--show-value", "--output", "json")
    assert code == 0 and json.loads(out)["value"] == value
    for argv in (("disable", key), ("enable", key), ("rename", key, key + "-b"), ("dissociate", key + "-b", plan),
                 ("associate", key_id, plan)):
        assert cli("keys", *argv, "--yes")[0] == 0, argv
    found = apigw.get_api_key(apiKey=key_id)
    assert (found["name"], found["enabled"]) == (key + "-b", True)
    code, out, _ = cli("keys", "list", "--output", "json")
    assert code == 0 and next(k for k in json.loads(out) if k["id"] == key_id)["usage_plans"] == [
        plan_named(apigw, plan)["id"]]
    code, _, err = cli("keys", "create", unique("cli-twin"), "--value", value, "--yes")
    assert code == 2 and f"value: is already the value of key {key_id}" in err and value not in err
    assert cli("keys", "delete", key_id, "--yes")[0] == 0
    with pytest.raises(ClientError):
        apigw.get_api_key(apiKey=key_id)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and not [p for p in written if value.encode() in p.read_bytes()]


def test_a_rotation_interrupted_after_its_first_step_is_reported_then_resumed(
        cli, sandbox, apigw, made, unique, tmp_path):
    plan, key = unique("cli-rot-plan"), unique("cli-rot")
    made += [plan, key]
    assert cli("plans", "create", plan, "--yes")[0] == 0
    assert cli("keys", "create", key, "--plan", plan, "--yes")[0] == 0
    connection = Connection(Target(endpoint_url=sandbox.url, region=REGION))
    engine = Engine(Gateway(connection), Journal(journal_path(sandbox=True)), Settings(), Permission(True, "test"))
    started = rotation.start(engine, engine.api_key(key))
    first = engine.apply(rotation.step_plan(engine, started, started.steps[0]))  # ... and the runbook died here
    new_value = first.answer["value"]

    code, _, err = cli("keys", "rotate", key, "--yes")
    assert code == 2 and f"unfinished rotation ({started.id})" in err and "✓ 1." in err and "· 2." in err
    assert "--resume" in err and key_named(apigw, key)["enabled"] is True
    code, out, _ = cli("keys", "rotate", key, "--resume", "--yes", "--output", "json")
    answer = json.loads(out)
    assert code == 0 and answer["rotation"]["finished"] and [s["plan"]["call"]["operation"]
                                                             for s in answer["steps"]] == [
        "CreateUsagePlanKey", "UpdateApiKey"]
    assert key_named(apigw, key)["enabled"] is False
    assert [p["name"] for p in apigw.get_usage_plans(keyId=first.plan.target.resource_id)["items"]] == [plan]
    code, _, err = cli("keys", "rotate", key, "--resume", "--yes")
    assert code == 2 and "no unfinished rotation" in err
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and new_value.encode() in p.read_bytes()]


def test_a_rotation_paused_before_disabling_shows_the_new_value_once_with_show_value(cli, apigw, made, unique):
    key = unique("cli-pause")
    made.append(key)
    assert cli("keys", "create", key, "--yes")[0] == 0
    code, out, _ = cli("keys", "rotate", key, "--keep-old", "--show-value", "--yes")
    said = " ".join(out.split())
    assert code == 0 and "Paused before disabling" in said and "shown this once" in said
    new = next(k for k in apigw.get_api_keys(limit=500, includeValues=True)["items"]
               if k["name"].startswith(key + "-"))
    assert f"\n{new['value']}\n" in out and key_named(apigw, key)["enabled"] is True
    code, out, _ = cli("keys", "rotate", key, "--resume", "--yes")
    assert code == 0 and new["value"] not in out and key_named(apigw, key)["enabled"] is False


def test_keys_import_from_csv_and_malformed_files_are_refused(cli, apigw, made, unique, tmp_path):
    prefix = unique("cli-imp")
    made.append(prefix)
    one, two = unique("imported-value-aaaaaaaaaaaa"), unique("imported-value-bbbbbbbbbbbb")
    good = tmp_path / "keys.csv"
    good.write_text(f"Name,Key,Enabled\n{prefix}-1,{one},true\n{prefix}-2,{two},false\n")
    code, out, _ = cli("keys", "import", str(good), "--yes", "--output", "json")
    answer = json.loads(out)
    assert code == 0 and len(answer["imported"]) == 2 and one not in out
    assert key_named(apigw, f"{prefix}-2")["enabled"] is False
    calls = journal_calls()
    bad = tmp_path / "bad.csv"
    for text, message in ((f"Name,Key\n{prefix}-3,short\n", "line 2: Key: has 20 to 128"),
                          (f"Name;Key\n{prefix}-3;{two}x\n", "line 1 (header)"),
                          (f"Name,Key\n{prefix}-3,{one}\n", "line 2: Key: is already the value of key")):
        bad.write_text(text)
        code, _, err = cli("keys", "import", str(bad), "--yes")
        assert code == 2 and message in err and one not in err
    code, _, err = cli("keys", "import", str(tmp_path / "missing.csv"), "--yes")
    assert code == 2 and "FILE.csv" in err
    assert journal_calls() == calls


# -- usage ---------------------------------------------------------------------------------------------


def test_usage_lists_keys_nearest_their_quota_first(cli, apigw, made, unique):
    plan = unique("cli-usage")
    made.append(plan)
    assert cli("plans", "create", plan, "--quota", "100/DAY", "--yes")[0] == 0
    plan_id = plan_named(apigw, plan)["id"]
    today = datetime.now(timezone.utc).date().isoformat()
    for n, used in enumerate((20, 90)):
        assert cli("keys", "create", f"{plan}-k{n}", "--plan", plan, "--yes")[0] == 0
        STATE.usage[(ACCOUNT_ID, REGION, plan_id, key_named(apigw, f"{plan}-k{n}")["id"])][today] = used
    code, out, _ = cli("usage", plan, "--days", "3", "--output", "json")
    answer = json.loads(out)
    assert code == 0 and [k["name"] for k in answer["keys"]] == [f"{plan}-k1", f"{plan}-k0"]
    assert answer["daily"][-1] == 110 and [k["remaining"] for k in answer["keys"]] == [10, 80]
    code, out, _ = cli("usage", plan, "--key", f"{plan}-k1")
    assert code == 0 and "nearest their quota first" in out and "scale: the daily quota" in out
    code, _, err = cli("usage", plan, "--days", "0")
    assert code == 2 and "--days: is a whole number of days from 1 to 90" in err
