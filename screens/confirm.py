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
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from actions.show import plan_renderable

if TYPE_CHECKING:
    from actions.engine import Applied, Engine, Permission
    from actions.plan import Invalid, Plan


class ConfirmScreen(ModalScreen[bool]):
    """y/enter applies, n/escape cancels; c copies the aws command (OSC 52, so it works over SSH)."""

    BINDINGS = [
        Binding("y", "yes", "Apply", id="confirm.yes"),
        Binding("enter", "yes", "Apply", show=False, id="confirm.enter"),
        Binding("n,escape", "no", "Cancel", id="confirm.no"),
        Binding("c", "copy", "Copy aws command", id="confirm.copy"),
    ]

    def __init__(self, plan: "Plan", permission: "Permission") -> None:
        super().__init__()
        self.plan = plan
        self.permission = permission

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            with VerticalScroll(id="plan"):
                yield Static(plan_renderable(self.plan))
            if not self.permission.writable:
                yield Static(Text(self.permission.why, style="bold"), id="read-only")
            elif self.plan.protected:
                yield Input(placeholder=f"type {self.plan.target.stage} to apply", id="typed")
            yield Static("[b]y[/b] apply · [b]n[/b]/[b]esc[/b] cancel · [b]c[/b] copy the aws command", id="keys")

    def on_mount(self) -> None:
        if self.plan.protected and self.permission.writable:
            self.query_one("#typed", Input).focus()

    @on(Input.Submitted, "#typed")
    def _typed(self) -> None:
        self.action_yes()

    def action_yes(self) -> None:
        if not self.permission.writable:
            self.notify(self.permission.why, title="Read-only", severity="warning", timeout=10)
            return
        if self.plan.protected and self.query_one("#typed", Input).value.strip() != self.plan.target.stage:
            self.notify(f"Stage {self.plan.target.stage} is protected: type its name to apply.", severity="warning")
            return
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.plan.aws_cli())
        self.notify("The aws command is on the clipboard.")


def propose(screen: Screen, build: Callable[["Engine"], "Plan"], *,
            on_invalid: Callable[["Invalid"], None] | None = None,
            on_applied: Callable[["Applied"], None] | None = None) -> None:
    """Plan (worker) -> confirm (modal) -> apply (worker) -> report."""
    app = screen.app
    engine = app.engine
    if engine is None:
        app.notify("Still connecting; try again in a moment.", severity="warning")
        return

    def plan_it() -> None:
        from actions.plan import Invalid
        from console.errors import explain

        try:
            plan = build(engine)
        except Invalid as invalid:
            if on_invalid:
                app.call_from_thread(on_invalid, invalid)
            else:
                app.call_from_thread(app.notify, str(invalid), title="Not valid", severity="warning", timeout=10)
            return
        except Exception as exc:
            problem = explain(exc)
            app.call_from_thread(app.notify, problem.message, title=f"AWS: {problem.code or problem.kind}",
                                 severity="error", timeout=10)
            return
        app.call_from_thread(confirm, plan)

    def confirm(plan: "Plan") -> None:
        app.push_screen(ConfirmScreen(plan, engine.permission), callback=lambda yes: yes and apply(plan))

    def apply(plan: "Plan") -> None:
        def work() -> None:
            from console.errors import explain

            try:
                applied = engine.apply(plan)
            except Exception as exc:
                problem = explain(exc)
                app.call_from_thread(app.notify, problem.message, title="Not applied",
                                     severity="error", timeout=15)
                return
            app.call_from_thread(report, applied)

        screen.run_worker(work, thread=True, group="apply", exit_on_error=False)

    def report(applied: "Applied") -> None:
        surprises = applied.entry.get("surprises")
        hint = "" if applied.plan.undoes else "; ctrl+z undoes it"
        app.notify(f"{applied.plan.summary}. Journal {applied.entry['id']}{hint}.", title="Applied", timeout=8)
        for surprise in surprises or ():
            app.notify(surprise, title="AWS reports otherwise", severity="warning", timeout=15)
        if on_applied:
            on_applied(applied)

    screen.run_worker(plan_it, thread=True, group="plan", exit_on_error=False)
