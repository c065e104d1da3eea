"""Changes from the command line, as a runbook runs them, against stages of this module's own."""

from __future__ import annotations

import json
import sys

import pytest

from console.cli import main

REGION = "ap-southeast-2"


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def rest_stage(aws, api_id: str, stage: str = "dev") -> dict:
    return aws("apigateway", REGION).get_stage(restApiId=api_id, stageName=stage)


def test_throttle_show(cli, scratch_apis):
    code, out, _ = cli("throttle", "show", scratch_apis["REST"], "dev", "--output", "json")
    answer = json.loads(out)
    assert code == 0 and answer["stage_default"] == {"rate": 100.0, "burst": 200}
    assert ["POST /items", {"rate": 10.0, "burst": 20}] in answer["overrides"]


def test_dry_run_prints_the_plan_and_the_aws_line_and_sends_nothing(cli, scratch_apis, aws):
    before = rest_stage(aws, scratch_apis["REST"])["methodSettings"]
    code, out, _ = cli("throttle", "set", scratch_apis["REST"], "dev", "--rate", "x2", "--dry-run")
    assert code == 0
    assert "aws apigateway update-stage" in out and "Dry run: nothing was sent." in out
    assert rest_stage(aws, scratch_apis["REST"])["methodSettings"] == before
    code, out, _ = cli("throttle", "set", scratch_apis["REST"], "dev", "--rate", "x2", "--dry-run", "--output", "json")
    plan = json.loads(out)["plan"]
    assert code == 0 and plan["call"]["operation"] == "UpdateStage" and plan["aws_cli"].startswith("aws ")


def test_without_yes_and_without_a_terminal_it_refuses(cli, scratch_apis, aws):
    before = rest_stage(aws, scratch_apis["REST"])["methodSettings"]
    code, _, err = cli("throttle", "set", scratch_apis["REST"], "dev", "--rate", "150")
    assert code == 2 and "not a terminal" in err and "--yes" in err
    assert rest_stage(aws, scratch_apis["REST"])["methodSettings"] == before


def test_set_then_undo_a_method_throttle(cli, scratch_apis, aws):
    api = scratch_apis["REST"]
    before = rest_stage(aws, api)["methodSettings"]
    code, out, _ = cli("throttle", "set", api, "dev", "--method", "GET /items", "--rate", "-50%", "--burst", "9",
                       "--yes", "--output", "json")
    answer = json.loads(out)
    assert code == 0 and answer["applied"] and answer["request_id"]
    settings = rest_stage(aws, api)["methodSettings"]["~1items/GET"]
    assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == (50.0, 9)
    code, _, _ = cli("undo", answer["entry"], "--yes")
    assert code == 0 and rest_stage(aws, api)["methodSettings"] == before


def test_unset_a_route_override_and_undo_the_last_change(cli, scratch_apis, aws):
    api = scratch_apis["HTTP"]
    v2 = aws("apigatewayv2", REGION)
    code, _, _ = cli("throttle", "unset", api, "dev", "--route", "POST /items", "--yes")
    assert code == 0 and "POST /items" not in v2.get_stage(ApiId=api, StageName="dev").get("RouteSettings", {})
    code, _, _ = cli("undo", "--yes")
    assert code == 0
    assert v2.get_stage(ApiId=api, StageName="dev")["RouteSettings"]["POST /items"]["ThrottlingRateLimit"] == 10.0


def test_method_and_route_are_refused_on_the_wrong_kind_of_api(cli, scratch_apis):
    code, _, err = cli("throttle", "set", scratch_apis["HTTP"], "dev", "--method", "GET /items", "--rate", "5")
    assert code == 2 and "use --route" in err
    code, _, err = cli("throttle", "set", scratch_apis["REST"], "dev", "--method", "GET /nope", "--rate", "5")
    assert code == 2 and "method:" in err


def test_vars_show_set_rename_unset(cli, scratch_apis, aws):
    api = scratch_apis["REST"]
    code, out, _ = cli("vars", "show", api, "dev", "--output", "json")
    assert code == 0 and json.loads(out)["backendHost"] == "api.internal.example.com"
    assert cli("vars", "set", api, "dev", "cacheMode=warm", "region=eu-west-1", "--yes")[0] == 0
    assert cli("vars", "rename", api, "dev", "cacheMode", "cache_mode", "--yes")[0] == 0
    variables = rest_stage(aws, api)["variables"]
    assert variables["cache_mode"] == "warm" and "cacheMode" not in variables
    assert cli("vars", "unset", api, "dev", "cache_mode", "region", "--yes")[0] == 0
    assert set(rest_stage(aws, api)["variables"]) == {"backendHost", "logLevel"}


def test_vars_refuses_bad_names_and_values_with_the_rule(cli, scratch_apis):
    code, _, err = cli("vars", "set", scratch_apis["HTTP"], "dev", "bad-name=1")
    assert code == 2 and "letters, digits and underscores" in err
    code, _, err = cli("vars", "set", scratch_apis["HTTP"], "dev", "ok=two words")
    assert code == 2 and "-._~:/?#&=," in err


def test_vars_edit_in_the_editor(cli, scratch_apis, aws, tmp_path, monkeypatch):
    script = tmp_path / "editor.py"
    script.write_text("import sys\npath = sys.argv[1]\ntext = open(path).read()\n"
                      "open(path, 'w').write(text.replace('logLevel=info', 'logLevel=debug'))\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    api = scratch_apis["REST"]
    code, out, _ = cli("vars", "edit", api, "dev", "--yes")
    assert code == 0 and "logLevel" in out
    assert rest_stage(aws, api)["variables"]["logLevel"] == "debug"
    assert cli("undo", "--yes")[0] == 0
    assert rest_stage(aws, api)["variables"]["logLevel"] == "info"


def test_audit_lists_changes_and_filters_by_age(cli, scratch_apis):
    cli("vars", "set", scratch_apis["REST"], "dev", "audited=yes", "--yes")
    cli("undo", "--yes")
    code, out, _ = cli("audit", "--output", "json")
    entries = json.loads(out)
    assert code == 0 and [e["outcome"] for e in entries] == ["applied", "applied"]
    assert entries[1]["undoes"] == entries[0]["id"]
    code, out, _ = cli("audit", "--since", "1h")
    assert code == 0 and "audited" in out
    code, _, err = cli("audit", "--since", "yesterday")
    assert code == 2 and "--since" in err


def test_nothing_to_undo_is_said_plainly(cli):
    code, _, err = cli("undo", "--yes")
    assert code == 1 and "Nothing to undo" in err


def test_a_change_without_write_permission_exits_3(sandbox, capsys, scratch_apis, aws, tmp_path, monkeypatch):
    credentials = tmp_path / "credentials"
    credentials.write_text("[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = not-a-secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    before = rest_stage(aws, scratch_apis["REST"])["methodSettings"]
    code = main(["--endpoint-url", sandbox.url, "--region", REGION, "--profile", "ops",
                 "throttle", "set", scratch_apis["REST"], "dev", "--rate", "150", "--yes"])
    err = capsys.readouterr().err
    assert code == 3 and "--write" in err and "APIGW_CONSOLE_WRITE=1" in err
    assert rest_stage(aws, scratch_apis["REST"])["methodSettings"] == before
    code = main(["--endpoint-url", sandbox.url, "--region", REGION, "--profile", "ops", "--write",
                 "throttle", "set", scratch_apis["REST"], "dev", "--rate", "150", "--yes"])
    assert code == 0
    assert main(["--endpoint-url", sandbox.url, "--region", REGION, "undo", "--yes"]) == 0
