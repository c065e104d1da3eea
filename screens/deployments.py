"""A stage's deployment history (`d` on the stage): the API's deployments, newest first, which one the
stage serves and which one its canary runs; `enter` or `b` on a row plans pointing the stage at it
(what the AWS console calls "Change active deployment"), confirmed like every change."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from actions import deployments as active_deployment
from console.model import Api, Deployment, Stage
from console.render.describe import DASH, deployment_history, serves
from console.render.text import assemble
from screens.base import ConsoleScreen
from screens.confirm import propose
from screens.filtering import ListFilter
from screens.keys import bindings
from screens.widgets import cells


class DeploymentsScreen(ConsoleScreen):
    AUTO_FOCUS = "#deployments"
    DEFAULT_CSS = """
    #deployments {
        height: 1fr;
    }
    """
    BINDINGS = bindings("deployments")

    def __init__(self, api: Api, stage_name: str) -> None:
        super().__init__()
        self.api = api
        self.stage_name = stage_name
        self.stage: Stage | None = None
        self.history: list[dict] = []  # as shown (the filter's)
        self.read: list[dict] = []  # as read

    def body(self) -> ComposeResult:
        yield Static(assemble((self.api.name, "bold"), " › ", (self.stage_name, "bold"), " › deployments",
                              (f"  {self.api.id} · {self.api.protocol.value}", "dim")), id="title")
        table = DataTable(id="deployments", cursor_type="row", zebra_stripes=True)
        table.add_columns("Deployment", "Created (UTC)", "Serves", "Description")
        table.loading = True
        yield ListFilter(table)

    def load(self, refresh: bool = False) -> None:
        api, name = self.api, self.stage_name

        def read(gateway) -> tuple[Stage, tuple[Deployment, ...]]:
            return gateway.stage(api, name, refresh), gateway.detail(api, refresh).deployments

        self.fetch(read, self.show_history, group="deployments", label="fetching deployments")

    def show_history(self, answer: tuple[Stage, tuple[Deployment, ...]]) -> None:
        stage, deployments = answer
        self.stage, self.read = stage, deployment_history(stage, deployments)
        self._draw()
        self.loaded(stage.fetched_at, f"{len(self.read)} deployments · {stage.name} serves "
                                      f"{stage.deployment_id or DASH}")

    def _draw(self) -> None:
        chosen, stage = self.chosen(), self.stage
        table = self.query_one("#deployments", DataTable)
        table.loading = False
        table.clear()
        rows = []
        for row in self.read:
            created = row["created"].replace("T", " ").removesuffix("Z") if row["created"] else DASH
            rows.append((row, cells(row["id"], created, serves(row, stage), row["description"] or DASH)))
        kept = self.query_one(ListFilter).keep(rows)
        self.history = [row for row, _ in kept]
        for row, shown in kept:
            table.add_row(*shown, key=row["id"])
        ids = [row["id"] for row in self.history]
        if chosen in ids:
            table.move_cursor(row=ids.index(chosen))

    @on(ListFilter.Changed)
    def _filtered(self) -> None:
        if self.stage is not None:
            self._draw()
            self.show_status()

    def chosen(self) -> str | None:
        """The deployment under the cursor."""
        row = self.query_one("#deployments", DataTable).cursor_row
        return self.history[row]["id"] if 0 <= row < len(self.history) else None

    @on(DataTable.RowSelected, "#deployments")
    def action_point(self) -> None:
        deployment, stage = self.chosen(), self.stage
        if deployment is None or stage is None:
            return
        api, name, seen = self.api, self.stage_name, stage.deployment_id

        def plan(engine):
            engine.gateway.detail(api, refresh=True)  # checked against the API's deployments as they are now
            return active_deployment.point(engine.document(api, name), deployment, seen=seen)

        # Applied or not (refused because the stage moved, declined, failed), the list is read again.
        propose(self, plan, on_applied=lambda _: self.load(refresh=True), on_not_applied=lambda: self.load(refresh=True))
