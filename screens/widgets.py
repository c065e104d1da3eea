"""The bars every screen shares: where you are (top) and how fresh what you see is (bottom)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from console.render.text import foreign
from console.render.visible import visible

if TYPE_CHECKING:
    from console.aws.session import Connection, Target
    from console.config import Settings


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
    # where each setting came from, as the AWS CLI v2 resolves it: "--profile", "AWS_REGION", "profile prod" ...
    profile_from: str = ""
    region_from: str = ""
    endpoint: str = ""  # a configured endpoint's URL ("" for AWS's own)
    endpoint_from: str = ""
    colour: str | None = None  # the header's colour for this profile (config; prod red by default)
    marker: str = ""  # said instead of the colour under NO_COLOR: "PROD"

    def resolution(self) -> str:
        """Every setting and where it came from, in full (the :ctx view)."""
        if self.sandbox:
            return f"the embedded sandbox · region {self.region}"
        parts = [f"profile {self.label} ({self.profile_from})"] if self.profile_from else []  # else: the endpoint's
        parts.append(f"region {self.region} ({self.region_from})")
        if self.endpoint:
            parts.append(f"endpoint {self.endpoint} ({self.endpoint_from})")
        return " · ".join(parts)


def resolved(connection: "Connection", settings: "Settings") -> dict:
    """The Place fields that say where each setting of `connection` came from, and its profile's colour."""
    target = connection.target
    if target.sandbox:
        return {}
    profile = _profile(target)
    region, endpoint = target.resolved_region, target.endpoint()
    if region.value != connection.region:  # nothing named one: the console's config, or the local default
        region_from = "config" if settings.region == connection.region else "default"
    else:
        region_from = region.source
    colour, marker = settings.header(profile)
    return dict(profile_from=target.resolved_profile.source if profile else "", region_from=region_from,
                endpoint=endpoint.value or "", endpoint_from=endpoint.source if endpoint.value else "",
                colour=colour, marker=marker)


def colour_before_connecting(target: "Target", settings: "Settings") -> dict:
    """The profile's header colour from the start: prod is red while it connects (and asks an MFA code)."""
    colour, marker = settings.header(None if target.sandbox else _profile(target))
    return dict(colour=colour, marker=marker)


def _profile(target: "Target") -> str | None:
    """The profile whose credentials are used: none for the sandbox's made-up keys."""
    return None if target.placeholder_credentials else target.profile_name


def _short(source: str) -> str:
    """A source in a word, for a narrow header: option, env, profile, config, default."""
    if source.startswith("--"):
        return "option"
    if source.startswith("AWS_"):
        return "env"
    return source.split()[0] if source else ""


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
        badge = " RW " if place.writable else " RO "
        right = Text()
        if self.held:
            right.append(f" holding {self.held} call{'s' if self.held != 1 else ''} (10 rps budget) ",
                         style="bold")
        right.append(badge, style="bold reverse")
        for detail in (2, 1, 0):  # each setting's source in full, in a word, not at all: the widest that fits
            bar = self._where(place, detail)
            if bar.cell_len + right.cell_len + 2 <= self.size.width:
                break
        middle = visible(self.waiting or (place.arn if place.account else place.status))
        room = max(0, self.size.width - bar.cell_len - right.cell_len - 2)
        bar.append(" " + (middle if len(middle) <= room else middle[: max(0, room - 1)] + "…").ljust(room) + " ",
                   style="dim")
        bar.append_text(right)
        if place.colour and not self.app.no_color:
            bar.stylize(f"on {place.colour}")
        return bar

    def _where(self, place: Place, detail: int) -> Text:
        """Profile (or SANDBOX, or the local endpoint), region, a configured endpoint, account; with
        `detail` 2 each source as named ("AWS_REGION"), 1 in a word ("env"), 0 none."""
        def source(name: str) -> str:
            return f"({name if detail == 2 else _short(name)}) " if name and detail else ""

        bar = Text(no_wrap=True, overflow="ellipsis")
        if place.marker and self.app.no_color:  # no colour to say prod: the marker says it
            bar.append(f" {visible(place.marker)} ", style="bold reverse")
        if place.sandbox:
            bar.append(" SANDBOX ", style="bold reverse")
        else:
            local = bool(place.endpoint) and not place.profile_from  # the label is the local endpoint
            bar.append(f" {visible(place.label)} ", style="bold")
            bar.append(source(place.endpoint_from if local else place.profile_from), style="dim")
            if place.endpoint and not local:
                bar.append(f"via {visible(urlsplit(place.endpoint).netloc)} " if detail else "via endpoint ")
                bar.append(source(place.endpoint_from), style="dim")
        bar.append(f" {place.region or '?'} ", style="bold")
        if not place.sandbox:
            bar.append(source(place.region_from), style="dim")
        if place.account:
            bar.append(f" acct {place.account} ")
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
