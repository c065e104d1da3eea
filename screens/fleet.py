"""A fleet's pulse: every stage of every PROFILE@REGION target of a fleet ([fleets.NAME] in the config).

Reading and ranking are console.read.fleet's, the cells console.render.fleet's (the pulse's own). Each
target is read on its own connection, and its rows are drawn as it answers: a slow or failing target
never holds up the others, and one that fails is a row saying why. enter on a stage switches the
console to that target (its profile and region) and opens the stage there.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable

from console.read.fleet import FleetRow, FleetTarget, TargetPulse, fleet_pulse, parse_targets, ranked
from console.render.fleet import FLEET_COLUMNS, error_cells, fleet_caption, row_cells
from screens.base import ConsoleScreen
from screens.filtering import ListFilter
from screens.keys import bindings
from screens.workers import in_thread


class FleetScreen(ConsoleScreen):
    AUTO_FOCUS = "#fleet"
    BINDINGS = bindings("fleet")
    DEFAULT_CSS = "FleetScreen #fleet { height: 1fr; }"

    def __init__(self, name: str = "") -> None:
        """`name`: a fleet of the config; "" is the config's only fleet, if it has just one."""
        super().__init__()
        self.fleet = name
        self.targets: tuple[FleetTarget, ...] = ()
        self.answers: dict[FleetTarget, TargetPulse] = {}
        self.shown: list[FleetRow | TargetPulse] = []  # what each table row is
        self.reads = 0  # loads started: answers of an older one are dropped

    def body(self) -> ComposeResult:
        table = DataTable(id="fleet", cursor_type="row", zebra_stripes=True, cell_padding=1)
        table.add_columns(*FLEET_COLUMNS)
        yield ListFilter(table)

    def on_mount(self) -> None:
        super().on_mount()
        if self.app.gateway is None:  # the fleet's targets connect on their own: no need to wait for the app's
            self.load()

    def on_connected(self) -> None:
        """The app's own place says nothing about the fleet's."""

    def action_refresh(self) -> None:
        self.load(refresh=True)

    def load(self, refresh: bool = False) -> None:
        fleets = dict(self.app.settings.fleets)
        name = self.fleet or (next(iter(fleets)) if len(fleets) == 1 else "")
        if name not in fleets:
            known = ", ".join(sorted(fleets)) or "none; add [fleets.NAME] targets = [\"PROFILE@REGION\", ...]"
            self.problem = (f"no fleet named {name!r} in the config" if name else "name a fleet: :fleet NAME") + \
                f" (fleets: {known})"
            self.query_one("#fleet", DataTable).loading = False
            self.show_status()
            return
        self.fleet, self.targets, self.answers = name, parse_targets(fleets[name]), {}
        self.reads += 1  # a read still running from before answers into nothing
        self._draw()
        self.loading_what = f"reading {len(self.targets)} targets"
        settings, app, read = self.app.settings, self.app, self.reads
        in_thread(self, lambda: fleet_pulse(self.targets, settings, answered=lambda answer: app.call_from_thread(
            self._answered, read, answer)), lambda _answers: self._done(read), group="fleet", exclusive=True)

    def _answered(self, read: int, answer: TargetPulse) -> None:
        if read != self.reads:
            return
        self.answers[answer.target] = answer
        problems = [answer.problem.message] if answer.problem else [*answer.gaps, *answer.pulse.notes]
        for problem in problems:  # what could not be read, as the pulse says it
            self.notify(f"{answer.target}: {problem}", title="Fleet", severity="warning", timeout=8)
        self._draw()

    def _done(self, read: int) -> None:
        if read == self.reads:
            self.loading_what = None
            self.show_status()

    def _draw(self) -> None:
        table = self.query_one("#fleet", DataTable)
        # On the top row the cursor stays on the worst as rows arrive; elsewhere it stays on its row.
        selected = _key(self._selected()) if table.cursor_row else None
        answers = list(self.answers.values())
        entries = [*ranked(answers), *(a for a in answers if a.problem is not None)]
        kept = self.query_one(ListFilter).keep(
            (entry, row_cells(entry) if isinstance(entry, FleetRow) else error_cells(entry)) for entry in entries)
        self.shown = [entry for entry, _ in kept]
        table.clear()
        for _, row in kept:
            table.add_row(*row)
        keys = [_key(entry) for entry in self.shown]
        if selected in keys:
            table.move_cursor(row=keys.index(selected))
        waiting = len(self.targets) - len(self.answers)
        self.loaded(None, f"fleet {self.fleet}: " + (fleet_caption(answers) if answers else "no answer yet")
                    + (f" · waiting for {waiting}" if waiting else ""))
        self.show_status()

    @on(ListFilter.Changed)
    def _filtered(self) -> None:
        self._draw()

    def _selected(self) -> FleetRow | TargetPulse | None:
        row = self.query_one("#fleet", DataTable).cursor_row
        return self.shown[row] if self.shown and row is not None and row < len(self.shown) else None

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        """Switch the console to the row's target, then open the stage there; an error row says why again."""
        from console.aws.session import Target

        entry = self._selected()
        if isinstance(entry, TargetPulse):
            self.notify(f"{entry.target}: {entry.problem.message if entry.problem else 'no answer'}",
                        title="Fleet", severity="warning")
        elif entry is not None:
            self.app.switch_to(Target(profile=entry.target.profile, region=entry.target.region),
                               entry.row.ref.api_id, entry.row.ref.stage)


def _key(entry: FleetRow | TargetPulse | None) -> tuple | None:
    """What a row is about, the same from one read to the next: the cursor stays on it as rows arrive."""
    if entry is None:
        return None
    return (entry.target, entry.row.ref) if isinstance(entry, FleetRow) else (entry.target, None)
