"""One API: its stages, and its structure (REST resources and methods, or v2 routes and integrations)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static, Tree

from console.model import Api, ApiDetail, Protocol, Stage
from console.render.describe import DASH, throttle, when
from console.render.text import assemble
from screens.base import ConsoleScreen
from screens.filtering import ListFilter
from screens.keys import bindings
from screens.widgets import cells


class ApiScreen(ConsoleScreen):
    AUTO_FOCUS = "#stages"
    DEFAULT_CSS = "ApiScreen #stage-list { height: auto; }"
    BINDINGS = bindings("api", Binding("tab", "app.focus_next", "Next pane", show=False))

    def __init__(self, api: Api) -> None:
        super().__init__()
        self.api = api
        self.stages: list[Stage] = []  # as shown (the filter's)
        self.read: list[Stage] = []  # as read
        self.detail: ApiDetail | None = None

    def body(self) -> ComposeResult:
        api = self.api
        yield Static(assemble((api.name, "bold"), f"  {api.id} · {api.protocol.value} · {api.endpoint_type} · "
                                   f"created {when(api.created)}\n", (api.description or api.endpoint, "dim")),
                     id="title")
        with Vertical(id="panes"):
            stages = DataTable(id="stages", cursor_type="row", zebra_stripes=True)
            stages.add_columns("Stage", "Deployment", "Updated", "Throttle", "Cache", "Canary", "Logs")
            stages.border_title = "Stages"
            stages.loading = True
            yield ListFilter(stages, placeholder="filter: any text the stages show", id="stage-list")
            if api.protocol is Protocol.REST:
                tree: Tree[str] = Tree("/", id="structure")
                tree.border_title = "Resources and methods"
                tree.show_root = False
                yield tree
            else:
                routes = DataTable(id="structure", cursor_type="row", zebra_stripes=True)
                routes.add_columns("Route", "Auth", "Integration", "Target")
                routes.border_title = "Routes"
                yield routes

    def load(self, refresh: bool = False) -> None:
        api = self.api
        self.fetch(lambda g: g.stages(api, refresh), self.show_stages, group="stages", label="fetching stages")
        self.fetch(lambda g: g.detail(api, refresh), self.show_detail, group="detail", label="fetching structure")

    def show_stages(self, stages: list[Stage]) -> None:
        self.read = stages
        self._draw_stages()
        self.loaded(stages[0].fetched_at if stages else self.fetched_at, f"{len(stages)} stages")
        self.query_one("#stages", DataTable).focus()

    def _draw_stages(self) -> None:
        table = self.query_one("#stages", DataTable)
        table.loading = False
        table.clear()
        rows = []
        for s in self.read:
            cache = DASH if s.cache is None else ("on" if s.cache.enabled else "off")
            canary = f"{s.canary.percent:g} %" if s.canary else DASH
            rows.append((s, cells(s.name, s.deployment_id or DASH, when(s.updated), throttle(s.throttle), cache,
                                  canary, "on" if s.access_log else "off")))
        kept = self.query_one(ListFilter).keep(rows)
        self.stages = [s for s, _ in kept]
        for s, row in kept:
            table.add_row(*row, key=s.name)

    @on(ListFilter.Changed)
    def _filtered(self) -> None:
        self._draw_stages()
        self.show_status()

    def show_detail(self, detail: ApiDetail) -> None:
        self.detail = detail
        if self.api.protocol is Protocol.REST:
            tree = self.query_one("#structure", Tree)
            tree.clear()
            for resource in detail.resources:
                methods = " ".join(resource.methods) if resource.methods else "(no methods)"
                label = assemble((resource.path, "bold"), "  ", (methods, "dim"))
                node = tree.root.add_leaf(label)
                node.data = resource.path
            tree.root.expand()
            tree.border_subtitle = f"{len(detail.resources)} resources"
        else:
            table = self.query_one("#structure", DataTable)
            table.clear()
            integrations = {i.id: i for i in detail.integrations}
            for route in detail.routes:
                integration = integrations.get(route.target.removeprefix("integrations/"))
                table.add_row(*cells(route.key, route.authorization, integration.type if integration else DASH,
                                     (integration.uri if integration else route.target) or DASH))
            table.border_subtitle = f"{len(detail.routes)} routes, {len(detail.integrations)} integrations"

    def action_authorizers(self) -> None:
        from screens.authorizers import AuthorizersScreen

        self.app.push_screen(AuthorizersScreen(self.api))

    @on(DataTable.RowSelected, "#stages")
    def action_open(self) -> None:
        table = self.query_one("#stages", DataTable)
        if 0 <= table.cursor_row < len(self.stages):
            from screens.stage import StageScreen

            self.app.push_screen(StageScreen(self.api, self.stages[table.cursor_row].name))

    def action_back(self) -> None:
        self.app.pop_screen()
