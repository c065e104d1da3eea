"""`apigw-console doctor` and `:doctor` list exactly what the credentials may not read, and the policies that fix it."""

from __future__ import annotations

import json

from screen_helpers import connected, plain, run_command, until
from test_partial_failure import faults
from textual.widgets import DataTable

from console.aws.permissions import CHECKS, READ_ONLY_POLICY
from console.aws.session import Target
from screens.app import ConsoleApp
from screens.doctor import DoctorScreen


def test_doctor_lists_exactly_the_denied_operations(sandbox, cli, scratch_region):
    with faults(sandbox.url, deny=[f"apigatewayv2@{scratch_region}", f"logs:FilterLogEvents@{scratch_region}"]):
        code, out, err = cli("doctor", "--output", "json")
    answer = json.loads(out)
    refused = {(c["service"], c["operation"]) for c in answer["checks"] if not c["allowed"]}
    assert code == 1 and refused == {("apigatewayv2", "GetApis"), ("logs", "FilterLogEvents")}
    assert all(c["kind"] == "denied" for c in answer["checks"] if not c["allowed"]), [c for c in answer["checks"] if not c["allowed"]]
    assert "apigateway:GET" in json.dumps(answer["read_only_policy"])


def test_doctor_passes_when_everything_is_allowed_and_prints_the_policies(cli):
    code, out, _ = cli("doctor", "--policies")
    assert code == 0 and "14 of 14 allowed" in out and '"apigateway:PATCH"' in out


async def test_the_doctor_view_lists_exactly_the_denied_operations(sandbox, scratch_region):
    with faults(sandbox.url, deny=[f"apigatewayv2@{scratch_region}", f"logs:FilterLogEvents@{scratch_region}"]):
        app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
        async with app.run_test(size=(160, 30)) as pilot:
            await connected(pilot)
            await run_command(pilot, "doctor")
            await until(pilot, lambda: isinstance(app.screen, DoctorScreen) and app.screen.outcomes, "the checks")
            screen = app.screen
            table = screen.query_one(DataTable)
            refused = {(str(row[0]), str(row[1])) for row in map(table.get_row_at, range(table.row_count))
                       if str(row[3]).startswith("REFUSED")}
            assert refused == {("apigatewayv2", "GetApis"), ("logs", "FilterLogEvents")}
            assert "logs:FilterLogEvents" in str(table.get_row_at(1)[3])
            assert "12 of 14 allowed · refused: apigatewayv2:GetApis, logs:FilterLogEvents" in plain(
                screen.query_one("#status").content)


def test_the_read_only_policy_allows_every_read_the_doctor_checks():
    """The policy `doctor --policies` prints is the one the checks need: a read the console makes (its long
    history's GetLogEvents, Logs Insights' StartQuery ...) is in both or in neither."""
    allowed = {action for statement in READ_ONLY_POLICY["Statement"]
               for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    for check in CHECKS:
        needed = "apigateway:GET" if check.service.startswith("apigateway") else f"{check.service}:{check.operation}"
        assert needed in allowed, needed
    assert {"logs:GetQueryResults", "logs:StopQuery"} <= allowed  # what a StartQuery goes on with
