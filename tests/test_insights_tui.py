"""The Logs Insights view (`:insights API STAGE`) by keyboard, over the seeded estate (queries only read)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from screen_helpers import SIZE, type_text, until
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
    await until(pilot, lambda: app.engine is not None, "the connection")
    app.run_command(parse("insights orders-api prod"))  # as typed after ":"
    await until(pilot, lambda: isinstance(app.screen, InsightsScreen), "the insights view")
    return app.screen


def said(screen: InsightsScreen) -> str:
    return " ".join(str(screen.query_one("#insights-progress", Static).content).split())


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
        await until(pilot, lambda: app.engine is not None, "the connection")
        await pilot.press("ctrl+p")
        await pilot.pause(0.5)  # the palette reads the stages of the APIs it has not seen yet
        await type_text(pilot, "insights orders-api prod")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, InsightsScreen), "the insights view")
        assert (app.screen.api.name, app.screen.stage_name) == ("orders-api", "prod")
