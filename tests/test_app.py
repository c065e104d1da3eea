"""The TUI driven by keyboard through Pilot, at 80x24, against the sandbox over HTTP."""

from __future__ import annotations

import gc

from screen_helpers import SIZE, plain, run_command, screen_text, type_text, until
from textual.widgets import DataTable, Input

from console.aws.session import Target
from screens.api import ApiScreen
from screens.apis import ApiListScreen
from screens.app import ConsoleApp
from screens.catalog import ApiKeysScreen, UsagePlansScreen
from screens.command_line import CommandLine, parse
from screens.help import HelpScreen
from screens.stage import StageScreen
from screens.widgets import ConnectionBar, StatusLine


def rows(app: ConsoleApp, selector: str = "DataTable") -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def listed(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ApiListScreen) and app.screen.query_one("#apis").row_count,
                "the API list")


async def select_api(pilot, name: str) -> None:
    app = pilot.app
    names = [r[0] for r in rows(app, "#apis")]
    app.screen.query_one("#apis", DataTable).move_cursor(row=names.index(name))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ApiScreen) and app.screen.stages, f"{name}'s stages")


async def test_header_says_where_and_in_which_mode(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        header = plain(app.screen.query_one(ConnectionBar).render())
        assert "local 127.0.0.1" in header and "us-east-1" in header
        assert "acct 123456789012" in header and " RW " in header  # a local sandbox is writable


async def test_the_collector_is_quieted_while_connected_and_restored_after(sandbox):
    """Connected, the app freezes what is alive out of the collector's scans and collects the young less
    often (a log view's flood of lines would otherwise stall keys); once it ends, both are undone."""
    before = gc.get_threshold()
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        assert gc.get_threshold()[0] == 10_000 and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


async def test_header_says_when_calls_are_held_back_by_the_budget(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        budget = app.gateway.connection.budget
        budget._waiting = 3  # as if three calls were queued behind the 10 rps budget
        try:
            await until(pilot, lambda: "holding 3 calls" in plain(app.screen.query_one(ConnectionBar).render()),
                        "the header to say so")
        finally:
            budget._waiting = 0


async def test_drill_from_list_to_api_to_stage_and_back(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        await select_api(pilot, "orders-api")
        assert [r[0] for r in rows(app, "#stages")] == ["dev", "prod", "staging"]
        await until(pilot, lambda: app.screen.detail is not None, "the resource tree")
        assert "/orders/{orderId}" in {node.data for node in app.screen.query_one("#structure").root.children}

        table = app.screen.query_one("#stages", DataTable)
        table.move_cursor(row=1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StageScreen) and app.screen.fetched_at, "the stage")
        text = screen_text(app)
        for expected in ("Throttling", "Account limit", "Method overrides", "Access logs", "Stage variables",
                         "backendHost"):
            assert expected in text
        assert "fetched" in plain(app.screen.query_one(StatusLine).content)

        await pilot.press("escape")
        assert isinstance(app.screen, ApiScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ApiListScreen)


async def test_http_api_shows_routes_and_integrations(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        await select_api(pilot, "storefront-http")
        await until(pilot, lambda: app.screen.detail is not None, "routes")
        routes = [r[0] for r in rows(app, "#structure")]
        assert "GET /products" in routes and "$default" in routes
        assert {"$default", "prod"} <= {r[0] for r in rows(app, "#stages")}


async def test_arrow_keys_work_as_soon_as_the_list_arrives(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        await pilot.press("down", "down")
        assert app.screen.query_one("#apis", DataTable).cursor_row == 2


async def test_slash_filters_as_you_type_and_escape_clears(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        everything = len(rows(app, "#apis"))
        await pilot.press("slash")
        await type_text(pilot, "pay")
        assert [r[0] for r in rows(app, "#apis")] == ["payments-api"]
        await pilot.press("escape")  # leaves the filter box, keeps the filter
        await pilot.press("escape")  # clears it
        assert len(rows(app, "#apis")) == everything


async def test_r_refreshes_from_aws(sandbox, aws, unique, scratch_region):
    first, second = unique("first"), unique("second")
    client = aws("apigateway", scratch_region)
    client.create_rest_api(name=first)
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        assert first in {r[0] for r in rows(app, "#apis")}
        client.create_rest_api(name=second)
        await pilot.press("r")
        await until(pilot, lambda: second in {r[0] for r in rows(app, "#apis")}, "the refreshed list")


async def test_names_that_look_like_markup_are_shown_as_written(sandbox, aws, scratch_region):
    name = "[beta] orders [/b]"
    aws("apigateway", scratch_region).create_rest_api(name=name, description="[red]not red[/red]")
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        assert name in {r[0] for r in rows(app, "#apis")}
        assert "[red]not red[/red]" in {r[6] for r in rows(app, "#apis")}


async def test_stage_counts_appear_once_known(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        await until(pilot, lambda: all(r[5] != "—" for r in rows(app, "#apis")), "stage counts")
        counts = {r[0]: r[5] for r in rows(app, "#apis")}
        assert counts["orders-api"] == "3" and counts["storefront-http"] == "2"


async def test_question_mark_lists_keys_and_aliases(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for expected in ("Filter", "Refresh", "Quit", ":region NAME", ":plans", "ctrl+p"):
            assert expected in text
        await pilot.press("escape")
        assert isinstance(app.screen, ApiListScreen)


async def test_command_line_opens_plans_and_keys_with_values_masked(sandbox, aws):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        await run_command(pilot, "plans")
        await until(pilot, lambda: isinstance(app.screen, UsagePlansScreen) and app.screen.fetched_at, "plans")
        assert "partner-gold" in {r[0] for r in rows(app)}
        assert any("orders-api/prod" in r[4] for r in rows(app))

        await run_command(pilot, "keys")
        await until(pilot, lambda: isinstance(app.screen, ApiKeysScreen) and app.screen.fetched_at, "keys")
        values = [k["value"] for k in aws("apigateway").get_api_keys(includeValues=True)["items"]]
        text = screen_text(app)
        assert values and not any(v in text for v in values)
        assert "••••" in text


async def test_region_switch_shows_nothing_of_the_old_region(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        east_ids = {r[1] for r in rows(app, "#apis")}
        await select_api(pilot, "orders-api")
        await run_command(pilot, "region eu-west-1")
        await until(pilot, lambda: app.gateway.connection.region == "eu-west-1", "the switch")
        await listed(pilot)
        assert len(app.screen_stack) == 2  # the old API and stage screens are gone
        west = rows(app, "#apis")
        assert "orders-api-eu" in {r[0] for r in west}
        assert not east_ids & {r[1] for r in west}
        assert "eu-west-1" in plain(app.screen.query_one(ConnectionBar).render())


async def test_a_mistyped_command_keeps_the_text(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        await run_command(pilot, "region narnia")
        assert isinstance(app.screen, CommandLine)
        assert app.screen.query_one(Input).value == "region narnia"
        await pilot.press("escape")
        assert isinstance(app.screen, ApiListScreen)


async def test_q_command_quits(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        await run_command(pilot, "q")
        await pilot.pause(0.1)
    assert app.return_code == 0


async def test_aws_errors_are_shown_in_words_and_the_app_keeps_running(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot)
        orders = next(a for a in app.gateway.apis() if a.name == "orders-api")
        await app.push_screen(StageScreen(orders, "no-such-stage"))
        await until(pilot, lambda: app.screen.problem is not None, "the failure")
        assert "NotFoundException" in plain(app.screen.query_one(StatusLine).content)
        await pilot.press("escape")
        assert isinstance(app.screen, ApiListScreen)


async def test_no_credentials_exits_2_with_the_paragraph(isolated_aws):
    app = ConsoleApp(Target(region="us-east-1"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.return_code is not None, "the exit", timeout=10)
    assert app.return_code == 2


def test_command_parsing():
    assert parse(":apis").verb == "apis"
    assert parse("region eu-west-1").argument == "eu-west-1"
    assert parse("q").verb == "quit"
    for wrong in ("", "bogus", "region", "region Europe", "apis now"):
        try:
            parse(wrong)
        except ValueError as problem:
            assert str(problem)
        else:
            raise AssertionError(f"{wrong!r} was accepted")
