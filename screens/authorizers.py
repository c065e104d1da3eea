"""An API's authorizers (`a` on the API, or `:authorizers` and a pick of the API): type, identity source,
result TTL, target and the methods or routes using each; `t` tests one with TestInvokeAuthorizer (REST).

A test is an AWS call, not a change: no plan, no journal. What the operator types is masked as they
type it (like an API key's value), sent once from a worker, and never kept: the form holds it only
while it is open, and the answer shows what the authorizer returned, not what was sent.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from console.aws.errors import Problem
from console.model import Api, ApiAuthorizers, Authorizer, AuthorizerTest, Protocol
from console.read import authorizers as read
from console.render.authorizers import COLUMNS, details, result_rows, row
from console.render.text import assemble, foreign
from screens.base import ConsoleScreen
from screens.filtering import ListFilter
from screens.keys import bindings
from screens.widgets import cells
from screens.workers import in_thread

HEADER_SOURCE = "method.request.header."


class AuthorizersScreen(ConsoleScreen):
    """One API's authorizers; opened without an API (`:authorizers`), it first lists the APIs to pick from."""

    AUTO_FOCUS = "#authorizers"
    DEFAULT_CSS = """
    #authorizers { height: 1fr; }
    #detail { height: auto; max-height: 8; padding: 0 1; border-top: solid $primary; }
    """
    BINDINGS = bindings("authorizers")

    def __init__(self, api: Api | None = None) -> None:
        super().__init__()
        self.api = api
        self.apis: list[Api] = []
        self.listing: ApiAuthorizers | None = None
        self.keys: list[str] = []  # the id of each row shown (the filter may hide some)

    def body(self) -> ComposeResult:
        api = self.api
        title = assemble((api.name, "bold"), " › authorizers", (f"  {api.id} · {api.protocol.value}", "dim")) \
            if api else assemble(("Authorizers", "bold"), ("  pick an API (enter)", "dim"))
        yield Static(title, id="title")
        table = DataTable(id="authorizers", cursor_type="row", zebra_stripes=True)
        table.add_columns(*(COLUMNS if api else ("API", "Id", "Protocol")))
        table.loading = True
        yield ListFilter(table)
        if api:
            yield Static("", id="detail")

    def load(self, refresh: bool = False) -> None:
        api = self.api
        if api is None:
            self.fetch(lambda g: g.apis(refresh), self.show_apis, group="authorizers", label="listing APIs")
        else:
            self.fetch(lambda g: read.api_authorizers(g, api, refresh), self.show_authorizers, group="authorizers",
                       label="fetching authorizers")

    def show_apis(self, apis: list[Api]) -> None:
        self.apis = apis
        self._redraw({api.id: cells(api.name, api.id, api.protocol.value) for api in apis})
        self.loaded(apis[0].fetched_at if apis else None, f"{len(apis)} APIs · enter shows an API's authorizers")

    def show_authorizers(self, listing: ApiAuthorizers) -> None:
        self.listing = listing
        self._redraw({a.id: cells(*row(a, listing.api.protocol)) for a in listing.authorizers})
        testable = "t tests one" if listing.api.protocol is Protocol.REST else "tests: REST APIs only"
        self.loaded(listing.fetched_at, f"{len(listing.authorizers)} authorizers · {testable}")

    @on(DataTable.RowHighlighted, "#authorizers")
    def show_detail(self) -> None:
        """The highlighted authorizer whole: its source, target and users do not fit a row at 80 columns."""
        chosen = self._chosen(self.listing.authorizers) if self.listing else None
        if chosen is None:
            return
        lines = details(chosen, self.listing.api.protocol)
        self.query_one("#detail", Static).update(
            Text("\n").join(assemble((f"{label:<16}", "dim"), value) for label, value in lines))

    def _redraw(self, rows: dict) -> None:
        """The table anew, the cursor kept on the row it was on (a refresh does not lose the operator's place)."""
        table = self.query_one("#authorizers", DataTable)
        chosen = next(iter(table.coordinate_to_cell_key(table.cursor_coordinate)), None) if table.row_count else None
        table.loading = False
        table.clear()
        kept = self.query_one(ListFilter).keep(rows.items())
        self.keys = [key for key, _ in kept]
        for key, values in kept:
            table.add_row(*values, key=key)
        if chosen is not None and chosen.value in self.keys:
            table.move_cursor(row=table.get_row_index(chosen.value))

    @on(ListFilter.Changed)
    def _filtered(self) -> None:
        if self.listing is not None:
            self.show_authorizers(self.listing)
        elif self.apis:
            self.show_apis(self.apis)
        self.show_status()

    def _chosen(self, items: list):
        """The API or authorizer of the highlighted row, if any."""
        row = self.query_one("#authorizers", DataTable).cursor_row
        key = self.keys[row] if 0 <= row < len(self.keys) else None
        return next((item for item in items if item.id == key), None)

    @on(DataTable.RowSelected, "#authorizers")
    def action_open(self) -> None:
        if self.api is None:
            if (api := self._chosen(self.apis)) is not None:
                self.app.push_screen(AuthorizersScreen(api))
        else:
            self.action_test()

    def action_test(self) -> None:
        chosen = self._chosen(self.listing.authorizers) if self.api is not None and self.listing else None
        if chosen is None:
            return
        if self.api.protocol is not Protocol.REST:
            self.notify("AWS tests authorizers of REST APIs only (TestInvokeAuthorizer): test this one with a "
                        "request to a route that uses it.", severity="warning")
            return
        self.app.push_screen(AuthorizerTestForm(self.api, chosen))


