"""What `apigw-console runbook list | show | run` and `rehearse` do.

A run's changes take the one path of a change (console.cli.output.change: the plan printed, --dry-run,
write permission, --yes or a typed confirmation), each applied with the run's journal context. A
`confirm` step asks on the terminal (--yes answers it; without a terminal, the run stops). Exit 0 when
every step passed (or a dry run ended), 1 when the run stopped.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from argparse import Namespace
from typing import Any

from rich.text import Text

from actions.engine import Applied, Engine
from actions.plan import Plan
from console.cli.answer import emit
from console.cli.output import assignments, change
from console.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from console.render.text import Table, assemble, foreign, terminal
from console.render.visible import say
from console.runbook.format import Runbook
from console.runbook.library import bundled, find
from console.runbook.runner import (
    DRY_RUN,
    FAILED,
    GREEN,
    PASSED,
    PENDING,
    RUNNING,
    STOPPED,
    Outcome,
    Run,
    Runner,
)

MARKS = {PASSED: "✓", "applied": "✓", "confirmed": "✓", FAILED: "✗", "timed out": "✗", "declined": "✗",
         "cancelled": "✗", "not run": "·", DRY_RUN: "○"}
# Each rehearsal: the bundled runbook of the same name, on the stage the scenario strikes.
REHEARSALS = ("throttle-storm", "bad-canary", "stale-cache", "expired-keys")


def listing(args) -> int:
    found = {name: find(str(path)) for name, path in bundled().items()}
    if args.output != "table" or args.query:
        emit(args, [{"name": r.name, "summary": r.summary, "params": [p.name for p in r.params.values()]}
                    for r in found.values()])
        return EXIT_OK
    table = Table(box=None, pad_edge=False)
    for column in ("Runbook", "Summary", "Parameters"):
        table.add_column(column, overflow="fold")
    for runbook in found.values():
        table.add_row(runbook.name, runbook.summary, " ".join(runbook.params))
    terminal().print(table)
    return EXIT_OK


def show(args) -> int:
    runbook = find(args.runbook)
    if args.output != "table" or args.query:
        emit(args, runbook.to_json())
        return EXIT_OK
    out = terminal()
    out.print(assemble((runbook.name, "bold"), " — ", foreign(runbook.summary)))
    out.print(foreign(runbook.path, style="dim"))
    params = Table(box=None, pad_edge=False, title="Parameters", title_justify="left")
    for column in ("Name", "Type", "Default", "Bounds", "Help"):
        params.add_column(column, overflow="fold")
    for p in runbook.params.values():
        params.add_row(p.name, p.type, "—" if p.default is None else str(p.default),
                       f"{p.low:g}..{p.high:g}" if p.low is not None else "", p.help)
    out.print(params)
    steps = Table(box=None, pad_edge=False, title="Steps", title_justify="left")
    for column in ("#", "Kind", "What", "Fields", "Title"):
        steps.add_column(column, overflow="fold")
    for s in runbook.steps:
        steps.add_row(str(s.number), s.kind, s.subject,
                      " ".join(f"{k}={json.dumps(v)}" for k, v in s.fields.items() if k != "title"),
                      str(s.fields.get("title", "")))
    out.print(steps)
    return EXIT_OK


def run(engine: Engine, args) -> int:
    runbook = find(args.runbook)
    return execute(engine, runbook, args)


def execute(engine: Engine, runbook: Runbook, args) -> int:
    """Run `runbook` with --param values; print each step as it ends (or the whole run as JSON)."""
    values = runbook.values(assignments(args.param))
    driver = CliDriver(engine, args)
    runner = Runner(engine, runbook, values, driver, dry_run=args.dry_run)
    driver.title(runner.run)
    finished = runner()
    if args.output == "json":
        print(json.dumps(finished.to_json(), indent=2, default=str))
    else:
        driver.summary(finished)
    if driver.refused is not None and finished.status == STOPPED:
        return driver.refused
    return EXIT_OK if finished.status in (GREEN, DRY_RUN) else EXIT_FAILED


class CliDriver:
    """The runner's prompts and progress on a terminal (nothing but the final JSON with --output json)."""

    def __init__(self, engine: Engine, args):
        self.engine, self.args = engine, args
        self.json = args.output == "json"
        self.shown: dict[tuple[str, int], tuple[str, str]] = {}  # each step's status and detail, as last printed
        self.refused: int | None = None  # change()'s exit code when it refused to apply (no permission, no yes)

    def title(self, run: Run) -> None:
        if not self.json:
            words = " ".join(f"{k}={v}" for k, v in run.values.items())
            terminal().print(assemble(("Runbook ", ""), (run.runbook.name, "bold"), f" · run {run.id}",
                                      (" · dry run" if run.dry_run else ""), " · ", foreign(words)))

    def progress(self, run: Run) -> None:
        if self.json:
            return
        for group, outcomes in (("step", run.outcomes), ("undo", run.undone)):
            for outcome in outcomes:
                if outcome.status == PENDING:
                    continue
                key, said = (group, outcome.number), (outcome.status, outcome.detail)
                if self.shown.get(key) != said and (outcome.status != RUNNING or outcome.reading):
                    self.shown[key] = said  # a wait's reading is printed when it changes, not at every poll
                    terminal().print(foreign(self._line(outcome)))

    def _line(self, outcome: Outcome) -> str:
        mark = MARKS.get(outcome.status, "…")
        head = f"{mark} {outcome.number}. {outcome.title}"
        if outcome.status == RUNNING:
            return f"  … {outcome.detail}  ({time.monotonic() - outcome.started:.0f} s)"
        return f"{head}: {outcome.status}" + (f" — {outcome.detail}" if outcome.detail else "") + \
            f"  ({outcome.seconds:.1f} s)"

    def apply(self, plan: Plan, context: dict[str, Any]) -> Applied | None:
        recorder = _Recording(self.engine, context)
        if self.json:
            with contextlib.redirect_stdout(io.StringIO()):  # the run's JSON holds the plans
                code = change(recorder, plan, self.args)
        else:
            code = change(recorder, plan, self.args)
        if code != EXIT_OK:
            self.refused = code
        return recorder.applied

    def confirm(self, message: str) -> bool:
        if not self.json:
            terminal().print(assemble(("? ", "bold"), foreign(message)))
        if self.args.yes:
            return True
        if not sys.stdin.isatty():
            say("Refusing to go on without confirmation: standard input is not a terminal (pass --yes).")
            self.refused = EXIT_USAGE
            return False
        try:
            return input("Go on? [y/N] ").strip().lower() in ("y", "yes")
        except EOFError:
            return False

    def summary(self, run: Run) -> None:
        words = {GREEN: "green", STOPPED: "stopped", DRY_RUN: "dry run: nothing was sent"}[run.status]
        style = {GREEN: "bold green", STOPPED: "bold red"}.get(run.status, "bold")
        terminal().print(Text(f"Runbook {run.runbook.name} (run {run.id}): {words} after {run.seconds:.1f} s",
                              style=style))
        if run.status == STOPPED and not run.undone and run.applied:
            terminal().print(Text("Nothing was undone: " + ", ".join(
                f"apigw-console undo {entry}" for _, entry in reversed(run.applied))))


