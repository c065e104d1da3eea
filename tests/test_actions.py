"""The change engine against the sandbox over HTTP: plans, apply, conflict, read-only, undo.

Each test works on stages of its own (a REST and an HTTP API built in the scratch region), so the
seeded estate stays untouched.
"""

from __future__ import annotations

import json
import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions import stage_variables, throttle
from actions.engine import Conflict, Engine, Permission, write_permission
from actions.plan import Invalid, Plan
from console.aws.budget import TokenBucket
from console.aws.errors import Problem
from console.aws.session import Connection, Target
from console.config import Settings
from console.journal.store import APPLIED, REFUSED, Journal
from console.read.gateway import Gateway

PROTECTED = "prod"


@pytest.fixture(scope="module")
def apis(scratch_apis):
    return scratch_apis


@pytest.fixture
def journal(tmp_path) -> Journal:
    return Journal(tmp_path / "audit.jsonl")


def new_connection(sandbox) -> Connection:
    # The control-plane budget (10 calls/s, tested in test_core) would only make the properties wait.
    connection = Connection(Target(endpoint_url=sandbox.url, region="ap-southeast-2"), TokenBucket(1000, 1000))
    connection.identify()
    return connection


@pytest.fixture(scope="module")
def connection(sandbox) -> Connection:
    """One connection for the module (building a fresh one's clients costs most of a second)."""
    return new_connection(sandbox)


def make_engine(connection, journal, *, writable: bool = True) -> Engine:
    """An engine with a read cache (Gateway) and a journal of its own."""
    permission = Permission(True, "test") if writable else write_permission(Target(profile="ops"), Settings())
    return Engine(Gateway(connection), journal, Settings(), permission)


@pytest.fixture
def engine(connection, journal) -> Engine:
    return make_engine(connection, journal)


def doc_for(engine: Engine, apis, protocol: str, stage: str = "dev"):
    api = next(a for a in engine.gateway.apis() if a.id == apis[protocol])
    return engine.document(api, stage)


def stage_state(engine: Engine, apis, protocol: str, stage: str = "dev") -> dict:
    """What a change may touch and an undo must restore: settings and variables, exactly."""
    raw = doc_for(engine, apis, protocol, stage).raw
    keys = ("methodSettings", "variables") if protocol == "REST" else (
        "DefaultRouteSettings", "RouteSettings", "StageVariables")
    return json.loads(json.dumps({k: raw.get(k) for k in keys}))


# -- throttles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["REST", "HTTP"])
def test_stage_default_throttle_is_applied_journaled_and_undone(engine, apis, protocol):
    before = stage_state(engine, apis, protocol)
    plan = throttle.set_throttle(doc_for(engine, apis, protocol), selector=None, rate="x1.5", burst="+50%")
    assert [(c.before, c.after) for c in plan.changes] == [(100.0, 150.0), (200, 300)]
    applied = engine.apply(plan)
    assert applied.entry["outcome"] == APPLIED and not applied.entry.get("surprises")
    current = engine.gateway.stage(next(a for a in engine.gateway.apis() if a.id == apis[protocol]), "dev",
                                   refresh=True)
    assert (current.throttle.rate, current.throttle.burst) == (150.0, 300)
    inverse = engine.undo_plan()
    assert inverse.undoes == applied.entry["id"]
    engine.apply(inverse)
    assert stage_state(engine, apis, protocol) == before
    assert engine.journal.last_undoable() is None


@pytest.mark.parametrize("protocol, selector", [("REST", "GET /items/{id}"), ("HTTP", "GET /items/{id}")])
def test_an_override_is_added_then_removed_by_undo(engine, apis, protocol, selector):
    before = stage_state(engine, apis, protocol)
    applied = engine.apply(throttle.set_throttle(doc_for(engine, apis, protocol), selector=selector,
                                                 rate="5", burst="10"))
    kind = "method" if protocol == "REST" else "route"
    overrides = {o.key: o.throttle for o in engine.gateway.stage(
        next(a for a in engine.gateway.apis() if a.id == apis[protocol]), "dev", refresh=True).overrides}
    assert (overrides[selector].rate, overrides[selector].burst) == (5.0, 10)
    inverse = engine.undo_plan(applied.entry["id"])
    engine.apply(inverse)
    assert stage_state(engine, apis, protocol) == before, f"undo of a new {kind} override must remove it"


