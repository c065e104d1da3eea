"""The pulse: every REST and HTTP API stage of the region, worst first, from CloudWatch.

Requests, 4xx %, 5xx % and p99 over the last 5 minutes (15 minutes after the slash) and a
requests-per-minute sparkline, in one GetMetricData call per 83 stages. Enter opens the stage's
log view, where the answer to "why" is.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from console.read.metrics import Pulse, pulse, region_refs, sparkline
from console.render.text import foreign, visible
from screens.base import ConsoleScreen
from screens.charts import MAGENTA, RED, YELLOW
from screens.views import view

NAME_WIDTH = 20  # the columns fit 80 cells: no horizontal scrolling in an incident


def _share(now: float, before: float, colour: str, alarm: float) -> Text:
    text = foreign(f" {now:.1f}", style=f"bold {colour}" if now >= alarm else "")
    return text.append(f"/{before:.1f}", style="dim")


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.1f}s" if value >= 10_000 else f"{value:,.0f}"


def _p99(now: float | None, before: float | None) -> Text:
    text = foreign(f" {_ms(now)}", style=f"bold {MAGENTA}" if (now or 0) >= 1000 else "")
    return text.append(f"/{_ms(before)}", style="dim")


def row(entry: Pulse) -> list[Text]:
    ref = entry.ref
    name = foreign(ref.api_name).append(visible(f" › {ref.stage}"), style="bold")
    name.truncate(NAME_WIDTH, overflow="ellipsis")
    return [name, Text(" " + sparkline(entry.per_minute), style="dim"),
            foreign(f" {entry.requests_5m:,.0f}").append(f"/{entry.requests_15m:,.0f}", style="dim"),
            _share(entry.errors4_5m, entry.errors4_15m, YELLOW, 5.0),
            _share(entry.errors5_5m, entry.errors5_15m, RED, 1.0),
            _p99(entry.p99_5m, entry.p99_15m)]


class PulseScreen(ConsoleScreen):
    AUTO_FOCUS = "#pulse"
    BINDINGS = [
        Binding("enter", "open", "Logs", id="pulse.open"),
        Binding("m", "metrics", "Metrics", id="pulse.metrics"),
        Binding("r", "refresh", "Refresh", id="pulse.refresh"),
        Binding("escape", "back", "Back", id="pulse.back"),
    ]
    DEFAULT_CSS = "PulseScreen #pulse { height: 1fr; }"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Pulse] = []

    def body(self) -> ComposeResult:
        table = DataTable(id="pulse", cursor_type="row", zebra_stripes=True, cell_padding=0)
        table.add_columns("API › stage", " requests/min", " req 5/15m", " 4xx %", " 5xx %", " p99 ms")
        table.loading = True
        yield table

    def load(self, refresh: bool = False) -> None:
        def everything(gateway):
            refs = region_refs(gateway, refresh)
            return pulse(gateway.connection.client("cloudwatch"), refs) if refs else []

        self.fetch(everything, self.show, group="pulse", label="fetching the pulse")

    def show(self, rows: list[Pulse]) -> None:
        from datetime import UTC, datetime

        self.rows = rows
        table = self.query_one(DataTable)
        table.loading = False
        at = table.cursor_row
        table.clear()
        for entry in rows:
            table.add_row(*row(entry))
        if rows:
            table.move_cursor(row=min(at, len(rows) - 1))
        quiet = sum(1 for r in rows if not r.requests_15m)
        self.loaded(datetime.now(UTC), f"{len(rows)} stages, worst first (5xx, 4xx, p99) · last 5 min/15 min"
                                      + (f" · {quiet} without traffic" if quiet else ""))

    def _selected(self) -> Pulse | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _open(self, screen_for) -> None:
        entry = self._selected()
        if entry is None or self.app.gateway is None:
            return
        ref = entry.ref

        def api(gateway):
            return gateway.find_api(ref.api_id)

        self.fetch(api, lambda found: self.app.push_screen(screen_for(found, ref.stage)), group="pulse-open",
                   label="opening")

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        self._open(view("logs").screen_class())

    def action_metrics(self) -> None:
        self._open(view("metrics").screen_class())

    def action_back(self) -> None:
        self.app.pop_screen()
