"""Changes in the TUI, by keyboard at 80x24: form -> plan -> confirm -> applied, against the sandbox."""

from __future__ import annotations

import pytest
from screen_helpers import SIZE, connected, plain, type_text, until
from textual.widgets import Input, Select, Static, TextArea

from console.aws.session import Target
from screens.app import ConsoleApp
from screens.confirm import ConfirmScreen
from screens.forms import ThrottleForm, VariablesForm
from screens.stage import StageScreen

REGION = "ap-southeast-2"


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


async def open_stage(pilot, api_id: str, stage: str = "dev") -> StageScreen:
    app = pilot.app
    await connected(pilot)
    api = next(a for a in app.gateway.apis() if a.id == api_id)
    await app.push_screen(StageScreen(api, stage))
    await until(pilot, lambda: app.screen.stage is not None, "the stage")
    return app.screen


def rest_rate(aws, api_id: str, stage: str = "dev") -> float:
    return aws("apigateway", REGION).get_stage(restApiId=api_id, stageName=stage)["methodSettings"]["*/*"][
        "throttlingRateLimit"]


def applied_count(app) -> int:
    """Changes AWS has answered as applied (the journal holds a change from before it is sent)."""
    return sum(e["outcome"] == "applied" for e in app.engine.journal.entries())


async def test_edit_a_rest_throttle_confirm_and_see_it_applied(sandbox, scratch_apis, aws):
    api = scratch_apis["REST"]
    before = rest_rate(aws, api)
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        stage = await open_stage(pilot, api)
        await pilot.press("t")
        assert isinstance(app.screen, ThrottleForm)
        await type_text(pilot, "x2")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#plan Static"),
                    "the plan, composed")
        assert "/*/*/throttling/rateLimit" in plain(app.screen.query_one("#plan Static").content)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, StageScreen) and stage.stage.throttle.rate == before * 2,
                    "the applied change on screen")
    assert rest_rate(aws, api) == before * 2
    aws("apigateway", REGION).update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(before)}])


async def test_a_v2_route_throttle(sandbox, scratch_apis, aws):
    api = scratch_apis["HTTP"]
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await open_stage(pilot, api)
        await pilot.press("t")
        app.screen.query_one("#scope", Select).value = "POST /items"
        await pilot.pause()
        app.screen.query_one("#rate", Input).focus()
        await type_text(pilot, "15")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan")
        assert app.screen.plan.call.params["RouteSettings"]["POST /items"]["ThrottlingRateLimit"] == 15.0
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), "the stage again")
        await until(pilot, lambda: applied_count(app) == 1, "the journal entry")
    settings = aws("apigatewayv2", REGION).get_stage(ApiId=api, StageName="dev")["RouteSettings"]["POST /items"]
    assert settings["ThrottlingRateLimit"] == 15.0
    aws("apigatewayv2", REGION).update_stage(ApiId=api, StageName="dev", RouteSettings={
        "POST /items": {"ThrottlingRateLimit": 10.0, "ThrottlingBurstLimit": 20}})


async def test_stage_variables_edited_as_lines(sandbox, scratch_apis, aws):
    api = scratch_apis["REST"]
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await open_stage(pilot, api)
        await pilot.press("v")
        assert isinstance(app.screen, VariablesForm)
        area = app.screen.query_one(TextArea)
        area.text = area.text + "releaseChannel=beta\n"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan")
        assert [(c.label, c.after) for c in app.screen.plan.changes] == [("variable releaseChannel", "beta")]
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, StageScreen) and applied_count(app) == 1,
                    "the applied change")
    variables = aws("apigateway", REGION).get_stage(restApiId=api, stageName="dev")["variables"]
    assert variables["releaseChannel"] == "beta"
    aws("apigateway", REGION).update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "remove", "path": "/variables/releaseChannel"}])


async def test_cancel_changes_nothing_and_keeps_what_was_typed(sandbox, scratch_apis, aws):
    api = scratch_apis["REST"]
    before = aws("apigateway", REGION).get_stage(restApiId=api, stageName="dev")["methodSettings"]
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await open_stage(pilot, api)
        await pilot.press("t")
        await type_text(pilot, "+20%")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan")
        await pilot.press("n")
        assert isinstance(app.screen, ThrottleForm)
        assert app.screen.query_one("#rate", Input).value == "+20%"
    assert aws("apigateway", REGION).get_stage(restApiId=api, stageName="dev")["methodSettings"] == before
    assert app.engine.journal.entries() == []


async def test_invalid_input_is_explained_in_the_form_and_nothing_is_sent(sandbox, scratch_apis):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await open_stage(pilot, scratch_apis["REST"])
        await pilot.press("t")
        await type_text(pilot, "fast")
        await pilot.press("enter")
        form = app.screen
        await until(pilot, lambda: plain(form.query_one("#error", Static).content).strip(), "the error")
        assert "rate" in plain(form.query_one("#error", Static).content)
        assert isinstance(app.screen, ThrottleForm) and form.query_one("#rate", Input).value == "fast"
    assert app.engine.journal.entries() == []


async def test_protected_stage_needs_its_name_typed(sandbox, scratch_apis, aws):
    api = scratch_apis["REST"]
    before = rest_rate(aws, api, "prod")
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await open_stage(pilot, api, "prod")
        await pilot.press("t")
        await type_text(pilot, "x3")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan")
        app.screen.action_yes()  # what "y" means once the name box is left: refused without the name
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await type_text(pilot, "prod")
        await pilot.press("enter")
        await until(pilot, lambda: applied_count(app) == 1, "the applied change")
        await until(pilot, lambda: rest_rate(aws, api, "prod") == before * 3, "AWS to hold it")
        await pilot.press("escape")  # leave the throttle form's stage screen as it is
        await pilot.press("ctrl+z")  # undo: planned and confirmed like any change
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the undo plan")
        assert app.screen.plan.undoes
        await type_text(pilot, "prod")
        await pilot.press("enter")
        await until(pilot, lambda: applied_count(app) == 2, "the undo")
    assert rest_rate(aws, api, "prod") == before


async def test_read_only_confirmation_refuses_and_sends_nothing(sandbox, scratch_apis, aws, tmp_path, monkeypatch):
    credentials = tmp_path / "credentials"
    credentials.write_text("[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = not-a-secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    api = scratch_apis["REST"]
    before = rest_rate(aws, api)
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION, profile="ops"))
    async with app.run_test(size=SIZE) as pilot:
        await open_stage(pilot, api)
        assert not app.engine.permission.writable
        await pilot.press("t")
        await type_text(pilot, "x2")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan")
        assert "--write" in plain(app.screen.query_one("#read-only", Static).content)
        await pilot.press("y")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmScreen)
    assert rest_rate(aws, api) == before and app.engine.journal.entries() == []
