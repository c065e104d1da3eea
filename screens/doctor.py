"""`:doctor` — which of the console's reads the current credentials may make, as `apigw-console doctor`
prints it: one row per check, the refused ones first, each refusal in words with the permission it needs."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from console.aws import permissions
from console.render.colours import GREEN, RED
from screens.base import ConsoleScreen
from screens.keys import bindings
from screens.widgets import cells


class DoctorScreen(ConsoleScreen):
    AUTO_FOCUS = "DataTable"
    BINDINGS = bindings("doctor")

    def __init__(self) -> None:
        super().__init__()
        self.outcomes: list[permissions.Outcome] = []

    def body(self) -> ComposeResult:
        table = DataTable(id="doctor", cursor_type="row", zebra_stripes=True)
        table.add_columns("Service", "Operation", "Used for", "Answer")
        table.loading = True
        yield table

    def _arm_refresh(self) -> None:
        """No timed refresh: eleven calls each time; the checks run on opening and on r."""

    def load(self, refresh: bool = False) -> None:
        self.fetch(lambda gateway: permissions.run(gateway.connection), self.show_outcomes, group="doctor",
                   label="checking what these credentials may read")

    def show_outcomes(self, outcomes: list[permissions.Outcome]) -> None:
        self.outcomes = sorted(outcomes, key=lambda o: o.allowed)  # the refused first: they are the news
        table = self.query_one(DataTable)
        table.loading = False
        table.clear()
        for o in self.outcomes:
            answer = Text("allowed", style=GREEN) if o.allowed else Text("REFUSED ", style=f"bold {RED}")
            if not o.allowed:
                answer.append_text(cells(o.detail)[0])
            table.add_row(*cells(o.check.service, o.check.operation, o.check.what, answer))
        refused = [f"{o.check.service}:{o.check.operation}" for o in self.outcomes if not o.allowed]
        self.loaded(datetime.now(UTC), f"{len(outcomes) - len(refused)} of {len(outcomes)} allowed"
                    + (f" · refused: {', '.join(refused)}" if refused else "")
                    + " · `apigw-console doctor --policies` prints the least-privilege IAM policies")
