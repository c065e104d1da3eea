"""The stage screen's deployment history by keyboard at 80x24: `d` lists them, `b`/`enter` on a row plans
pointing the stage there, `y` applies it, and the stage screen shows the new deployment."""

from __future__ import annotations

import pytest
from screen_helpers import SIZE, connected, plain, screen_text, until
from test_deployments import http_api_with_three_deployments, rest_api_with_three_deployments
from textual.widgets import DataTable

from console.aws.session import Target
from screens.app import ConsoleApp
from screens.confirm import ConfirmScreen
from screens.deployments import DeploymentsScreen
from screens.stage import StageScreen


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


async def open_deployments(pilot, api_id: str) -> tuple[StageScreen, DeploymentsScreen]:
    app = pilot.app
    await connected(pilot)
    api = next(a for a in app.gateway.apis() if a.id == api_id)
    await app.push_screen(StageScreen(api, "dev"))
    await until(pilot, lambda: app.screen.stage is not None, "the stage")
    stage = app.screen
    await pilot.press("d")
    await until(pilot, lambda: isinstance(app.screen, DeploymentsScreen) and app.screen.stage is not None,
                "the deployments")
    return stage, app.screen


async def test_roll_a_rest_stage_back_from_its_deployment_list(sandbox, apigw, unique, scratch_region):
    api, (v1, v2, v3) = rest_api_with_three_deployments(apigw, unique("dep"))
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
    try:
        async with app.run_test(size=SIZE) as pilot:
            stage, listing = await open_deployments(pilot, api)
            table = listing.query_one("#deployments", DataTable)
            assert [str(table.get_row_at(n)[0]) for n in range(table.row_count)] == [v3, v2, v1]
            assert "active" in str(table.get_row_at(0)[2]) and str(table.get_row_at(1)[2]) == ""
            assert f"dev serves {v3}" in screen_text(app)
            await pilot.press("down")
            await pilot.press("b")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#plan Static"),
                        "the plan, composed")
            plan = app.screen.plan
            assert plan.call.params["patchOperations"] == [{"op": "replace", "path": "/deploymentId", "value": v2}]
            shown = plain(app.screen.query_one("#plan Static").content)
            assert "stage deployment" in shown and "aws apigateway update-stage" in shown
            await pilot.press("y")
            await until(pilot, lambda: app.screen is listing and listing.stage.deployment_id == v2,
                        "the list read again")
            assert "active" in str(table.get_row_at(1)[2]) and str(table.get_row_at(0)[2]) == ""
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is stage and stage.stage.deployment_id == v2,
                        "the stage screen read again")
        assert apigw.get_stage(restApiId=api, stageName="dev")["deploymentId"] == v2
    finally:
        apigw.delete_rest_api(restApiId=api)


async def test_enter_on_an_http_stage_and_the_active_row_is_refused_in_words(sandbox, aws, unique, scratch_region):
    v2 = aws("apigatewayv2", scratch_region)
    api, (v1, _, v3) = http_api_with_three_deployments(v2, unique("dep"))
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
    try:
        async with app.run_test(size=SIZE) as pilot:
            _, listing = await open_deployments(pilot, api)
            await pilot.press("enter")  # the active one, under the cursor first
            await until(pilot, lambda: any("already the deployment" in str(n.message)
                                           for n in app._notifications), "the refusal")
            assert app.screen is listing
            await pilot.press("down", "down", "enter")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan")
            assert app.screen.plan.call.params == {"ApiId": api, "StageName": "dev", "DeploymentId": v1}
            await pilot.press("y")
            await until(pilot, lambda: app.screen is listing and listing.stage.deployment_id == v1, "applied")
        assert v2.get_stage(ApiId=api, StageName="dev")["DeploymentId"] == v1
        assert app.engine.journal.entries()[-1]["outcome"] == "applied"
    finally:
        v2.delete_api(ApiId=api)
