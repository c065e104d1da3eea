"""The API list: every REST, HTTP and WebSocket API of the region, filtered as you type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable

from console.model import Api
from console.render.describe import DASH, when
from console.render.text import foreign
from screens.base import ConsoleScreen
from screens.filtering import ListFilter
from screens.keys import bindings
from screens.widgets import cells

if TYPE_CHECKING:
    from console.read.gateway import Gateway

COUNT_AHEAD = 5  # rows past the visible ones whose stage counts are fetched too
FIRST_PAINT = 60  # rows added before the first paint of a long list


class ApiListScreen(ConsoleScreen):
    AUTO_FOCUS = "#apis"
    BINDINGS = bindings("apis")

    def __init__(self) -> None:
        super().__init__()
        self.apis: list[Api] = []
        self.shown: list[Api] = []
        self._generation = 0
        self._restore: int | None = None  # the row to put the cursor back on once it exists
        self.gap = ""  # what could not be read (a source refused or not implemented), in words

    def body(self) -> ComposeResult:
        table = DataTable(id="apis", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Id", "Protocol", "Endpoint", "Created", "Stages", "Description")
        table.loading = True
        yield ListFilter(table, placeholder="filter: name, id, protocol, endpoint, description")

    def load(self, refresh: bool = False) -> None:
        def listed(gateway):
            return gateway.apis(refresh), gateway.gaps("apis")

        self.fetch(listed, self.show_apis, group="apis", label="listing APIs")

    def show_apis(self, answer) -> None:
        apis, gaps = answer
        self.apis = apis
        # A source that could not be read is said on the status line, in words: never an empty silence.
        self.gap = " · ".join(f"{source}: not available here — {problem.message}" for source, problem in gaps.items())
        self.query_one(DataTable).loading = False
        self.fetched_at = apis[0].fetched_at if apis else None
        self.render_rows()

    def render_rows(self) -> None:
        table = self.query_one(DataTable)
        self.shown = [api for api, _ in self.query_one(ListFilter).keep((a, _shown(a)) for a in self.apis)]
        selected = self.selected()
        table.clear()
        self._generation += 1
        first = max(FIRST_PAINT, table.size.height)
        self._add_rows(self._generation, self.shown[:first])
        if len(self.shown) > first:  # a screenful paints first; measuring thousands of cells waits a frame
            self.call_after_refresh(self._add_rows, self._generation, self.shown[first:])
        self._restore = self.shown.index(selected) if selected in self.shown else None
        counted = f"{len(self.apis)} APIs"
        self.summary = f"{counted} · {self.gap}" if self.gap else counted
        self.show_status()
        self.call_after_refresh(self.count_visible_stages)

    def _add_rows(self, generation: int, apis: list[Api]) -> None:
        if generation != self._generation:  # the filter changed meanwhile; these rows are stale
            return
        table = self.query_one(DataTable)
        for api in apis:
            table.add_row(*cells(api.name, api.id, api.protocol.value, api.endpoint_type, when(api.created),
                                 self._count(api), api.description), key=api.id)
        if self._restore is not None and self._restore < table.row_count:
            table.move_cursor(row=self._restore)
            self._restore = None

    def _count(self, api: Api) -> str:
        stages = self.app.gateway.peek("stages", api.id) if self.app.gateway else None
        return str(len(stages)) if stages is not None else DASH

    def selected(self) -> Api | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    # -- stage counts, fetched lazily for the rows in view -----------------------------------------

    def count_visible_stages(self) -> None:
        table = self.query_one(DataTable)
        first = int(table.scroll_y)
        wanted = [a for a in self.shown[first: first + table.size.height + COUNT_AHEAD]
                  if self.app.gateway.peek("stages", a.id) is None]
        if not wanted:
            return

        def count(gateway: "Gateway") -> dict[str, int]:
            return {api.id: len(gateway.stages(api)) for api in wanted}

        self.fetch(count, self.show_counts, group="stage-counts", label="counting stages")

    def show_counts(self, counts: dict[str, int]) -> None:
        table = self.query_one(DataTable)
        for api_id, count in counts.items():
            if api_id in table.rows:
                table.update_cell(api_id, table.ordered_columns[5].key, foreign(str(count)))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.count_visible_stages()

    # -- actions -------------------------------------------------------------------------------

    @on(ListFilter.Changed)
    def _filter_changed(self) -> None:
        self.render_rows()

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        api = self.selected()
        if api is not None:
            from screens.api import ApiScreen

            self.app.push_screen(ApiScreen(api))


def _shown(api: Api) -> tuple[str, ...]:
    """The columns a filter matches (the stage count, read lazily, is not one)."""
    return api.name, api.id, api.protocol.value, api.endpoint_type, when(api.created), api.description
