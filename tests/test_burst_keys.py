"""Keys typed faster than an input opens (a paste, a fast typist over SSH) all reach that input: none
is lost, and none runs as an action on the screen underneath."""

from __future__ import annotations

from screen_helpers import SIZE, connected, until
from textual import events
from textual.widgets import Input

from console.aws.session import Target
from screens.app import ConsoleApp
from screens.command_line import CommandLine


def keypress(app, key: str, character: str | None) -> events.Key:
    """A key as the terminal driver delivers it."""
    event = events.Key(key, character)
    event.set_sender(app)
    return event


async def test_keys_typed_in_a_burst_after_colon_all_reach_the_command_line(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        text = "logs orders-api prod canary xyz"[:30]
        for key in [":", *text]:  # all at once, as a fast typist over SSH sends them: nothing awaited between
            name = {":": "colon", " ": "space", "-": "minus"}.get(key, key)
            app.post_message(keypress(app, name, key))
        await until(pilot, lambda: isinstance(app.screen, CommandLine), "the command line")
        await pilot.pause(0.3)
        assert app.screen.query_one(Input).value == text


async def test_keys_typed_in_a_burst_after_slash_filter_the_api_list(sandbox):
    from textual.widgets import DataTable

    from screens.apis import ApiListScreen

    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApiListScreen)
                    and app.screen.query_one("#apis", DataTable).row_count, "the API list")
        for key, character in [("slash", "/"), *((c, c) for c in "payments")]:
            app.post_message(keypress(app, key, character))
        await pilot.pause(0.6)
        assert app.screen.query_one("#filter", Input).value == "payments"
        names = [str(row[0]) for row in (app.screen.query_one("#apis", DataTable).get_row_at(i)
                                         for i in range(app.screen.query_one("#apis", DataTable).row_count))]
        assert names and all("payments" in n for n in names)


async def test_a_burst_ending_in_enter_runs_the_command(sandbox):
    from screens.pulse import PulseScreen

    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        for key, character in [("colon", ":"), *((c, c) for c in "pulse"), ("enter", "\r")]:
            app.post_message(keypress(app, key, character))
        await until(pilot, lambda: isinstance(app.screen, PulseScreen), "the pulse, opened by the burst's enter")


async def test_a_burst_typed_at_launch_opens_the_pulse_once_the_console_is_up(sandbox):
    """`:pulse⏎` typed before the first frame (a paste into a console just started) still lands."""
    from screens.pulse import PulseScreen

    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        for key, character in [("colon", ":"), *((c, c) for c in "pulse"), ("enter", "\r")]:
            app.post_message(keypress(app, key, character))
        await until(pilot, lambda: isinstance(app.screen, PulseScreen) and app.screen.rows, "the pulse's rows")
