"""A Logs Insights query over a stage's access log, from the TUI: `:insights API STAGE`.

The query box holds a query (enter runs it over the chosen window: 1-4 pick 15 min to 24 h once the
rows have focus); the rows come back as a table whose caption says the window and the records
matched of those scanned. A query is billed by the bytes it scans, so it runs when asked (and once on
opening), never on a timer. It runs in a worker that polls within the Logs Insights quotas and shows
"running… N records scanned"; ctrl+c, a new query or leaving the view stops it (StopQuery).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Static

from console.aws.errors import Problem
from console.logs.insights import Abandoned, Insights, Results, Statistics, insights_budget
from console.logs.sources import stage_sources
from console.model import Api
from console.render.insights import caption, progress
from console.render.text import assemble, foreign
from screens.base import ConsoleScreen
from screens.keys import bindings
from screens.widgets import cells

WINDOWS = {"15m": timedelta(minutes=15), "1h": timedelta(hours=1), "3h": timedelta(hours=3),
           "24h": timedelta(hours=24)}
DEFAULT_QUERY = "stats count(*) as requests by status | sort requests desc"


class InsightsScreen(ConsoleScreen):
    AUTO_FOCUS = "#insights-query"
    BINDINGS = bindings("insights")
    DEFAULT_CSS = """
    InsightsScreen #insights-progress { height: auto; padding: 0 1; }
    InsightsScreen #insights-results { height: 1fr; }
    """

    def __init__(self, api: Api, stage_name: str, query: str = DEFAULT_QUERY, window: str = "1h") -> None:
        super().__init__()
        self.api, self.stage_name, self.query_text, self.window = api, stage_name, query, window
        self.results: Results | None = None
        self._stop: threading.Event | None = None  # the running query's; set: stop it

    def body(self) -> ComposeResult:
        yield Static(id="title")
        yield Input(value=self.query_text, placeholder="a Logs Insights query, e.g. filter status >= 500 | "
                                                       "stats count(*) by bin(5m)", id="insights-query")
        yield Static(Text("Enter runs the query.", style="dim"), id="insights-progress")
        yield DataTable(id="insights-results", cursor_type="row")

    def on_mount(self) -> None:  # ConsoleScreen's on_mount runs too
        self._title()
        self.run_query()

    def on_unmount(self) -> None:
        self._halt()
        self._stop = None  # what the stopped worker answers is for no one

    def _title(self) -> None:
        windows = Text()
        for name in WINDOWS:
            windows.append(f" {name} ", style="bold reverse" if name == self.window else "dim")
        self.query_one("#title", Static).update(assemble(
            (self.api.name, "bold"), " › ", (self.stage_name, "bold"), " · Logs Insights over the last ", windows))

    def _say(self, text: Text | str) -> None:
        for line in self.query("#insights-progress").results(Static):  # none once the view has gone
            line.update(text if isinstance(text, Text) else foreign(text))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.run_query()

    def run_query(self) -> None:
        text = self.query_one("#insights-query", Input).value.strip()
        if not text:
            self._say(Text("Type a query first, e.g. stats count(*) by bin(5m)", style="dim"))
            return
        if self.app.gateway is None:
            self._say(Text("Still connecting; the query runs when you press enter again.", style="dim"))
            return
        self._halt()
        stop = self._stop = threading.Event()
        api, stage_name, span = self.api, self.stage_name, WINDOWS[self.window]

        def work(gateway) -> Results | None:
            found = stage_sources(gateway.connection, gateway.stage(api, stage_name))
            if found.problem or found.access is None:
                raise Problem(found.problem or "This stage has no access-log group.", kind="not-found")
            end = datetime.now(UTC)
            query = Insights(gateway.connection.client("logs"), insights_budget(gateway.connection),
                             found.access.name, text, end - span, end)
            try:
                return query.wait(progress=lambda status, figures: self.app.call_from_thread(
                    self._progress, stop, status, figures), stopped=stop.is_set)
            except Abandoned:
                return None

        self._say(Text("starting…", style="dim"))
        self.fetch(work, lambda results: self._show(stop, results), group="insights", label="running the query")

    def _progress(self, stop: threading.Event, status: str, figures: Statistics) -> None:
        if stop is self._stop and not stop.is_set():
            self._say(Text(progress(status, figures), style="dim"))

    def _show(self, stop: threading.Event, results: Results | None) -> None:
        if stop is not self._stop:  # a later query replaced this one
            return
        self._stop = None
        if results is None:
            self._say(Text("Stopped: the query was cancelled (StopQuery); the rows below are the last query's.",
                           style="dim"))
            return
        self.results = results
        table = self.query_one("#insights-results", DataTable)
        table.clear(columns=True)
        table.add_columns(*(foreign(column) for column in results.columns))
        table.add_rows(cells(*("" if value is None else value for value in row)) for row in results.rows)
        self._say(foreign(caption(results), style="" if results.complete else "bold"))
        self.loaded(datetime.now(UTC), f"Logs Insights · the last {self.window}")

    def _failed(self, problem: Problem) -> None:
        self._stop = None
        super()._failed(problem)
        self._say(assemble(("The query did not run: ", "bold"), problem.message))

    def _halt(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def action_stop(self) -> None:
        if self._stop is not None:
            self._halt()
            self._say(Text("stopping…", style="dim"))

    def action_rerun(self) -> None:
        self.run_query()

    def action_window(self, name: str) -> None:
        if name in WINDOWS and name != self.window:
            self.window = name
            self._title()
            self.run_query()

    def action_back(self) -> None:
        self.app.pop_screen()
