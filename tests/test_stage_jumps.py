"""From the metrics and log views, the stage and its fixes are one key away (issue #15 item 4), and the
views of a stage read it again after a change applied elsewhere."""

from __future__ import annotations

from conftest import build_rest
from screen_helpers import SIZE, connected, plain, until

from actions import stage_variables
from console.aws.session import Target
from screens.app import ConsoleApp
from screens.canary import CanaryScreen
from screens.charts import LiveCharts
from screens.forms import ThrottleForm
from screens.logs import LogScreen
from screens.metrics import MetricsScreen
from screens.stage import StageScreen



async def test_from_the_metrics_view_t_opens_its_stages_throttle_form_and_enter_the_stage(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        api = app.gateway.find_api("orders-api")
        await app.push_screen(MetricsScreen(api, "prod"))
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, ThrottleForm), "the throttle form")
        assert app.screen.api.id == api.id and app.screen.stage.name == "prod"
        await pilot.press("escape")
        assert isinstance(app.screen, StageScreen) and app.screen.stage_name == "prod"
        stage = app.screen
        await pilot.press("m")  # the stage's metrics again: enter goes back down to this stage, not a copy of it
        await until(pilot, lambda: isinstance(app.screen, MetricsScreen), "the metrics view")
        depth = len(app.screen_stack)
        await pilot.press("enter")
        assert app.screen is stage and len(app.screen_stack) == depth - 1
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MetricsScreen), "the metrics view")
        await pilot.press("t")  # down to that stage, its throttle form open
        await until(pilot, lambda: isinstance(app.screen, ThrottleForm), "the throttle form")
        assert app.screen_stack[-2] is stage


async def test_from_the_log_view_shift_s_opens_the_stage_and_shift_t_its_throttle_form(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        api = app.gateway.find_api("orders-api")
        await app.push_screen(LogScreen(api, "prod"))
        logs = app.screen
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), "the stage")
        assert app.screen.api.id == api.id and app.screen.stage_name == "prod"
        await pilot.press("escape")
        assert app.screen is logs
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, ThrottleForm), "the throttle form")
        assert app.screen.stage.name == "prod"
        await pilot.press("escape", "escape")
        assert app.screen is logs
        await pilot.press("t")  # the view's own keys are kept: t still toggles timestamps
        assert app.screen is logs


async def test_the_live_charts_say_how_many_lines_their_percentiles_come_from(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        await app.push_screen(LogScreen(app.gateway.find_api("orders-api"), "prod"))
        await until(pilot, lambda: app.screen.rollup.lines > 0, "lines")
        await pilot.press("g")
        charts = app.screen.query_one(LiveCharts)
        await until(pilot, lambda: "lines" in plain(charts.query_one("#live-latency .chart-title").content),
                    "the latency chart's sample")
        assert "from N lines" in plain(charts.query_one("#live-routes").content)


async def test_the_canary_and_metrics_views_under_a_change_read_the_stage_again(sandbox, aws, scratch_region,
                                                                               unique):
    apigw = aws("apigateway", scratch_region)
    api_id = build_rest(apigw, unique("jumps"))
    try:
        app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
        async with app.run_test(size=SIZE) as pilot:
            await connected(pilot)
            api = app.gateway.find_api(api_id)
            await app.push_screen(CanaryScreen(api, "prod"))
            canary = app.screen
            await until(pilot, lambda: canary.stage is not None, "the canary view")
            await app.push_screen(MetricsScreen(api, "prod"))
            metrics = app.screen
            await until(pilot, lambda: metrics.fetched_at or metrics.problem, "the metrics view")
            await pilot.press("enter")  # the stage, over both
            await until(pilot, lambda: isinstance(app.screen, StageScreen) and app.screen.fetched_at, "the stage")
            engine = app.engine
            engine.apply(stage_variables.set_variables(engine.document(api, "prod"), {"release": "r42"}))
            read = engine.gateway.generation
            await pilot.press("escape")
            assert app.screen is metrics
            await until(pilot, lambda: metrics._read_generation == read, "the metrics view reading again")
            await pilot.press("escape")
            assert app.screen is canary
            await until(pilot, lambda: canary.stage.variables.get("release") == "r42", "the canary view reading again")
            assert "r42" in plain(canary.query_one("#variables").content)
    finally:
        apigw.delete_rest_api(restApiId=api_id)


async def test_a_websocket_stages_latency_chart_draws_its_integration_latency_once(sandbox):
    """A WebSocket API's latency is its IntegrationLatency: the chart's p99 line is it, with no second
    "integ p99" line drawn over the same points (a REST stage has both)."""
    from screen_helpers import screen_text

    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await connected(pilot)
        for name, both in (("live-notifications-ws", False), ("orders-api", True)):
            await app.push_screen(MetricsScreen(app.gateway.find_api(name), "prod"))
            await until(pilot, lambda: "p99" in screen_text(app) and not app.screen.loading_what, f"{name}'s charts")
            assert ("integ p99" in screen_text(app)) is both, name
            app.pop_screen()