@pytest.mark.parametrize("protocol", ["REST", "HTTP"])
def test_removing_an_override_and_undoing_puts_it_back_exactly(engine, apis, protocol):
    before = stage_state(engine, apis, protocol)
    plan = throttle.unset_throttle(doc_for(engine, apis, protocol), selector="POST /items")
    applied = engine.apply(plan)
    assert "POST /items" not in {o.key for o in engine.gateway.stage(
        next(a for a in engine.gateway.apis() if a.id == apis[protocol]), "dev", refresh=True).overrides}
    inverse = engine.undo_plan(applied.entry["id"])
    engine.apply(inverse)
    assert stage_state(engine, apis, protocol) == before


def test_a_method_that_does_not_exist_is_refused_before_any_call(engine, apis):
    doc = doc_for(engine, apis, "REST")
    with pytest.raises(Invalid) as refused:
        throttle.set_throttle(doc, selector="DELETE /items", rate="5", burst=None)
    assert refused.value.field == "method" and "GET, POST" in refused.value.rule
    with pytest.raises(Invalid):
        throttle.set_throttle(doc, selector="GET /nowhere", rate="5", burst=None)


def test_warnings_do_not_refuse(engine, apis):
    account = engine.gateway.account_limits().throttle
    plan = throttle.set_throttle(doc_for(engine, apis, "REST"), selector=None, rate=str(account.rate * 2),
                                 burst="1", account=account)
    assert any("below the rate" in w for w in plan.warnings)
    assert any("account limit" in w for w in plan.warnings)


# -- variables -------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["REST", "HTTP"])
def test_variables_add_change_rename_remove_and_undo(engine, apis, protocol):
    before = stage_state(engine, apis, protocol)
    steps = [
        lambda d: stage_variables.set_variables(d, {"featureFlags": "search,checkout", "backendHost": "b.example"}),
        lambda d: stage_variables.rename_variable(d, "featureFlags", "flags"),
        lambda d: stage_variables.unset_variables(d, ["flags"]),
    ]
    entries = [engine.apply(step(doc_for(engine, apis, protocol))).entry for step in steps]
    variables = stage_variables.current(doc_for(engine, apis, protocol))
    assert variables["backendHost"] == "b.example" and "flags" not in variables and "featureFlags" not in variables
    for entry in reversed(entries):
        inverse = engine.undo_plan(entry["id"])
        engine.apply(inverse)
    assert stage_state(engine, apis, protocol) == before


def test_bulk_edit_lines_become_one_plan(engine, apis):
    doc = doc_for(engine, apis, "REST")
    edited = stage_variables.parse_lines("# edited\nbackendHost=api.internal.example.com\nnewOne=1\n")
    plan = stage_variables.edit(doc, edited)
    assert {(c.label, c.before, c.after) for c in plan.changes} == {
        ("variable logLevel", "info", None), ("variable newOne", None, "1")}
    with pytest.raises(Invalid) as refused:
        stage_variables.parse_lines("a=1\nno equals sign\n")
    assert refused.value.field == "line 2"


# -- safety ----------------------------------------------------------------------------------------