class AuthorizerTestForm(ModalScreen[None]):
    """The values to test an authorizer with, masked as typed; the answer below them."""

    DEFAULT_CSS = """
    AuthorizerTestForm { align: center middle; }
    AuthorizerTestForm #form { width: 100%; max-width: 96; height: auto; max-height: 100%; border: round $primary;
                               padding: 0 1; background: $surface; }
    AuthorizerTestForm #form .field { height: 1; margin-top: 1; }
    AuthorizerTestForm #form .label { width: 22; color: $text-muted; }
    AuthorizerTestForm #form .field Input { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
    AuthorizerTestForm #form .field Input:focus { background: $primary 25%; }
    AuthorizerTestForm #result { margin-top: 1; height: auto; }
    """
    BINDINGS = bindings("authorizer-test")

    def __init__(self, api: Api, authorizer: Authorizer) -> None:
        super().__init__()
        self.api, self.authorizer = api, authorizer
        sources = authorizer.identity_source
        self.headers = [s.removeprefix(HEADER_SOURCE) for s in sources if s.startswith(HEADER_SOURCE)]
        self.others = [s for s in authorizer.identity_source if not s.startswith(HEADER_SOURCE)]

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(assemble(("Test authorizer  ", "bold"), self.authorizer.name,
                                  (f"  {self.authorizer.type} · {self.api.name}", "dim")))
            for number, header in enumerate(self.headers):
                yield Horizontal(Static(foreign(header), classes="label"),
                                 Input(password=True, placeholder="masked as you type", id=f"header-{number}"),
                                 classes="field")
            if self.others:
                yield Static(foreign("Not sent by this test (not a header): " + ", ".join(self.others), style="dim"))
            yield Static("", id="error")
            yield Static("", id="result")
            yield Static("[b]enter[/b]/[b]ctrl+s[/b] send the test (not journaled) · [b]esc[/b] close", id="keys")

    def on_mount(self) -> None:
        if self.headers:
            self.query_one("#header-0", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_send()

    def action_send(self) -> None:
        error = self.query_one("#error", Static)
        error.update("")
        typed = {header: self.query_one(f"#header-{n}", Input).value for n, header in enumerate(self.headers)}
        try:
            headers = read.request_headers(self.authorizer, self.api, headers={k: v for k, v in typed.items() if v})
        except Problem as problem:
            error.update(foreign(problem.message, style="bold"))
            return
        self.query_one("#result", Static).update(foreign("testing…", style="dim"))
        gateway, api, authorizer = self.app.gateway, self.api, self.authorizer
        in_thread(self, lambda: read.invoke(gateway, api, authorizer, headers), self.show_result,
                  group="authorizer-test", exclusive=True, title="TestInvokeAuthorizer", failed=self.show_problem,
                  profile=gateway.connection.target.profile)

    def show_result(self, result: AuthorizerTest) -> None:
        lines = (assemble((f"{label:<10}", "bold"), value) for label, value in result_rows(result))
        self.query_one("#result", Static).update(Text("\n").join(lines))

    def show_problem(self, problem: Problem) -> None:
        self.query_one("#result", Static).update("")
        self.query_one("#error", Static).update(foreign(str(problem), style="bold"))
