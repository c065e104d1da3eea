"""The write-ahead journal, against the sandbox over HTTP: a change is on disk as "sending" before AWS
receives it, and completed as applied, failed or unknown; one merged entry per change is what every
reader sees; a read-back that fails after AWS applied the change is reported as applied, with undo;
a created key's id is journaled as soon as AWS returns it. Journals of the older one-line format
still read and undo.

Each test works on the scratch region's APIs (module-owned) and puts back what it changed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from actions import api_keys, pacing, rotation, stage_variables
from actions.engine import Engine, Permission
from actions.plan import Call
from actions.plan import Target as PlanTarget
from console.aws.budget import TokenBucket
from console.aws.errors import Problem
from console.aws.session import Connection, Target
from console.config import Settings
from console.journal.store import APPLIED, FAILED, NO_ANSWER, SENDING, UNKNOWN, Journal, journal_path
from console.read.gateway import Gateway

REGION = "ap-southeast-2"


class Died(BaseException):
    """The process ending where it stands (not an error any layer catches)."""


@pytest.fixture(scope="module")
def connection(sandbox) -> Connection:
    connection = Connection(Target(endpoint_url=sandbox.url, region=REGION), TokenBucket(1000, 1000))
    connection.identify()
    return connection


def engine_on(connection: Connection, journal: Journal) -> Engine:
    return Engine(Gateway(connection), journal, Settings(), Permission(True, "test"))


@pytest.fixture
def engine(connection, tmp_path) -> Engine:
    return engine_on(connection, Journal(tmp_path / "audit.jsonl"))


def lines(journal: Journal) -> list[dict]:
    return [json.loads(line) for line in journal.path.read_text().splitlines()]


def variables(engine: Engine, api_id: str) -> dict:
    return engine.connection.apigw.get_stage(restApiId=api_id, stageName="dev").get("variables", {})


def set_plan(engine: Engine, api_id: str, **values: str):
    doc = engine.document(engine.gateway.find_api(api_id), "dev")
    return stage_variables.set_variables(doc, values)


@pytest.fixture
def journal_at_send(connection):
    """The journal's lines as they were on disk when each write request left for AWS."""
    seen: list[list[dict]] = []
    journal: list[Journal] = []
    client = connection.client("apigateway")

    def look(request, **_):
        if request.method != "GET":
            seen.append(lines(journal[0]) if journal[0].path.exists() else [])

    client.meta.events.register("before-send", look, unique_id="test-journal-at-send")
    yield journal, seen
    client.meta.events.unregister("before-send", unique_id="test-journal-at-send")


def failing_read(engine_read, failure: BaseException, on_call: int = 2):
    """Engine.read that fails on its `on_call`-th call: in apply, the 1st reads before, the 2nd reads back."""
    calls = []

    def read(self, target):
        calls.append(target)
        if len(calls) == on_call:
            raise failure
        return engine_read(self, target)

    return read


# -- write-ahead order ---------------------------------------------------------------------------------


def test_the_entry_is_on_disk_as_sending_before_aws_receives_the_call(engine, scratch_apis, journal_at_send):
    api = scratch_apis["REST"]
    holder, seen = journal_at_send
    holder.append(engine.journal)
    plan = set_plan(engine, api, walOrder="1")
    applied = engine.apply(plan)
    assert len(seen) == 1, "one write call"
    ahead = seen[0][-1]
    assert ahead["outcome"] == SENDING and ahead["id"] == applied.entry["id"]
    assert ahead["plan"] == plan.to_json() and ahead["plan"]["inverse_call"]["operation"] == "UpdateStage"
    written = lines(engine.journal)
    assert [line.get("outcome") for line in written] == [SENDING, APPLIED]
    assert written[1]["completes"] == ahead["id"] and written[1]["request_id"]
    merged = engine.journal.entries()
    assert len(merged) == 1 and merged[0]["outcome"] == APPLIED and merged[0]["id"] == ahead["id"]
    assert merged[0]["request_id"] == written[1]["request_id"] and merged[0]["time"] == ahead["time"]
    engine.apply(engine.undo_plan())
    assert "walOrder" not in variables(engine, api)
    assert [e["outcome"] for e in engine.journal.entries()] == [APPLIED, APPLIED]
    assert len(lines(engine.journal)) == 4


