"""A stage's cache from the stage view: flush it (or the authorizer cache), or change its settings.

A flush goes straight to the confirmation, which says it cannot be undone; settings are a form like
the throttle's (screens/forms.py): blank or "unchanged" leaves a setting as it is.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from actions import cache
from console.model import Api
from console.render.text import assemble, foreign
from screens.confirm import propose
from screens.forms import NEW, ScopedForm
from screens.keys import bindings

UNCHANGED = "__unchanged__"
_SWITCH = {"on": True, "off": False}


def flush(screen: Screen, api: Api, stage: str, *, authorizers: bool, on_applied) -> None:
    """Plan the flush of the stage cache (or the authorizer cache), confirm it, apply it."""
    if authorizers:
        propose(screen, lambda engine: cache.flush_authorizers_cache(engine.document(api, stage)),
                on_applied=on_applied)
    else:
        propose(screen, lambda engine: cache.flush_stage_cache(engine.document(api, stage)), on_applied=on_applied)


class CacheForm(ScopedForm):
    DEFAULT_CSS = "CacheForm { align: center middle; }"
    BINDINGS = bindings("cache")

    def compose(self) -> ComposeResult:
        stage = self.stage
        cluster = stage.cache
        now = (f"{cluster.size or '?'} GB, {cluster.status or 'status unknown'}" if cluster and cluster.enabled
               else "no cache cluster")
        switch = [("unchanged", UNCHANGED), ("on", "on"), ("off", "off")]
        scopes = [("every method (*/*)", "")] + [(foreign(o.key), o.key) for o in stage.overrides] + [("one method…", NEW)]
        with Vertical(id="form"):
            yield Static(assemble(("Cache  ", "bold"), f"{self.api.name} › {stage.name}",
                                       (f"  now: {now}", "dim")))
            yield Select([(f"cache cluster: {label}", value) for label, value in switch], value=UNCHANGED,
                         allow_blank=False, id="cluster")
            yield Select([("size: unchanged", UNCHANGED)] + [(f"size: {s} GB", s) for s in cache.SIZES],
                         value=UNCHANGED, allow_blank=False, id="size")
            yield Select(scopes, value="", allow_blank=False, id="scope")
            yield Input(placeholder="VERB /path, e.g. GET /products/{id}", id="selector", classes="hidden")
            yield Select([(f"caching: {label}", value) for label, value in switch], value=UNCHANGED,
                         allow_blank=False, id="caching")
            yield Input(placeholder=f"TTL: seconds, 0 to {cache.MAX_TTL} (blank: unchanged)", id="ttl")
            yield Static("", id="error")
            yield Static("[b]enter[/b]/[b]ctrl+s[/b] review the plan · [b]esc[/b] cancel", id="keys")

    def on_mount(self) -> None:
        self.query_one("#ttl", Input).focus()

    def action_review(self) -> None:
        def chosen(selector: str):
            value = self.query_one(selector, Select).value
            return None if value == UNCHANGED else value

        selector = self._selector()
        cluster, size, caching = chosen("#cluster"), chosen("#size"), chosen("#caching")
        ttl = self.query_one("#ttl", Input).value.strip() or None
        api, stage = self.api, self.stage.name
        self.query_one("#error", Static).update("")
        propose(self, lambda engine: cache.set_cache(
            engine.document(api, stage), cluster=_SWITCH.get(cluster), size=size, selector=selector,
            caching=_SWITCH.get(caching), ttl=ttl), on_invalid=self.show_invalid, on_applied=self.applied)

