"""Cache, usage plan and API key changes through the engine, against the sandbox over HTTP: each
action applied, checked in AWS's own answer, and undone where AWS allows; bad input refused before
any call. Everything is made in the scratch region under unique names and deleted afterwards."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from actions import api_keys, cache, pacing, rotation, usage_plans
from actions.engine import Conflict, Engine, Permission
from actions.plan import Invalid
from console.aws.budget import TokenBucket
from console.aws.errors import Problem
from console.aws.session import Connection, Target
from console.config import Settings
from console.journal.store import Journal
from console.read.gateway import Gateway
from console.sandbox import ACCOUNT_ID
from console.sandbox.state import STATE

REGION = "ap-southeast-2"
pytestmark = pytest.mark.usefixtures("unpaced")


@pytest.fixture(scope="module")
def connection(sandbox) -> Connection:
    """One connection for the module (a fresh client's first call costs most of a second); the
    control-plane budget (10 calls/s, tested in test_core) would only make its tests wait."""
    connection = Connection(Target(endpoint_url=sandbox.url, region=REGION), TokenBucket(1000, 1000))
    connection.identify()
    return connection


@pytest.fixture
def engine(connection, tmp_path) -> Engine:
    """A fresh read cache and a journal of the test's own."""
    return Engine(Gateway(connection), Journal(tmp_path / "audit.jsonl"), Settings(), Permission(True, "test"))


@pytest.fixture(scope="module")
def bare_plan(sandbox, aws_client_for) -> str:
    """A plan the refusal tests read and never change."""
    apigw = aws_client_for(sandbox.url, "apigateway", REGION)
    plan_id = apigw.create_usage_plan(name=f"bare-{uuid.uuid4().hex[:8]}")["id"]
    yield plan_id
    apigw.delete_usage_plan(usagePlanId=plan_id)


@pytest.fixture
def sent(connection) -> list[str]:
    """Every non-GET request the connection's clients send during the test."""
    methods: list[str] = []
    clients = [connection.client(service) for service in ("apigateway", "apigatewayv2")]
    for client in clients:
        client.meta.events.register("before-send", lambda request, **_: methods.append(request.method)
                                    if request.method != "GET" else None, unique_id="test-writes")
    yield methods
    for client in clients:
        client.meta.events.unregister("before-send", unique_id="test-writes")


def new_plan(engine: Engine, made, unique, **settings) -> str:
    applied = engine.apply(usage_plans.create(engine.place(), name=unique("plan"), taken=(), **settings))
    made.append(("plan", applied.plan.target.resource_id))
    return applied.plan.target.resource_id


def new_key(engine: Engine, made, unique, **settings) -> str:
    applied = engine.apply(api_keys.create(engine.place(), name=unique("key"), **settings))
    made.append(("key", applied.plan.target.resource_id))
    return applied.plan.target.resource_id


def rest_api(engine: Engine, scratch_apis, protocol: str = "REST"):
    return next(a for a in engine.gateway.apis() if a.id == scratch_apis[protocol])


# -- usage plans -------------------------------------------------------------------------------------


def test_a_plan_is_created_edited_in_one_call_and_each_step_undone(engine, apigw, made, unique):
    plan_id = new_plan(engine, made, unique, rate="10", burst="20", quota=usage_plans.parse_quota("1000/DAY"))
    created = apigw.get_usage_plan(usagePlanId=plan_id)
    assert (created["throttle"], created["quota"]) == ({"rateLimit": 10.0, "burstLimit": 20},
                                                       {"limit": 1000, "period": "DAY"})
    before = apigw.get_usage_plan(usagePlanId=plan_id)
    plan = usage_plans.update(engine.usage_plan(plan_id), rate="x2.5", burst="50", description="partners",
                              quota=usage_plans.parse_quota("7000/WEEK/1"))
    assert plan.call.operation == "UpdateUsagePlan" and len(plan.call.params["patchOperations"]) == 6
    applied = engine.apply(plan)
    assert not applied.entry.get("surprises")
    after = apigw.get_usage_plan(usagePlanId=plan_id)
    assert after["throttle"] == {"rateLimit": 25.0, "burstLimit": 50}
    assert after["quota"] == {"limit": 7000, "period": "WEEK", "offset": 1} and after["description"] == "partners"
    engine.apply(engine.undo_plan(applied.entry["id"]))
    restored = apigw.get_usage_plan(usagePlanId=plan_id)
    assert {k: restored.get(k) for k in ("throttle", "quota")} == {k: before.get(k) for k in ("throttle", "quota")}
    engine.apply(engine.undo_plan())  # the creation
    with pytest.raises(ClientError):
        apigw.get_usage_plan(usagePlanId=plan_id)


def test_a_quota_is_removed_and_put_back(engine, apigw, made, unique):
    plan_id = new_plan(engine, made, unique, quota=usage_plans.parse_quota("500/MONTH/3"))
    applied = engine.apply(usage_plans.update(engine.usage_plan(plan_id), quota=usage_plans.parse_quota("none")))
    assert "quota" not in apigw.get_usage_plan(usagePlanId=plan_id)
    engine.apply(engine.undo_plan(applied.entry["id"]))
    assert apigw.get_usage_plan(usagePlanId=plan_id)["quota"] == {"limit": 500, "period": "MONTH", "offset": 3}


def test_stages_and_method_throttles_are_attached_changed_and_detached_with_undo(
        engine, apigw, made, unique, scratch_apis):
    api = rest_api(engine, scratch_apis)
    detail = engine.gateway.detail(api)
    plan_id = new_plan(engine, made, unique)
    stages = [s.name for s in engine.gateway.stages(api)]
    attached = engine.apply(usage_plans.attach(engine.usage_plan(plan_id), api, "dev", stages))
    engine.apply(engine.undo_plan(attached.entry["id"]))
    assert apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"] == []
    attached = engine.apply(usage_plans.attach(engine.usage_plan(plan_id), api, "dev", stages))
    assert apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"] == [{"apiId": api.id, "stage": "dev"}]
    added = engine.apply(usage_plans.set_method_throttle(engine.usage_plan(plan_id), detail, "dev",
                                                         "GET /items/{id}", rate="5", burst="10"))
    changed = engine.apply(usage_plans.set_method_throttle(engine.usage_plan(plan_id), detail, "dev",
                                                           "GET /items/{id}", rate="x2", burst=None))
    throttle = apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"][0]["throttle"]
    assert throttle == {"/items/{id}/GET": {"rateLimit": 10.0, "burstLimit": 10}}
    engine.apply(engine.undo_plan(changed.entry["id"]))
    assert apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"][0]["throttle"]["/items/{id}/GET"]["rateLimit"] == 5
    detached = engine.apply(usage_plans.detach(engine.usage_plan(plan_id), api, "dev"))
    assert apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"] == []
    engine.apply(engine.undo_plan(detached.entry["id"]))  # back, with its method throttle
    assert apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"] == [
        {"apiId": api.id, "stage": "dev", "throttle": {"/items/{id}/GET": {"rateLimit": 5.0, "burstLimit": 10}}}]
    removed = engine.apply(usage_plans.unset_method_throttle(engine.usage_plan(plan_id), detail, "dev",
                                                             "GET /items/{id}"))
    assert not apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"][0].get("throttle")
    engine.apply(engine.undo_plan(removed.entry["id"]))
    assert apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"][0]["throttle"]["/items/{id}/GET"]["burstLimit"] == 10
    with pytest.raises(Conflict):  # undoing the attach would drop a throttle added since: refused
        engine.apply(engine.undo_plan(attached.entry["id"]))
    engine.apply(engine.undo_plan(added.entry["id"]))  # the throttle it added is removed again
    assert not apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"][0].get("throttle")
    engine.apply(engine.undo_plan(attached.entry["id"]))
    assert apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"] == []


