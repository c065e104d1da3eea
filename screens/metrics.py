"""A stage's CloudWatch view: requests, errors, latency and cache over 15 min to 24 h, one call a refresh.

CloudWatch lags the access log by a minute or more; this view is for "since when" and "how does
today compare", the log view for "now". The fix is one key away: enter opens the stage, t c f its
throttle, canary or cache flush (the stage screen's own actions), l its logs.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from console.model import Api
from console.read.metrics import WINDOWS, StageMetrics, ref_for, stage_metrics
from console.render.colours import BLUE, CYAN, GREEN, MAGENTA, RED, YELLOW
from console.render.text import assemble
from screens.base import ConsoleScreen
from screens.charts import Chart, legend
from screens.jump import open_stage
from screens.keys import bindings
from screens.views import view

VIEW_WINDOWS = ("15m", "1h", "3h", "24h")


def _value(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.0f}{unit}"


def summary(found: StageMetrics) -> Text:
    """The window's figures, each CloudWatch's statistic over the whole window (complete periods only)."""
    ref = found.ref
    count = found.over_window("count", "Sum") or 0.0
    err4, err5 = found.over_window("4xx", "Sum") or 0.0, found.over_window("5xx", "Sum") or 0.0
    text = Text()
    text.append(f"{found.label} · ", style="dim")
    text.append(f"{count:,.0f} {ref.word('count')}", style="bold")
    if ref.websocket:  # its client errors are refused connections, not messages: counts, not shares
        text.append(f" · {found.over_window('connects', 'Sum') or 0.0:,.0f} connections")
        text.append(f" · {ref.word('4xx')} {err4:,.0f}", style=YELLOW)
        text.append(f" · {ref.word('5xx')} {err5:,.0f}", style=RED)
    elif count:
        text.append(f" · 4xx {100 * err4 / count:.1f}%", style=YELLOW)
        text.append(f" · 5xx {100 * err5 / count:.1f}%", style=RED)
    text.append(f" · {ref.word('latency')} avg {_value(found.over_window('latency', 'Average'), ' ms')}"
                f" p99 {_value(found.over_window('latency', 'p99'), ' ms')}")
    if not ref.websocket:  # its latency is the integration's already
        text.append(f" · integration p99 {_value(found.over_window('integration_latency', 'p99'), ' ms')}")
    if not ref.http:
        hits, misses = found.over_window("cache_hits", "Sum") or 0.0, found.over_window("cache_misses", "Sum") or 0.0
        text.append(f" · cache {hits:,.0f} hits / {misses:,.0f} misses"
                    + (f" ({100 * hits / (hits + misses):.0f}%)" if hits + misses else " (no cache traffic)"))
    elif not ref.websocket:  # WebSocket APIs publish no DataProcessed
        text.append(f" · {(found.over_window('data_processed', 'Sum') or 0.0) / 1e6:,.1f} MB processed")
    return text


class MetricsScreen(ConsoleScreen):
    AUTO_FOCUS = ""
    BINDINGS = bindings("metrics")
    DEFAULT_CSS = """
    MetricsScreen #metrics-summary { height: auto; padding: 0 1; }
    MetricsScreen Chart { padding: 0 1; }
    """

    def __init__(self, api: Api, stage_name: str, window: str = "1h") -> None:
        super().__init__()
        self.api = api
        self.stage_name = stage_name
        self.window = window
        self.found: StageMetrics | None = None

    def body(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(Text("Fetching CloudWatch metrics…", style="dim"), id="metrics-summary")
        ref = ref_for(self.api, self.stage_name)
        yield Chart(ref.word("count"), id="metrics-counts")
        yield Chart(f"{ref.word('latency')} ms", id="metrics-latency")

    def on_mount(self) -> None:  # ConsoleScreen's on_mount runs too (Textual calls every class's handler)
        self._title()

    def _title(self) -> None:
        windows = Text()
        for name in VIEW_WINDOWS:
            windows.append(f" {name} ", style="bold reverse" if name == self.window else "dim")
        self.query_one("#title", Static).update(assemble(
            (self.api.name, "bold"), " › ", (self.stage_name, "bold"), " · CloudWatch ", windows))

    def load(self, refresh: bool = False) -> None:
        ref, window = ref_for(self.api, self.stage_name), self.window
        self.fetch(lambda gateway: stage_metrics(gateway.connection.client("cloudwatch"), ref, window),
                   self.show, group="metrics", label="fetching metrics")

    def _failed(self, problem) -> None:
        super()._failed(problem)
        if self.found is None:  # nothing drawn yet: say why, not "Fetching…" (a failed refresh keeps what was)
            self.query_one("#metrics-summary", Static).update(
                assemble(("CloudWatch metrics unavailable: ", "bold"), problem.message))

    def show(self, found: StageMetrics) -> None:
        self.found = found
        self.query_one("#metrics-summary", Static).update(summary(found))
        self.redraw()
        self.loaded(found.fetched_at, f"{found.window.name} of complete {found.window.period // 60}-min periods "
                                      f"({found.label}; the running one is not drawn) · one GetMetricData call")

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        found = self.found
        if found is None:
            return
        hours = found.window.seconds > 3 * 3600
        scale, unit = (3600, "h") if hours else (60, "min")
        end = found.end.timestamp()

        def xy(metric: str, stat: str) -> tuple[list[float], list[float | None]]:
            series = found.get(metric, stat)
            return [(t.timestamp() - end) / scale for t in series.timestamps], list(series.values)

        counts = [(found.ref.word(metric), colour, metric) for colour, metric in ((GREEN, "count"), (YELLOW, "4xx"),
                                                                                   (RED, "5xx"))]
        x_range = (-found.window.seconds / scale, 0)
        per = f"/{found.window.period // 60} min, x in {unit}"
        self.query_one("#metrics-counts", Chart).draw(
            [(label, colour, *xy(metric, "Sum")) for label, colour, metric in counts],
            legend([(label, colour, _value(found.get(metric, "Sum").last)) for label, colour, metric in counts], per,
                   glyphs=self.app.no_color),
            x_range)
        latency = [("avg", GREEN, "latency", "Average"), ("p50", CYAN, "latency", "p50"),
                   ("p90", BLUE, "latency", "p90"), ("p99", MAGENTA, "latency", "p99")]
        if not found.ref.websocket:  # a WebSocket API's latency is its integration's: one line, not two
            latency.append(("integ p99", YELLOW, "integration_latency", "p99"))
        self.query_one("#metrics-latency", Chart).draw(
            [(label, colour, *xy(metric, stat)) for label, colour, metric, stat in latency],
            legend([(label, colour, _value(found.get(metric, stat).last)) for label, colour, metric, stat in latency],
                   glyphs=self.app.no_color),
            x_range)

    def action_window(self, name: str) -> None:
        if name in WINDOWS and name != self.window:
            self.window = name
            self._title()
            self.load(refresh=True)

    def action_stage(self, then: str | None = None) -> None:
        open_stage(self, self.api, self.stage_name, then)

    def action_logs(self) -> None:
        self.app.push_screen(view("logs").screen_class()(self.api, self.stage_name))

    def action_back(self) -> None:
        self.app.pop_screen()
