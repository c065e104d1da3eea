"""The command line as a runbook uses it: against the sandbox over HTTP, in and out of process."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from console.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_apis_as_json(sandbox, capsys):
    code, out, _ = run(capsys, "--endpoint-url", sandbox.url, "--output", "json", "apis")
    assert code == 0
    apis = json.loads(out)
    assert {"orders-api", "payments-api", "catalog-api", "storefront-http"} <= {a["name"] for a in apis}
    assert {a["protocol"] for a in apis} == {"REST", "HTTP", "WEBSOCKET"}
    assert all(a["fetched_at"].endswith("+00:00") for a in apis)


def test_global_options_also_work_after_the_command(sandbox, capsys):
    code, out, _ = run(capsys, "apis", "--endpoint-url", sandbox.url, "--output", "json")
    assert code == 0 and json.loads(out)


def test_apis_as_a_table(sandbox, capsys):
    code, out, _ = run(capsys, "--endpoint-url", sandbox.url, "apis")
    assert code == 0
    assert "orders-api" in out and "WEBSOCKET" in out


def test_stage_by_api_name_as_json(sandbox, capsys, aws):
    code, out, _ = run(capsys, "--endpoint-url", sandbox.url, "stage", "orders-api", "prod", "--output", "json")
    assert code == 0
    answer = json.loads(out)
    api_id = answer["api"]["id"]
    raw = aws("apigateway").get_stage(restApiId=api_id, stageName="prod")
    assert answer["stage"]["name"] == "prod"
    assert answer["stage"]["deployment_id"] == raw["deploymentId"]
    assert answer["stage"]["variables"] == raw["variables"]
    assert answer["stage"]["default"]["throttle"]["rate"] == raw["methodSettings"]["*/*"]["throttlingRateLimit"]
    assert answer["deployment"]["id"] == raw["deploymentId"]
    assert answer["account_limits"]["throttle"]["rate"] > 0


def test_stage_as_sections(sandbox, capsys):
    code, out, _ = run(capsys, "--endpoint-url", sandbox.url, "stage", "storefront-http", "prod")
    assert code == 0
    for section in ("Deployment", "Throttling", "Route overrides", "Logging", "Stage variables", "Tags"):
        assert section in out


def test_ambiguous_api_name_is_an_error_listing_candidates(sandbox, capsys, aws, unique, scratch_region):
    name = unique("twin")
    ids = [aws("apigateway", scratch_region).create_rest_api(name=name)["id"] for _ in range(2)]
    code, _, err = run(capsys, "--endpoint-url", sandbox.url, "--region", scratch_region, "stage", name, "prod")
    assert code == 2
    assert all(i in err for i in ids)


def test_unknown_stage_is_a_plain_error(sandbox, capsys):
    code, out, err = run(capsys, "--endpoint-url", sandbox.url, "stage", "orders-api", "nope")
    assert code == 1 and out == ""
    assert "NotFoundException" in err and "Traceback" not in err


def test_sandbox_and_endpoint_together_is_a_usage_error(capsys):
    code, _, err = run(capsys, "--sandbox", "--endpoint-url", "http://127.0.0.1:1", "apis")
    assert code == 2 and "choose one" in err


# -- as separate processes: what a runbook or an operator's shell sees ------------------------------


def cli(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *argv], capture_output=True, text=True, timeout=60,
                          **kwargs)


def test_no_credentials_is_one_paragraph_and_exit_2():
    result = cli("--region", "us-east-1", "apis")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for advice in ("aws configure", "aws sso login --profile", "apigw-console --sandbox"):
        assert advice in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_unknown_profile_is_explained():
    result = cli("--profile", "nope", "apis")
    assert result.returncode == 2 and "nope" in result.stderr and "Traceback" not in result.stderr


def test_the_cli_path_never_imports_textual(sandbox):
    probe = ("import sys; from console.cli import main; "
             f"code = main(['--endpoint-url', {sandbox.url!r}, '--output', 'json', 'apis']); "
             "assert 'textual' not in sys.modules, 'textual imported'; sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_embedded_sandbox_serves_the_estate_and_goes_away():
    result = cli("--sandbox", "--output", "json", "apis")
    assert result.returncode == 0, result.stderr
    assert "orders-api" in {a["name"] for a in json.loads(result.stdout)}


def test_sandbox_command_serves_in_the_foreground_until_interrupted():
    process = subprocess.Popen([sys.executable, "-m", "console", "sandbox", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = []
        while not banner or not banner[-1].startswith("Ctrl+C"):
            banner.append(process.stdout.readline())
            assert banner[-1], f"the sandbox exited before its banner ended: {process.stderr.read()}"
        assert "SANDBOX" in banner[0] and "not an AWS account" in banner[0]
        url = banner[1].split("endpoint:")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        assert all(len(line.rstrip("\n")) <= 80 for line in banner), "the banner fits 80 columns"
        # the AWS CLI, in the environment the banner exports and nothing else of ours, reaches the sandbox
        told = shlex.split("".join(banner).split("export", 1)[1].split("aws ", 1)[0].replace("\\\n", " "))
        environment = dict(pair.split("=", 1) for pair in told)
        assert environment["AWS_DISABLE_HOST_PREFIX_INJECTION"] == "true" and environment["AWS_ENDPOINT_URL"] == url
        aws = Path(sys.executable).parent / "aws"
        listed = subprocess.run([str(aws), "apigateway", "get-rest-apis", "--output", "json"], capture_output=True,
                                text=True, timeout=60, env={"PATH": os.environ["PATH"], "HOME": os.environ["HOME"],
                                                            **environment})
        assert listed.returncode == 0, listed.stderr
        assert "orders-api" in {a["name"] for a in json.loads(listed.stdout)["items"]}
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0

