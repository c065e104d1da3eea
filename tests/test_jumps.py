"""From wherever the operator is, the stage and its fix are one jump away, and what they see is current:
the palette names every action on every stage, :ctx NAME switches at once, and a view under a change
reads again when it comes back on top."""

from __future__ import annotations

from conftest import build_rest
from screen_helpers import SIZE, connected, palette, type_text, until
from textual.widgets import DataTable

from actions import throttle
from console.aws.session import Target
from screens.api import ApiScreen
from screens.apis import ApiListScreen
from screens.app import ConsoleApp
from screens.command_line import Command, parse
from screens.forms import ThrottleForm
from screens.stage import StageScreen


def test_ctx_takes_a_profile_name_and_other_views_refuse_arguments():
    assert parse(":ctx prod-admin") == Command("ctx", "prod-admin") and parse("ctx") == Command("ctx")
    assert parse(":stage orders-api prod") == Command("stage", "orders-api prod")
    for wrong in (":plans x", ":ctx a b"):
        try:
            parse(wrong)
        except ValueError:
            continue
        raise AssertionError(f"{wrong} was taken")


async def test_the_palette_opens_a_stage_with_its_action_by_name(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApiListScreen)
                    and app.screen.query_one("#apis", DataTable).row_count, "the API list")
        await palette(pilot, "throttle orders-api prod")
        await until(pilot, lambda: isinstance(app.screen, ThrottleForm), "the throttle form")
        assert app.screen.api.name == "orders-api" and app.screen.stage.name == "prod"


async def test_a_view_under_a_change_reads_again_when_it_is_back_on_top(sandbox, aws, scratch_region, unique):
    apigw = aws("apigateway", scratch_region)
    api_id = build_rest(apigw, unique("stale"))
    try:
        app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
        async with app.run_test(size=SIZE) as pilot:
            await connected(pilot)
            api = app.gateway.find_api(api_id)
            await app.push_screen(ApiScreen(api))
            await until(pilot, lambda: app.screen.stages, "the API's stages")
            await app.push_screen(StageScreen(api, "prod"))
            await until(pilot, lambda: app.screen.fetched_at, "the stage")
            engine = app.engine
            plan = throttle.set_throttle(engine.document(api, "prod"), selector=None, rate="123", burst="45")
            engine.apply(plan)  # as the stage screen's throttle form would
            await pilot.press("escape")
            screen = app.screen
            assert isinstance(screen, ApiScreen)
            table = screen.query_one("#stages", DataTable)
            await until(pilot, lambda: any("123" in str(cell) for i in range(table.row_count)
                                           for cell in table.get_row_at(i)), "the API view showing the new throttle")
    finally:
        apigw.delete_rest_api(restApiId=api_id)


async def test_the_command_line_completes_stage_commands_from_what_is_read(sandbox):
    from textual.widgets import Input

    from screens.command_line import CommandLine

    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApiListScreen)
                    and app.screen.query_one("#apis", DataTable).row_count, "the API list")
        app.gateway.stages(app.gateway.find_api("orders-api"))  # as the API view or the pulse reads them
        await pilot.press("colon")
        await until(pilot, lambda: isinstance(app.screen, CommandLine), "the command line")
        await type_text(pilot, "stage ord")
        await pilot.pause(0.3)
        await pilot.press("right")  # takes the completion
        value = app.screen.query_one(Input).value
        assert value.startswith("stage orders-api ") and value.split()[-1] in ("dev", "prod", "staging")


def test_views_have_short_names_as_in_k9s():
    assert parse(":p") == Command("pulse") and parse(":a") == Command("apis") and parse(":k") == Command("keys")
    assert parse(":s orders-api prod") == Command("stage", "orders-api prod")
