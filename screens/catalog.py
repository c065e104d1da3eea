"""Usage plans and API keys, listed (changes to them come through the actions layer)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from console.describe import DASH, throttle, when
from console.model import ApiKey, UsagePlan
from screens.base import ConsoleScreen
from screens.widgets import cells

MASK = "••••••••"


class UsagePlansScreen(ConsoleScreen):
    AUTO_FOCUS = "DataTable"
    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="plans.refresh"),
        Binding("escape", "app.pop_screen", "Back", id="plans.back"),
    ]

    def body(self) -> ComposeResult:
        table = DataTable(id="plans", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Id", "Throttle", "Quota", "API stages", "Description")
        table.loading = True
        yield table

    def load(self, refresh: bool = False) -> None:
        def plans_and_names(gateway):
            return gateway.usage_plans(refresh), {a.id: a.name for a in gateway.apis()}

        self.fetch(plans_and_names, self.show_plans, group="plans", label="listing usage plans")

    def show_plans(self, answer: tuple[list[UsagePlan], dict[str, str]]) -> None:
        plans, names = answer
        table = self.query_one(DataTable)
        table.loading = False
        table.clear()
        for p in plans:
            quota = (f"{p.quota_limit:,}/{p.quota_period}" + (f" +{p.quota_offset}" if p.quota_offset else "")
                     if p.quota_limit is not None else DASH)
            stages = ", ".join(f"{names.get(api, api)}/{stage}" for api, stage in p.api_stages) or DASH
            table.add_row(*cells(p.name, p.id, throttle(p.throttle), quota, stages, p.description), key=p.id)
        self.loaded(plans[0].fetched_at if plans else None, f"{len(plans)} usage plans")


class ApiKeysScreen(ConsoleScreen):
    AUTO_FOCUS = "DataTable"
    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="keys.refresh"),
        Binding("escape", "app.pop_screen", "Back", id="keys.back"),
    ]

    def body(self) -> ComposeResult:
        table = DataTable(id="keys", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Id", "Value", "Enabled", "Created", "Updated", "Description")
        table.loading = True
        yield table

    def load(self, refresh: bool = False) -> None:
        self.fetch(lambda g: g.api_keys(refresh), self.show_keys, group="keys", label="listing API keys")

    def show_keys(self, keys: list[ApiKey]) -> None:
        table = self.query_one(DataTable)
        table.loading = False
        table.clear()
        for k in keys:
            table.add_row(*cells(k.name, k.id, MASK, "yes" if k.enabled else "no", when(k.created),
                                 when(k.updated), k.description), key=k.id)
        self.loaded(keys[0].fetched_at if keys else None, f"{len(keys)} API keys (values masked)")
