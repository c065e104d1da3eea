"""At 80x24 and without colour: nothing covers an input that waits, and every chart series can be told apart."""

from __future__ import annotations

from screen_helpers import SIZE, connected, until
from textual.widgets import DataTable
from textual.widgets._toast import ToastRack

from console.aws.session import Target
from screens.apis import ApiListScreen
from screens.app import ConsoleApp
from screens.metrics import MetricsScreen


async def test_toasts_sit_at_the_top_clear_of_the_inputs_and_footer(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApiListScreen)
                    and app.screen.query_one("#apis", DataTable).row_count, "the API list")
        app.notify("something happened", timeout=30)
        await pilot.pause(0.3)
        rack = app.screen.get_child_by_type(ToastRack)
        assert rack.region.y <= 2 and rack.region.bottom < SIZE[1] - 3  # the bottom rows stay visible


async def test_without_colour_each_chart_series_has_its_own_glyph_in_the_legend(sandbox, monkeypatch):
    from screen_helpers import plain

    monkeypatch.setenv("NO_COLOR", "1")
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        assert app.no_color
        api = app.gateway.find_api("orders-api")
        await app.push_screen(MetricsScreen(api, "prod"))
        await until(pilot, lambda: app.screen.found, "the metrics")
        await pilot.pause(0.3)
        titles = [plain(t.content) for t in app.screen.query(".chart-title")]
        assert any("•" in t and "×" in t for t in titles), titles


async def test_wrap_wraps_a_long_line_whole_never_cuts_it():
    from textual.app import App, ComposeResult

    from console.logs.buffer import LogBuffer
    from console.logs.tail import LogLine
    from screens.logs import LogLines

    token = "GET /search?q=" + "x" * 150 + "&end=1"
    buffer = LogBuffer()
    buffer.add([LogLine(1_700_000_000_000, "g", "s", token, None)])

    class One(App):
        def compose(self) -> ComposeResult:
            yield LogLines(buffer, id="lines")

    app = One()
    async with app.run_test(size=(60, 10)) as pilot:
        lines = app.query_one(LogLines)
        lines.wrap, lines.raw = True, True
        lines.redraw()
        await pilot.pause()
        shown = "".join(lines.render_line(y).text for y in range(10)).replace(" ", "")
        assert token.replace(" ", "") in shown and "…" not in shown