class _Recording:
    """The engine, applying with the run's context and remembering what it applied."""

    def __init__(self, engine: Engine, context: dict[str, Any]):
        self._engine, self._context = engine, context
        self.applied: Applied | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def apply(self, plan: Plan) -> Applied:
        self.applied = self._engine.apply(plan, context=self._context)
        return self.applied


def rehearse(args) -> int:
    """Start the scenario on a sandbox of its own (as `sandbox --scenario`), run its bundled runbook with
    every confirmation given (it is a sandbox), and print the time from the run's start to green."""
    from console.aws.session import Target
    from console.config import load
    from console.connect import Connector
    from console.sandbox.process import spawn

    if args.scenario not in REHEARSALS:
        say(f"rehearse: no scenario {args.scenario!r} with a bundled runbook (there are: {', '.join(REHEARSALS)})")
        return EXIT_USAGE
    runbook = find(args.scenario)
    started = time.monotonic()
    child = spawn("--scenario", args.scenario)
    ready = time.monotonic() - started
    with Connector(load(), write=True) as connector:
        connector.child = child  # closed with the connector
        engine = connector.open(Target(sandbox=True))
        if args.output != "json":
            terminal().print(Text(f"Sandbox in {args.scenario} at {child.url} (started in {ready:.1f} s)"))
        flags = Namespace(**{**vars(args), "yes": True, "dry_run": False})
        driver = CliDriver(engine, flags)
        runner = Runner(engine, runbook, runbook.values(assignments(args.param)), driver)
        driver.title(runner.run)
        finished = runner()
    green = finished.status == GREEN
    if args.output == "json":
        print(json.dumps({"scenario": args.scenario, "sandbox_start_s": round(ready, 3),
                          "time_to_green_s": round(finished.seconds, 3) if green else None,
                          "run": finished.to_json()}, indent=2, default=str))
    else:
        driver.summary(finished)
        terminal().print(Text(f"{args.scenario}: time to green {finished.seconds:.0f} s "
                              f"({finished.seconds / 60:.1f} min) from the run's start" if green else
                              f"{args.scenario}: not green ({finished.status})", style="bold"))
    return EXIT_OK if green else EXIT_FAILED
