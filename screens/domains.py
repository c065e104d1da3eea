"""`:domains` and `:open URL`.

`:domains` lists every mapping of every custom domain (enter opens its stage, c copies its URL).
`:open URL [METHOD]` (and the palette, given a URL) resolves the URL in a worker (console.read.open_url)
and opens the stage with the method or route that serves it highlighted above its sections.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from console.model import Api, CustomDomain, UrlMatch
from console.read.domains import mapping_url
from console.read.open_url import resolve
from console.read.url_match import VERBS
from console.render.describe import DASH, throttle, when
from console.render.domains import base_path
from console.render.text import assemble
from console.render.visible import visible
from screens.base import ConsoleScreen
from screens.filtering import ListFilter
from screens.keys import bindings
from screens.stage import StageScreen
from screens.widgets import cells
from screens.workers import in_thread


class DomainsScreen(ConsoleScreen):
    DEFAULT_CSS = "#domains { height: 1fr; }"
    AUTO_FOCUS = "#domains"
    BINDINGS = bindings("domains")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, Api | None, str]] = []  # (URL, API, stage) of each row shown
        self.answer: tuple | None = None  # the last read, drawn again when the filter changes

    def body(self) -> ComposeResult:
        table = DataTable(id="domains", cursor_type="row", zebra_stripes=True)
        table.add_columns("Domain name", "Base path", "API", "Stage", "URL", "Endpoint", "TLS", "Via", "Certificate",
                          "Uploaded")
        table.loading = True
        yield ListFilter(table)

    def load(self, refresh: bool = False) -> None:
        self.fetch(lambda g: (g.domains(refresh), g.apis(refresh), g.gaps("domains")), self.show_domains,
                   group="domains", label="reading custom domains")

    def show_domains(self, answer: tuple[list[CustomDomain], list[Api], dict]) -> None:
        self.answer = answer
        domains, apis, gaps = answer
        by_id = {api.id: api for api in apis}
        table = self.query_one(DataTable)
        table.loading = False
        table.clear()
        rows = []  # (URL, API, stage) of each row, its cells, and its domain's name (shown on its first row only)
        for d in domains:
            own = (d.endpoint_type or DASH, d.security_policy or DASH, "+".join(d.versions), d.certificate_arn or DASH,
                   when(d.certificate_uploaded))
            for i, m in enumerate(d.mappings):
                api = by_id.get(m.api_id)
                url = mapping_url(d, m, api.protocol if api else None)
                rows.append(((url, api, m.stage), cells(d.name if i == 0 else "", base_path(m),
                                                        api.name if api else m.api_id, m.stage, url,
                                                        *(own if i == 0 else [""] * len(own))), d.name))
            if not d.mappings:
                rows.append((("", None, ""), cells(d.name, "(no mappings)", "", "", "", *own), d.name))
        kept = self.query_one(ListFilter).keep(((row, shown), [name, *shown]) for row, shown, name in rows)
        self.rows = [row for (row, _), _ in kept]
        for (_, shown), _ in kept:
            table.add_row(*shown)
        missing = "".join(f" · {source} could not be read: {problem.message}" for source, problem in gaps.items())
        self.loaded(domains[0].fetched_at if domains else None,
                    f"{len(domains)} custom domains · enter: the stage · c: copy the URL{missing}")

    @on(ListFilter.Changed)
    def _filtered(self) -> None:
        if self.answer is not None:
            self.show_domains(self.answer)
            self.show_status()

    def _row(self) -> tuple[str, Api | None, str] | None:
        table = self.query_one(DataTable)
        row = table.cursor_coordinate.row if table.row_count else -1
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        row = self._row()
        if row is None or row[1] is None:
            self.notify("No mapping to an API of this region is selected.", severity="warning")
            return
        self.app.push_screen(StageScreen(row[1], row[2]))

    def action_copy(self) -> None:
        row = self._row()
        if row is None or not row[0]:
            self.notify("No mapping is selected.", severity="warning")
            return
        self.app.copy_to_clipboard(row[0])
        self.notify(visible(f"Copied {row[0]}"))


class MatchedStageScreen(StageScreen):
    """The stage serving a URL, with the method or route the URL matched (and its parameters) shown first."""

    DEFAULT_CSS = "MatchedStageScreen #matched { padding: 0 1; }"

    def __init__(self, match: UrlMatch) -> None:
        super().__init__(match.api, match.stage)
        self.match = match

    def body(self) -> ComposeResult:
        yield Static(self._banner(), id="matched")
        yield from super().body()

    def _banner(self) -> Text:
        """The matched method or route and its parameters; once the stage is read, the throttle it runs under."""
        m = self.match
        served = "  ".join(m.keys) or m.note
        params = "  ".join(f"{name} = {value}" for name, value in m.params.items())
        lines = [assemble((f" {served} ", "bold reverse"), "  ", (params, "bold")),
                 assemble((f"{m.url} → {m.path} via {m.via}", "dim"))]
        if self.stage is not None and m.keys:
            own = [o for o in self.stage.overrides if o.key in m.keys and o.throttle.is_set]
            limits = "; ".join(f"{o.key}: {throttle(o.throttle)} (its override)" for o in own) or \
                f"{throttle(self.stage.throttle)} (the stage default)"
            lines.append(assemble(("throttle ", "dim"), limits))
        return Text("\n").join(lines)

    def show_stage(self, answer) -> None:
        super().show_stage(answer)
        self.query_one("#matched", Static).update(self._banner())


def open_url(app, text: str) -> None:
    """`:open URL [METHOD]` (either order): resolve in a worker, then open the stage; a Problem is a notification."""
    gateway = app.gateway
    if gateway is None:
        app.notify("Still connecting; try again in a moment.", severity="warning")
        return
    words = text.split()
    verbs = [w for w in words if w.upper() in (*VERBS, "ANY")]
    url = next((w for w in words if w not in verbs), "")
    in_thread(app, lambda: resolve(gateway, url, verbs[0] if verbs else None),
              lambda match: app.push_screen(MatchedStageScreen(match)), group="open-url", title=":open",
              profile=gateway.connection.target.profile)