def test_a_plan_with_stages_is_not_deleted_and_a_bare_one_is_deleted_without_undo(
        engine, apigw, made, unique, scratch_apis):
    api = rest_api(engine, scratch_apis)
    plan_id = new_plan(engine, made, unique)
    engine.apply(usage_plans.attach(engine.usage_plan(plan_id), api, "prod", ["dev", "prod"]))
    with pytest.raises(Invalid) as refused:
        usage_plans.delete(engine.usage_plan(plan_id), key_count=0)
    assert refused.value.field == "usage plan" and "detach" in refused.value.rule
    engine.apply(usage_plans.detach(engine.usage_plan(plan_id), api, "prod"))
    deleted = engine.apply(usage_plans.delete(engine.usage_plan(plan_id), key_count=0))
    assert deleted.plan.inverse_call is None and any("No undo" in w for w in deleted.plan.warnings)
    with pytest.raises(Problem):
        engine.undo_plan(deleted.entry["id"])
    with pytest.raises(ClientError):
        apigw.get_usage_plan(usagePlanId=plan_id)


@pytest.mark.parametrize("settings, field", [
    ({"quota": "1000/YEAR"}, "quota period"),
    ({"quota": "-5/DAY"}, "quota limit"),
    ({"quota": "100/WEEK/7"}, "quota offset"),
    ({"quota": "100 per day"}, "quota"),
    ({"rate": "-1"}, "rate"),
    ({"burst": "-10"}, "burst"),
    ({"burst": "2.5"}, "burst"),
])
def test_bad_plan_settings_are_refused_before_any_call(engine, bare_plan, sent, settings, field):
    with pytest.raises(Invalid) as refused:
        quota = usage_plans.parse_quota(settings.pop("quota")) if "quota" in settings else None
        usage_plans.update(engine.usage_plan(bare_plan), quota=quota, **settings)
    assert refused.value.field == field and refused.value.rule
    assert sent == []


