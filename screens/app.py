"""The Textual App: paints first, connects in a worker, then routes between screens.

boto3 (and moto, for --sandbox) are imported only inside the connect worker, so the first frame is
on screen before any of that cost is paid.
"""

from __future__ import annotations

import gc
import sys
import termios
import threading
from functools import partial
from typing import TYPE_CHECKING, Iterable

from rich.text import Text
from textual import events
from textual._compositor import CompositorUpdate
from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from console.config import Settings
from console.config import load as load_settings
from console.connect import Connector
from console.exits import EXIT_HANGUP, exit_code
from console.render.visible import visible
from screens.apis import ApiListScreen
from screens.base import ConsoleScreen
from screens.command_line import Command, CommandLine
from screens.confirm import propose
from screens.connection import MfaScreen
from screens.help import HelpScreen
from screens.keys import bindings
from screens.palette import StageCommands
from screens.views import VIEWS, view
from screens.widgets import Place, colour_before_connecting, resolved
from screens.wire import compact, scroll_up

HANGUP_CHECK_SECONDS = 2.0
from screens.workers import in_thread

if TYPE_CHECKING:
    from actions.engine import Engine
    from console.aws.errors import Problem
    from console.aws.session import Target
    from console.read.gateway import Gateway


def _quiet_collector() -> tuple[int, int, int]:
    """Keep the garbage collector's pauses off the keyboard; returns the thresholds it replaced.

    A log view can take tens of thousands of lines a second; at CPython's defaults (a young collection
    every 700 allocations, full collections scanning every live object) the collector then stalls the
    event loop for 100 ms and more, several times a minute. Once connected, what is alive (Textual, rich,
    botocore: most of what the process will ever hold) is frozen out of the scans, and young collections
    come every 10,000 allocations. Frozen objects are scanned again once the app ends (`_usual_collector`).
    """
    previous = gc.get_threshold()
    gc.collect(1)  # the young garbage only: a full collection of a large process (the tests' in-process
    gc.freeze()    # sandbox) took a third of a second at each start, and old garbage frozen costs little
    gc.set_threshold(10_000, 10, 10)
    return previous


