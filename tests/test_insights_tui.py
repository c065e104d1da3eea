"""The Logs Insights view (`:insights API STAGE`) by keyboard, over the seeded estate (queries only read)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from conftest import build_rest
from screen_helpers import SIZE, connected, palette, until
from textual.widgets import DataTable, Input, Static

from console.aws.local import REGION
from console.aws.session import Target
from console.sandbox.fidelity import logs_insights
from screens.app import ConsoleApp
from screens.command_line import parse
from screens.insights import InsightsScreen

GROUP = "/aws/apigateway/orders-api/prod/access"


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


async def open_insights(pilot) -> InsightsScreen:
    app = pilot.app
    await connected(pilot)
    app.run_command(parse("insights orders-api prod"))  # as typed after ":"
    await until(pilot, lambda: isinstance(app.screen, InsightsScreen) and app.screen.query("#insights-query"), "the insights view")
    return app.screen


def said(screen: InsightsScreen) -> str:
    """The line under the query box ("" while the view is still being composed)."""
    return " ".join(" ".join(str(line.content) for line in screen.query("#insights-progress").results(Static)).split())


def cancelled(aws) -> set[str]:
    queries = aws("logs", REGION).describe_queries(logGroupName=GROUP, status="Cancelled")["queries"]
    return {q["queryId"] for q in queries}


async def test_the_view_runs_its_query_once_and_shows_rows_with_the_window_and_records_read(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_insights(pilot)
        await until(pilot, lambda: screen.results is not None, "the rows")
        results = screen.results
        table = screen.query_one("#insights-results", DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["status", "requests"]
        assert table.row_count == len(results.rows) > 0
        assert sum(int(requests) for _, requests in results.rows) == results.statistics.matched
        assert results.end - results.start == timedelta(hours=1)
        assert f"{results.start:%Y-%m-%d %H:%M:%S} → {results.end:%Y-%m-%d %H:%M:%S} UTC" in said(screen)
        assert f"{results.statistics.matched:,} records matched of {results.statistics.scanned:,} scanned" in said(screen)


async def test_a_query_that_cannot_run_says_why_and_keeps_the_rows(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_insights(pilot)
        await until(pilot, lambda: screen.results is not None, "the rows")
        shown = screen.query_one("#insights-results", DataTable).row_count
        screen.query_one("#insights-query", Input).value = "pattern @message"
        screen.query_one("#insights-query", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "did not run" in said(screen), "the refusal")
        assert "pattern command" in said(screen)
        assert screen.query_one("#insights-results", DataTable).row_count == shown


async def test_ctrl_c_stops_a_running_query_and_leaving_stops_another(sandbox, aws, monkeypatch):
    monkeypatch.setattr(logs_insights, "RUN_SECONDS", 60.0)  # the sandbox's queries now run for a minute
    before = cancelled(aws)
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_insights(pilot)
        await until(pilot, lambda: "running…" in said(screen), "the query running")
        assert "records scanned" in said(screen)
        await pilot.press("ctrl+c")
        await until(pilot, lambda: "Stopped" in said(screen), "the stop")
        assert len(cancelled(aws) - before) == 1
        await pilot.press("tab", "4")  # the box has focus: tab to the rows, then 4 picks 24 h
        await until(pilot, lambda: screen.window == "24h" and "running…" in said(screen), "a 24 h query running")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, InsightsScreen), "leaving")
        await until(pilot, lambda: len(cancelled(aws) - before) == 2, "the second query stopped")


async def test_the_palette_opens_the_view_on_a_stage_by_name(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        await palette(pilot, "insights orders-api prod")
        await until(pilot, lambda: isinstance(app.screen, InsightsScreen) and app.screen.query("#insights-query"), "the insights view")
        assert (app.screen.api.name, app.screen.stage_name) == ("orders-api", "prod")


async def test_what_the_log_wrote_is_shown_never_obeyed(sandbox, aws, unique):
    region = "ap-southeast-5"  # this test's own: it creates an API and a log group
    apigw, logs = aws("apigateway", region), aws("logs", region)
    name = unique("hostile")
    api = build_rest(apigw, name)
    group = f"/aws/apigateway/{name}/prod/access"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[{
        "timestamp": int(time.time() * 1000) - 60_000,
        "message": json.dumps({"requestId": "r1", "status": "200", "path": "/x\x1b[31mred\x1b]52;c;AAAA\x07",
                               "\x1b[2Jkey": "[bold]v[/bold]"})}])
    apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn",
         "value": f"arn:aws:logs:{region}:123456789012:log-group:{group}"},
        {"op": "replace", "path": "/accessLogSettings/format", "value": '{"requestId":"$context.requestId"}'}])
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=region))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await connected(pilot)
            app.run_command(parse(f"insights {name} prod"))
            await until(pilot, lambda: isinstance(app.screen, InsightsScreen) and app.screen.query("#insights-query"), "the insights view")
            screen = app.screen
            box = screen.query_one("#insights-query", Input)
            box.value = "fields path, `\x1b[2Jkey`"
            box.focus()
            await pilot.press("enter")
            await until(pilot, lambda: screen.results is not None and "path" in screen.results.columns, "the rows")
            table = screen.query_one("#insights-results", DataTable)
            headers = [c.label for c in table.columns.values()]
            cells = table.get_row_at(0)
            shown = " ".join(t.plain for t in (*headers, *cells))
            assert "\x1b" not in shown and "\x07" not in shown
            assert "/x␛[31mred␛]52;c;AAAA␇" in shown and "␛[2Jkey" in shown
            assert "[bold]v[/bold]" in shown  # brackets are text, not markup
    finally:
        logs.delete_log_group(logGroupName=group)
        apigw.delete_rest_api(restApiId=api)


async def test_i_on_a_stage_opens_the_view_on_it(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        app.run_command(parse("stage orders-api prod"))
        await until(pilot, lambda: type(app.screen).__name__ == "StageScreen", "the stage")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, InsightsScreen) and app.screen.query("#insights-query"), "the insights view")
        assert (app.screen.api.name, app.screen.stage_name) == ("orders-api", "prod")
