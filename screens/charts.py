"""Charts: line charts (textual-plot) for the live log view and the CloudWatch view, and sparklines.

Colours are hex on purpose: in a 16-colour terminal Textual maps a hex colour to the nearest of
the 16, while named colours are remapped by the theme (red came out magenta). Each chart has a
one-line title with its own legend and latest values instead of textual-plot's boxed legend, which
would cover the data at 80x24. Charts redraw on resize with a step that fits their width.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.strip import Strip
from textual.widgets import Static
from textual_hires_canvas import Canvas
from textual_plot import HiResMode, PlotWidget
from textual_plot.plot_widget import Legend

from console.logs.stats import Point, Rollup, min_lines
from console.render.colours import BLUE, CYAN, GREEN, MAGENTA, RED, YELLOW
from console.render.text import foreign

STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900)
GLYPHS = ("•", "×", "+", "o", "#")  # one per series of a chart, under NO_COLOR


def fitting_step(span: int, width: int) -> int:
    """The smallest round step that gives at most two points per column (braille is two dots wide)."""
    wanted = span / max(1, 2 * width)
    return next((s for s in STEPS if s >= wanted), STEPS[-1])


class _Canvas(Canvas):
    """textual-hires-canvas 0.14 answers rows past its end with an unstyled strip, which Textual's
    monochrome filter (NO_COLOR) cannot take: every row gets the widget's style under its own."""

    def render_line(self, y: int) -> Strip:
        return super().render_line(y).apply_style(self.rich_style)


class _Plot(PlotWidget):
    """textual-plot's PlotWidget on canvases that work with NO_COLOR (the same children, ids and grid)."""

    def compose(self) -> ComposeResult:
        with Grid():
            for part in ("margin-top", "margin-left", "plot", "margin-bottom"):
                yield _Canvas(1, 1, id=part)
        yield Legend(id="legend")


class Chart(Vertical):
    """A title line (legend and latest values) over a braille line chart; x in minutes before now."""

    DEFAULT_CSS = """
    Chart { height: 1fr; }
    Chart > .chart-title { height: auto; }
    Chart > PlotWidget { height: 1fr; }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title

    def compose(self) -> ComposeResult:
        yield Static(self.title, classes="chart-title")
        plot = _Plot(allow_pan_and_zoom=False)
        # Small margins (ticks only, no axis labels); set without watchers: the plot lays them out on mount.
        plot.set_reactive(PlotWidget.margin_top, 0)
        plot.set_reactive(PlotWidget.margin_bottom, 1)
        plot.set_reactive(PlotWidget.margin_left, 6)
        yield plot

    def draw(self, series: Sequence[tuple[str, str, Sequence[float], Sequence[float | None]]],
             legend: Text | None = None, x_range: tuple[float, float] | None = None, note: str = "") -> None:
        """`series`: (label, hex colour, xs, ys); a None y is a gap (no point drawn). `note`: a dim second
        title line (what the figures rest on), so that it is not the part of the title 80 columns cut."""
        plot = self.query_one(PlotWidget)
        plot.clear()
        top = 0.0
        for index, (label, colour, xs, ys) in enumerate(series):
            points = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
            if not points:
                continue
            x, y = [x for x, _ in points], [y for _, y in points]
            if self.app.no_color:  # NO_COLOR: colour cannot tell the series apart, each has its own glyph
                plot.scatter(x, y, marker=GLYPHS[index % len(GLYPHS)], marker_style="", label=label)
            else:
                plot.plot(x, y, line_style=colour, hires_mode=HiResMode.BRAILLE, label=label)
            top = max(top, max(y))
        plot.set_ylimits(0, top * 1.1 if top > 0 else 1)
        if x_range:
            plot.set_xlimits(*x_range)
        title = foreign(self.title, style="bold")
        if legend is not None:
            title.append("  ").append_text(legend)
        if note:
            title.append("\n").append(note, style="dim")
        self.query_one(".chart-title", Static).update(title)


def legend(items: Sequence[tuple[str, str, str]], note: str = "", glyphs: bool = False) -> Text:
    """ "■ 2xx 120  ■ 5xx 3  /10 s" — (label, colour, latest value), then a note; with `glyphs` (NO_COLOR)
    each series' glyph ("• 2xx 120  × 5xx 3") instead of a coloured square."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, (label, colour, value) in enumerate(items):
        text.append(f"{GLYPHS[index % len(GLYPHS)]} " if glyphs else "■ ", style=colour)
        text.append(f"{label} {value}  ")
    return text.append(note, style="dim")


def complete_points(rollup: Rollup, moment: int, span: int, step: int) -> tuple[int, list[Point]]:
    """The steps of the `span` seconds up to `moment` that have ended, oldest first, and where the last
    ends: the running step is not drawn as if it were finished."""
    end = moment // step * step
    return end, rollup.points(end - step, span, step)


LATENCY_STEP_MAX = 60  # seconds: a quieter stage's latency points are gaps, not a chart of stale minutes


def latency_step(timed: int, span: int, step: int) -> int:
    """The chart's step, or a longer one in which a step of the span's average rate holds enough lines
    for a p99 (at 2 requests a second: a minute), up to a minute."""
    wanted = span * min_lines(99) / max(1, timed)
    return max(step, min(LATENCY_STEP_MAX, next((s for s in STEPS if s >= wanted), STEPS[-1])))


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}{unit}"