def _usual_collector(thresholds: tuple[int, int, int]) -> None:
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def _keys_in_force(screen: Screen, display) -> list[tuple[str, str]]:
    """The configurable keys that work here (focused widget, its containers, the screen, the app), as the
    config's [keymap] rebound them: several keys of one binding on one line."""
    found: dict[str, tuple[list[str], str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.id and binding.description:
            found.setdefault(binding.id, ([], binding.description))[0].append(display(binding))
    return [(" ".join(keys), description) for keys, description in found.values()]


OPENS_INPUT = ("colon", "slash")  # keys that open an input the next keys are meant for
HOLD_SECONDS = 3.0  # the longest an input may take to open (at launch, the first frame comes first)


class ConsoleApp(App[None]):
    CSS_PATH = "console.tcss"
    COMMANDS = App.COMMANDS | {StageCommands}
    TITLE = "apigw-console"
    BINDINGS = bindings("app")

    place: reactive[Place | None] = reactive(None)
    held_calls: reactive[int] = reactive(0)
    waiting_for: reactive[str] = reactive("")  # the call AWS has not answered for a while, in words

    def __init__(self, target: "Target", settings: Settings | None = None, write: bool = False,
                 slow_link: bool = False) -> None:
        super().__init__()
        self.slow_link = slow_link  # over SSH: no animations or spinners, live charts once a minute
        if slow_link:
            self.animation_level = "none"
        self.target = target
        self.settings = settings or load_settings()
        self.gateway: Gateway | None = None
        self.engine: Engine | None = None
        self.connector = Connector(self.settings, write=write, ask_mfa=self._ask_mfa)
        self._collector: tuple[int, int, int] | None = None  # the collector's thresholds before we tuned it
        self._held_keys: list[events.Key] | None = None  # keys held while an input opens (hold_keys)
        self._scrolls: list[str] = []  # terminal scrolls the next frame starts with (scroll_rows)
        self._then_open: tuple[str, str] | None = None  # (API id, stage) to open once a switch connects

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every toast: its text may quote AWS or the operator, so it is never markup and its controls show."""
        super().notify(visible(message, keep_newlines=True), title=visible(title), severity=severity,
                       timeout=timeout, markup=False)

    @property
    def _background_screens(self) -> list[Screen]:
        """The screens that show through the top one: none when it is opaque.

        Textual always counts the screen just below the top as visible, so any repaint there (a status
        line's tick, a bar following the budget) repainted the whole terminal above it: over SSH, a full
        screen of bytes a second for nothing. A modal (translucent) keeps what is under it drawn.
        """
        stack = self._screen_stack
        if stack and stack[-1].styles.background.a == 1:
            return []
        return super()._background_screens

    @property
    def scrolls_terminal(self) -> bool:
        """Whether `scroll_rows` may be used: not headless (nothing is written), not inline."""
        return not (self.is_headless or self.is_inline)

    def scroll_rows(self, top: int, bottom: int, count: int) -> None:
        """Scroll the terminal's rows top..bottom (full width) up by `count` at the start of the next frame,
        so a view that follows new lines repaints only the rows that came in."""
        self._scrolls.append(scroll_up(top, bottom, count))

    def _display(self, screen: Screen, renderable) -> None:
        """Every frame: the scrolls asked for first, then Textual's update with its styles written compactly."""
        if isinstance(renderable, CompositorUpdate):
            render = renderable.render_segments

            def written(console) -> str:
                scrolls, self._scrolls = "".join(self._scrolls), []
                return scrolls + compact(render(console))

            renderable.render_segments = written
        super()._display(screen, renderable)

    def get_loading_widget(self) -> Widget:
        """Over a slow link a still word, not a spinner that writes a frame ten times a second."""
        if self.slow_link:
            return Static(Text("loading…", style="dim"))
        return super().get_loading_widget()

    def on_mount(self) -> None:
        self.place = Place(label=self.target.label, region=self.target.region or "", sandbox=self.target.sandbox,
                           status="starting the sandbox…" if self.target.sandbox else "connecting…",
                           **colour_before_connecting(self.target, self.settings))
        self.push_screen(ApiListScreen())
        self.connect(self.target)
        self.set_interval(0.5, self._watch_budget)
        if not self.is_headless and sys.__stdin__ is not None and sys.__stdin__.isatty():
            self.set_interval(HANGUP_CHECK_SECONDS, partial(self._watch_terminal, sys.__stdin__.fileno()))

    def _watch_terminal(self, fd: int) -> None:
        """Leave once the terminal has gone: a closed SSH session or tmux pane whose hang-up signal did not
        reach the console (started under `make`, say) would otherwise leave it running for good, its input
        thread spinning on the dead terminal's end of file (a third of a core)."""
        try:
            termios.tcgetattr(fd)
        except (termios.error, OSError):
            self.exit(return_code=EXIT_HANGUP)

    def on_unmount(self) -> None:
        self.connector.close()
        if self._collector is not None:
            _usual_collector(self._collector)

    # -- connecting ------------------------------------------------------------------------------

    def connect(self, target: "Target") -> None:
        """Build and identify a connection in a thread; the screens load once it is there."""

        def work() -> None:
            from console.aws.errors import explain

            try:
                self.call_from_thread(self._connected, self.connector.open(target))
            except Exception as exc:  # shown in words, never as a traceback
                self.call_from_thread(self._connect_failed, explain(exc, profile=target.profile))

        self.run_worker(work, thread=True, exclusive=True, group="connect", exit_on_error=False)

    def _ask_mfa(self, prompt: str) -> str:
        """botocore's MFA prompt, answered in a modal. Runs in the connect worker, which waits."""
        from console.aws.session import MfaCancelled

        answer: list[str | None] = []
        given = threading.Event()

        def ask() -> None:
            self.push_screen(MfaScreen(prompt, self.connector.mfa_error), callback=lambda code: (answer.append(code),
                                                                                         given.set()))

        self.call_from_thread(ask)
        while not given.wait(0.25):
            if not self.is_running:  # the app is closing: give up rather than hold the process open
                raise MfaCancelled()
        if answer[0] is None:
            raise MfaCancelled()
        return answer[0]

    async def _connected(self, engine: "Engine") -> None:
        first = self.gateway is None
        self.engine = engine
        self.gateway = engine.gateway
        connection = engine.connection
        self.target = connection.target
        identity = connection.identity
        self.place = Place(label=connection.target.label, region=connection.region, sandbox=connection.target.sandbox,
                           account=identity.account if identity else "", arn=identity.arn if identity else "",
                           writable=engine.permission.writable, **resolved(connection, self.settings))
        if first:
            self._collector = _quiet_collector()
            self._apply_settings()
            for screen in self.screen_stack:
                if isinstance(screen, ConsoleScreen):
                    screen.on_connected()
            return
        # A new place: nothing of the old one may stay on screen.
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        await self.push_screen(ApiListScreen())
        self.notify(f"Now in {connection.region} ({connection.target.label}).")
        if self._then_open:  # a fleet row's stage, asked for with the switch
            self.open_stage_view("stage", *self._then_open)
            self._then_open = None

    def _connect_failed(self, problem: "Problem") -> None:
        self._then_open = None
        if self.gateway is None:
            self.exit(return_code=exit_code(problem), message=problem.message)
            return
        where = f"{self.gateway.connection.target.label}, {self.gateway.connection.region}"
        self.notify(f"Stayed in {where}: {problem.message}", title="Could not switch",
                    severity="warning" if problem.kind == "cancelled" else "error", timeout=12)

    def _apply_settings(self) -> None:
        """The config's theme and keymap; a theme that does not exist is reported, not fatal."""
        problems = list(self.settings.problems)
        if self.settings.theme:
            if self.settings.theme in self.available_themes:
                self.theme = self.settings.theme
            else:
                problems.append(f"theme {self.settings.theme!r} does not exist; choose one of "
                                f"{', '.join(sorted(self.available_themes))}")
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))
        for problem in problems:
            self.notify(problem, title="Config", severity="warning", timeout=15)

    def _watch_budget(self) -> None:
        if self.gateway is not None:
            self.held_calls = self.gateway.connection.budget.waiting
        slow = self.connector.waits.slowest()
        self.waiting_for = slow.describe(self.connector.waits.max_attempts) if slow else ""

    # -- navigation ------------------------------------------------------------------------------

    def action_help(self) -> None:
        """The keys of this screen, then the app's; widget navigation is summed up in one line."""
        keys = _keys_in_force(self.screen, self.get_key_display)
        keys.append(("ctrl+p", "Command palette: every screen and action by name"))
        keys.append(("↑ ↓ pgup pgdn home end", "Move; tab moves between panes"))
        self.push_screen(HelpScreen(keys, slow_link=self.slow_link))

    def action_command_line(self, text: str = "") -> None:
        self.push_screen(CommandLine(text, self._completions()), callback=self.run_command)

    def _completions(self) -> list[str]:
        """`:stage API STAGE` and the other stage views for every stage already read (no call is made)."""
        gateway = self.gateway
        apis = (gateway.peek("apis") if gateway else None) or []
        stage_views = [v.name for v in VIEWS if v.stage_view]
        found = []
        for api in apis:
            for stage in gateway.peek("stages", api.id) or ():
                found += [f"{name} {api.name} {stage.name}" for name in stage_views]
        return found

    # -- keys typed faster than an input opens ---------------------------------------------------

    def release_keys(self) -> None:
        """Send the held keys on, in order, to what now has focus (an input that just opened calls it)."""
        held, self._held_keys = self._held_keys or [], None
        for key in held:
            again = events.Key(key.key, key.character)
            again.set_sender(self)  # as the driver sends it: a key without a sender does not bubble to bindings
            self.post_message(again)

    async def on_event(self, event: events.Event) -> None:
        """`:` and `/` open an input, but a burst (`:logs orders-api prod⏎` pasted, or typed fast over SSH)
        arrives before it is there, and its keys went to the screen underneath, where `l` or `t` is an
        action. So where `:` or `/` opens an input, the keys after it are held until the input has focus
        (`release_keys`), or for HOLD_SECONDS at most."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held_keys is not None:
                self._held_keys.append(event)
                return
            if event.key in OPENS_INPUT and not isinstance(self.focused, (Input, TextArea)) \
                    and event.key in self.active_bindings:  # only where the key does open an input
                self._held_keys = []
                self.set_timer(HOLD_SECONDS, self._release_if_held)
        await super().on_event(event)

    def _release_if_held(self) -> None:
        if self._held_keys is not None:
            self.release_keys()

    def run_command(self, command: Command | None) -> None:
        if command is None:
            return
        if command.verb == "quit":
            self.exit()
        elif command.verb == "help":
            self.action_help()
        elif command.verb == "region":
            self.switch_region(command.argument)
        elif command.verb == "open":
            from screens.domains import open_url

            open_url(self, command.argument)
        elif view(command.verb).stage_view:
            self.open_stage_view(command.verb, *command.argument.split())
        elif command.verb == "ctx" and command.argument:
            self.switch_profile(command.argument)
        elif command.verb in ("fleet", "runbook"):
            self.push_screen(view(command.verb).screen_class()(command.argument))
        elif command.verb == "authorizers" and command.argument:
            self.open_stage_view(command.verb, command.argument)
        else:
            self.open_view(command.verb)

    def action_undo(self) -> None:
        """Undo the newest change in the journal that is not undone yet — planned and confirmed like any."""
        propose(self.screen, lambda engine: engine.undo_plan(), on_applied=self._refresh_after_change)

    def _refresh_after_change(self, _applied) -> None:
        if isinstance(self.screen, ConsoleScreen):
            self.screen.load(refresh=True)

    def open_view(self, name: str) -> None:
        if name == "apis":
            while len(self.screen_stack) > 2:
                self.pop_screen()
            return
        screen = view(name).screen_class()
        if not isinstance(self.screen, screen):
            self.push_screen(screen())

    def open_stage_view(self, view: str, api_ref: str, stage: str | None = None, canary: str = "") -> None:
        """`:logs API STAGE [canary]`, `:metrics API STAGE`, `:authorizers API`: find the API (by id or name)
        and the stage, if the view is on one, then open the view."""
        if self.gateway is None:
            self.notify("Still connecting; try again in a moment.", severity="warning")
            return
        gateway = self.gateway

        def find():
            api = gateway.find_api(api_ref)
            if stage is not None:
                gateway.stage(api, stage)
            return api

        in_thread(self, find, lambda api: self._push_stage_view(view, api, stage, bool(canary)), group="open-view",
                  title=f":{view}")

    def _push_stage_view(self, name: str, api, stage: str | None, canary: bool) -> None:
        screen = view(name).screen_class()
        if stage is None:
            self.push_screen(screen(api))
        else:
            self.push_screen(screen(api, stage, canary=canary) if canary else screen(api, stage))

    def switch_profile(self, profile: str) -> None:
        """Connect as another profile (its own region), on the same endpoint."""
        from console.aws.session import Target

        if self.gateway is None:
            self.notify("Still connecting; try again in a moment.", severity="warning")
            return
        self.notify(f"Connecting as {profile}…")
        self.connect(Target(profile=profile, endpoint_url=self.gateway.connection.target.endpoint_url))

    def switch_to(self, target: "Target", api_id: str, stage: str) -> None:
        """Connect to another place (a fleet's row: its profile and region), then open the stage there."""
        self.notify(f"Switching to {target.profile} in {target.region}…")
        self._then_open = (api_id, stage)
        self.connect(target)

    def switch_region(self, region: str) -> None:
        if self.gateway is None:
            self.notify("Still connecting; try again in a moment.", severity="warning")
            return
        self.notify(f"Switching to {region}…")
        self.connect(self.gateway.connection.target.with_region(region))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for v in VIEWS:
            if not v.stage_view:
                yield SystemCommand(v.title, v.help[:1].upper() + v.help[1:], partial(self.open_view, v.name))
        yield SystemCommand("Undo last change", "Plan the inverse of the newest change, then confirm",
                            self.action_undo)
        if isinstance(screen, ConsoleScreen):
            yield SystemCommand("Refresh", "Fetch this screen again from AWS", screen.action_refresh)
        yield SystemCommand("Keys", "Every key that works here", self.action_help)
        yield from super().get_system_commands(screen)
