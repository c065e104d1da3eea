"""Every change in the TUI goes through here: plan in a worker, show it, apply only on yes.

`propose` is the one choreography: build the plan off the UI thread (it reads AWS), show the
ConfirmScreen (target, diff, call, aws line, warnings; the stage name typed when protected), and
on yes apply it in a worker. Invalid input goes back to the form that asked, which keeps what the
operator typed; AWS failures and conflicts are notifications in plain words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from actions.plan import OVERRIDE
from console.render.plan import plan_renderable
from console.render.text import foreign
from screens.keys import bindings
from screens.workers import in_thread, notify_problem

if TYPE_CHECKING:
    from actions.engine import Applied, Engine, Permission
    from actions.plan import Invalid, Plan
    from console.aws.errors import Problem


class ConfirmScreen(ModalScreen[bool]):
    """y/enter applies, n/escape cancels; c copies the aws command (OSC 52, so it works over SSH).

    A protected stage's name, and "override" for a plan whose safety gate failed, must be typed first.
    """

    BINDINGS = bindings("confirm")

    def __init__(self, plan: "Plan", permission: "Permission") -> None:
        super().__init__()
        self.plan = plan
        self.permission = permission

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            with VerticalScroll(id="plan"):
                yield Static(plan_renderable(self.plan))
            if not self.permission.writable:
                yield Static(foreign(self.permission.why, style="bold"), id="read-only")
            else:
                if self.plan.protected:
                    yield Input(placeholder=f"type {self.plan.target.stage} to apply", id="typed")
                if self.plan.needs_override:
                    yield Static(Text("\n".join(self.plan.warnings), style="bold"), id="gate")
                    yield Input(placeholder=f'a gate failed (see the warnings): type "{OVERRIDE}" to apply anyway',
                                id="override")
            yield Static("[b]y[/b] apply · [b]n[/b]/[b]esc[/b] cancel · [b]c[/b] copy the aws command", id="keys")

    def on_mount(self) -> None:
        if self.plan.needs_override:
            self.call_after_refresh(self._fit)
        fields = self.query(Input)
        if self.permission.writable and fields:
            fields.first().focus()

    def _fit(self) -> None:
        """Keep the failed rules and the typed override in view at 80x24: the plan scrolls instead."""
        box, plan = self.query_one("#confirm"), self.query_one("#plan")
        others = sum(w.outer_size.height for w in box.children if w is not plan)
        plan.styles.max_height = max(3, self.size.height - box.styles.gutter.height - others)

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        if event.input.id == "typed" and self.plan.needs_override:
            self.query_one("#override", Input).focus()
        else:
            self.action_yes()

    def action_yes(self) -> None:
        if not self.permission.writable:
            self.notify(self.permission.why, title="Read-only", severity="warning", timeout=10)
            return
        if self.plan.protected and self.query_one("#typed", Input).value.strip() != self.plan.target.stage:
            self.notify(f"Stage {self.plan.target.stage} is protected: type its name to apply.", severity="warning")
            return
        if self.plan.needs_override and self.query_one("#override", Input).value.strip() != OVERRIDE:
            self.notify(f'A safety gate failed for this plan: type "{OVERRIDE}" to apply it anyway.',
                        severity="warning")
            return
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.plan.aws_cli())
        self.notify("The aws command is on the clipboard.")


def propose(screen: Screen, build: Callable[["Engine"], "Plan"], *,
            on_invalid: Callable[["Invalid"], None] | None = None,
            on_applied: Callable[["Applied"], None] | None = None,
            on_not_applied: Callable[[], None] | None = None) -> None:
    """Plan (worker) -> confirm (modal) -> apply (worker) -> report. `on_not_applied` runs (on the UI
    thread) when it ends otherwise: invalid, declined, refused or failed."""
    app = screen.app
    engine = app.engine
    if engine is None:
        app.notify("Still connecting; try again in a moment.", severity="warning")
        return

    def plan_it() -> "Plan | Invalid":
        from actions.plan import Invalid

        try:
            return build(engine)
        except Invalid as invalid:  # the operator's input, not AWS's answer: said apart
            return invalid

    def planned(result: "Plan | Invalid") -> None:
        from actions.plan import Invalid

        if not isinstance(result, Invalid):
            confirm(result)
            return
        if on_invalid:
            on_invalid(result)
        else:
            app.notify(str(result), title="Not valid", severity="warning", timeout=10)
        dropped()

    def failed(problem: "Problem", title: str = "AWS", timeout: float = 10) -> None:
        notify_problem(app, problem, title, timeout)
        dropped()

    def dropped() -> None:
        if on_not_applied:
            on_not_applied()

    def confirm(plan: "Plan") -> None:
        app.push_screen(ConfirmScreen(plan, engine.permission), callback=lambda yes: apply(
            plan.overridden() if plan.needs_override else plan) if yes else dropped())

    def apply(plan: "Plan") -> None:
        in_thread(screen, lambda: engine.apply(plan), report, group="apply",
                  failed=lambda problem: failed(problem, "Not applied", 15))

    def report(applied: "Applied") -> None:
        surprises = applied.entry.get("surprises")
        hint = "" if applied.plan.undoes or applied.plan.inverse_call is None else "; ctrl+z undoes it"
        app.notify(f"{applied.plan.summary}. Journal {applied.entry['id']}{hint}.", title="Applied", timeout=8)
        for surprise in surprises or ():
            app.notify(surprise, title="AWS reports otherwise", severity="warning", timeout=15)
        if applied.note:  # applied, but not read back: undo is still offered
            app.notify(applied.note, title="Applied", severity="warning", timeout=15, markup=False)
        if on_applied:
            on_applied(applied)

    in_thread(screen, plan_it, planned, group="plan", failed=failed)
