"""`:ctx` — where to connect: AWS profiles (and keyring entries) and regions; and the MFA prompt."""

from __future__ import annotations

import re

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from console.render.text import assemble, foreign
from screens.base import ConsoleScreen
from screens.filtering import ListFilter
from screens.keys import bindings
from screens.widgets import cells

MFA_CODE = re.compile(r"^\d{6}$")


class ConnectionScreen(ConsoleScreen):
    AUTO_FOCUS = "#profiles"
    DEFAULT_CSS = "ConnectionScreen #profile-list { width: 2fr; } ConnectionScreen #profiles { width: 1fr; }"
    BINDINGS = bindings("ctx")

    def __init__(self) -> None:
        super().__init__()
        self.profiles: list = []  # as shown (the filter's)
        self.found: list = []  # as read
        self.regions: list[str] = []

    def body(self) -> ComposeResult:
        yield Static(id="resolved")  # each setting of this connection and where it came from, in full
        with Horizontal(id="places"):
            profiles = DataTable(id="profiles", cursor_type="row", zebra_stripes=True)
            profiles.add_columns("Profile", "Kind", "Region", "MFA")
            profiles.border_title = "Profiles"
            yield ListFilter(profiles, placeholder="filter: profile name, kind, region", id="profile-list")
            regions = DataTable(id="regions", cursor_type="row", zebra_stripes=True)
            regions.add_columns("Region")
            regions.border_title = "Regions"
            yield regions

    def load(self, refresh: bool = False) -> None:
        def places(gateway):
            from console.aws.profiles import all_profiles

            return all_profiles(), gateway.connection.regions()

        self.fetch(places, self.show_places, group="places", label="reading profiles")

    def show_places(self, answer) -> None:
        self.found, self.regions = answer
        if self.app.place is not None:
            self.query_one("#resolved", Static).update(foreign(f" now: {self.app.place.resolution()}"))
        self._draw_profiles()
        regions = self.query_one("#regions", DataTable)
        regions.clear()
        for region in self.regions:
            regions.add_row(*cells(f"{region} ◂" if region == self.app.gateway.connection.region else region))
        self.summary = f"{len(self.found)} profiles · {len(self.regions)} regions · enter connects"

    def _draw_profiles(self) -> None:
        profiles = self.query_one("#profiles", DataTable)
        profiles.clear()
        current = self.app.target.profile
        rows = [(p, cells(f"{p.name} ◂" if p.name == current else p.name, p.kind, p.region or "—",
                          "yes" if p.mfa else "")) for p in self.found]
        kept = self.query_one(ListFilter).keep(rows)
        self.profiles = [p for p, _ in kept]
        for _, row in kept:
            profiles.add_row(*row)

    @on(ListFilter.Changed)
    def _filtered(self) -> None:
        self._draw_profiles()
        self.show_status()

    @on(DataTable.RowSelected)
    def action_choose(self) -> None:
        focused = self.focused
        if focused is None or not isinstance(focused, DataTable) or focused.cursor_row < 0:
            return
        if focused.id == "profiles" and focused.cursor_row < len(self.profiles):
            self.app.switch_profile(self.profiles[focused.cursor_row].name)
        elif focused.id == "regions" and focused.cursor_row < len(self.regions):
            self.app.switch_region(self.regions[focused.cursor_row])


class MfaScreen(ModalScreen[str | None]):
    """Asks for an MFA code in the TUI (never on the terminal); escape cancels the switch."""

    BINDINGS = bindings("mfa")

    def __init__(self, prompt: str, error: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(assemble(("MFA", "bold"), f"  {self.prompt}"))
            yield Input(placeholder="6-digit code", password=True, max_length=6, restrict=r"\d*", id="code")
            yield Static(foreign(self.error), id="error")
            yield Static("[b]enter[/b] continue · [b]esc[/b] cancel (stay where you are)", id="keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        code = event.value.strip()
        if not MFA_CODE.match(code):
            self.query_one("#error", Static).update("An MFA code is 6 digits.")
            return
        self.dismiss(code)

    def action_cancel(self) -> None:
        self.dismiss(None)
