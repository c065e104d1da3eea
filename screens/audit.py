"""`:audit` — the journal of changes, newest first; enter undoes the chosen one (after confirmation)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable

from screens.base import ConsoleScreen
from screens.confirm import propose
from screens.keys import bindings
from screens.widgets import cells


class AuditScreen(ConsoleScreen):
    AUTO_FOCUS = "DataTable"
    BINDINGS = bindings("audit")

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict] = []

    def body(self) -> ComposeResult:
        table = DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        table.add_columns("Time (UTC)", "Outcome", "Stage", "Change", "Entry")
        yield table

    def load(self, refresh: bool = False) -> None:
        self.fetch(lambda gateway: list(reversed(self.app.engine.journal.entries())), self.show_entries,
                   group="audit", label="reading the journal")

    def show_entries(self, entries: list[dict]) -> None:
        self.entries = entries
        table = self.query_one(DataTable)
        table.clear()
        for e in entries:
            target = e["plan"]["target"]
            outcome = e["outcome"] + (" (undo)" if e.get("undoes") else "")
            table.add_row(*cells(e["time"][5:19].replace("T", " "), outcome,
                                 f"{target['api_name']}/{target['stage']}", e["summary"], e["id"]))
        # The file's name: its whole path would be cut at 80 columns (`apigw-console info` prints it)
        self.summary = f"{len(entries)} journal entries · {self.app.engine.journal.path.name} (path: apigw-console info)"

    @on(DataTable.RowSelected)
    def action_undo(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.entries):
            entry_id = self.entries[row]["id"]
            propose(self, lambda engine: engine.undo_plan(entry_id), on_applied=lambda _: self.load())