def test_unknown_stages_and_http_apis_are_refused_before_any_call(engine, bare_plan, sent, scratch_apis):
    plan_id = bare_plan
    rest, http = rest_api(engine, scratch_apis), rest_api(engine, scratch_apis, "HTTP")
    with pytest.raises(Invalid) as refused:
        usage_plans.attach(engine.usage_plan(plan_id), rest, "qa", ["dev", "prod"])
    assert refused.value.field == "stage" and "dev, prod" in refused.value.rule
    with pytest.raises(Invalid) as refused:
        usage_plans.attach(engine.usage_plan(plan_id), http, "dev", ["dev"])
    assert refused.value.field == "api" and "REST APIs only" in refused.value.rule
    with pytest.raises(Invalid) as refused:
        usage_plans.set_method_throttle(engine.usage_plan(plan_id), engine.gateway.detail(rest), "dev", "GET /items",
                                        rate="1", burst="1")
    assert refused.value.field == "stage" and "attach it first" in refused.value.rule
    assert sent == []


def test_update_usage_plan_waits_out_its_per_account_quota(engine, made, unique, monkeypatch):
    monkeypatch.setitem(pacing.PER_ACCOUNT, "UpdateUsagePlan", 0.8)
    plan_id = new_plan(engine, made, unique)
    engine.apply(usage_plans.update(engine.usage_plan(plan_id), description="first"))
    plan = usage_plans.update(engine.usage_plan(plan_id), description="second")
    assert any("one call per 0.8 s per account" in w and "waits about" in w for w in plan.warnings)
    started = time.monotonic()
    engine.apply(plan)
    sent = time.monotonic()
    assert sent - started >= 0.4

    def waits() -> bool:
        return any("waits" in w for w in usage_plans.update(engine.usage_plan(plan_id), description="x").warnings)

    while waits():  # until the quota's 0.8 s since the call are over, and no longer
        assert time.monotonic() - sent < 1.5, "the plan still waits after the quota's period"
        time.sleep(0.05)


def test_a_key_quota_is_extended_for_the_current_period(engine, apigw, made, unique):
    plan_id = new_plan(engine, made, unique, quota=usage_plans.parse_quota("100/DAY"))
    key_id = new_key(engine, made, unique)
    engine.apply(api_keys.associate(engine.api_key(key_id), engine.gateway.find_plan(plan_id), []))
    today = datetime.now(timezone.utc).date()
    STATE.usage[(ACCOUNT_ID, REGION, plan_id, key_id)][today.isoformat()] = 90
    left = engine.gateway.usage(plan_id, today, today, key_id).keys[0].left
    plan = usage_plans.extend_quota(engine.usage_plan(plan_id), key_id=key_id, key_name="k",
                                    plan_keys={key_id}, remaining=left, new_remaining="500")
    assert plan.inverse_call is None and [(c.before, c.after) for c in plan.changes] == [(10, 500)]
    engine.apply(plan)
    assert engine.gateway.usage(plan_id, today, today, key_id).keys[0].left == 500
    with pytest.raises(Invalid) as refused:
        usage_plans.extend_quota(engine.usage_plan(plan_id), key_id="other", key_name="other", plan_keys={key_id},
                                 remaining=None, new_remaining="1")
    assert refused.value.field == "key"


