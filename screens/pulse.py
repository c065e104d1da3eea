"""The pulse: every stage of the region, the one hurting most first, from complete CloudWatch minutes.

Rows and their figures are console.read.pulse's (one definition of each) drawn by console.render.pulse.
It refreshes itself after each CloudWatch minute (a timer re-armed each time, so refreshes never
overlap) and says when it last did. From a row the fix is one key away: enter opens the stage, and
t c f open its throttle, canary or cache flush directly; l and m its logs and metrics.
"""

from __future__ import annotations

from datetime import UTC, datetime

from textual import on
from textual.app import ComposeResult
from rich.text import Text
from textual.widgets import DataTable, Static

from console.read.metrics import region_refs
from console.read.pulse import RegionPulse, StagePulse, region_pulse, with_429s
from console.render.pulse import CAUSE_COLUMN, COLUMNS, cause, cells
from screens.base import ConsoleScreen
from screens.filtering import ListFilter
from screens.keys import bindings
from screens.views import view

PUBLISHED_AFTER = 10  # seconds past a minute when the pulse asks CloudWatch again
SORTS = ("score", "requests", "5xx", "p99", "name")


def _sort_key(name: str):
    return {
        "score": lambda r: (r.score, r.requests),
        "requests": lambda r: r.requests,
        "5xx": lambda r: (r.pct_5xx or 0.0, r.errors_5xx),
        "p99": lambda r: r.p99_ms or 0.0,
        "name": lambda r: (r.ref.api_name.lower(), r.ref.stage),
    }[name]


class PulseScreen(ConsoleScreen):
    AUTO_FOCUS = "#pulse"
    BINDINGS = bindings("pulse")
    DEFAULT_CSS = """
    PulseScreen #pulse { height: 1fr; }
    PulseScreen #pulse-row { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.found: RegionPulse | None = None
        self.rows: list[StagePulse] = []
        self.sort = "score"
        self.gaps: list[str] = []  # sources of the API list that could not be read, in words

    def body(self) -> ComposeResult:
        table = DataTable(id="pulse", cursor_type="row", zebra_stripes=True, cell_padding=1)
        table.add_columns(*COLUMNS[:-1], CAUSE_COLUMN, COLUMNS[-1])  # the cause before the trend: it says why
        table.loading = True
        yield ListFilter(table)
        yield Static(id="pulse-row")  # the highlighted stage's 4xx cause and trend: at 80 columns the table cuts them

    def on_mount(self) -> None:
        super().on_mount()
        self._arm_minute()

    def _arm_minute(self) -> None:
        """Ask again just after the next minute is published; each refresh re-arms the next."""
        now = datetime.now(UTC)
        self.set_timer(60 - now.second + PUBLISHED_AFTER - now.microsecond / 1e6, self._minute_passed)

    def _minute_passed(self) -> None:
        if self.app.gateway is not None and self.loading_what is None:
            self.load(refresh=False)
        self._arm_minute()

    def load(self, refresh: bool = False) -> None:
        """CloudWatch's figures first (the rows are on screen at once), then the 429s, which are counted
        from access logs and take longer, filled in: ranked again when they arrive."""
        def figures(gateway):
            refs = region_refs(gateway, refresh)
            gaps = [f"{source}: not available here — {problem.message}"
                    for source, problem in gateway.gaps("apis").items()]
            return region_pulse(gateway.connection, gateway, refs, count_429s=False), gaps

        self.fetch(figures, self._figures, group="pulse", label="fetching the pulse")

    def _figures(self, answer: tuple[RegionPulse, list[str]]) -> None:
        found, self.gaps = answer
        if self.found is None:  # the rows at once; a refresh is drawn once, with its 429s (not twice a minute)
            self.show(found)
        self.fetch(lambda g: with_429s(g.connection, g, found), self.show, group="pulse",
                   label="counting 429s in the access logs")

    def show(self, found: RegionPulse) -> None:
        fresh = [note for note in found.notes if self.found is None or note not in self.found.notes]
        self.found = found
        for note in fresh:
            self.notify(note, title="Pulse", severity="warning", timeout=8)
        self._draw()

    def _draw(self) -> None:
        found = self.found
        if found is None:
            return
        table = self.query_one("#pulse", DataTable)
        table.loading = False
        selected = self._selected()
        rows = list(found.rows)
        if self.sort != "score":
            rows.sort(key=_sort_key(self.sort), reverse=self.sort != "name")
        kept = self.query_one(ListFilter).keep((row, cells(row)) for row in rows)
        self.rows = rows = [row for row, _ in kept]
        shown_cells = [[*row_cells[:-1], cause(row), row_cells[-1]] for row, row_cells in kept]
        if shown_cells != [table.get_row_at(i) for i in range(table.row_count)]:  # the same again writes nothing
            table.clear()
            for row in shown_cells:
                table.add_row(*row)
            if rows:
                keep = next((i for i, r in enumerate(rows) if selected and r.ref == selected.ref), 0)
                table.move_cursor(row=keep)
        self._show_row()
        shown = f"{len(found.rows)} stages"
        late = f" · {found.unpublished} min not yet published (·)" if found.unpublished else ""
        lines = sum(row.lines or 0 for row in found.rows)
        source = f" from logs (CloudWatch unavailable), from {lines:,} lines" if found.source == "logs" else ""
        gaps = "".join(f" · {note}" for note in (*self.gaps, *found.notes))  # what could not be read, in words
        # The window first: at 80 columns the end of the line is what gets cut.
        self.loaded(found.fetched_at, f"{found.window.label}, {found.window.minutes} complete min{source}{late} · "
                                      f"{shown} by {self.sort} · updated {found.fetched_at:%H:%M:%S}{gaps}")

    @on(DataTable.RowHighlighted)
    def _show_row(self) -> None:
        """The highlighted stage, its top 4xx cause and its trend, whole whatever the width."""
        row, line = self._selected(), self.query_one("#pulse-row", Static)
        if row is None:
            line.update("")
            return
        stage, *_, trend = cells(row)  # the table's own cells: the stage as named there, the trend as drawn there
        stage.stylize("bold")
        line.update(Text.assemble(stage, ("  4xx cause ", "dim"), cause(row), ("  trend ", "dim"), trend))

    def _selected(self) -> StagePulse | None:
        table = self.query_one("#pulse", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _open(self, make) -> None:
        """Find the highlighted stage's API, then push `make(api, stage)`."""
        entry = self._selected()
        if entry is None or self.app.gateway is None:
            return
        ref = entry.ref
        self.fetch(lambda gateway: gateway.find_api(ref.api_id), lambda api: self.app.push_screen(make(api, ref.stage)),
                   group="pulse-open", label="opening")

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        self._open(view("stage").screen_class())

    def action_fix(self, action: str) -> None:
        stage_screen = view("stage").screen_class()
        self._open(lambda api, stage: stage_screen(api, stage, then=action))

    def action_logs(self) -> None:
        self._open(view("logs").screen_class())

    def action_keys(self) -> None:
        keys_screen = view("keys").screen_class()
        self._open(lambda api, stage: keys_screen((api, stage)))

    def action_metrics(self) -> None:
        self._open(view("metrics").screen_class())

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._draw()

    @on(ListFilter.Changed)
    def _filter_changed(self) -> None:
        self._draw()
        self.show_status()

    def action_back(self) -> None:
        self.app.pop_screen()
