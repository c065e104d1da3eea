"""`:audit` — the journal of changes, newest first; enter undoes the chosen one (after confirmation).

Where each change was made is a column, shortened (region, then the sandbox, the profile or the
account) and the time to the minute, so that 80 columns still show the change; the highlighted entry's
id (its time to the second) and whole place — account, partition, region, endpoint or sandbox, profile,
as `apigw-console audit` prints it — are on the line under the table."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from console.journal.store import SANDBOX, place_words, scope_of
from console.render.text import foreign
from screens.base import ConsoleScreen
from screens.confirm import propose
from screens.filtering import ListFilter
from screens.keys import bindings
from screens.widgets import cells


def short_place(scope: dict) -> str:
    """"eu-west-1 prod-admin", "us-east-1 sandbox": the region, then what tells places apart best."""
    endpoint = scope.get("endpoint")
    who = SANDBOX if endpoint == SANDBOX else scope.get("profile") or scope.get("account") or "?"
    return f"{scope.get('region') or '?'} {who}"


class AuditScreen(ConsoleScreen):
    AUTO_FOCUS = "DataTable"
    DEFAULT_CSS = "AuditScreen #audit-entry { height: 2; padding: 0 1; color: $text-muted; }"
    BINDINGS = bindings("audit")

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict] = []  # as shown (the filter's)
        self.read: list[dict] = []  # as read

    def body(self) -> ComposeResult:
        table = DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        table.add_columns("Time (UTC)", "Outcome", "Where", "Stage", "Change")
        yield ListFilter(table)
        yield Static(id="audit-entry")

    def load(self, refresh: bool = False) -> None:
        self.fetch(lambda gateway: list(reversed(self.app.engine.journal.entries())), self.show_entries,
                   group="audit", label="reading the journal")

    def show_entries(self, entries: list[dict]) -> None:
        self.read = entries
        self._draw()
        # The file's name: its whole path would be cut at 80 columns (`apigw-console info` prints it)
        self.summary = f"{len(entries)} journal entries · {self.app.engine.journal.path.name} (path: apigw-console info)"

    def _draw(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        rows = []
        for e in self.read:
            target = e["plan"]["target"]
            outcome = e["outcome"] + (" (undo)" if e.get("undoes") else "")
            what = f"{target['api_name']}/{target['stage']}" if target.get("stage") else target.get("resource_name", "")
            rows.append((e, cells(e["time"][5:16].replace("T", " "), outcome, short_place(scope_of(e)), what,
                                  e["summary"])))
        kept = self.query_one(ListFilter).keep(rows)
        self.entries = [e for e, _ in kept]
        for _, row in kept:
            table.add_row(*row)
        self._show_entry()

    @on(ListFilter.Changed)
    def _filtered(self) -> None:
        self._draw()
        self.show_status()

    @on(DataTable.RowHighlighted)
    def _show_entry(self) -> None:
        """The highlighted entry's id and whole place, as the CLI's audit prints them."""
        row = self.query_one(DataTable).cursor_row
        entry = self.entries[row] if 0 <= row < len(self.entries) else None
        self.query_one("#audit-entry", Static).update(
            foreign(f"{entry['id']} · {place_words(scope_of(entry))}") if entry else "")

    @on(DataTable.RowSelected)
    def action_undo(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.entries):
            entry_id = self.entries[row]["id"]
            propose(self, lambda engine: engine.undo_plan(entry_id), on_applied=lambda _: self.load())