def test_a_call_aws_refuses_leaves_sending_then_failed(engine, scratch_apis, journal_at_send):
    api = scratch_apis["REST"]
    holder, seen = journal_at_send
    holder.append(engine.journal)
    plan = set_plan(engine, api, walFailed="1")
    nowhere = [{"op": "replace", "path": "/nowhere", "value": "1"}]
    bad = replace(plan, call=Call("apigateway", "UpdateStage", {"restApiId": api, "stageName": "dev",
                                                                "patchOperations": nowhere}))
    with pytest.raises(Problem) as failed:
        engine.apply(bad)
    assert failed.value.kind == "bad-request"
    assert seen[0][-1]["outcome"] == SENDING
    written = lines(engine.journal)
    assert [line["outcome"] for line in written] == [SENDING, FAILED] and written[1]["completes"] == written[0]["id"]
    [entry] = engine.journal.entries()
    assert entry["outcome"] == FAILED and "nowhere" in entry["reason"]
    assert engine.journal.last_undoable() is None
    with pytest.raises(Problem, match="was failed, not applied"):
        engine.undo_plan(entry["id"])


def test_a_call_sent_without_an_answer_is_unknown(engine, scratch_apis):
    api = scratch_apis["REST"]
    client = engine.connection.client("apigateway")

    def no_answer(**_):
        raise ReadTimeoutError(endpoint_url=client.meta.endpoint_url)

    client.meta.events.register("after-call.api-gateway.UpdateStage", no_answer, unique_id="test-no-answer")
    try:
        with pytest.raises(Problem) as unknown:
            engine.apply(set_plan(engine, api, walUnknown="1"))
    finally:
        client.meta.events.unregister("after-call.api-gateway.UpdateStage", unique_id="test-no-answer")
    assert "unknown" in unknown.value.message and unknown.value.kind == "endpoint"
    [entry] = engine.journal.entries()
    assert entry["outcome"] == UNKNOWN and entry["reason"].startswith("sent, no answer")
    assert engine.journal.last_undoable() is None
    assert variables(engine, api)["walUnknown"] == "1"  # it did reach AWS: the operator is told to look
    engine.connection.apigw.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "remove", "path": "/variables/walUnknown"}])


def test_an_entry_left_sending_by_a_crash_reads_as_unknown(engine, scratch_apis):
    api = scratch_apis["REST"]
    client = engine.connection.client("apigateway")

    def die(request, **_):
        if request.method != "GET":
            raise Died()

    client.meta.events.register("before-send", die, unique_id="test-die")
    try:
        with pytest.raises(Died):
            engine.apply(set_plan(engine, api, walCrash="1"))
    finally:
        client.meta.events.unregister("before-send", unique_id="test-die")
    assert [line["outcome"] for line in lines(engine.journal)] == [SENDING]
    [entry] = engine.journal.entries()
    assert (entry["outcome"], entry["reason"]) == (UNKNOWN, NO_ANSWER)
    assert engine.journal.last_undoable() is None
    later = engine_on(engine.connection, Journal(engine.journal.path))  # the next process
    assert later.journal.find(entry["id"])["outcome"] == UNKNOWN


def test_calls_with_unknown_outcomes_count_for_pacing(tmp_path):
    journal = Journal(tmp_path / "audit.jsonl")
    account = "123456789012"
    journal.begin({"call": "apigateway UpdateUsagePlan", "plan": {"target": {"account": account, "endpoint": None}}})
    assert journal.entries()[0]["outcome"] == UNKNOWN  # never completed: it may have reached AWS
    place = PlanTarget(account=account, region=REGION, profile=None, endpoint=None)
    assert 15 < pacing.wait_for(journal, place, "UpdateUsagePlan", now=datetime.now(UTC)) <= 20


def test_journals_of_the_one_line_format_still_read_and_undo(engine, scratch_apis):
    api = scratch_apis["REST"]
    applied = engine.apply(set_plan(engine, api, walOld="1"))
    old = {k: v for k, v in applied.entry.items() if k != "completed"}  # as the previous format wrote it
    engine.journal.path.write_text(json.dumps(old) + "\n")
    later = engine_on(engine.connection, Journal(engine.journal.path))
    assert later.journal.entries() == [old]
    assert later.journal.last_undoable()["id"] == old["id"]
    later.apply(later.undo_plan())
    assert "walOld" not in variables(engine, api)
    assert [e["outcome"] for e in later.journal.entries()] == [APPLIED, APPLIED]
    assert later.journal.last_undoable() is None


