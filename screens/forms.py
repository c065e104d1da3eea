"""Forms that collect a change: a throttle, or a stage's variables as KEY=VALUE lines.

A form never applies anything itself: it hands what was typed to `propose`, which plans, confirms
and applies. It stays open under the confirmation, so a cancel or a refusal comes back to exactly
what the operator typed, with the reason shown in the form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static, TextArea

from actions import stage_variables, throttle
from console.model import AccountLimits, Api, Stage
from console.render.describe import throttle as describe_throttle
from console.render.text import assemble, foreign
from screens.confirm import propose
from screens.keys import bindings

if TYPE_CHECKING:
    from actions.plan import Invalid

NEW = "__new__"


class ChangeForm(ModalScreen[None]):
    """What the two forms share: an error line, and leaving once a change is applied."""

    def __init__(self, api: Api, stage: Stage, on_applied) -> None:
        super().__init__()
        self.api = api
        self.stage = stage
        self.on_applied = on_applied

    def show_invalid(self, invalid: "Invalid") -> None:
        self.query_one("#error", Static).update(foreign(str(invalid), style="bold"))

    def applied(self, applied) -> None:
        self.dismiss(None)
        self.on_applied(applied)


class ScopedForm(ChangeForm):
    """A form about the stage default or one method/route: a #scope Select whose NEW choice shows a
    #selector box for a method or route not overridden yet; enter in any box reviews the plan
    (subclasses define `action_review`)."""

    @on(Select.Changed, "#scope")
    def _scope(self, event: Select.Changed) -> None:
        self.query_one("#selector", Input).set_class(event.value != NEW, "hidden")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_review()

    def _selector(self) -> str | None:
        """The chosen method or route; None for the stage default."""
        scope = self.query_one("#scope", Select).value
        if scope == NEW:
            return self.query_one("#selector", Input).value
        return scope or None


class ThrottleForm(ScopedForm):
    BINDINGS = bindings("throttle")

    def __init__(self, api: Api, stage: Stage, limits: AccountLimits | None, on_applied) -> None:
        super().__init__(api, stage, on_applied)
        self.limits = limits
        self.rest = stage.protocol.value == "REST"

    def compose(self) -> ComposeResult:
        kind = "method" if self.rest else "route"
        options = [(f"stage default ({describe_throttle(self.stage.throttle)})", "")]
        options += [(foreign(f"{o.key} ({describe_throttle(o.throttle)})"), o.key) for o in self.stage.overrides]
        options.append((f"new {kind} override…", NEW))
        with Vertical(id="form"):
            yield Static(assemble(("Throttle  ", "bold"), f"{self.api.name} › {self.stage.name}",
                                       (f"  account limit: {describe_throttle(self.limits.throttle)}"
                                        if self.limits else "", "dim")))
            yield Select(options, value="", allow_blank=False, id="scope")
            yield Input(placeholder="VERB /path, e.g. GET /orders/{orderId}" if self.rest
                        else "route key, e.g. GET /products", id="selector", classes="hidden")
            yield Input(placeholder="rate: 250, x1.5, +20%, -50% (blank: unchanged)", id="rate")
            yield Input(placeholder="burst: 500, x2, +50% (blank: unchanged)", id="burst")
            yield Static("", id="error")
            yield Static("[b]enter[/b]/[b]ctrl+s[/b] review the plan · [b]ctrl+d[/b] remove the chosen "
                         "override · [b]esc[/b] cancel", id="keys")

    def on_mount(self) -> None:
        self.query_one("#rate", Input).focus()

    def action_review(self) -> None:
        selector = self._selector()
        rate = self.query_one("#rate", Input).value.strip() or None
        burst = self.query_one("#burst", Input).value.strip() or None
        api, stage, limits = self.api, self.stage.name, self.limits

        def build(engine):
            return throttle.set_throttle(engine.document(api, stage), selector=selector, rate=rate, burst=burst,
                                         account=limits.throttle if limits else None)

        self.query_one("#error", Static).update("")
        propose(self, build, on_invalid=self.show_invalid, on_applied=self.applied)

    def action_remove(self) -> None:
        selector = self._selector()
        if not selector:
            self.query_one("#error", Static).update("Choose an override to remove (the stage default stays).")
            return
        api, stage = self.api, self.stage.name
        propose(self, lambda engine: throttle.unset_throttle(engine.document(api, stage), selector=selector),
                on_invalid=self.show_invalid, on_applied=self.applied)


class VariablesForm(ChangeForm):
    """All variables as KEY=VALUE lines: add, edit, rename (change the key) or delete lines. Emptied
    lines would remove every variable: the form asks first, and a second review plans exactly that."""

    BINDINGS = bindings("variables")

    def __init__(self, api: Api, stage: Stage, on_applied) -> None:
        super().__init__(api, stage, on_applied)
        self._remove_all = False  # the operator was asked, and reviews again: removing every variable is meant

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(assemble(("Stage variables  ", "bold"), f"{self.api.name} › {self.stage.name}",
                                       ("  one KEY=VALUE a line", "dim")))
            yield TextArea(stage_variables.as_lines(self.stage.variables), id="lines")
            yield Static("", id="error")
            yield Static("[b]ctrl+s[/b] review the plan · [b]ctrl+e[/b] edit in $EDITOR · [b]esc[/b] cancel",
                         id="keys")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_external(self) -> None:
        from console.aws.errors import Problem
        from console.editor import edit_in_editor

        area = self.query_one(TextArea)
        try:
            with self.app.suspend():
                area.text = edit_in_editor(area.text, suffix=".env")
        except Problem as problem:
            self.query_one("#error", Static).update(foreign(problem.message))

    def action_review(self) -> None:
        text = self.query_one(TextArea).text
        api, stage, remove_all = self.api, self.stage.name, self._remove_all
        self._remove_all = False

        def build(engine):
            return stage_variables.edit(engine.document(api, stage), stage_variables.parse_lines(text),
                                        remove_all=remove_all)

        self.query_one("#error", Static).update("")
        propose(self, build, on_invalid=self.show_invalid, on_applied=self.applied)

    def show_invalid(self, invalid: "Invalid") -> None:
        if isinstance(invalid, stage_variables.RemovesAll):
            self._remove_all = True
            self.query_one("#error", Static).update(foreign(
                f"The lines are empty: that removes every variable ({', '.join(invalid.names)}). Remove them "
                "all? ctrl+s again reviews that plan; esc cancels.", style="bold"))
            return
        super().show_invalid(invalid)
