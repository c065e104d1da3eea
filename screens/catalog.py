"""`:plans` and `:keys`: usage plans and API keys, and every change to them (through `propose`).

A key's value is masked until the operator asks for it (v), fetched then and never cached, and
masked again as soon as the screen is left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from actions import api_keys, usage_plans
from console.model import Api, ApiKey, UsagePlan
from console.render.describe import DASH, MASKED, api_stages, quota, throttle, when
from console.render.text import foreign
from screens.base import ConsoleScreen
from screens.catalog_forms import (
    ImportForm,
    KeyForm,
    KeyPlansForm,
    KeyValueScreen,
    MethodThrottleForm,
    PlanForm,
    StageForm,
)
from screens.confirm import propose
from screens.filtering import ListFilter
from screens.keys import bindings
from screens.widgets import cells

if TYPE_CHECKING:
    from actions.engine import Applied

CATALOG_CSS = "#plans, #api-keys { height: 1fr; }"


def _selected(table: DataTable) -> str | None:
    """The row key under the cursor (a plan's or a key's id)."""
    if not table.row_count or table.cursor_row < 0:
        return None
    return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value


class UsagePlansScreen(ConsoleScreen):
    DEFAULT_CSS = CATALOG_CSS
    AUTO_FOCUS = "DataTable"
    BINDINGS = bindings("plans")

    def __init__(self) -> None:
        super().__init__()
        self.plans: dict[str, UsagePlan] = {}
        self.apis: list[Api] = []
        self.answer: tuple | None = None  # the last read, drawn again when the filter changes

    def body(self) -> ComposeResult:
        table = DataTable(id="plans", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Throttle", "Quota", "Keys", "API stages", "Id", "Description")
        table.loading = True
        yield ListFilter(table)

    def load(self, refresh: bool = False) -> None:
        def everything(gateway):
            plans = gateway.usage_plans(refresh)
            return plans, gateway.apis(), {p.id: len(gateway.plan_keys(p.id, refresh)) for p in plans}

        self.fetch(everything, self.show_plans, group="plans", label="listing usage plans")

    def show_plans(self, answer: tuple[list[UsagePlan], list[Api], dict[str, int]]) -> None:
        self.answer = answer
        plans, self.apis, counts = answer
        self.plans = {p.id: p for p in plans}
        names = {a.id: a.name for a in self.apis}
        table = self.query_one(DataTable)
        selected = _selected(table)
        table.loading = False
        table.clear()
        rows = ((p, cells(p.name, throttle(p.throttle), quota(p), counts.get(p.id, DASH), api_stages(p, names), p.id,
                          p.description)) for p in plans)
        for p, row in self.query_one(ListFilter).keep(rows):
            table.add_row(*row, key=p.id)
        if selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))
        self.loaded(plans[0].fetched_at if plans else None, f"{len(plans)} usage plans · enter: usage · ? keys")

    @on(ListFilter.Changed)
    def _filtered(self) -> None:
        if self.answer is not None:
            self.show_plans(self.answer)
            self.show_status()

    def selected(self) -> UsagePlan | None:
        plan = self.plans.get(_selected(self.query_one(DataTable)) or "")
        if plan is None:
            self.notify("No usage plan is selected.", severity="warning")
        return plan

    def changed(self, _applied: "Applied | None" = None) -> None:
        self.load(refresh=True)

    @on(DataTable.RowSelected)
    def action_usage(self) -> None:
        plan = self.selected()
        if plan is not None:
            from screens.usage import UsageScreen

            self.app.push_screen(UsageScreen(plan))

    def action_new(self) -> None:
        self.app.push_screen(PlanForm(None, {p.name for p in self.plans.values()}, self.changed))

    def action_edit(self) -> None:
        plan = self.selected()
        if plan is not None:
            self.app.push_screen(PlanForm(plan, set(), self.changed))

    def action_attach(self) -> None:
        plan = self.selected()
        if plan is not None:
            self.app.push_screen(StageForm(plan, self.apis, True, self.changed))

    def action_detach(self) -> None:
        plan = self.selected()
        if plan is not None and not plan.api_stages:
            self.notify(f"{plan.name} covers no API stage.", severity="warning")
        elif plan is not None:
            self.app.push_screen(StageForm(plan, self.apis, False, self.changed))

    def action_method(self) -> None:
        plan = self.selected()
        if plan is not None and not plan.api_stages:
            self.notify(f"{plan.name} covers no API stage: attach one first (a).", severity="warning")
        elif plan is not None:
            self.app.push_screen(MethodThrottleForm(plan, self.apis, self.changed))

    def action_delete(self) -> None:
        plan = self.selected()
        if plan is not None:
            propose(self, lambda engine: usage_plans.delete(engine.usage_plan(plan.id),
                                                            len(engine.gateway.plan_keys(plan.id, refresh=True))),
                    on_applied=self.changed)


class ApiKeysScreen(ConsoleScreen):
    DEFAULT_CSS = CATALOG_CSS
    AUTO_FOCUS = "DataTable"
    BINDINGS = bindings("keys")

    def __init__(self, stage: tuple[Api, str] | None = None) -> None:
        """`stage` (an API and a stage name): only the keys of the usage plans that cover that stage, the
        disabled first — where a stage refusing its clients' keys (403 INVALID_API_KEY) is fixed."""
        super().__init__()
        self.stage = stage
        self.keys: dict[str, ApiKey] = {}
        self.plans: dict[str, UsagePlan] = {}
        self.plans_of: dict[str, tuple[str, ...]] = {}
        self.revealed: dict[str, str] = {}  # key id -> value, while this screen is in front
        self.answer: tuple | None = None  # the last read, drawn again when the filter changes
        self.marked: set[str] = set()  # key ids space marked, for E (enable them all)

    def body(self) -> ComposeResult:
        table = DataTable(id="api-keys", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Enabled")
        table.add_column("Value", key="value")
        table.add_columns("Usage plans", "Id", "Created", "Last updated")
        table.loading = True
        yield ListFilter(table)

    def load(self, refresh: bool = False) -> None:
        def everything(gateway):
            return gateway.api_keys(refresh), gateway.usage_plans(refresh), gateway.key_plans(refresh)

        self.fetch(everything, self.show_keys, group="keys", label="listing API keys")

    def show_keys(self, answer: tuple[list[ApiKey], list[UsagePlan], dict[str, tuple[str, ...]]]) -> None:
        self.answer = answer
        keys, plans, self.plans_of = answer
        self.keys, self.plans = {k.id: k for k in keys}, {p.id: p for p in plans}
        table = self.query_one(DataTable)
        selected = _selected(table)
        table.loading = False
        table.clear()
        rows = []
        if self.stage is not None:
            keys = sorted((k for k in keys if self._covers(k)), key=lambda k: k.enabled)
        self.marked &= {k.id for k in keys}
        for k in keys:
            names = ", ".join(self.plans[p].name for p in self.plans_of.get(k.id, ()) if p in self.plans) or DASH
            name = f"● {k.name}" if k.id in self.marked else k.name
            rows.append((k, cells(name, "yes" if k.enabled else "no", self._value(k.id), names, k.id,
                                  when(k.created), when(k.updated))))
        for k, row in self.query_one(ListFilter).keep(rows):
            table.add_row(*row, key=k.id)
        if selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))
        scope = ""
        if self.stage is not None:
            disabled = sum(1 for k in keys if not k.enabled)
            scope = (f" of the usage plans of {self.stage[0].name} › {self.stage[1]} · {disabled} disabled"
                     " · space marks, E enables the marked")
        self.loaded(keys[0].fetched_at if keys else None, f"{len(keys)} API keys{scope} · v shows a value · ? keys")

    def _covers(self, key: ApiKey) -> bool:
        """Whether one of the key's usage plans covers the screen's stage."""
        api, stage = self.stage
        return any((api.id, stage) in self.plans[p].api_stages for p in self.plans_of.get(key.id, ())
                   if p in self.plans)

    @on(ListFilter.Changed)
    def _filtered(self) -> None:
        if self.answer is not None:
            self.show_keys(self.answer)
            self.show_status()

    def _value(self, key_id: str) -> Text:
        value = self.revealed.get(key_id)
        return foreign(value) if value else foreign(MASKED, style="dim")

    def selected(self) -> ApiKey | None:
        key = self.keys.get(_selected(self.query_one(DataTable)) or "")
        if key is None:
            self.notify("No API key is selected.", severity="warning")
        return key

    def changed(self, _applied: "Applied | None" = None) -> None:
        self.load(refresh=True)

    # -- values: shown on request, masked again on leaving --------------------------------------------

    def action_reveal(self) -> None:
        key = self.selected()
        if key is None:
            return
        if key.id in self.revealed:
            del self.revealed[key.id]
            self._show_value(key.id)
            return
        self.fetch(lambda gateway: (key.id, gateway.key_value(key.id)), self._revealed, group="reveal",
                   label="fetching the key's value")

    def _revealed(self, answer: tuple[str, str]) -> None:
        if not self.is_current:  # the operator left meanwhile: it stays masked
            return
        self.revealed[answer[0]] = answer[1]
        self._show_value(answer[0])

    def _show_value(self, key_id: str) -> None:
        table = self.query_one(DataTable)
        if key_id in table.rows:
            table.update_cell(key_id, "value", self._value(key_id), update_width=True)

    def on_screen_suspend(self, _event: events.ScreenSuspend) -> None:
        self._mask()

    def on_unmount(self) -> None:
        self.revealed.clear()

    def _mask(self) -> None:
        shown, self.revealed = list(self.revealed), {}
        for key_id in shown:
            self._show_value(key_id)

    # -- changes -----------------------------------------------------------------------------------------

    def action_new(self) -> None:
        self.app.push_screen(KeyForm(None, self._created))

    def _created(self, applied: "Applied") -> None:
        self.changed()
        value = applied.answer.get("value")
        if value:
            self.app.push_screen(KeyValueScreen(applied.plan.target.resource_name, applied.plan.target.resource_id,
                                                value))

    def action_rename(self) -> None:
        key = self.selected()
        if key is not None:
            self.app.push_screen(KeyForm(key, self.changed))

    def action_toggle(self) -> None:
        key = self.selected()
        if key is not None:
            propose(self, lambda engine: api_keys.set_enabled(engine.api_key(key.id), not key.enabled),
                    on_applied=self.changed)

    def action_mark(self) -> None:
        key = self.selected()
        if key is not None and self.answer is not None:
            self.marked ^= {key.id}
            self.show_keys(self.answer)

    def action_enable_marked(self) -> None:
        """Enable the marked keys (else the selected one) that are disabled: a plan each, confirmed one
        after the other, each journaled and undoable on its own."""
        chosen = self.marked or ({key.id} if (key := self.selected()) else set())
        waiting = [k for k in self.keys.values() if k.id in chosen and not k.enabled]
        if not waiting:
            self.notify("No disabled key is marked (space marks one).", severity="warning")
            return

        def next_key(_applied: "Applied | None" = None) -> None:
            if _applied is not None:
                self.changed()
            if waiting:
                key = waiting.pop(0)
                self.marked.discard(key.id)
                propose(self, lambda engine: api_keys.set_enabled(engine.api_key(key.id), True), on_applied=next_key)

        next_key()

    def action_plans(self) -> None:
        key = self.selected()
        if key is not None:
            self.app.push_screen(KeyPlansForm(key, list(self.plans.values()), self.plans_of.get(key.id, ()),
                                              self.changed))

    def action_rotate(self) -> None:
        key = self.selected()
        if key is not None:
            from screens.rotation import RotationScreen

            self.app.push_screen(RotationScreen(key), callback=lambda _: self.changed())

    def action_usage(self) -> None:
        key = self.selected()
        if key is None:
            return
        plans = [self.plans[p] for p in self.plans_of.get(key.id, ()) if p in self.plans]
        if not plans:
            self.notify(f"{key.name} is in no usage plan: it has no usage to show.", severity="warning")
            return
        from screens.usage import UsageScreen

        self.app.push_screen(UsageScreen(plans[0], key.id))

    def action_import(self) -> None:
        self.app.push_screen(ImportForm(self._imported))

    def _imported(self, applied: "Applied") -> None:
        self.changed()
        ids = applied.answer.get("ids") or []
        self.notify(f"Imported {len(ids)} key(s): {', '.join(ids) or DASH}", title="Import", timeout=12)

    def action_delete(self) -> None:
        key = self.selected()
        if key is not None:
            propose(self, lambda engine: api_keys.delete(engine.api_key(key.id)), on_applied=self.changed)
