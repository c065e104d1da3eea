"""`?`: every key that works where you are, and the command-line aliases."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.render.text import Table
from screens.command_line import commands as command_lines
from screens.keys import bindings


class HelpScreen(ModalScreen[None]):
    BINDINGS = bindings("help")

    def __init__(self, keys: list[tuple[str, str]], slow_link: bool = False) -> None:
        super().__init__()
        self.keys = keys
        self.slow_link = slow_link

    def compose(self) -> ComposeResult:
        keys = Table(box=None, show_header=False, padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for key, description in self.keys:
            keys.add_row(key, description)
        commands = Table(box=None, show_header=False, padding=(0, 2))
        commands.add_column(style="bold", no_wrap=True)
        commands.add_column()
        for alias, description in command_lines().items():
            commands.add_row(f":{alias}", description)
        with VerticalScroll(id="help"):
            yield Static("[b]Keys here[/b]")
            yield Static(keys)
            yield Static("\n[b]Command line[/b] (press [b]:[/b])")
            yield Static(commands)
            yield Static("\n[b]Slow link[/b] " + (
                "on: 10 frames a second at most, no spinners, live charts once a minute "
                "(--no-slow-link turns it off)" if self.slow_link else
                "off (--slow-link turns it on; it is on by itself over SSH)"))
            yield Static("\n[dim]escape closes this.[/dim]")
