"""The log view, its charts, the CloudWatch view and the pulse, by keyboard at 80x24."""

from __future__ import annotations

import pytest
from once import once
from conftest import build_rest
from screen_helpers import SIZE, connected, plain, run_command, until
from traffic_helpers import stepped

from console.aws.session import Target
from console.sandbox.estate import ORDERS_API, PAYMENTS_API
from screens.app import ConsoleApp
from screens.charts import LiveCharts
from screens.command_line import Command, parse
from screens.confirm import ConfirmScreen
from screens.logs import LogLines, LogScreen, clock
from screens.metrics import MetricsScreen
from screens.pulse import PulseScreen

HERE = "eu-west-3"  # this module's own region


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="module")
def live(sandbox):
    return once(sandbox, __name__, lambda: build_live(sandbox))


def build_live(sandbox):
    return stepped(sandbox.url, HERE, rest_apis=(ORDERS_API, PAYMENTS_API),
                   stages=(("orders-api", "prod"), ("payments-api", "prod")))


def rows(lines: LogLines) -> str:
    return "\n".join(lines.render_line(y).text for y in range(lines.size.height))


async def open_logs(pilot, live, api: str = "payments-api") -> LogScreen:
    app = pilot.app
    await connected(pilot)
    app.run_command(parse(f"logs {api} prod"))  # as typed after ":" (typing it is slow under Pilot)
    await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.tail is not None, "the log view")
    screen = app.screen
    await until(pilot, lambda: screen.tail.state.mode == "live", "LiveTail")
    for _ in range(6):
        live.step(5.0)
        await pilot.pause(0.3)
    await until(pilot, lambda: len(screen.buffer.shown) > 20, "lines")
    return screen


async def prompt(pilot, screen: LogScreen, key: str, text: str) -> None:
    """Open the view's prompt with `key`, put `text` in it (typing is slow under Pilot), press enter."""
    await pilot.press(key)
    screen.query_one("#log-prompt").value = text
    await pilot.press("enter")


async def test_the_log_view_follows_filters_searches_and_shows_a_lines_fields(live):
    app = ConsoleApp(Target(endpoint_url=live.url, region=HERE))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_logs(pilot, live)
        lines = screen.query_one(LogLines)
        await pilot.pause()
        assert clock(screen.buffer.shown[-1].timestamp) in rows(lines)  # following: the newest line is on screen
        assert "LIVE" in plain(screen.query_one("#status").content)
        stamps = [line.timestamp for line in screen.buffer.shown]
        assert stamps == sorted(stamps)

        await pilot.press("s")  # 5xx only
        assert screen.buffer.filter.statuses == {"5xx"}
        assert all(line.entry.status >= 500 for line in screen.buffer.shown)
        await pilot.press("s", "s", "s", "s")  # back round to everything
        assert not screen.buffer.filter.active

        await prompt(pilot, screen, "F", "POST /payments")
        assert all(line.entry.method == "POST" and line.entry.route.startswith("/payments")
                   for line in screen.buffer.shown)
        await pilot.press("F", "ctrl+u", "enter")  # an empty filter: everything again

        target = screen.buffer.shown[len(screen.buffer.shown) // 2].entry.request_id
        await prompt(pilot, screen, "slash", target[:13])
        assert not lines.follow and lines.current.entry.request_id == target
        await pilot.pause()
        assert clock(lines.current.timestamp) in rows(lines)

        await pilot.press("enter")  # the line's fields
        detail = plain(screen.query_one("#log-fields").content)
        assert target in detail and "$httpMethod" in detail
        await pilot.press("c")
        assert app.clipboard == lines.current.message
        await pilot.press("escape")  # closes the fields, stays in the view
        assert isinstance(app.screen, LogScreen)

        await pilot.press("g")  # the live charts
        charts = screen.query_one(LiveCharts)
        await until(pilot, lambda: "5xx" in plain(charts.query_one("#live-counts .chart-title").content),
                    "the charts")
        assert "Top routes" in plain(charts.query_one("#live-routes").content)
        await pilot.press("g", "f")  # back to the lines, following the newest again
        assert lines.follow
        await pilot.press("p")  # paused
        assert not lines.follow and "paused" in plain(screen.query_one("#status").content)


async def test_the_pulse_lists_stages_worst_first_and_each_fix_is_one_key_away(live):
    from screens.forms import ThrottleForm
    from screens.stage import StageScreen

    live.step(60.0)
    live.traffic.close(__import__("time").time())  # the current minute's metrics too
    app = ConsoleApp(Target(endpoint_url=live.url, region=HERE))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        await run_command(pilot, "pulse")
        await until(pilot, lambda: isinstance(app.screen, PulseScreen) and app.screen.rows, "the pulse")
        pulse = app.screen
        assert {r.ref.api_name for r in pulse.rows} == {"orders-api", "payments-api"}
        assert [r.score for r in pulse.rows] == sorted((r.score for r in pulse.rows), reverse=True)
        assert "complete min" in plain(pulse.query_one("#status").content)
        first = pulse.rows[0].ref
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MetricsScreen) and app.screen.found, "the metrics")
        assert "requests" in plain(app.screen.query_one("#metrics-summary").content)
        await pilot.press("escape")
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen), "the log view")
        assert app.screen.stage_name == first.stage and app.screen.api.id == first.api_id
        await pilot.press("escape")
        await pilot.press("t")  # straight to the highlighted stage's throttle form
        await until(pilot, lambda: isinstance(app.screen, ThrottleForm), "the throttle form")
        await pilot.press("escape")
        assert isinstance(app.screen, StageScreen) and app.screen.stage_name == first.stage
        await pilot.press("escape")
        await pilot.press("slash")
        await pilot.press(*"payments")  # a burst: every key arrives
        await until(pilot, lambda: pulse.rows and all(r.ref.api_name == "payments-api" for r in pulse.rows),
                    "the filtered pulse")



