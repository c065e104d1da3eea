"""Forms that collect a canary change (create, weight, overrides) or a stepped rollout's weights.

Like screens/forms.py: a change form hands what was typed to `propose` and stays open beneath the
confirmation, so a cancel or a refusal comes back to what the operator typed, the reason shown.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from actions import canary, canary_rollout, stage_variables
from actions.plan import Invalid
from console.model import Api, Deployment, Stage
from console.render.describe import when
from console.render.text import assemble, foreign
from screens.confirm import propose
from screens.forms import ChangeForm
from screens.keys import bindings

DEPLOY_NEW = "__deploy__"
FORM_CSS = """
CreateCanaryForm, WeightForm, OverridesForm, RolloutForm { align: center middle; }
#form #overrides { height: 5; }
#form Checkbox { border: none; padding: 0; height: 1; }
#form #hints { color: $text-muted; }
"""


class CreateCanaryForm(ChangeForm):
    DEFAULT_CSS = FORM_CSS
    BINDINGS = bindings("canary-create")

    def __init__(self, api: Api, stage: Stage, deployments: tuple[Deployment, ...], on_applied) -> None:
        super().__init__(api, stage, on_applied)
        self.deployments = deployments

    def compose(self) -> ComposeResult:
        options = [("deploy the API's current configuration as the canary", DEPLOY_NEW)]
        options += [(foreign(f"{d.id}  {d.description or '—'}  {when(d.created)}"
                             + ("  (the base)" if d.id == self.stage.deployment_id else "")), d.id) for d in self.deployments]
        with Vertical(id="form"):
            yield Static(assemble(("Create a canary  ", "bold"), f"{self.api.name} › {self.stage.name}"))
            yield Select(options, value=DEPLOY_NEW, allow_blank=False, id="deployment")
            yield Input(placeholder="weight: % of requests to the canary, e.g. 5", id="weight")
            yield Input(placeholder="description of the new deployment (optional)", id="description")
            yield Static(Text("Stage-variable overrides, one KEY=VALUE a line:", style="dim"))
            yield TextArea("", id="overrides")
            yield Checkbox("the canary's requests use the stage cache", id="cache")
            yield Static("", id="error")
            yield Static("[b]enter[/b]/[b]ctrl+s[/b] review the plan · [b]esc[/b] cancel", id="hints")

    def on_mount(self) -> None:
        self.query_one("#weight", Input).focus()

    @on(Select.Changed, "#deployment")
    def _deployment(self, event: Select.Changed) -> None:
        self.query_one("#description", Input).set_class(event.value != DEPLOY_NEW, "hidden")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_review()

    def action_review(self) -> None:
        chosen = self.query_one("#deployment", Select).value
        weight = self.query_one("#weight", Input).value.strip()
        description = self.query_one("#description", Input).value.strip()
        lines = self.query_one("#overrides", TextArea).text
        cache = self.query_one("#cache", Checkbox).value
        api, stage = self.api, self.stage.name
        if not weight:
            self.show_invalid(Invalid("weight", "give the share of requests for the canary, 0.0 to 100.0"))
            return

        def build(engine):
            return canary.create(engine.document(api, stage), weight=weight,
                                 deployment=None if chosen == DEPLOY_NEW else str(chosen),
                                 overrides=stage_variables.parse_lines(lines), use_stage_cache=cache,
                                 description=description)

        self.query_one("#error", Static).update("")
        propose(self, build, on_invalid=self.show_invalid, on_applied=self.applied)


class WeightForm(ChangeForm):
    DEFAULT_CSS = FORM_CSS
    BINDINGS = bindings("canary-weight")

    def compose(self) -> ComposeResult:
        current = self.stage.canary.percent if self.stage.canary else 0.0
        with Vertical(id="form"):
            yield Static(assemble(("Canary weight  ", "bold"), f"{self.api.name} › {self.stage.name}",
                                       (f"  now {current:g}%", "dim")))
            yield Input(value=f"{current:g}", placeholder="% of requests to the canary, 0.0 to 100.0", id="weight")
            yield Static("", id="error")
            yield Static("[b]enter[/b] review the plan · [b]esc[/b] cancel", id="hints")

    def on_mount(self) -> None:
        self.query_one("#weight", Input).focus()

    @on(Input.Submitted)
    def _review(self) -> None:
        weight = self.query_one("#weight", Input).value
        api, stage = self.api, self.stage.name
        self.query_one("#error", Static).update("")
        propose(self, lambda engine: canary.weigh(engine.document(api, stage), weight),
                on_invalid=self.show_invalid, on_applied=self.applied)


class OverridesForm(ChangeForm):
    """The canary's stage-variable overrides as KEY=VALUE lines: add, change or delete lines."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = bindings("canary-overrides")

    def compose(self) -> ComposeResult:
        overrides = self.stage.canary.variable_overrides if self.stage.canary else {}
        with Vertical(id="form"):
            yield Static(assemble(("Canary overrides  ", "bold"), f"{self.api.name} › {self.stage.name}",
                                       ("  one KEY=VALUE a line", "dim")))
            yield TextArea(stage_variables.as_lines(overrides), id="lines")
            yield Static("", id="error")
            yield Static("[b]ctrl+s[/b] review the plan · [b]esc[/b] cancel", id="hints")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_review(self) -> None:
        text = self.query_one(TextArea).text
        api, stage = self.api, self.stage.name

        def build(engine):
            return canary.edit_overrides(engine.document(api, stage), stage_variables.parse_lines(text))

        self.query_one("#error", Static).update("")
        propose(self, build, on_invalid=self.show_invalid, on_applied=self.applied)


class RolloutForm(ModalScreen[canary_rollout.Rollout | None]):
    """The weights of a stepped rollout; it starts when the form closes with them."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = bindings("canary-rollout")

    def __init__(self, gate_rule: str) -> None:
        super().__init__()
        self.gate_rule = gate_rule

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(Text("Stepped rollout", style="bold"))
            yield Static(Text(f"Each step is proposed once the gate passes on the traffic since the step before "
                              f"(or since the start: {self.gate_rule}); you confirm each one. Leaving the canary "
                              "screen stops it.", style="dim"))
            yield Input(value=canary_rollout.EXAMPLE, placeholder=f"weights in order, e.g. {canary_rollout.EXAMPLE}",
                        id="steps")
            yield Static("", id="error")
            yield Static("[b]enter[/b] start · [b]esc[/b] cancel", id="hints")

    def on_mount(self) -> None:
        self.query_one("#steps", Input).focus()

    @on(Input.Submitted)
    def _start(self) -> None:
        try:
            rollout = canary_rollout.parse(self.query_one("#steps", Input).value)
        except Invalid as invalid:
            self.query_one("#error", Static).update(foreign(str(invalid), style="bold"))
            return
        self.dismiss(rollout)

    def action_cancel(self) -> None:
        self.dismiss(None)