def test_a_concurrent_change_is_refused_with_the_new_values(engine, apis, aws):
    plan = throttle.set_throttle(doc_for(engine, apis, "REST"), selector=None, rate="300", burst=None)
    aws("apigateway", "ap-southeast-2").update_stage(restApiId=apis["REST"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "111"}])
    try:
        with pytest.raises(Conflict) as refused:
            engine.apply(plan)
        assert refused.value.changes[0].before == 100.0 and refused.value.changes[0].after == 111.0
        assert doc_for(engine, apis, "REST").raw["methodSettings"]["*/*"]["throttlingRateLimit"] == 111.0
        outcomes = [e["outcome"] for e in engine.journal.entries()]
        assert outcomes == [REFUSED] and engine.journal.last_undoable() is None
    finally:
        aws("apigateway", "ap-southeast-2").update_stage(restApiId=apis["REST"], stageName="dev", patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"}])


def test_read_only_sends_no_write_call(sandbox, journal, apis):
    engine = make_engine(new_connection(sandbox), journal, writable=False)  # its clients get a listener
    sent: list[str] = []
    for service in ("apigateway", "apigatewayv2"):
        engine.connection.client(service).meta.events.register(
            "before-send", lambda request, **_: sent.append(request.method))
    plan = throttle.set_throttle(doc_for(engine, apis, "REST"), selector=None, rate="300", burst=None)
    with pytest.raises(Problem) as refused:
        engine.apply(plan)
    assert refused.value.kind == "read-only" and "--write" in refused.value.message
    assert set(sent) <= {"GET"} and journal.entries() == []


def test_write_permission_rules(tmp_path, monkeypatch):
    remote = Target(profile="ops")
    assert write_permission(Target(sandbox=True), Settings()).writable
    assert write_permission(Target(endpoint_url="http://127.0.0.1:4566"), Settings()).writable
    assert not write_permission(remote, Settings()).writable
    assert write_permission(remote, Settings(), flag=True).writable
    assert write_permission(remote, Settings(writable_profiles=frozenset({"ops"}))).writable
    monkeypatch.setenv("APIGW_CONSOLE_WRITE", "1")
    assert write_permission(remote, Settings()).writable


def test_protected_stages_follow_the_configured_patterns(engine, apis):
    assert doc_for(engine, apis, "REST", PROTECTED).protected
    assert not doc_for(engine, apis, "REST", "dev").protected


def test_the_journal_is_private_and_holds_the_plan(engine, apis):
    applied = engine.apply(stage_variables.set_variables(doc_for(engine, apis, "REST"), {"tmp": "1"}))
    mode = stat.S_IMODE(os.stat(engine.journal.path).st_mode)
    assert mode == 0o600
    entry = engine.journal.entries()[-1]
    for field in ("time", "caller", "region", "endpoint", "target", "call", "changes", "request_id", "outcome"):
        assert entry.get(field), field
    assert Plan.from_json(entry["plan"]) == applied.plan
    inverse = engine.undo_plan()
    engine.apply(inverse)


def test_plans_round_trip_through_json_and_name_the_aws_command(engine, apis):
    plan = throttle.set_throttle(doc_for(engine, apis, "HTTP"), selector="POST /items", rate="+10%", burst=None)
    assert Plan.from_json(json.loads(json.dumps(plan.to_json()))) == plan
    line = plan.aws_cli()
    assert line.startswith("aws apigatewayv2 update-stage --api-id ") and "--route-settings" in line
    assert "--region ap-southeast-2" in line


# -- properties ------------------------------------------------------------------------------------

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
amounts = st.one_of(
    st.integers(-50, 5000).map(str),
    st.floats(-10, 5000).map(lambda f: f"{f:.3f}"),
    st.sampled_from(["x1.5", "x0", "+20%", "-50%", "-150%", "*2", "abc", "", "1e3", " 7 ", "12.5", "nan", "inf",
                     "-inf", "1e400"]),
)


def refused_or_applied_then_undone(engine, apis, protocol, build, fields, applied_check=None):
    """The validator contract: a refusal names a field and a rule and changes nothing; an accepted
    input is applied exactly, and its undo restores the stage exactly."""
    before = stage_state(engine, apis, protocol)
    try:
        plan = build(doc_for(engine, apis, protocol))
    except Invalid as refused:
        assert refused.field.startswith(fields) and refused.rule
        assert stage_state(engine, apis, protocol) == before
        return
    applied = engine.apply(plan)
    assert not applied.entry.get("surprises")
    if applied_check:
        applied_check()
    engine.apply(engine.undo_plan(applied.entry["id"]))
    assert stage_state(engine, apis, protocol) == before


@FUZZ
@given(protocol=st.sampled_from(["REST", "HTTP"]), rate=amounts, burst=amounts)
def test_throttle_input_is_refused_with_field_and_rule_or_applied_exactly_then_undone(
        engine, apis, protocol, rate, burst):
    refused_or_applied_then_undone(
        engine, apis, protocol, lambda doc: throttle.set_throttle(doc, selector=None, rate=rate, burst=burst),
        ("rate", "burst", "throttle"))


names = st.one_of(st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True), st.text(max_size=8))
values = st.one_of(st.from_regex(r"[A-Za-z0-9\-._~:/?#&=,]{1,20}", fullmatch=True), st.text(max_size=10),
                   st.just("x" * 513))


@FUZZ
@given(protocol=st.sampled_from(["REST", "HTTP"]), name=names, value=values)
def test_variable_input_is_refused_with_field_and_rule_or_applied_exactly_then_undone(
        engine, apis, protocol, name, value):
    def holds_the_value():
        assert stage_variables.current(doc_for(engine, apis, protocol))[name] == value

    refused_or_applied_then_undone(
        engine, apis, protocol, lambda doc: stage_variables.set_variables(doc, {name: value}),
        ("variable", "variables"), holds_the_value)
