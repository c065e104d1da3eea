"""The bars every screen shares: where you are (top) and how fresh what you see is (bottom)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from console.render.text import foreign
from console.render.visible import visible


@dataclass(frozen=True)
class Place:
    """What the connection bar shows; the app replaces it whenever the connection changes."""

    label: str
    region: str = ""
    account: str = ""
    arn: str = ""
    writable: bool = False
    sandbox: bool = False
    status: str = "connecting…"


class ConnectionBar(Static):
    """Account, identity, region, profile or SANDBOX, and the RO/RW badge — always visible."""

    place: reactive[Place | None] = reactive(None)
    held: reactive[int] = reactive(0)
    waiting: reactive[str] = reactive("")

    def on_mount(self) -> None:
        self.watch(self.app, "place", self._follow, init=True)
        self.watch(self.app, "held_calls", self._follow_held, init=True)
        self.watch(self.app, "waiting_for", self._follow_waiting, init=True)

    def _follow(self, place: Place | None) -> None:
        self.place = place

    def _follow_held(self, held: int) -> None:
        self.held = held

    def _follow_waiting(self, waiting: str) -> None:
        self.waiting = waiting

    def render(self) -> Text:
        place = self.place
        if place is None:
            return Text(" apigw-console  connecting…")
        bar = Text(no_wrap=True, overflow="ellipsis")
        bar.append(" SANDBOX " if place.sandbox else f" {visible(place.label)} ",
                   style="bold reverse" if place.sandbox else "bold")
        bar.append(f" {place.region or '?'} ", style="bold")
        if place.account:
            bar.append(f" acct {place.account} ")
        badge = " RW " if place.writable else " RO "
        right = Text()
        if self.held:
            right.append(f" holding {self.held} call{'s' if self.held != 1 else ''} (10 rps budget) ",
                         style="bold")
        right.append(badge, style="bold reverse")
        middle = visible(self.waiting or (place.arn if place.account else place.status))
        room = max(0, self.size.width - bar.cell_len - right.cell_len - 2)
        bar.append(" " + (middle if len(middle) <= room else middle[: max(0, room - 1)] + "…").ljust(room) + " ",
                   style="dim")
        bar.append_text(right)
        return bar


def cells(*values: object) -> list[Text]:
    """Table cells from AWS data: a name like "[beta]" is never markup, an ESC in it is shown as ␛."""
    return [value if isinstance(value, Text) else foreign(value) for value in values]


class StatusLine(Static):
    """One line under the content: what is loaded, how old it is, what went wrong.

    It is one line high whatever it says, so a new text repaints this line and never lays the screen
    out again; the same text again writes nothing."""

    text = ""

    def show(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.update(foreign(text), layout=False)
