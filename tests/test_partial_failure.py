"""One failing source never takes the console down: REST work goes on when API Gateway v2 is refused
or not implemented, and every refusal says which operation and which permission, in words.

Faults come from the sandbox (`POST /_sandbox/faults`), answered as AWS answers a denied call or as an
emulator without the service does, for the scratch region only.
"""

from __future__ import annotations

import json
import urllib.request
from contextlib import contextmanager

import pytest
from conftest import build_rest
from screen_helpers import SIZE, plain, until
from textual.widgets import DataTable

from console.aws.session import Target
from screens.apis import ApiListScreen
from screens.app import ConsoleApp


@contextmanager
def faults(url: str, **wanted: list[str]):
    def post(body: dict) -> dict:
        request = urllib.request.Request(f"{url}/_sandbox/faults", data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read())

    post(wanted)
    try:
        yield
    finally:
        post({})


@pytest.fixture
def rest_api(aws, scratch_region, unique):
    apigw = aws("apigateway", scratch_region)
    api_id = build_rest(apigw, unique("rest-only"))
    yield api_id
    apigw.delete_rest_api(restApiId=api_id)


def test_the_faults_endpoint_reads_what_it_was_given_and_refuses_nonsense(sandbox):
    with faults(sandbox.url, deny=["apigatewayv2@ap-southeast-2", "logs:StartLiveTail"]):
        with urllib.request.urlopen(f"{sandbox.url}/_sandbox/faults") as answer:
            assert json.loads(answer.read()) == {"deny": ["apigatewayv2@ap-southeast-2", "logs:StartLiveTail"],
                                                 "unimplemented": []}
    request = urllib.request.Request(f"{sandbox.url}/_sandbox/faults", data=b'{"deny": ["Not A Service!"]}',
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request)


def test_rest_commands_work_with_v2_denied_and_say_what_is_missing(sandbox, cli, rest_api, scratch_region):
    with faults(sandbox.url, deny=[f"apigatewayv2@{scratch_region}"]):
        code, out, err = cli("apis")
        assert code == 0 and rest_api in out
        assert "HTTP and WebSocket APIs: not available here" in err and "AWS refused GetApis" in err
        assert f"apigateway:GET on resource: arn:aws:apigateway:{scratch_region}::/apis" in err
        for command in (("stage", rest_api, "prod"), ("throttle", "show", rest_api, "prod"),
                        ("vars", "show", rest_api, "prod")):
            code, out, err = cli(*command)
            assert code == 0, (command, err)
        code, out, err = cli("throttle", "set", rest_api, "prod", "--rate", "50", "--burst", "100", "--yes")
        assert code == 0 and "Applied" in out


def test_an_emulator_without_v2_is_said_as_such_not_as_a_failure(sandbox, cli, rest_api, scratch_region):
    with faults(sandbox.url, unimplemented=[f"apigatewayv2@{scratch_region}"]):
        code, out, err = cli("apis")
        assert code == 0 and rest_api in out
        assert "does not implement GetApis (HTTP 501)" in err and "<html" not in err.lower()


def test_nothing_readable_is_an_error_naming_the_permission(sandbox, cli, scratch_region):
    with faults(sandbox.url, deny=[f"apigateway@{scratch_region}", f"apigatewayv2@{scratch_region}"]):
        code, out, err = cli("apis")
        assert code == 1 and "AWS refused GetRestApis" in err and "apigateway:GET" in err and not out


async def test_the_api_list_shows_rest_apis_and_labels_the_gap(sandbox, rest_api, scratch_region):
    with faults(sandbox.url, deny=[f"apigatewayv2@{scratch_region}"]):
        app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
        async with app.run_test(size=(160, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ApiListScreen) and app.screen.apis, "the API list")
            table = app.screen.query_one("#apis", DataTable)
            assert rest_api in [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
            status = plain(app.screen.query_one("#status").content)
            assert "HTTP and WebSocket APIs: not available here" in status
    assert SIZE  # the layout at 80x24 cuts the status line; the full words are asserted at 160 columns


def test_a_stage_is_shown_when_its_secondary_reads_are_refused(sandbox, cli, rest_api, scratch_region):
    with faults(sandbox.url, deny=[f"apigateway:GetAccount@{scratch_region}"]):
        code, out, err = cli("stage", rest_api, "prod")
    assert code == 0 and "prod" in out and "warning: the account's limits could not be read" in err


def test_the_sandbox_command_takes_deny_and_unimplemented(capsys):
    from console.cli import main
    from console.sandbox.process import spawn

    child = spawn("--no-traffic", "--deny", "apigatewayv2", "--unimplemented", "logs:StartLiveTail")
    try:
        with urllib.request.urlopen(f"{child.url}/_sandbox/faults") as answer:
            assert json.loads(answer.read()) == {"deny": ["apigatewayv2"], "unimplemented": ["logs:StartLiveTail"]}
        code = main(["--endpoint-url", child.url, "apis"])
        out, err = capsys.readouterr()
        assert code == 0 and "orders-api" in out and "HTTP and WebSocket APIs: not available here" in err
    finally:
        child.close()
    assert main(["sandbox", "--deny", "Not A Service!"]) == 2


def test_a_read_asks_no_sts_and_a_change_says_its_identity_was_refused(sandbox, cli, rest_api, scratch_region):
    """A one-shot read needs no account, so it makes no GetCallerIdentity call (a call fewer on every runbook
    line); a change is journaled with the account it was made in, so it asks STS, and a refusal is said."""
    with faults(sandbox.url, deny=[f"sts:GetCallerIdentity@{scratch_region}"]):
        read = cli("stage", rest_api, "prod", "--output", "json")
        change = cli("throttle", "set", rest_api, "prod", "--rate", "5", "--burst", "10", "--dry-run")
    code, out, err = read
    assert code == 0 and json.loads(out)["stage"]["name"] == "prod" and err == ""
    code, out, err = change
    assert code != 0 and "GetCallerIdentity" in err and "Traceback" not in err
