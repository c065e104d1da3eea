"""The log view: a stage's access log as it arrives, with live charts one key away.

The screen owns a `console.logs.tail.Tail` (threads, no Textual) and drains it on a timer that re-arms
itself, taking at most a slice of lines per tick so a burst never stalls a key press. Lines go to a
bounded `LogBuffer` (timestamp order, filter, search) and to a `Rollup` (the charts); `LogLines`
draws only the rows on screen. Gaps, reconnects, sampling and polling are written into the view as
marker rows at their time, and the status line always says the mode, the newest line and the lag.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static

from console.logs.buffer import Change, LogBuffer, Marker
from console.logs.filter import LineFilter
from console.logs.stats import Rollup
from console.model import Api, Stage
from console.render.colours import GREEN, RED, YELLOW
from console.render.text import assemble, foreign
from console.render.visible import visible
from screens.base import ConsoleScreen
from screens.charts import LiveCharts
from screens.jump import open_stage
from screens.keys import bindings
from screens.views import view

if TYPE_CHECKING:
    from console.logs.sources import LogSources
    from console.logs.tail import LogLine, Notice, Tail

DRAIN_SECONDS = 0.2
DRAIN_SLICE = 500  # lines taken at a time...
TICK_BUDGET = 0.005  # ...for at most this long a tick; the rest wait for the next (a key press goes between)
PAINT_SECONDS = 0.1  # during a burst, new lines are painted at most this often; keys repaint at once
SLOW_CHARTS_SECONDS = 60.0  # over a slow link the live charts are redrawn once a minute (g or + redraws now)
HISTORY_MINUTES = 5  # fetched when the view opens, so the charts start with something
SEARCH_MINUTES = 15  # a filter with a pattern fetches matching lines this far back
SEARCH_LIMIT = 5_000
SEARCH_DELAY = 1.0  # seconds a filter must stand before its pattern is sent to AWS
STATUS_CYCLE = ((), ("5xx",), ("4xx",), ("4xx", "5xx"), ("2xx",))
_STATUS_STYLE = {"2": GREEN, "3": GREEN, "4": YELLOW, "5": RED}


def clock(timestamp_ms: int) -> str:
    moment = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    return f"{moment:%H:%M:%S}.{timestamp_ms % 1000:03d}"


def line_text(item: Any, *, timestamps: bool, raw: bool) -> Text:
    """One buffer item as a row: time, status, method, route, latency, caller, error — or the line itself."""
    if isinstance(item, Marker):
        return foreign(f"── {clock(item.timestamp)} {item.message} ──", style="bold")
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("~" if item.late else " ", style="dim")
    if timestamps:
        text.append(clock(item.timestamp) + " ", style="dim")
    entry = item.entry
    if raw or entry is None:
        text.append(visible(item.message))
        return text
    status = entry.status
    text.append(f"{status if status is not None else '---':>3} ",
                style=f"bold {_STATUS_STYLE.get(str(status)[0], '')}" if status else "dim")
    text.append(visible(f"{entry.method or '-':<6} "))
    text.append(visible(f"{entry.route or '-'} "))
    if entry.latency_ms is not None:
        text.append(f"{entry.latency_ms:,.0f}ms ", style="bold" if entry.latency_ms >= 1000 else "")
    if entry.error_message:
        text.append(visible(entry.error_message) + " ", style=RED)
    text.append(visible(" ".join(v for v in (entry.ip, entry.api_key_id and f"key:{entry.api_key_id}",
                                             entry.request_id) if v)), style="dim")
    return text


class LogLines(Widget, can_focus=True):
    """The lines of a LogBuffer; only the rows on screen are rendered. Follows the newest line until
    the cursor moves up; `end` follows again."""

    DEFAULT_CSS = "LogLines { height: 1fr; }"
    BINDINGS = [
        Binding("up", "move(-1)", show=False), Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False), Binding("pagedown", "page(1)", show=False),
        Binding("home", "first", show=False), Binding("end", "follow", show=False),
    ]

    def __init__(self, buffer: LogBuffer, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buffer = buffer
        self.follow = True
        self.wrap = False
        self.timestamps = True
        self.raw = False
        self.search = ""
        self.top = 0
        self.cursor = -1
        self._rows: list[Strip] | None = None
        self._drawn: dict[int, Strip] = {}  # each row as last handed to the compositor: what the terminal shows
        self._asked = False  # a repaint was asked for and not drawn yet (then _drawn is not the terminal)
        self.empty_text = "Waiting for lines…"

    # -- keeping our place ---------------------------------------------------------------------------

    def changed(self, change: Change, paint: bool = True) -> None:
        """Lines were added: keep the cursor on its line (or follow the newest); repaint now, or leave it
        to the caller (a burst repaints a few times a second, not once a slice)."""
        if not self.follow:
            shift = -change.trimmed + sum(1 for at in change.inserted_at if at <= self.cursor)
            self.cursor = max(0, self.cursor + shift) if self.cursor >= 0 else -1
            self.top = max(0, self.top + shift)
        if paint:
            self.redraw()
        # Else the rows laid out stay until the caller paints (paint_new, redraw): a row repainted meanwhile
        # must come from the layout the terminal shows, or a scroll would leave two layouts on screen.

    def redraw(self) -> None:
        self._rows = None
        self._asked = True
        self.refresh()

    def paint_new(self) -> None:
        """New lines arrived. Following, the terminal scrolls the rows it shows and only the rows that
        differ after the scroll are written (roughly the new lines' bytes); otherwise, a repaint."""
        band = self._scroll_band()
        if band is None:
            self.redraw()
            return
        height, width = self.size.height, self.size.width
        old = [self._drawn[y] for y in range(height)]
        self._rows = rows = self._layout()
        rows += [Strip.blank(width, self.rich_style)] * (height - len(rows))
        shift = _shift(old[band:], rows[band:])
        if shift:
            self.app.scroll_rows(self.region.y + band, self.region.y + height - 1, shift)
        after = old[:band] + old[band + shift:] + [None] * shift
        changed = [y for y in range(height) if rows[y] != after[y]]
        for y in range(height):
            self._drawn[y] = after[y]
        for y in changed:
            self.refresh(Region(0, y, width, 1))
        self._asked = bool(changed)

    def _scroll_band(self) -> int | None:
        """The first of this view's rows a terminal scroll may move (rows under a toast are repainted
        instead), or None where it cannot be used: a scroll moves whole rows, so only for a view across
        the whole terminal, on top, drawn as we last left it."""
        height = self.size.height
        if not (self.follow and not self.wrap and not self._asked and self.app.scrolls_terminal
                and self.screen is self.app.screen
                and self.region.x == 0 and self.region.width == self.screen.size.width
                and all(y in self._drawn for y in range(height))):
            return None
        region = self.region
        covered = max((toast.region.bottom for toast in self.screen.query("Toast")
                       if toast.region.overlaps(region)), default=region.y)
        band = covered - region.y
        return band if band < height - 1 else None

    def reset(self) -> None:
        """The shown lines were replaced (a new filter): follow again."""
        self.follow = True
        self.redraw()

    @property
    def current(self) -> Any | None:
        shown = self.buffer.shown
        if not shown:
            return None
        index = len(shown) - 1 if self.follow or self.cursor < 0 else min(self.cursor, len(shown) - 1)
        return shown[index]

    def action_move(self, delta: int) -> None:
        self.go(self._cursor_index() + delta)

    def action_page(self, direction: int) -> None:
        self.go(self._cursor_index() + direction * max(1, self.size.height - 1))

    def action_first(self) -> None:
        self.go(0)

    def action_follow(self) -> None:
        self.follow = True
        self.redraw()
        self.post_message(self.Moved())

    class Moved(Message):
        """The cursor moved to another line."""

    def go(self, index: int) -> None:
        count = len(self.buffer.shown)
        if not count:
            return
        index = max(0, min(count - 1, index))
        self.follow = index == count - 1 and self.follow
        self.cursor = index
        if index < self.top:
            self.top = index
        elif index >= self.top + self._fits_from(self.top):
            self.top = self._top_ending_at(index)
        self.redraw()
        self.post_message(self.Moved())

    def _cursor_index(self) -> int:
        count = len(self.buffer.shown)
        return count - 1 if self.follow or self.cursor < 0 else min(self.cursor, count - 1)

    # -- drawing -------------------------------------------------------------------------------------

    def _render(self, index: int, width: int) -> list[Strip]:
        item = self.buffer.shown[index]
        text = line_text(item, timestamps=self.timestamps, raw=self.raw)
        if self.search:
            text.highlight_words([self.search], style="black on #e0c000", case_sensitive=False)
        if index == self._cursor_index() and not self.follow:  # following: the newest line, at the bottom
            text.stylize("reverse")
        console = self.app.console
        options = console.options.update(width=width, no_wrap=not self.wrap, overflow="fold" if self.wrap else "ellipsis",
                                         height=None)
        text.no_wrap = not self.wrap
        text.overflow = "fold" if self.wrap else "ellipsis"  # wrap wraps, and folds a token too long for a row
        lines = console.render_lines(text, options, pad=True)
        base = self.rich_style  # padding comes back unstyled; Textual's colour filters (NO_COLOR) need a style
        return [Strip(line, width).apply_style(base) for line in lines]

    def _height(self, index: int) -> int:
        return len(self._render(index, self.size.width)) if self.wrap else 1

    def _fits_from(self, top: int) -> int:
        """How many lines from `top` fit on screen."""
        room, count, index = self.size.height, 0, top
        while room > 0 and index < len(self.buffer.shown):
            room -= self._height(index)
            if room >= 0:
                count += 1
            index += 1
        return max(1, count)

    def _top_ending_at(self, last: int) -> int:
        """The top index that puts line `last` at the bottom of the screen."""
        room, index = self.size.height, last
        while index >= 0:
            room -= self._height(index)
            if room < 0:
                break
            index -= 1
        return min(last, index + 1)

    def _layout(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        shown = self.buffer.shown
        if not shown:
            return [Strip(line, width).apply_style(self.rich_style) for line in self.app.console.render_lines(
                foreign(self.empty_text, style="dim"), self.app.console.options.update(width=width), pad=True)]
        if self.follow:
            self.cursor = len(shown) - 1
            self.top = self._top_ending_at(self.cursor)
        self.top = max(0, min(self.top, len(shown) - 1))
        rows: list[Strip] = []
        index = self.top
        while len(rows) < height and index < len(shown):
            rows += self._render(index, width)
            index += 1
        return rows[:height]

    def render_line(self, y: int) -> Strip:
        if self._rows is None:
            self._rows = self._layout()
        self._asked = False
        strip = self._rows[y] if y < len(self._rows) else Strip.blank(self.size.width, self.rich_style)
        self._drawn[y] = strip
        return strip

    def on_resize(self) -> None:
        self._drawn.clear()
        self.redraw()


def _shift(old: list[Strip], new: list[Strip]) -> int:
    """How many rows `new` is `old` scrolled up by: the smallest shift under which the rows kept match
    (0 if none does; the rows that differ after the shift are repainted either way)."""
    height = len(old)
    if old == new:
        return 0
    for shift in range(1, height):
        if old[shift:] == new[:height - shift]:
            return shift
    return 0


def detail_table(item: Any) -> Table | Text:
    """A line's fields: the named ones first, then every $context variable as written."""
    if isinstance(item, Marker) or item is None:
        return Text("No line selected.", style="dim")
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("time", f"{datetime.fromtimestamp(item.timestamp / 1000, UTC):%Y-%m-%d %H:%M:%S.%f}"[:-3] + " UTC")
    table.add_row("stream", f"{item.group} › {item.stream}")
    entry = item.entry
    if entry is None:
        table.add_row("line", foreign(item.message))
        table.add_row("", Text("Not in the stage's access-log format.", style="dim"))
        return table
    for name in ("request_id", "status", "latency_ms", "integration_latency_ms", "method", "route", "ip",
                 "api_key_id", "error_message"):
        value = getattr(entry, name)
        if value is not None:
            table.add_row(name.replace("_", " "), foreign(str(value)))
    for name, value in entry.fields.items():
        table.add_row(foreign(f"${name}", style="dim"), foreign(value))
    return table


class LogScreen(ConsoleScreen):
    AUTO_FOCUS = "#log-lines"
    DEFAULT_CSS = """
    LogScreen #log-sources { height: 1; padding: 0 1; }
    LogScreen #log-views { height: 1fr; }
    LogScreen #log-detail { height: 10; border-top: solid $primary; padding: 0 1; }
    LogScreen #log-prompt { height: 1; border: none; padding: 0 1; background: $panel; }
    """
    BINDINGS = bindings("logs")

    def __init__(self, api: Api, stage_name: str, canary: bool = False, execution: bool = False) -> None:
        """The stage's access log; or its canary's copy; or (REST, `execution`) its execution log, where
        API Gateway says why a request failed when the stage's logging level is ERROR or INFO."""
        super().__init__()
        self.api = api
        self.stage_name = stage_name
        self.canary = canary
        self.execution = execution
        self.stage: Stage | None = None
        self.sources: LogSources | None = None
        self.tail: Tail | None = None
        self.buffer = LogBuffer()
        self.rollup = Rollup()
        self.prompt: str | None = None  # "search" | "filter" while the input is open
        self._charts_drawn = 0.0
        self._painted = 0.0  # when the lines were last repainted for new lines
        self._stale = False  # lines came since
        self._search_timer: Timer | None = None

    def body(self) -> ComposeResult:
        which = "execution log" if self.execution else "canary log" if self.canary else "access log"
        yield Static(assemble((self.api.name, "bold"), " › ", (self.stage_name, "bold"), f" · {which}"),
                     id="title")
        yield Static("", id="log-sources")
        with ContentSwitcher(initial="log-lines", id="log-views"):
            yield LogLines(self.buffer, id="log-lines")
            yield LiveCharts(self.rollup, id="log-charts")
        yield VerticalScroll(Static(id="log-fields"), id="log-detail", classes="hidden")
        yield Input(id="log-prompt", classes="hidden")

    # -- starting ------------------------------------------------------------------------------------

    def load(self, refresh: bool = False) -> None:
        if self.tail is not None and not refresh:
            return
        api, name = self.api, self.stage_name

        def stage_and_sources(gateway):
            from console.logs.sources import stage_sources

            stage = gateway.stage(api, name, refresh=True)
            return stage, stage_sources(gateway.connection, stage)

        self.fetch(stage_and_sources, self.start, group="logs", label="finding the stage's logs")

    def start(self, answer: tuple[Stage, LogSources]) -> None:
        self.stage, self.sources = answer
        self.stop_tail()
        found = self.sources
        group = found.execution if self.execution else found.canary if self.canary else found.access
        self.query_one("#log-sources", Static).update(self._sources_text(found))
        lines = self.query_one(LogLines)
        if self.execution:
            problem = None if group else "HTTP and WebSocket APIs have no execution logs: their access log says why."
        else:
            problem = found.problem or (None if group or not self.canary else
                                        "This stage has no canary, so there is no canary log.")
        if problem:
            lines.empty_text = problem + ("  Press a to turn it on." if found.access is None and not found.firehose
                                          else "")
            lines.redraw()
            self.loaded(self.stage.fetched_at, "no access log to tail")
            return
        lines.empty_text = f"Waiting for lines in {group.name}…"
        from console.logs.access_log import logs_cause

        self.query_one(LiveCharts).logs_cause = logs_cause(found.format)
        level = self.stage.default.logging_level
        if self.execution and level in (None, "OFF"):
            lines.empty_text += (" Execution logging is off for this stage, so API Gateway writes none: set its "
                                 "logging level to ERROR or INFO.")
        lines.redraw()
        self.tail = self.open_tail(group)
        self._drain()

    def open_tail(self, group) -> Tail:
        """The tail behind the view (a benchmark swaps in a synthetic source here)."""
        from console.logs.access_log import parser_for
        from console.logs.tail import Tail, filter_budget

        connection = self.app.gateway.connection
        since = int((time.time() - HISTORY_MINUTES * 60) * 1000)
        parser = None if self.execution else parser_for(self.sources.format)  # execution lines are free text
        return Tail(connection.client("logs"), [group], parser, budget=filter_budget(connection),
                    since_ms=since).start()

    def _sources_text(self, found: LogSources) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis", style="dim")
        if found.access:
            text.append(visible(f"log group {found.access.name}"))
        elif found.firehose:
            text.append(visible(f"Firehose {found.firehose.rsplit('/', 1)[-1]}"))
        else:
            text.append("no access logging")
        text.append(visible(f" · canary {found.canary.name if found.canary else 'none'}"))
        if found.execution:
            text.append(visible(f" · execution logs {found.execution.name}"))
        return text

    def stop_tail(self) -> None:
        if self.tail is not None:
            tail, self.tail = self.tail, None
            tail.stop()

    def on_unmount(self) -> None:
        self.stop_tail()

    # -- the stream ----------------------------------------------------------------------------------

    def _drain(self) -> None:
        """Take what the tail has, in slices for at most TICK_BUDGET seconds, show it, and come back soon
        if more waits: a burst never holds a key press for longer than a slice. Ticks never overlap."""
        tail = self.tail
        if tail is None:
            return
        started = time.perf_counter()
        more = False
        while True:
            batch = tail.drain(DRAIN_SLICE)
            if batch.lines or batch.notices:
                self._take(batch)
                self._stale = True
            more = len(batch.lines) == DRAIN_SLICE
            if not more or time.perf_counter() - started > TICK_BUDGET:
                break
        now = time.monotonic()
        if self._stale and (not more or now - self._painted >= PAINT_SECONDS):
            self._stale, self._painted = False, now
            self.query_one(LogLines).paint_new()
            self.show_status()
        charts = self.query_one(LiveCharts)
        if charts.display and self.query_one(ContentSwitcher).current == "log-charts" \
                and now - self._charts_drawn >= (SLOW_CHARTS_SECONDS if self.app.slow_link else 1.0):
            self._charts_drawn = now
            charts.redraw()
        self.set_timer(0.001 if more else DRAIN_SECONDS, self._drain)

    def _take(self, batch) -> None:
        self.rollup.add_lines(batch.lines)
        items: list[Any] = list(batch.lines)
        items += [self._marker(n) for n in batch.notices if n.kind in ("gap", "backfilled", "polling", "sampled")]
        self.query_one(LogLines).changed(self.buffer.add(items), paint=False)
        if batch.lines:
            self.problem = None  # lines flow again: a refusal said on the status line is over
        for notice in batch.notices:
            self._tell(notice)

    def _marker(self, notice: Notice) -> Marker:
        at = notice.start_ms if notice.start_ms is not None else int(notice.at * 1000)
        return Marker(at, notice.text)

    def _tell(self, notice: Notice) -> None:
        if notice.kind == "error":  # the status line keeps saying it (a refused read) after the toast is gone
            self.problem = notice.text
        if notice.kind in ("error", "throttled", "dropped", "polling", "sampled"):
            self.app.notify(notice.text, title="Log tail", severity="warning" if notice.kind != "error" else "error",
                            timeout=8)

    def show_status(self) -> None:
        tail = self.tail
        if tail is None:
            super().show_status()
            return
        state = tail.state
        parts = [{"live": "LIVE", "polling": "POLLING", "connecting": "CONNECTING"}.get(state.mode, state.mode)]
        if state.sampling:
            parts.append("SAMPLED")
        if state.newest_ms is not None:
            parts.append(f"newest {clock(state.newest_ms)[:8]} (lag {state.lag_seconds:.0f} s)")
        lines = self.query_one(LogLines)
        count = f"{len(self.buffer.shown):,}"
        if self.buffer.filter.active:
            count += f"/{len(self.buffer.all):,} ({self.buffer.filter.describe()})"
        parts.append(count + " lines")
        if not lines.follow:
            parts.append("paused")
        if state.gaps:
            parts.append(f"{state.gaps} gap{'s' if state.gaps > 1 else ''} filled")
        if state.held:
            parts.append(f"{state.held} calls held (5 TPS)")
        if self.buffer.dropped:
            parts.append(f"oldest {self.buffer.dropped:,} let go")
        if self.problem:
            parts.append(f"failed: {self.problem}")
        for line in self.query("#status"):
            line.show(" · ".join(parts))

    # -- keys ----------------------------------------------------------------------------------------

    def action_pause(self) -> None:
        lines = self.query_one(LogLines)
        if lines.follow:
            lines.cursor = lines._cursor_index()
            lines.follow = False
        else:
            lines.follow = True
        lines.redraw()
        self.show_status()

    def action_follow(self) -> None:
        self.query_one(LogLines).action_follow()
        self.show_status()

    def action_wrap(self) -> None:
        lines = self.query_one(LogLines)
        lines.wrap = not lines.wrap
        lines.redraw()

    def action_timestamps(self) -> None:
        lines = self.query_one(LogLines)
        lines.timestamps = not lines.timestamps
        lines.redraw()

    def action_raw(self) -> None:
        lines = self.query_one(LogLines)
        lines.raw = not lines.raw
        lines.redraw()

    def action_status(self) -> None:
        """Cycle the status filter: all, 5xx, 4xx, 4xx+5xx, 2xx (the rest of the filter is kept)."""
        current = tuple(sorted(self.buffer.filter.statuses))
        following = STATUS_CYCLE[(STATUS_CYCLE.index(current) + 1) % len(STATUS_CYCLE)] \
            if current in STATUS_CYCLE else ()
        self.apply_filter(replace(self.buffer.filter, statuses=frozenset(following)))

    def action_cause(self) -> None:
        """Cycle the cause filter through the 4xx causes of the charts' span, most frequent first, then none."""
        span = self.query_one(LiveCharts).span
        causes = [c for c, _ in self.rollup.causes(int(time.time()), span) if c]
        current = self.buffer.filter.cause
        if not causes and current is None:
            self.notify(f"No 4xx with a cause in the last {span // 60} min of lines.", severity="warning")
            return
        cycle = [None, *causes]
        following = cycle[(cycle.index(current) + 1) % len(cycle)] if current in cycle else None
        self.apply_filter(replace(self.buffer.filter, cause=following))

    def action_search(self) -> None:
        self._open_prompt("search", "search (any case); enter finds, n/N next/previous",
                          self.query_one(LogLines).search)

    def action_filter(self) -> None:
        self._open_prompt("filter", "filter: 5xx 4xx GET /orders cause:INVALID_API_KEY text…  (empty: everything)",
                          self.buffer.filter.typed())

    def _open_prompt(self, kind: str, placeholder: str, value: str) -> None:
        prompt = self.query_one("#log-prompt", Input)
        self.prompt = kind
        prompt.placeholder = placeholder
        prompt.value = value
        prompt.remove_class("hidden")
        prompt.focus()
        self.call_after_refresh(self.app.release_keys)  # the keys typed while it opened

    @on(Input.Submitted, "#log-prompt")
    def _prompted(self, event: Input.Submitted) -> None:
        kind, self.prompt = self.prompt, None
        event.input.add_class("hidden")
        lines = self.query_one(LogLines)
        lines.focus()
        if kind == "search":
            lines.search = event.value.strip()
            self.action_next_match(True if not lines.search else False)
        elif kind == "filter":
            self.apply_filter(LineFilter.parse(event.value))

    def action_next_match(self, backwards: bool) -> None:
        lines = self.query_one(LogLines)
        if not lines.search:
            lines.redraw()
            return
        found = self.buffer.find(lines.search, lines._cursor_index(), backwards)
        if found is None:
            self.notify(f"No line holds {lines.search!r}.", severity="warning")
            lines.redraw()
            return
        lines.follow = False
        lines.go(found)
        self.show_status()

    def apply_filter(self, line_filter: LineFilter) -> None:
        self.buffer.set_filter(line_filter)
        self.query_one(LogLines).reset()
        self.show_status()
        pattern = line_filter.pattern(self._parser()) if line_filter.active else None
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        if pattern and self.tail is not None:  # once the operator stops cycling filters
            self._search_timer = self.set_timer(SEARCH_DELAY, lambda: self._search_history(line_filter, pattern))

    def _parser(self):
        from console.logs.access_log import parser_for

        return parser_for(self.sources.format) if self.sources and self.sources.format else None

    def _search_history(self, line_filter: LineFilter, pattern: str) -> None:
        """Fetch matching lines of the last minutes with the filter as a pattern: the view may not hold them."""
        self._search_timer = None
        group = self.sources.canary if self.canary else self.sources.access
        parser = self._parser()
        end = int(time.time() * 1000)
        start = end - SEARCH_MINUTES * 60_000

        def fetch(gateway):
            from itertools import islice

            from console.logs.tail import filter_budget, history, metered

            connection = gateway.connection
            client = metered(connection.client("logs"), filter_budget(connection))
            return [line for line in islice(history(client, [group.name], start, end, parser, pattern), SEARCH_LIMIT)
                    if line_filter.matches(line)]

        def show(found: list[LogLine]) -> None:
            if self.buffer.filter != line_filter:
                return
            before = len(self.buffer.shown)
            self.query_one(LogLines).changed(self.buffer.add(found))
            self.notify(f"{len(self.buffer.shown) - before} more matching lines fetched from the last "
                        f"{SEARCH_MINUTES} min with the filter pattern {pattern}.", title="Filter")

        self.fetch(fetch, show, group="logs-search", label="fetching matching lines")

    @on(LogLines.Moved)
    def _moved(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        if not self.query_one("#log-detail").has_class("hidden"):
            self.query_one("#log-fields", Static).update(detail_table(self.query_one(LogLines).current))

    def action_detail(self) -> None:
        detail = self.query_one("#log-detail")
        if detail.has_class("hidden"):
            self.query_one("#log-fields", Static).update(detail_table(self.query_one(LogLines).current))
            detail.remove_class("hidden")
        else:
            detail.add_class("hidden")

    def action_copy(self) -> None:
        item = self.query_one(LogLines).current
        if item is None or isinstance(item, Marker):
            self.notify("No line to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(item.message)
        self.notify("The line is on the clipboard (OSC 52).")

    def action_charts(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "log-lines" if switcher.current == "log-charts" else "log-charts"
        if switcher.current == "log-charts":
            self._charts_drawn = time.monotonic()
            self.call_after_refresh(self.query_one(LiveCharts).redraw)
        else:
            self.query_one(LogLines).focus()

    def action_span(self) -> None:
        charts = self.query_one(LiveCharts)
        charts.span = 900 if charts.span == 300 else 300
        charts.redraw()

    def action_reconnect(self) -> None:
        if self.tail is not None:
            self.tail.reconnect()
            self.notify("Reconnecting LiveTail; the gap is filled by polling.")

    def action_enable(self) -> None:
        """Propose turning on access logging (through the change engine): a log group and the JSON format."""
        if self.sources is None or self.sources.access is not None or self.sources.firehose:
            self.notify("This stage already has an access-log destination.", severity="warning")
            return
        from screens.confirm import propose

        api, name = self.api, self.stage_name

        def build(engine: Any):
            from actions import access_logging

            return access_logging.plan_enable(engine, api, name)

        propose(self, build, on_applied=lambda _applied: self.load(refresh=True))

    def action_execution(self) -> None:
        """The stage's execution log (REST): why requests failed, in API Gateway's words."""
        if self.execution:
            self.app.pop_screen()
        elif self.api.protocol.is_v2:
            self.notify("HTTP and WebSocket APIs have no execution logs: their access log says why.",
                        severity="warning")
        else:
            self.app.push_screen(LogScreen(self.api, self.stage_name, execution=True))

    def action_metrics(self) -> None:
        self.app.push_screen(view("metrics").screen_class()(self.api, self.stage_name))

    def action_stage(self, then: str | None = None) -> None:
        open_stage(self, self.api, self.stage_name, then)

    def action_refresh(self) -> None:
        if self.app.gateway is not None:
            self.load(refresh=True)

    def action_back(self) -> None:
        prompt = self.query_one("#log-prompt", Input)
        if self.prompt is not None:
            self.prompt = None
            prompt.add_class("hidden")
            self.query_one(LogLines).focus()
            return
        detail = self.query_one("#log-detail")
        if not detail.has_class("hidden"):
            detail.add_class("hidden")
            return
        self.app.pop_screen()

    def _auto_refresh(self) -> None:
        """The tail keeps the view fresh; the periodic re-fetch of other screens does not apply."""
