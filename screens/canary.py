"""A REST stage's canary on one screen: the releases, base vs canary beside the buttons, and a
stepped rollout that waits for the promotion gate before proposing each step.

Every change goes through `propose` (plan, confirm, apply). The rollout is a re-arming timer on
this screen: it only proposes, the operator confirms each step, and it stops when the screen is
left, a step is declined or fails, or the operator stops it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Static

from actions import canary
from actions.canary_gate import Verdict, describe, evidence
from actions.canary_rollout import PROMOTE, Rollout
from console.aws.errors import Problem, explain
from console.model import Api, Deployment, Protocol, Stage
from console.read.canary_compare import WINDOWS, Comparison
from console.render import canary as canary_text
from console.render.text import assemble, foreign
from screens.base import ConsoleScreen
from screens.canary_forms import CreateCanaryForm, OverridesForm, RolloutForm, WeightForm
from screens.confirm import propose
from screens.keys import bindings

if TYPE_CHECKING:
    from actions.engine import Applied


class CanaryScreen(ConsoleScreen):
    AUTO_FOCUS = "#canary"
    POLL_SECONDS = 15.0  # how often a running rollout looks at the gate again
    BINDINGS = bindings("canary")

    def __init__(self, api: Api, stage_name: str) -> None:
        super().__init__()
        self.api = api
        self.stage_name = stage_name
        self.stage: Stage | None = None
        self.deployments: tuple[Deployment, ...] = ()
        self.comparison: Comparison | None = None
        self.verdict: Verdict | None = None
        self.rollout: Rollout | None = None
        self.rollout_state = ""
        self._rollout_timer: Timer | None = None
        self._step_pending = False  # a rollout step is being planned, confirmed or applied
        self._checking = False  # a rollout tick is reading the stage and the gate
        self._minutes: int | None = None  # the window shown; None: the gate's
        self._changed = False

    @property
    def rest(self) -> bool:
        return self.api.protocol is Protocol.REST

    def body(self) -> ComposeResult:
        yield Static(assemble((self.api.name, "bold"), " › ", (self.stage_name, "bold"), " › canary",
                                   (f"  {self.api.id} · {self.api.protocol.value}", "dim")), id="title")
        with VerticalScroll(id="canary", can_focus=True):
            if not self.rest:
                yield Static(foreign(canary_text.NOT_REST), id="not-rest")
                return
            yield Static(Text("Canary", style="bold"), classes="section-title")
            yield Static(Text("loading…", style="dim"), id="release", classes="section")
            yield Static(Text("Base vs canary", style="bold"), classes="section-title")
            yield Static(Text("reading the access logs…", style="dim"), id="evidence", classes="section")
            yield Static(Text("Promotion gate", style="bold"), classes="section-title")
            yield Static("", id="gate", classes="section")
            yield Static("", id="rollout", classes="section")
            yield Static(Text("Stage variables", style="bold"), classes="section-title")
            yield Static("", id="variables", classes="section")

    @property
    def minutes(self) -> int:
        return self._minutes or self.app.settings.canary.window_minutes

    # -- reading ---------------------------------------------------------------------------------

    def load(self, refresh: bool = False) -> None:
        if not self.rest:
            self.loaded(None, "canaries are a REST feature")
            return
        self._changed = self._changed or refresh  # what the stage screen shows may be stale now
        api, name = self.api, self.stage_name

        def release(gateway):
            return gateway.stage(api, name, refresh), gateway.detail(api, refresh).deployments

        self.fetch(release, self.show_release, group="canary", label="fetching the stage")

    def show_release(self, answer: tuple[Stage, tuple[Deployment, ...]]) -> None:
        self.stage, self.deployments = answer
        self.query_one("#release", Static).update(canary_text.release(self.stage, self.deployments))
        self.query_one("#variables", Static).update(canary_text.variables(self.stage))
        self.loaded(self.stage.fetched_at, f"canary of {self.stage.name}")
        self.load_evidence()

    def load_evidence(self) -> None:
        api, stage, minutes, gate = self.api, self.stage, self.minutes, self.app.settings.canary

        def measure(gateway):
            shown, verdict = evidence(gateway.connection, api, stage, gate, minutes=minutes)
            if minutes != gate.window_minutes:
                verdict = evidence(gateway.connection, api, stage, gate, cloudwatch=False)[1]
            return shown, verdict

        self.fetch(measure, self.show_evidence, group="evidence", label="reading the access logs")

    def show_evidence(self, answer: tuple[Comparison, Verdict]) -> None:
        self.comparison, self.verdict = answer
        self.query_one("#evidence", Static).update(Group(canary_text.comparison_table(self.comparison), canary_text.notes_text(self.comparison)))
        gate = self.app.settings.canary
        if self.stage is not None and self.stage.canary is None:
            shown: Text | Group = Text("no canary to promote — c creates one", style="dim")
        else:
            heading = foreign(describe(gate), style="dim")
            shown = Group(heading, canary_text.verdict_text(self.verdict.passed, self.verdict.failed))
        self.query_one("#gate", Static).update(shown)

    # -- changes ---------------------------------------------------------------------------------

    def _ready(self) -> bool:
        if not self.rest:
            self.notify(canary_text.NOT_REST, severity="warning", timeout=10)
            return False
        return self.stage is not None

    def action_create(self) -> None:
        if self._ready() and self.stage.canary is not None:
            self.notify(f"{self.stage_name} already has a canary: weigh, promote or roll it back first.",
                        severity="warning")
        elif self._ready():
            self.app.push_screen(CreateCanaryForm(self.api, self.stage, self.deployments, self.changed))

    def action_weight(self) -> None:
        if self._ready() and self._has_canary():
            self.app.push_screen(WeightForm(self.api, self.stage, self.changed))

    def action_overrides(self) -> None:
        if self._ready() and self._has_canary():
            self.app.push_screen(OverridesForm(self.api, self.stage, self.changed))

    def action_promote(self) -> None:
        if self._ready() and self._has_canary():
            propose(self, self._promotion, on_applied=self.promoted)

    def action_rollback(self) -> None:
        if self._ready() and self._has_canary():
            self.stop_rollout("a rollback was asked for")
            api, name = self.api, self.stage_name
            propose(self, lambda engine: canary.remove(engine.document(api, name)), on_applied=self.changed)

    def action_pause(self) -> None:
        if self._ready() and self._has_canary():
            self.stop_rollout("a rollback was asked for")
            api, name = self.api, self.stage_name
            propose(self, lambda engine: canary.pause(engine.document(api, name)), on_applied=self.changed)

    def _has_canary(self) -> bool:
        if self.stage is not None and self.stage.canary is None:
            self.notify("This stage has no canary; c creates one.", severity="warning")
            return False
        return True

    def _promotion(self, engine):
        """The promotion plan, gated on fresh evidence (read while the plan is made)."""
        doc = engine.document(self.api, self.stage_name)
        canary.attached(doc)
        stage = engine.gateway.stage(self.api, self.stage_name, refresh=True)
        return canary.promote(doc, evidence(engine.connection, self.api, stage, engine.settings.canary,
                                            cloudwatch=False)[1])

    def promoted(self, applied: "Applied") -> None:
        """Promoted: the canary stays attached at 0% until removed — offer that as its own plan."""
        self.changed(applied)
        api, name = self.api, self.stage_name
        propose(self, lambda engine: canary.remove(engine.document(api, name), promoted=True),
                on_applied=self.changed)

    def changed(self, _applied) -> None:
        self.load(refresh=True)

    def action_window(self) -> None:
        later = [m for m in WINDOWS if m > self.minutes]
        self._minutes = later[0] if later else WINDOWS[0]
        if self.stage is not None:
            self.query_one("#evidence", Static).update(foreign(f"reading the last {self._minutes} min…", style="dim"))
            self.load_evidence()

    def action_back(self) -> None:
        """Back to the stage, which shows the stage as it is now if anything changed here."""
        self.app.pop_screen()
        if self._changed and isinstance(self.app.screen, ConsoleScreen):
            self.app.screen.load(refresh=True)

    # -- the stepped rollout ---------------------------------------------------------------------

    def action_rollout(self) -> None:
        if self.rollout is not None:
            self.stop_rollout("stopped by the operator")
            return
        if not (self._ready() and self._has_canary()):
            return
        self.app.push_screen(RolloutForm(describe(self.app.settings.canary)), callback=self.start_rollout)

    def start_rollout(self, rollout: Rollout | None) -> None:
        if rollout is None:
            return
        self.rollout = replace(rollout, since=datetime.now(UTC))  # the first step too waits for fresh evidence
        self._show_rollout("checking the gate")
        self._tick()

    def stop_rollout(self, why: str) -> None:
        if self.rollout is None:
            return
        if self._rollout_timer is not None:
            self._rollout_timer.stop()
        self._rollout_timer = None
        where = self.rollout.describe()
        self.rollout = None
        self._step_pending = False
        self.rollout_state = f"Rollout stopped ({why}) at {where}."
        self._show_rollout()
        self.notify(self.rollout_state, title="Rollout", timeout=8)

    def _tick(self) -> None:
        """Read the stage and the gate since the last step; propose the next step once it passes.
        Each tick arms the next, so a failed read is simply tried again."""
        if self.rollout is None:
            return
        self._rollout_timer = self.set_timer(self.POLL_SECONDS, self._tick)
        if self._step_pending or self._checking:
            return
        self._checking = True
        rollout, api, name, gate = self.rollout, self.api, self.stage_name, self.app.settings.canary

        def measure(gateway):
            try:
                stage = gateway.stage(api, name, refresh=True)
                return stage, evidence(gateway.connection, api, stage, gate, since=rollout.since, cloudwatch=False)
            except Exception as exc:  # shown in the rollout's line; the next tick tries again
                return explain(exc)

        self.fetch(measure, self._judged, group="rollout", label="checking the gate")

    def _judged(self, answer) -> None:
        self._checking = False
        if self.rollout is None:
            return
        if isinstance(answer, Problem):
            self._show_rollout(f"could not check the gate ({answer.message}); trying again")
            return
        stage, (comparison, verdict) = answer
        if stage.canary is None:
            self.stop_rollout("the canary is gone")
            return
        step = self.rollout.step
        while isinstance(step, float) and step <= stage.canary.percent:
            self.rollout = self.rollout.skipped()
            step = self.rollout.step
        if step is None:
            self.stop_rollout("every step is done")
            return
        if not verdict.ok:
            self._show_rollout(f"waiting for the gate: {verdict.failed[0]}")
            return
        self._step_pending = True
        self._show_rollout("the gate passed: confirm the next step")
        api, name = self.api, self.stage_name

        def build(engine):
            doc = engine.document(api, name)
            return canary.promote(doc, verdict) if step == PROMOTE else canary.weigh(doc, step)

        propose(self, build, on_applied=self._stepped, on_not_applied=lambda: self.stop_rollout(
            f"the {step if step == PROMOTE else f'{step:g}%'} step was not applied"))

    def _stepped(self, applied: "Applied") -> None:
        self._step_pending = False
        if self.rollout is None:
            return
        self.rollout = self.rollout.advanced(datetime.now(UTC))
        if self.rollout.done:
            self.rollout = None
            self.rollout_state = "Rollout complete: the canary is promoted."
            self._show_rollout()
            self.promoted(applied)
            return
        self.changed(applied)
        self._show_rollout("applied; waiting for traffic on the new weight")

    def _show_rollout(self, state: str = "") -> None:
        if self.rollout is not None:
            self.rollout_state = f"Rollout {self.rollout.describe()}: {state}"
        self.query_one("#rollout", Static).update(foreign(self.rollout_state, style="bold") if self.rollout_state
                                                  else "")

    def on_screen_suspend(self) -> None:
        """Another screen over this one stops the rollout; its own forms and confirmations do not."""
        if self.rollout is not None and not isinstance(self.app.screen, ModalScreen):
            self.stop_rollout("the canary screen was left")

    def on_unmount(self) -> None:
        if self._rollout_timer is not None:
            self._rollout_timer.stop()
        self.rollout = None