async def test_a_stage_without_access_logging_says_so_and_offers_to_turn_it_on(sandbox, scratch_apis, aws,
                                                                               scratch_region):
    api_id = scratch_apis["REST"]
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        api = next(a for a in app.gateway.apis() if a.id == api_id)
        await app.push_screen(LogScreen(api, "dev"))
        screen = app.screen
        await until(pilot, lambda: screen.sources is not None, "the stage's logs")
        assert "no access logging" in rows(screen.query_one(LogLines)) and "Press a" in rows(screen.query_one(LogLines))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan")
        plan = app.screen.plan
        assert plan.kind == "access-logging" and "does not exist yet" in " ".join(plan.warnings)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, LogScreen) and screen.sources and screen.sources.access,
                    "access logging on")
    settings = aws("apigateway", scratch_region).get_stage(restApiId=api_id, stageName="dev")["accessLogSettings"]
    assert ":log-group:/aws/apigateway/scratch-rest-" in settings["destinationArn"]
    assert settings["destinationArn"].endswith("/dev/access")
    assert '"status":"$context.status"' in settings["format"]


def test_the_command_line_opens_logs_metrics_and_the_pulse():
    assert parse(":pulse") == Command("pulse")
    assert parse("logs orders-api prod") == Command("logs", "orders-api prod")
    assert parse("logs orders-api prod canary") == Command("logs", "orders-api prod canary")
    assert parse("metrics abc123 dev") == Command("metrics", "abc123 dev")
    with pytest.raises(ValueError, match="Usage: :logs API STAGE"):
        parse("logs orders-api")


async def test_e_switches_a_rest_stage_to_its_execution_log(sandbox, aws, scratch_region, unique):
    apigw, logs = aws("apigateway", scratch_region), aws("logs", scratch_region)
    api_id = build_rest(apigw, unique("exec"))
    group = f"API-Gateway-Execution-Logs_{api_id}/prod"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    line = "(a1b2c3) Execution failed due to configuration error: Invalid endpoint address"
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": int(__import__("time").time() * 1000), "message": line}])
    try:
        app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
        async with app.run_test(size=SIZE) as pilot:
            await connected(pilot)
            api = app.gateway.find_api(api_id)
            await app.push_screen(LogScreen(api, "prod"))
            await pilot.pause(0.5)
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.execution
                        and app.screen.buffer.all, "the execution log's lines")
            assert "execution log" in plain(app.screen.query_one("#title").content)
            assert "Invalid endpoint address" in app.screen.buffer.all[-1].message
    finally:
        logs.delete_log_group(logGroupName=group)
        apigw.delete_rest_api(restApiId=api_id)
