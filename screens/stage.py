"""One stage, in full: deployment, throttles, cache, logging, variables, canary, tags."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.aws.errors import Problem
from console.model import AccountLimits, Api, Stage
from console.read.open_url import served_at
from console.render.describe import stage_sections
from console.render.text import assemble, foreign
from screens.base import ConsoleScreen
from screens.canary import CanaryScreen
from screens.forms import ThrottleForm, VariablesForm
from screens.keys import bindings
from screens.served import copy_url, served_widgets
from screens.views import view


class StageScreen(ConsoleScreen):
    AUTO_FOCUS = "#sections"
    BINDINGS = bindings("stage")

    def __init__(self, api: Api, stage_name: str, then: str | None = None) -> None:
        """`then` names an action ("throttle", "canary", "flush"…) to run once the stage is on screen:
        a jump from the pulse straight to the fix."""
        super().__init__()
        self.api = api
        self.stage_name = stage_name
        self.then = then
        self.stage: Stage | None = None
        self.limits: AccountLimits | None = None

    def body(self) -> ComposeResult:
        yield Static(assemble((self.api.name, "bold"), " › ", (self.stage_name, "bold"),
                                   (f"  {self.api.id} · {self.api.protocol.value}", "dim")), id="title")
        scroll = VerticalScroll(id="sections", can_focus=True)
        scroll.loading = True
        yield scroll

    def load(self, refresh: bool = False) -> None:
        api, name = self.api, self.stage_name

        def everything(gateway):
            stage = gateway.stage(api, name, refresh)
            gaps = []

            def secondary(what, read):  # the stage is shown without it; the status line says why
                try:
                    return read()
                except Problem as problem:
                    gaps.append(f"{what} could not be read: {problem.message}")
                    return None

            deployments = secondary("its deployment", lambda: gateway.detail(api, refresh).deployments) or ()
            deployment = next((d for d in deployments if d.id == stage.deployment_id), None)
            responses = secondary("its gateway responses", lambda: gateway.gateway_responses(api, refresh))
            served = served_at(gateway, api, name, refresh, unread=gaps.append)
            return stage, deployment, secondary("the account's limits", lambda: gateway.account_limits(refresh)), gaps, \
                responses, served

        self.fetch(everything, self.show_stage, group="stage", label="fetching stage")

    def show_stage(self, answer) -> None:
        stage, deployment, limits, gaps, responses, served = answer
        self.stage, self.limits = stage, limits
        scroll = self.query_one("#sections", VerticalScroll)
        scroll.loading = False
        scroll.remove_children()
        widgets = []
        for title, body in stage_sections(stage, deployment, limits, responses):
            widgets.append(Static(foreign(title, style="bold"), classes="section-title"))
            widgets.append(Static(body, classes="section"))
        widgets[2:2] = served_widgets(served)  # where it is served, after the stage's own lines
        scroll.mount_all(widgets)
        scroll.focus()
        self.loaded(stage.fetched_at, " · ".join((f"stage {stage.name}", *gaps)))
        if self.then:
            action, self.then = self.then, None
            self.call_after_refresh(getattr(self, f"action_{action}"))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_throttle(self) -> None:
        if self.stage is not None:
            self.app.push_screen(ThrottleForm(self.api, self.stage, self.limits, self.changed))

    def action_variables(self) -> None:
        if self.stage is not None:
            self.app.push_screen(VariablesForm(self.api, self.stage, self.changed))

    def action_canary(self) -> None:
        self.app.push_screen(CanaryScreen(self.api, self.stage_name))

    def action_deployments(self) -> None:
        from screens.deployments import DeploymentsScreen

        self.app.push_screen(DeploymentsScreen(self.api, self.stage_name))

    def action_logs(self) -> None:
        self.app.push_screen(view("logs").screen_class()(self.api, self.stage_name))

    def action_keys(self) -> None:
        """The API keys of the usage plans that cover this stage: where refused keys are enabled again."""
        self.app.push_screen(view("keys").screen_class()((self.api, self.stage_name)))

    def action_metrics(self) -> None:
        self.app.push_screen(view("metrics").screen_class()(self.api, self.stage_name))

    def action_insights(self) -> None:
        self.app.push_screen(view("insights").screen_class()(self.api, self.stage_name))

    def action_cache(self) -> None:
        from screens.cache import CacheForm

        if self.stage is not None and self.stage.cache is None:
            self.notify(f"{self.api.protocol.value} APIs have no stage cache.", severity="warning")
        elif self.stage is not None:
            self.app.push_screen(CacheForm(self.api, self.stage, self.changed))

    def action_flush(self, authorizers: bool = False) -> None:
        from screens.cache import flush

        flush(self, self.api, self.stage_name, authorizers=authorizers, on_applied=self.changed)

    def action_flush_authorizers(self) -> None:
        self.action_flush(authorizers=True)

    def action_urls(self) -> None:
        copy_url(self)

    def changed(self, _applied) -> None:
        self.load(refresh=True)
