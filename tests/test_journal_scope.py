"""The journal is scoped to where each change happened: an entry records the account, partition,
region, endpoint (or "sandbox") and profile; `audit` reads it without credentials and filters by them;
`undo` refuses, naming both places, on another connection; a sandbox's changes have a journal of their own."""

from __future__ import annotations

import json

import pytest

from actions import stage_variables
from actions.engine import Engine, Permission
from console.aws.budget import TokenBucket
from console.aws.errors import Problem
from console.aws.session import Connection, Target
from console.cli import main
from console.config import Settings
from console.journal.store import Journal, journal_path
from console.read.gateway import Gateway
from conftest import SCRATCH_REGION


def engine_on(url: str, region: str, journal: Journal, *, sandbox: bool = False) -> Engine:
    connection = Connection(Target(endpoint_url=url, region=region, sandbox=sandbox), TokenBucket(1000, 1000))
    connection.identify()
    return Engine(Gateway(connection), journal, Settings(), Permission(True, "test"))


def change(engine: Engine, api_id: str, name: str):
    api = engine.gateway.find_api(api_id)
    return engine.apply(stage_variables.set_variables(engine.document(api, "dev"), {name: "1"}))


def test_an_entry_records_where_it_was_made(sandbox, scratch_apis, tmp_path, unique):
    journal = Journal(tmp_path / "audit.jsonl")
    applied = change(engine_on(sandbox.url, SCRATCH_REGION, journal), scratch_apis["REST"], unique("scoped").replace("-", "_"))
    entry = journal.find(applied.entry["id"])
    assert {k: entry[k] for k in ("account", "partition", "region", "endpoint", "profile")} == {
        "account": applied.plan.target.account, "partition": "aws", "region": SCRATCH_REGION,
        "endpoint": sandbox.url, "profile": None}
    sandboxed = change(engine_on(sandbox.url, SCRATCH_REGION, journal, sandbox=True), scratch_apis["REST"],
                       unique("boxed").replace("-", "_"))
    assert journal.find(sandboxed.entry["id"])["endpoint"] == "sandbox"  # its port is different every run


def test_undo_on_another_connection_is_refused_naming_both_places(sandbox, scratch_apis, tmp_path, unique):
    journal = Journal(tmp_path / "audit.jsonl")
    applied = change(engine_on(sandbox.url, SCRATCH_REGION, journal), scratch_apis["REST"], unique("elsewhere").replace("-", "_"))
    elsewhere = engine_on(sandbox.url, "eu-north-1", journal)
    with pytest.raises(Problem) as refused:
        elsewhere.undo_plan(applied.entry["id"])
    message = str(refused.value)
    assert "Undo refused, nothing was sent" in message
    assert f"{SCRATCH_REGION} · endpoint {sandbox.url}" in message and f"eu-north-1 · endpoint {sandbox.url}" in message
    assert engine_on(sandbox.url, SCRATCH_REGION, journal).undo_plan(applied.entry["id"]).undoes == applied.entry["id"]


def test_a_local_endpoints_changes_go_to_the_sandbox_journal_and_audit_needs_no_credentials(
        cli, sandbox, scratch_apis, private_dirs, unique, capsys, monkeypatch):
    name = unique("local").replace("-", "_")
    assert cli("vars", "set", scratch_apis["REST"], "dev", f"{name}=1", "--yes")[0] == 0
    assert journal_path(sandbox=True).exists() and not journal_path().exists()
    # No credentials and nothing to connect to: audit reads the file as it is.
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    assert main(["audit", "--sandbox", "--output", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # --sandbox keeps the embedded sandbox's only
    code, out, _ = cli("audit", "--output", "json")
    [entry] = json.loads(out)
    assert code == 0 and entry["endpoint"] == sandbox.url and entry["region"] == SCRATCH_REGION
    assert json.loads(cli("audit", "--output", "json", "--account", entry["account"])[1])
    assert json.loads(cli("audit", "--output", "json", "--account", "000000000000")[1]) == []
    code, out, _ = cli("audit")
    assert code == 0 and entry["id"] in out and "Where" in out
    assert main(["audit"]) == 0 and "holds no entries" in capsys.readouterr().out  # AWS's journal: empty