# -- API keys ----------------------------------------------------------------------------------------


def test_a_key_is_created_with_a_given_value_disabled_renamed_and_each_undone(engine, apigw, made, unique):
    value = unique("given-value-0123456789")
    key_id = new_key(engine, made, unique, value=value)
    assert apigw.get_api_key(apiKey=key_id, includeValue=True)["value"] == value
    disabled = engine.apply(api_keys.set_enabled(engine.api_key(key_id), False))
    assert apigw.get_api_key(apiKey=key_id)["enabled"] is False
    renamed = engine.apply(api_keys.rename(engine.api_key(key_id), "renamed-" + key_id))
    assert apigw.get_api_key(apiKey=key_id)["name"] == "renamed-" + key_id
    engine.apply(engine.undo_plan(renamed.entry["id"]))
    engine.apply(engine.undo_plan(disabled.entry["id"]))
    key = apigw.get_api_key(apiKey=key_id)
    assert key["enabled"] is True and key["name"] != "renamed-" + key_id
    engine.apply(engine.undo_plan())  # the creation
    with pytest.raises(ClientError):
        apigw.get_api_key(apiKey=key_id)
    assert value not in engine.journal.path.read_text()


def test_a_key_joins_and_leaves_plans_with_undo_and_one_plan_per_api_stage(
        engine, apigw, made, unique, scratch_apis):
    api = rest_api(engine, scratch_apis)
    first, second = new_plan(engine, made, unique), new_plan(engine, made, unique)
    for plan_id in (first, second):
        engine.apply(usage_plans.attach(engine.usage_plan(plan_id), api, "dev", ["dev", "prod"]))
    key_id = new_key(engine, made, unique)
    joined = engine.apply(api_keys.associate(engine.api_key(key_id), engine.gateway.find_plan(first), []))
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=first)["items"]] == [key_id]
    with pytest.raises(Invalid) as refused:
        api_keys.associate(engine.api_key(key_id), engine.gateway.find_plan(second),
                           [engine.gateway.find_plan(first)])
    assert refused.value.field == "plan" and "one plan only" in refused.value.rule
    left = engine.apply(api_keys.dissociate(engine.api_key(key_id), engine.gateway.find_plan(first)))
    assert apigw.get_usage_plan_keys(usagePlanId=first)["items"] == []
    engine.apply(engine.undo_plan(left.entry["id"]))
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=first)["items"]] == [key_id]
    engine.apply(engine.undo_plan(joined.entry["id"]))
    assert apigw.get_usage_plan_keys(usagePlanId=first)["items"] == []


@pytest.mark.parametrize("name, value, field", [
    ("ok", "short", "value"),
    ("ok", "x" * 129, "value"),
    ("ok", "has spaces in it but long enough", "value"),
    ("", None, "name"),
])
def test_bad_key_input_is_refused_without_echoing_the_value(engine, sent, name, value, field):
    with pytest.raises(Invalid) as refused:
        api_keys.create(engine.place(), name=name, value=value)
    assert refused.value.field == field and (value is None or value not in str(refused.value))
    assert sent == []


def test_a_duplicate_key_value_is_refused_before_any_call(engine, made, unique, sent):
    value = unique("duplicate-value-0123456789")
    key_id = new_key(engine, made, unique, value=value)
    sent.clear()
    taken_by = engine.gateway.keys_with_values([value]).get(value)
    with pytest.raises(Invalid) as refused:
        api_keys.create(engine.place(), name=unique("twin"), value=value, taken_by=taken_by)
    assert refused.value.field == "value" and key_id in refused.value.rule and value not in str(refused.value)
    assert sent == []


def test_a_deleted_key_has_no_undo(engine, apigw, made, unique):
    key_id = new_key(engine, made, unique)
    deleted = engine.apply(api_keys.delete(engine.api_key(key_id)))
    assert deleted.plan.inverse_call is None
    with pytest.raises(ClientError):
        apigw.get_api_key(apiKey=key_id)