class LiveCharts(Horizontal):
    """Requests by status class and latency percentiles from tailed lines; the worst routes beside."""

    DEFAULT_CSS = """
    LiveCharts { height: 1fr; }
    LiveCharts > #live-plots { width: 1fr; }
    LiveCharts > #live-routes { width: 30; padding: 0 1; border-left: vkey $primary; }
    """

    def __init__(self, rollup: Rollup, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rollup = rollup
        self.span = 300
        self.logs_cause = True  # False: the stage's format has no $context.error.responseType

    def compose(self) -> ComposeResult:
        with Vertical(id="live-plots"):
            yield Chart("requests", id="live-counts")
            yield Chart("latency ms", id="live-latency")
        yield Static(id="live-routes")

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self, now: float | None = None) -> None:
        """Draw the last `span` seconds up to now (wall clock: a quiet stage shows as quiet)."""
        if not self.is_mounted or not self.size.width:
            return
        moment = int(now if now is not None else time.time())
        width = max(10, self.query_one("#live-plots").size.width - 8)
        step = fitting_step(self.span, width)
        end, points = complete_points(self.rollup, moment, self.span, step)
        xs = [(p.start + step - end) / 60 for p in points]  # a point where its step ends
        per = f"/{step} s" if step > 1 else "/s"
        counts = [("2xx", GREEN, 0), ("4xx", YELLOW, 2), ("5xx", RED, 3)]
        # The latest step with lines (the newest seconds are often still on their way).
        last = next((p for p in reversed(points[-4:]) if any(p.counts)), points[-1] if points else None)

        def count(point, i: int) -> int:  # redirects count with 2xx: both are answers, not errors
            return point.counts[i] + (point.counts[1] if i == 0 else 0)

        self.query_one("#live-counts", Chart).draw(
            [(label, colour, xs, [count(p, i) for p in points]) for label, colour, i in counts],
            legend([(label, colour, _number(count(last, i) if last else None)) for label, colour, i in counts],
                   per, glyphs=self.app.no_color),
            x_range=(-self.span / 60, 0))
        # Percentiles per step of enough lines: a longer step than the counts' when the stage is quiet.
        slow = latency_step(sum(p.timed for p in points), self.span, step)
        slow_end, slow_points = complete_points(self.rollup, moment, self.span, slow)
        slow_xs = [(p.start + slow - slow_end) / 60 for p in slow_points]
        newest = self.rollup.point(moment - slow, slow)  # the legend: the last `slow` seconds, up to now
        latency = [("p50", CYAN, "p50"), ("p90", BLUE, "p90"), ("p99", MAGENTA, "p99")]
        self.query_one("#live-latency", Chart).draw(
            [(label, colour, slow_xs, [getattr(p, name) for p in slow_points]) for label, colour, name in latency],
            legend([(label, colour, _number(getattr(newest, name))) for label, colour, name in latency],
                   glyphs=self.app.no_color),
            x_range=(-self.span / 60, 0), note=f"/{slow} s · the last {slow} s {lines_note(newest.timed)}")
        self.query_one("#live-routes", Static).update(self._routes(end))

    def _routes(self, end: int) -> Text:
        room = max(8, self.query_one("#live-routes").size.width - 14)

        def name(route: str) -> str:
            return route if len(route) <= room else route[: room - 1] + "…"

        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"Top routes, last {self.span // 60} min\n", style="bold")
        text.append("by 5xx\n", style="bold " + RED)
        worst = self.rollup.top_routes(end, self.span, "5xx")
        for stat in worst:
            text.append(f"{stat.errors5:>5} {stat.error_rate:>4.0f}% ", style=RED).append_text(foreign(name(stat.route)))
            text.append("\n")
        if not worst:
            text.append("  none\n", style="dim")
        text.append("by p99 ms (from N lines)\n", style="bold " + MAGENTA)
        slow = self.rollup.top_routes(end, self.span, "p99")
        for stat in slow:
            text.append(f"{stat.p99:>6,.0f} ", style=MAGENTA).append(f"({stat.timed:,}) ", style="dim")
            text.append_text(foreign(name(stat.route))).append("\n")
        few = sum(1 for stat in self.rollup.routes(end, self.span) if stat.timed and stat.p99 is None)
        if few:  # their p99 would be their slowest line or two: counted, not ranked
            text.append(f"  {few} route{'s' * (few > 1)} under {min_lines(99)} lines\n", style="dim")
        elif not slow:
            text.append("  none\n", style="dim")
        return text.append_text(self._causes(end))

    def _causes(self, end: int) -> Text:
        """The 4xx of the span by gateway response type, with their count and share of the 4xx."""
        text = Text(no_wrap=True, overflow="ellipsis")
        if not self.logs_cause:
            text.append("4xx by cause\n", style="bold " + YELLOW)
            return text.append("  cause not logged: not in\n  this stage's log format\n", style="dim")
        causes = self.rollup.causes(end, self.span)
        total = sum(count for _, count in causes)
        text.append(f"4xx by cause (of {total:,})\n", style="bold " + YELLOW)
        for cause, count in causes[:4]:
            text.append(f"{count:>5} {100 * count / total:>4.0f}% ", style=YELLOW)
            text.append_text(foreign(cause or "backend's own")).append("\n")
        if not causes:
            text.append("  none\n", style="dim")
        return text


def lines_note(timed: int) -> str:
    """What a step's percentiles come from; below the rule's minimum, why one is missing."""
    if timed < min_lines(50):
        return f"from {timed:,} lines: too few (<{min_lines(50)})" if timed else "no timed lines"
    return f"from {timed:,} lines" + (f", p99 needs {min_lines(99)}" if timed < min_lines(99) else "")
