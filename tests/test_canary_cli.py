"""`apigw-console canary ...` as a runbook runs it, against the sandbox over HTTP."""

from __future__ import annotations

import json
import re
import time

import pytest
from canary_rehearsal import rehearse, run, traffic

from console.cli import main

SCRATCH = "ap-southeast-2"
REHEARSAL = "us-west-2"


@pytest.fixture(autouse=True)
def private_state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    config = tmp_path / "config.toml"
    config.write_text("[canary]\nmin_requests = 50\nwindow_minutes = 10\n")
    monkeypatch.setenv("APIGW_CONSOLE_CONFIG", str(config))


@pytest.fixture
def cli(sandbox, capsys):
    def run_cli(region: str, *argv: str) -> tuple[int, str, str]:
        code = main(["--endpoint-url", sandbox.url, "--region", region, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run_cli


def stage(aws, region: str, api: str, name: str) -> dict:
    return aws("apigateway", region).get_stage(restApiId=api, stageName=name)


def test_create_weigh_promote_and_remove_then_undo(cli, scratch_apis, aws):
    api = scratch_apis["REST"]
    before = stage(aws, SCRATCH, api, "dev")
    new = aws("apigateway", SCRATCH).create_deployment(restApiId=api, description="v2")["id"]
    code, out, _ = cli(SCRATCH, "canary", "create", api, "dev", "--percent", "5", "--deployment", new,
                       "--override", "logLevel=debug", "--use-stage-cache", "--dry-run")
    assert code == 0 and "Dry run: nothing was sent." in out and "canarySettings" not in stage(aws, SCRATCH, api, "dev")
    code, _, err = cli(SCRATCH, "canary", "create", api, "dev", "--percent", "5", "--deployment", new,
                       "--override", "logLevel=debug", "--use-stage-cache", "--yes")
    assert code == 0, err
    assert cli(SCRATCH, "canary", "weight", api, "dev", "30", "--yes")[0] == 0
    assert stage(aws, SCRATCH, api, "dev")["canarySettings"] == {
        "deploymentId": new, "percentTraffic": 30.0, "useStageCache": True,
        "stageVariableOverrides": {"logLevel": "debug"}}

    code, _, err = cli(SCRATCH, "canary", "promote", api, "dev", "--remove", "--yes")
    assert code == 2 and "promotion gate failed" in err and "no access logging" in err
    assert stage(aws, SCRATCH, api, "dev")["deploymentId"] == before["deploymentId"]
    code, out, err = cli(SCRATCH, "--output", "json", "canary", "promote", api, "dev", "--remove", "--override-gate",
                         "--yes")
    assert code == 0, err
    first, second = (json.loads(part) for part in out.replace("}\n{", "}\x00{").split("\x00"))
    assert first["plan"]["notes"][0].startswith("gate overridden by the operator: promotion gate:")
    assert second["plan"]["call"]["params"]["patchOperations"] == [{"op": "remove", "path": "/canarySettings"}]
    promoted = stage(aws, SCRATCH, api, "dev")
    assert promoted["deploymentId"] == new and "canarySettings" not in promoted
    assert promoted["variables"] == {**before["variables"], "logLevel": "debug"}

    assert cli(SCRATCH, "undo", "--yes")[0] == 0
    assert stage(aws, SCRATCH, api, "dev")["canarySettings"]["percentTraffic"] == 0.0
    assert cli(SCRATCH, "undo", "--yes")[0] == 0
    restored = stage(aws, SCRATCH, api, "dev")
    assert restored["deploymentId"] == before["deploymentId"] and restored["variables"] == before["variables"]
    assert restored["canarySettings"]["percentTraffic"] == 30.0
    assert cli(SCRATCH, "canary", "rollback", api, "dev", "--keep-settings", "--yes")[0] == 0
    assert stage(aws, SCRATCH, api, "dev")["canarySettings"]["percentTraffic"] == 0.0
    assert cli(SCRATCH, "canary", "rollback", api, "dev", "--yes")[0] == 0
    assert "canarySettings" not in stage(aws, SCRATCH, api, "dev")


def test_http_stages_have_no_canary(cli, scratch_apis):
    code, _, err = cli(SCRATCH, "canary", "status", scratch_apis["HTTP"], "dev")
    assert code == 2 and "REST API feature" in err
    code, _, err = cli(SCRATCH, "canary", "create", scratch_apis["REST"], "dev", "--percent", "101", "--yes")
    assert code == 2 and "weight: must be a percentage from 0.0 to 100.0" in err and "config" not in err


def test_status_of_the_bad_canary_then_the_gate_refuses_and_rollback(cli, sandbox, aws):
    api = rehearse(sandbox.url, REHEARSAL)
    now = time.time()
    run(traffic(sandbox.url, REHEARSAL), now - 600, 600)
    code, out, _ = cli(REHEARSAL, "--output", "json", "canary", "status", api, "prod")
    answer = json.loads(out)
    base, canary = answer["comparison"]["base"], answer["comparison"]["canary"]
    assert code == 0 and canary["requests"] >= 50 and base["requests"] > canary["requests"]
    assert canary["percent_5xx"] > 20 > base["percent_5xx"] and answer["canary"]["percent"] == 20.0
    assert any(rule.startswith("canary 5xx") for rule in answer["gate"]["failed"])
    code, out, _ = cli(REHEARSAL, "canary", "status", api, "prod", "--minutes", "5")
    assert code == 0 and "Base (log)" in out and "Canary (log)" in out and "5 min: logs" in out
    assert re.search(r"p50/p99 from +[\d,]+ lines +[\d,]+ lines", out)  # what each side's percentiles come from
    assert canary["latency_samples"] >= 50
    assert "PSP adapter v3" in out and "Promotion gate" in out

    code, _, err = cli(REHEARSAL, "canary", "promote", api, "prod", "--yes")
    assert code == 2 and "canary 5xx" in err and "--override-gate" in err
    assert "canarySettings" in stage(aws, REHEARSAL, api, "prod")
    assert cli(REHEARSAL, "canary", "rollback", api, "prod", "--yes")[0] == 0
    assert "canarySettings" not in stage(aws, REHEARSAL, api, "prod")
