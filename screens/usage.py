"""A usage plan's usage (GetUsage): requests per day as bars, and its keys nearest their quota first.

The chart follows the key under the cursor (`a` shows all keys together); `d` changes the range
(7, 14, 30 or 90 days up to today); `x` extends the highlighted key's quota for the current period.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from console.model import PlanKey, Usage, UsagePlan
from console.render.describe import DASH, daily_bars, nearest_quota_first, quota
from console.render.text import assemble
from console.render.visible import visible
from screens.base import ConsoleScreen
from screens.filtering import ListFilter
from screens.catalog_forms import ExtendForm
from screens.keys import bindings
from screens.widgets import cells

if TYPE_CHECKING:
    from actions.engine import Applied

RANGES = (7, 14, 30, 90)
USAGE_CSS = """
#usage-chart { height: auto; max-height: 11; padding: 0 1; border: round $primary; }
#usage-keys { height: 1fr; }
"""


class UsageScreen(ConsoleScreen):
    DEFAULT_CSS = USAGE_CSS
    AUTO_FOCUS = "#usage-keys"
    BINDINGS = bindings("usage")

    def __init__(self, plan: UsagePlan, key_id: str | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.days = RANGES[0]
        self.focus_key = key_id  # the key the chart follows; None: all keys
        self.usage: Usage | None = None
        self.names: dict[str, str] = {}

    def body(self) -> ComposeResult:
        yield Static(assemble((self.plan.name, "bold"), f"  quota {quota(self.plan)} per key"), id="title")
        with VerticalScroll(id="usage-chart"):
            yield Static("", id="chart")
        table = DataTable(id="usage-keys", cursor_type="row", zebra_stripes=True)
        table.add_columns("Key", "Used", "Left this period", "Left")
        table.loading = True
        yield ListFilter(table)

    def load(self, refresh: bool = False) -> None:
        plan, days = self.plan, self.days

        def everything(gateway) -> tuple[Usage, list[PlanKey]]:
            end = datetime.now(timezone.utc).date()
            return gateway.usage(plan.id, end - timedelta(days=days - 1), end), gateway.plan_keys(plan.id, refresh)

        self.fetch(everything, self.show_usage, group="usage", label=f"fetching {days} days of usage")

    def show_usage(self, answer: tuple[Usage, list[PlanKey]]) -> None:
        self.usage, keys = answer
        self.names = {k.id: k.name for k in keys}
        self._draw()
        self.show_chart()
        self.loaded(self.usage.fetched_at, f"{self.days} days · {len(self.usage.keys)} keys, nearest their quota "
                                           "first · d: days")

    def _draw(self) -> None:
        table = self.query_one(DataTable)
        table.loading = False
        table.clear()
        limit = self.plan.quota_limit
        rows = []
        for k in nearest_quota_first(self.usage, limit):
            share = f"{k.left / limit:.0%}" if limit and k.left is not None else DASH
            rows.append((k, cells(self.names.get(k.key_id, k.key_id), f"{k.total:,}",
                                  DASH if k.left is None else f"{k.left:,}", share)))
        for k, row in self.query_one(ListFilter).keep(rows):
            table.add_row(*row, key=k.key_id)
        if self.focus_key in table.rows:
            table.move_cursor(row=table.get_row_index(self.focus_key))

    @on(ListFilter.Changed)
    def _filtered(self) -> None:
        if self.usage is not None:
            self._draw()
            self.show_status()

    def show_chart(self) -> None:
        if self.usage is None:
            return
        key = next((k for k in self.usage.keys if k.key_id == self.focus_key), None)
        counts = key.used if key else self.usage.daily()
        limit = self.plan.quota_limit if key and self.plan.quota_period == "DAY" else None
        who = self.names.get(key.key_id, key.key_id) if key else "all keys"
        self.query_one("#usage-chart").border_title = visible(f"requests per day — {who}")
        self.query_one("#chart", Static).update(daily_bars(self.usage.days, counts, limit))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.focus_key is not None or event.cursor_row > 0:
            self.focus_key = event.row_key.value
        self.show_chart()

    def action_all_keys(self) -> None:
        self.focus_key = None
        self.show_chart()

    def action_days(self) -> None:
        self.days = RANGES[(RANGES.index(self.days) + 1) % len(RANGES)]
        self.load()

    def action_extend(self) -> None:
        table = self.query_one(DataTable)
        if self.usage is None or not table.row_count:
            return
        key_id = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        left = next((k.left for k in self.usage.keys if k.key_id == key_id), None)
        self.app.push_screen(ExtendForm(self.plan, key_id, self.names.get(key_id, key_id), left, self._extended))

    def _extended(self, _applied: "Applied") -> None:
        self.load(refresh=True)