# -- a read-back that fails ----------------------------------------------------------------------------


def test_a_failed_read_back_is_reported_as_applied_with_undo(engine, scratch_apis, monkeypatch):
    api = scratch_apis["REST"]
    with monkeypatch.context() as patched:
        patched.setattr(Engine, "read", failing_read(Engine.read, EndpointConnectionError(endpoint_url="x")))
        applied = engine.apply(set_plan(engine, api, walReadBack="1"))
    assert applied.note.startswith("applied; could not read it back: ") and applied.document == {}
    assert applied.entry["outcome"] == APPLIED and applied.entry["note"] == applied.note
    assert variables(engine, api)["walReadBack"] == "1"
    [entry] = engine.journal.entries()
    assert entry["outcome"] == APPLIED and entry["note"] == applied.note
    assert engine.journal.last_undoable()["id"] == entry["id"]
    engine.apply(engine.undo_plan())
    assert "walReadBack" not in variables(engine, api)


def test_the_cli_warns_of_a_failed_read_back_exits_0_and_offers_undo(cli, scratch_apis, private_dirs, monkeypatch):
    api = scratch_apis["REST"]
    with monkeypatch.context() as patched:
        patched.setattr(Engine, "read", failing_read(Engine.read, EndpointConnectionError(endpoint_url="x")))
        code, out, err = cli("vars", "set", api, "dev", "walCli=1", "--yes")
    assert code == 0, err
    assert "warning: applied; could not read it back: " in err
    [entry] = Journal(journal_path(sandbox=True)).entries()  # the CLI on a local endpoint
    assert entry["outcome"] == APPLIED and f"Undo with: apigw-console undo {entry['id']}" in " ".join(out.split())
    code, _, err = cli("undo", entry["id"], "--yes")
    assert code == 0, err
    assert "walCli" not in cli("vars", "show", api, "dev", "--output", "json")[1]


# -- a created key's id ---------------------------------------------------------------------------------


def test_a_created_keys_id_is_journaled_as_soon_as_aws_returns_it(engine, made, unique, monkeypatch):
    with monkeypatch.context() as patched, pytest.raises(Died):  # the process ends once AWS answered
        patched.setattr(Engine, "read", failing_read(Engine.read, Died()))
        engine.apply(api_keys.create(engine.place(), name=unique("wal-key")))
    [entry] = engine.journal.entries()
    created = entry["created"]
    made.append(("key", created))
    assert entry["outcome"] == APPLIED and entry["plan"]["target"]["resource_id"] == created
    assert entry["plan"]["inverse_call"]["params"] == {"apiKey": created}
    assert engine.api_key(created).raw["enabled"] is True
    engine.apply(engine.undo_plan())  # and it can be undone (deleted) like any creation
    assert not [k for k in engine.connection.apigw.get_api_keys(limit=500)["items"] if k["id"] == created]


def test_a_rotation_whose_read_back_died_is_found_and_resumed(cli, connection, made, unique, private_dirs,
                                                              monkeypatch):
    name = unique("wal-rot")
    engine = engine_on(connection, Journal(journal_path(sandbox=True)))  # where the CLI on a local endpoint looks
    old_id = engine.apply(api_keys.create(engine.place(), name=name)).plan.target.resource_id
    made.append(("key", old_id))
    started = rotation.start(engine, engine.api_key(old_id))
    with monkeypatch.context() as patched, pytest.raises(Died):  # the runbook dies before the read-back
        patched.setattr(Engine, "read", failing_read(Engine.read, Died()))
        engine.apply(rotation.step_plan(engine, started, started.steps[0]))
    created = engine.journal.entries()[-1]["created"]
    made.append(("key", created))

    found = rotation.unfinished(engine, engine.api_key(old_id))  # what the TUI's rotation screen reads
    assert found is not None and found.id == started.id and found.new.id == created
    code, _, err = cli("keys", "rotate", old_id, "--yes")
    assert code == 2 and f"unfinished rotation ({started.id})" in err
    code, out, err = cli("keys", "rotate", old_id, "--resume", "--yes", "--output", "json")
    assert code == 0, err
    assert json.loads(out)["rotation"]["new_key"] == created and json.loads(out)["rotation"]["finished"]
    assert engine.connection.apigw.get_api_key(apiKey=old_id)["enabled"] is False
