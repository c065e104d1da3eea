"""`:runbook NAME`: a bundled runbook run on this connection, each step with its status, the condition's
value now and the time it has taken.

The runner (console.runbook.runner) runs in a thread worker: it reads and applies there, and asks this
screen, through the UI thread, to confirm each plan on the ConfirmScreen every change takes (the stage's
name typed when it is protected) and each `confirm` step on a yes/no of its own; the worker waits for
the answer. `x` stops the run (a wait ends at once) and, as a failed step does, offers to undo what it
applied, newest first. `:runbook` alone lists the bundled runbooks; enter opens one's parameters (its
defaults filled in: screens.runbook_params), and the run starts once they are checked.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from console.render.text import assemble, foreign
from screens.base import ConsoleScreen
from screens.confirm import ConfirmScreen
from screens.keys import bindings
from screens.widgets import cells
from screens.workers import in_thread, notify_problem

if TYPE_CHECKING:
    from actions.engine import Applied
    from actions.plan import Plan
    from console.aws.errors import Problem
    from console.runbook.format import Runbook
    from console.runbook.runner import Outcome, Run, Runner

COLUMNS = ("#", "Step", "Status", "Now", "Elapsed")
STYLES = {"passed": "green", "applied": "green", "confirmed": "green", "failed": "bold red",
          "timed out": "bold red", "declined": "bold red", "cancelled": "bold red", "running": "bold",
          "not run": "dim", "pending": "dim"}


class GateScreen(ModalScreen[bool]):
    """A runbook's `confirm` step: its message, y goes on, n or escape stops the run."""

    BINDINGS = bindings("gate")
    DEFAULT_CSS = "GateScreen { align: center middle; } GateScreen #gate { width: 70; height: auto; " \
                  "border: thick $warning; padding: 1 2; background: $surface; }"

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="gate"):
            yield Static(foreign(self.message))
            yield Static(Text.assemble(("y", "bold"), " go on · ", ("n", "bold"), "/", ("esc", "bold"),
                                       " stop the run"))

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class RunbookScreen(ConsoleScreen):
    AUTO_FOCUS = "#steps"
    BINDINGS = bindings("runbook")
    DEFAULT_CSS = "RunbookScreen #steps { height: 1fr; } RunbookScreen #head { height: auto; padding: 0 1; }"

    def __init__(self, name: str = "") -> None:
        """`name`: a bundled runbook to run now; "" lists them."""
        super().__init__()
        self.runbook_name = name
        self.runner: Runner | None = None
        self.listed: list[str] = []
        self.asking = False  # its parameters' form is open

    def body(self) -> ComposeResult:
        yield Static(id="head")
        yield DataTable(id="steps", cursor_type="row", zebra_stripes=True, cell_padding=1)

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1.0, self._tick)
        if not self.runbook_name:
            self._list()

    def load(self, refresh: bool = False) -> None:
        """Once connected, ask for the runbook's parameters, then run (never again: a run is not a view to
        refresh)."""
        if self.runbook_name and self.runner is None and not self.asking and self.app.engine is not None:
            self._ask()

    def _list(self) -> None:
        from console.runbook.library import bundled, find

        table = self.query_one("#steps", DataTable)
        table.add_columns("Runbook", "Summary")
        for name, path in bundled().items():
            table.add_row(*cells(name, find(str(path)).summary))
            self.listed.append(name)
        self.query_one("#head", Static).update("Bundled runbooks: enter opens one's parameters, its defaults "
                                               "filled in, to run it on this connection.")

    def _ask(self) -> None:
        from console.runbook.library import find
        from screens.runbook_params import RunbookParamsForm

        try:
            runbook = find(self.runbook_name)
        except ValueError as invalid:  # RunbookInvalid: no such runbook, or one that does not read
            self.query_one("#head", Static).update(foreign(str(invalid)))
            self.app.notify(str(invalid), title="Runbook not valid", severity="error", timeout=15)
            return
        self.asking = True

        def answered(given: dict[str, str] | None) -> None:
            self.asking = False
            if given is not None:
                self.query_one("#steps", DataTable).clear(columns=True)
                self.listed = []
                self._start(runbook, given)
            elif self.listed:  # chosen from the list, which is still there
                self.runbook_name = ""
            else:
                self.app.pop_screen()

        self.app.push_screen(RunbookParamsForm(runbook), answered)

    @on(DataTable.RowSelected)
    def _chosen(self) -> None:
        self.action_start()

    def action_start(self) -> None:
        table = self.query_one("#steps", DataTable)
        if self.runner is None and self.listed and table.row_count and not self.asking:
            self.runbook_name = self.listed[table.cursor_row]
            self.load()

    def _start(self, runbook: "Runbook", given: dict[str, str]) -> None:
        from console.runbook.runner import Runner

        try:
            self.runner = Runner(self.app.engine, runbook, runbook.values(given, asked_as=""), _Driver(self))
        except ValueError as invalid:  # RunbookInvalid: checked by the form already, but said if not
            self.query_one("#head", Static).update(foreign(str(invalid)))
            self.app.notify(str(invalid), title="Runbook not valid", severity="error", timeout=15)
            return
        table = self.query_one("#steps", DataTable)
        table.add_columns(*COLUMNS)
        for outcome in self.runner.run.outcomes:
            table.add_row(*self._cells(outcome), key=str(outcome.number))
        self._paint()
        in_thread(self, self.runner, lambda run: self._paint(), group="runbook", title=f"runbook {runbook.name}",
                  failed=self._broke)

    def _broke(self, problem: "Problem") -> None:
        """The run ended on something no step caught: said, and the screen may be left."""
        notify_problem(self.app, problem, f"runbook {self.runbook_name}", timeout=15)
        self.runner.run.status = "stopped"
        self._paint()

    def _cells(self, outcome: "Outcome") -> list[Text]:
        now = outcome.reading.words().split(";")[0] if outcome.reading else outcome.detail
        elapsed = f"{outcome.elapsed():.0f} s" if outcome.started is not None else ""
        return [*cells(str(outcome.number), outcome.title), Text(outcome.status, style=STYLES.get(outcome.status, "")),
                *cells(now, elapsed)]

    def _tick(self) -> None:
        if self.runner is not None and self.runner.run.status == "running":
            self._paint()

    def _paint(self, *_: Any) -> None:
        if self.runner is None:
            return
        run = self.runner.run
        table = self.query_one("#steps", DataTable)
        for outcome in [*run.outcomes, *run.undone]:
            key = str(outcome.number) if outcome.kind != "undo" else f"undo {outcome.number}"
            values = self._cells(outcome)
            if key not in table.rows:
                table.add_row(*values, key=key)
                continue
            for column, value in zip(table.columns, values):
                table.update_cell(key, column, value)
        elapsed = run.seconds if run.status != "running" else time.monotonic() - run.started
        self.query_one("#head", Static).update(assemble(
            (run.runbook.name, "bold"), " · ", foreign(run.runbook.summary), f"\nrun {run.id} · ",
            (run.status, STYLES.get(run.status, "bold green" if run.status == "green" else "bold")),
            f" · {elapsed:.0f} s" + (" · x stops it" if run.status == "running" else "")))
        self.loaded(None, f"runbook {run.runbook.name}: {run.status}")
        self.show_status()

    def action_cancel(self) -> None:
        if self.runner is not None and self.runner.run.status == "running":
            self.runner.cancel()
            self.app.notify("Stopping after the step in progress; what the run applied is offered for undo.")

    def action_back(self) -> None:
        if self.runner is not None and self.runner.run.status == "running":
            self.app.notify("The run is going on: x stops it first.", severity="warning")
            return
        self.app.pop_screen()


class _Driver:
    """The runner's questions, asked on the UI thread; the runner's worker thread waits for each answer."""

    def __init__(self, screen: RunbookScreen):
        self.screen = screen
        self.app = screen.app

    def progress(self, run: "Run") -> None:
        self.app.call_from_thread(self.screen._paint)

    def apply(self, plan: "Plan", context: dict[str, Any]) -> "Applied | None":
        engine = self.app.engine
        if not self._asked(lambda: ConfirmScreen(plan, engine.permission)):
            return None
        return engine.apply(plan.overridden() if plan.needs_override else plan, context=context)

    def confirm(self, message: str) -> bool:
        return self._asked(lambda: GateScreen(message))

    def _asked(self, make: Callable[[], ModalScreen[bool]]) -> bool:
        answer: Future[bool] = Future()
        self.app.call_from_thread(lambda: self.app.push_screen(make(), callback=answer.set_result))
        while not answer.done():  # an app that is closing answers no: the run stops and the worker ends
            try:
                return bool(answer.result(timeout=0.5))
            except TimeoutError:
                if not self.app.is_running:
                    return False
        return bool(answer.result())