def test_keys_are_imported_from_csv_all_or_nothing(engine, apigw, made, unique):
    plan_id = new_plan(engine, made, unique)
    one, two = unique("import-value-aaaaaaaaaaaa"), unique("import-value-bbbbbbbbbbbb")
    text = f"Name,Key,Enabled,UsagePlanIds\n{unique('imp')},{one},true,{plan_id}\n{unique('imp')},{two},false,\n"
    plan = api_keys.import_csv(engine.place(), text, source="keys.csv", plan_ids={plan_id},
                               taken=engine.gateway.keys_with_values(api_keys.key_values(text)))
    assert plan.shown_call.params["body"] == "********" and one not in json.dumps(plan.to_json())
    applied = engine.apply(plan)
    made.extend(("key", ident) for ident in applied.answer["ids"])
    assert len(applied.answer["ids"]) == 2 and not applied.answer["warnings"]
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan_id)["items"]] == [applied.answer["ids"][0]]
    journal = engine.journal.path.read_text()
    assert one not in journal and two not in journal
    with pytest.raises(Invalid) as refused:
        api_keys.import_csv(engine.place(), text, source="keys.csv", plan_ids={plan_id},
                            taken=engine.gateway.keys_with_values(api_keys.key_values(text)))
    assert refused.value.field == "line 2: Key" and "already the value" in refused.value.rule


@pytest.mark.parametrize("text, field", [
    ("", "file"),
    ("Name,Key\n", "file"),
    ("Name,Value\nx,abcdefghijklmnopqrstuvwxyz\n", "line 1 (header)"),
    ("Name,Key,Enbled\nx,abcdefghijklmnopqrstuvwxyz,true\n", "line 1 (header)"),
    ("Name,Key\nx,abcdefghijklmnopqrstuvwxyz,extra\n", "line 2"),
    ("Name,Key\nx,tooshort\n", "line 2: Key"),
    ("Name,Key\nx,abcdefghijklmnopqrstuvwxyz\ny,abcdefghijklmnopqrstuvwxyz\n", "line 3: Key"),
    ("Name,Key,Enabled\nx,abcdefghijklmnopqrstuvwxyz,maybe\n", "line 2: Enabled"),
    ("Name,Key,UsagePlanIds\nx,abcdefghijklmnopqrstuvwxyz,nosuchplan\n", "line 2: UsagePlanIds"),
    ('Name,Key\n"x,abcdefghijklmnopqrstuvwxyz\n', "line 2"),
])
def test_malformed_key_files_are_refused_naming_the_line_and_rule(engine, sent, text, field):
    with pytest.raises(Invalid) as refused:
        api_keys.import_csv(engine.place(), text, source="keys.csv", plan_ids=set(), taken={})
    assert refused.value.field == field and refused.value.rule
    assert "abcdefghijklmnopqrstuvwxyz" not in str(refused.value) and sent == []


# -- rotation ----------------------------------------------------------------------------------------


def test_a_rotation_interrupted_after_its_first_step_is_found_and_finished(
        engine, apigw, made, unique, scratch_apis):
    api = rest_api(engine, scratch_apis)
    plans = [new_plan(engine, made, unique) for _ in range(2)]
    engine.apply(usage_plans.attach(engine.usage_plan(plans[0]), api, "dev", ["dev", "prod"]))
    old_id = new_key(engine, made, unique)
    for plan_id in plans:
        old = engine.api_key(old_id)
        engine.apply(api_keys.associate(old, engine.gateway.find_plan(plan_id),
                                        [engine.gateway.find_plan(p) for p in old.raw["usagePlans"]]))
    started = rotation.start(engine, engine.api_key(old_id))
    assert [s.action for s in started.steps] == ["create", "associate", "associate", "disable"]
    first = engine.apply(rotation.step_plan(engine, started, started.steps[0]))  # ... and the process dies here
    new_id = first.plan.target.resource_id
    made.append(("key", new_id))
    assert first.answer["value"] and first.answer["value"] not in engine.journal.path.read_text()

    later = Engine(Gateway(engine.connection), Journal(engine.journal.path), Settings(), Permission(True, "test"))
    found = rotation.unfinished(later, later.api_key(old_id))
    assert found is not None and found.id == started.id and found.new.id == new_id
    assert [s.done for s in found.steps] == [True, False, False, False] and found.steps[0].entry == first.entry["id"]
    assert "✓ 1." in found.lines()[0] and found.lines()[1].startswith("· 2.")
    while found.next is not None:
        later.apply(rotation.step_plan(later, found, found.next))
        found = rotation.refresh(later, found)
    assert found.finished and rotation.unfinished(later, later.api_key(old_id)) is None
    assert apigw.get_api_key(apiKey=old_id)["enabled"] is False
    assert {p["id"] for p in apigw.get_usage_plans(keyId=new_id)["items"]} == set(plans)
    parts = [e["plan"]["part_of"] for e in later.journal.entries() if e["plan"].get("part_of")]
    assert len(parts) == 4 and all(p.startswith(f"rotation {started.id} {old_id} ") for p in parts)


