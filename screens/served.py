"""Where a stage is served: the stage screen's "Served at" section (custom-domain URLs, then execute-api),
and u to copy one of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static

from console.render.text import assemble, foreign
from console.render.visible import visible
from screens.keys import bindings

if TYPE_CHECKING:
    from textual.screen import Screen


class ServedAt(Static):
    """The stage's URLs: its custom-domain URLs, then its execute-api URL (the last)."""

    def __init__(self, urls: list[str]) -> None:
        lines = [assemble((url, "bold"), ("  custom domain" if i < len(urls) - 1 else "  execute-api", "dim"))
                 for i, url in enumerate(urls)]
        super().__init__(Text("\n").join([*lines, Text("u: copy one", style="dim")]), classes="section")
        self.urls = urls


def served_widgets(urls: list[str]) -> list[Static]:
    """The stage screen's "Served at" section (read with the stage: console.read.open_url.served_at)."""
    return [Static(foreign("Served at", style="bold"), classes="section-title"), ServedAt(urls)]


class CopyUrl(ModalScreen[None]):
    """Pick one of the stage's URLs; enter copies it (OSC 52, as every copy in the console)."""

    DEFAULT_CSS = "CopyUrl { align: center middle; } CopyUrl OptionList { width: auto; max-width: 90%; height: auto; }"
    BINDINGS = bindings("copy-url")

    def __init__(self, urls: list[str]) -> None:
        super().__init__()
        self.urls = urls

    def compose(self) -> ComposeResult:
        options = OptionList(*(foreign(url) for url in self.urls), id="urls")
        options.border_title = "Copy which URL? (enter copies, escape closes)"
        yield options

    @on(OptionList.OptionSelected)
    def _copy(self, event: OptionList.OptionSelected) -> None:
        url = self.urls[event.option_index]
        self.app.copy_to_clipboard(url)
        self.app.notify(visible(f"Copied {url}"))
        self.dismiss(None)


def copy_url(screen: "Screen") -> None:
    """The stage screen's u: the URLs its "Served at" section read."""
    found = [widget.urls for widget in screen.query(ServedAt)]
    if not found:
        screen.notify("The stage is not read yet.", severity="warning")
        return
    screen.app.push_screen(CopyUrl(found[0]))