def test_an_undone_rotation_start_leaves_nothing_to_resume(engine, made, unique):
    old_id = new_key(engine, made, unique)
    started = rotation.start(engine, engine.api_key(old_id))
    first = engine.apply(rotation.step_plan(engine, started, started.steps[0]))
    made.append(("key", first.plan.target.resource_id))
    assert rotation.unfinished(engine, engine.api_key(old_id)) is not None
    engine.apply(engine.undo_plan(first.entry["id"]))
    assert rotation.unfinished(engine, engine.api_key(old_id)) is None


# -- cache -------------------------------------------------------------------------------------------


def stage_doc(engine: Engine, scratch_apis, protocol: str = "REST", stage: str = "dev"):
    return engine.document(rest_api(engine, scratch_apis, protocol), stage)


def test_cache_settings_are_changed_in_one_call_and_undone_exactly(engine, apigw, scratch_apis):
    api_id = scratch_apis["REST"]
    fields = ("cacheClusterEnabled", "cacheClusterSize", "methodSettings")

    def state() -> dict:
        raw = apigw.get_stage(restApiId=api_id, stageName="dev")
        return {k: raw.get(k) for k in fields}

    before = state()
    every = engine.apply(cache.set_cache(stage_doc(engine, scratch_apis), cluster=True, size="1.6", caching=True,
                                         ttl="120"))
    one = engine.apply(cache.set_cache(stage_doc(engine, scratch_apis), selector="GET /items/{id}", caching=True,
                                       ttl="3600"))
    raw = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert (raw["cacheClusterEnabled"], raw["cacheClusterSize"]) == (True, "1.6")
    assert (raw["methodSettings"]["*/*"]["cachingEnabled"], raw["methodSettings"]["*/*"]["cacheTtlInSeconds"]) == \
        (True, 120)
    assert raw["methodSettings"]["~1items~1{id}/GET"]["cacheTtlInSeconds"] == 3600
    engine.apply(engine.undo_plan(one.entry["id"]))
    engine.apply(engine.undo_plan(every.entry["id"]))
    after = state()
    assert after["methodSettings"] == before["methodSettings"] and not after["cacheClusterEnabled"]


@pytest.mark.parametrize("settings, field", [
    ({"ttl": "3601"}, "ttl"), ({"ttl": "-1"}, "ttl"), ({"ttl": "1.5"}, "ttl"), ({"size": "3"}, "size"),
    ({"selector": "GET /nowhere", "caching": True}, "method"), ({"caching": False}, "cache"),
])
def test_bad_cache_settings_are_refused_before_any_call(engine, scratch_apis, sent, settings, field):
    with pytest.raises(Invalid) as refused:
        cache.set_cache(stage_doc(engine, scratch_apis), **settings)
    assert refused.value.field == field and sent == []


def test_flushes_are_sent_journaled_and_have_no_undo(engine, scratch_apis):
    doc = stage_doc(engine, scratch_apis)
    plan = cache.flush_stage_cache(doc)
    assert plan.inverse_call is None and "No undo" in plan.warnings[0]
    since = time.time()
    applied = engine.apply(plan)
    assert STATE.cache_flushed_at[(ACCOUNT_ID, REGION, doc.target.api_id, "dev")] >= since
    with pytest.raises(Problem):
        engine.undo_plan(applied.entry["id"])
    engine.apply(cache.flush_authorizers_cache(doc))
    assert STATE.authorizers_flushed_at[(ACCOUNT_ID, REGION, doc.target.api_id, "dev")] >= since
    http = stage_doc(engine, scratch_apis, "HTTP")
    reset = engine.apply(cache.flush_authorizers_cache(http))
    assert reset.plan.call.operation == "ResetAuthorizersCache"
    with pytest.raises(Invalid) as refused:
        cache.flush_stage_cache(http)
    assert refused.value.field == "stage"
    assert [e["call"] for e in engine.journal.entries()] == [
        "apigateway FlushStageCache", "apigateway FlushStageAuthorizersCache", "apigatewayv2 ResetAuthorizersCache"]
