"""Running a runbook: each step in order, every change a plan applied through the engine, journaled with
the runbook's name, the run's id and the step.

A step that fails — a check that does not hold, a wait that times out, a plan refused or failed, a
confirmation declined — stops the run, and the plans it applied are undone newest first, each as the
journal's inverse (Engine.undo_plan: refused, naming the field, if someone changed it since), shown and
confirmed like any change. The runner calls AWS only through the engine and the read model, and asks
its `Driver` (the CLI's prompts, or the TUI's screens) to show, confirm and apply; it runs in the
caller's thread (a worker, in the TUI) and reports each change of a step to `Driver.progress`.

A dry run reads (its checks are evaluated, on what AWS has now), and builds and shows every plan, but
applies none, waits for nothing and asks nothing.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from actions.engine import Applied, Engine
from actions.plan import Invalid, Plan
from console.aws.errors import Problem
from console.runbook.conditions import Reading, StageFigures, evaluate
from console.runbook.format import DEFAULT_POLL, DEFAULT_TIMEOUT, DEFAULT_WINDOW, Bound, Runbook
from console.runbook.plans import ACTIONS

PENDING, RUNNING, PASSED, APPLIED, CONFIRMED = "pending", "running", "passed", "applied", "confirmed"
FAILED, DECLINED, TIMED_OUT, DRY_RUN, NOT_RUN, CANCELLED = (
    "failed", "declined", "timed out", "dry run", "not run", "cancelled")
GREEN, STOPPED = "green", "stopped"


class Driver(Protocol):
    def progress(self, run: "Run") -> None:
        """A step started, was read again, or ended."""

    def apply(self, plan: Plan, context: dict[str, Any]) -> Applied | None:
        """Show the plan, confirm it, apply it with `context` (engine.apply); None: not applied (a dry run,
        a no, no permission). Raises what the engine raises."""

    def confirm(self, message: str) -> bool:
        """A person's yes to go on."""


@dataclass
class Outcome:
    """A step as it ran (or not)."""

    number: int
    kind: str
    title: str
    status: str = PENDING
    started: float | None = None  # time.monotonic()
    seconds: float = 0.0
    reading: Reading | None = None
    plans: list[dict[str, Any]] = field(default_factory=list)  # what was applied (or shown, in a dry run)
    entries: list[str] = field(default_factory=list)  # journal entries of what was applied
    detail: str = ""

    def elapsed(self, now: float | None = None) -> float:
        """Seconds so far (running) or in all (ended)."""
        if self.started is None:
            return 0.0
        return (now or time.monotonic()) - self.started if self.status == RUNNING else self.seconds

    def to_json(self) -> dict[str, Any]:
        return {"step": self.number, "kind": self.kind, "title": self.title, "status": self.status,
                "seconds": round(self.seconds, 3), "reading": self.reading.to_json() if self.reading else None,
                "plans": self.plans, "entries": self.entries, "detail": self.detail}


@dataclass
class Run:
    runbook: Runbook
    values: dict[str, Any]
    id: str
    dry_run: bool
    outcomes: list[Outcome]
    undone: list[Outcome] = field(default_factory=list)
    status: str = RUNNING
    started: float = field(default_factory=time.monotonic)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0

    @property
    def applied(self) -> list[tuple[int, str]]:
        """(step, journal entry) of every change this run applied, oldest first."""
        return [(o.number, entry) for o in self.outcomes for entry in o.entries]

    def to_json(self) -> dict[str, Any]:
        return {"runbook": self.runbook.name, "run": self.id, "status": self.status, "dry_run": self.dry_run,
                "params": self.values, "started": self.started_at.isoformat(), "seconds": round(self.seconds, 3),
                "steps": [o.to_json() for o in self.outcomes], "undo": [o.to_json() for o in self.undone]}


def new_id() -> str:
    return f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"


class Runner:
    def __init__(self, engine: Engine, runbook: Runbook, values: dict[str, Any], driver: Driver, *,
                 dry_run: bool = False, run_id: str | None = None):
        self.engine, self.driver = engine, driver
        self.steps: list[Bound] = runbook.bind(values)  # every field checked before anything runs
        self.run = Run(runbook, values, run_id or new_id(), dry_run,
                       [Outcome(b.step.number, b.step.kind, b.title) for b in self.steps])
        self.cancelled = threading.Event()
        self._figures: dict[tuple[str, str], StageFigures] = {}
        self._changed_at: datetime | None = None  # when this run last applied a change (new_minutes count from it)

    def cancel(self) -> None:
        self.cancelled.set()

    def __call__(self) -> Run:
        run = self.run
        for bound, outcome in zip(self.steps, run.outcomes):
            outcome.status, outcome.started = RUNNING, time.monotonic()
            self.driver.progress(run)
            try:
                outcome.status = self._step(bound, outcome)
            except (Problem, Invalid) as problem:
                outcome.status, outcome.detail = FAILED, str(problem)
            except KeyboardInterrupt:  # ctrl+c on a terminal: the run stops as `cancel` stops it
                outcome.status, outcome.detail = CANCELLED, "interrupted"
            outcome.seconds = time.monotonic() - outcome.started
            self.driver.progress(run)
            if outcome.status in (FAILED, DECLINED, TIMED_OUT, CANCELLED):
                run.status = STOPPED
                for rest in run.outcomes[outcome.number:]:
                    rest.status = NOT_RUN
                self._undo()
                break
        else:
            run.status = DRY_RUN if run.dry_run else GREEN
        run.seconds = time.monotonic() - run.started
        self.driver.progress(run)
        return run

    def _context(self, step: int | str) -> dict[str, Any]:
        return {"runbook": {"name": self.run.runbook.name, "run": self.run.id, "step": step}}

    def _step(self, bound: Bound, outcome: Outcome) -> str:
        kind = bound.step.kind
        if kind == "confirm":
            if self.run.dry_run:
                outcome.detail = f"would ask: {bound.subject}"
                return DRY_RUN
            return CONFIRMED if self.driver.confirm(bound.subject) else DECLINED
        if kind == "plan":
            return self._plan(bound, outcome)
        figures = self._stage_figures(bound)
        condition = bound.condition.bound(self.run.values)
        window = bound.fields.get("window", None if "for_minutes" in bound.fields else DEFAULT_WINDOW)
        minutes = bound.fields.get("for_minutes")
        read = lambda since=None: evaluate(condition, figures, window=_whole(window), for_minutes=_whole(minutes),
                                           since=since)
        if kind == "check":
            outcome.reading = read()
            outcome.detail = outcome.reading.words()
            if self.run.dry_run:
                return DRY_RUN if outcome.reading.holds else DRY_RUN + ": would stop here"
            return PASSED if outcome.reading.holds else FAILED
        if self.run.dry_run:
            outcome.detail = f"would wait until {condition.text}"
            return DRY_RUN
        since = (self._changed_at or datetime.now(UTC)) if bound.fields.get("new_minutes") else None
        poll = float(bound.fields.get("poll", DEFAULT_POLL))
        deadline = time.monotonic() + float(bound.fields.get("timeout", DEFAULT_TIMEOUT))
        while True:
            outcome.reading = read(since)
            outcome.detail = outcome.reading.words()
            if outcome.reading.holds:
                return PASSED
            self.driver.progress(self.run)
            if time.monotonic() + poll > deadline:
                return TIMED_OUT
            if self.cancelled.wait(poll):
                return CANCELLED

    def _plan(self, bound: Bound, outcome: Outcome) -> str:
        action = ACTIONS[bound.subject]
        api = self.engine.gateway.find_api(bound.fields.get("api", self.run.values.get("api"))) \
            if action.on_stage else None
        stage = bound.fields.get("stage", self.run.values.get("stage")) if action.on_stage else ""
        values = {k: v for k, v in bound.fields.items() if k in action.fields}
        plans = action.build(self.engine, api, stage, values)
        for plan in plans:
            outcome.plans.append(plan.to_json())
            applied = self.driver.apply(plan, self._context(outcome.number))
            if self.run.dry_run:
                if action.name == "key.rotate":
                    outcome.detail = "each later step of the rotation is planned once the one before it is applied"
                plans.close()
                return DRY_RUN
            if applied is None:
                return DECLINED
            outcome.entries.append(applied.entry["id"])
            outcome.detail = applied.plan.summary
            self._changed_at = datetime.now(UTC)
            self.driver.progress(self.run)
        return APPLIED

    def _stage_figures(self, bound: Bound) -> StageFigures:
        api_ref = bound.fields.get("api", self.run.values.get("api"))
        stage = bound.fields.get("stage", self.run.values.get("stage"))
        if (api_ref, stage) not in self._figures:
            api = self.engine.gateway.find_api(api_ref)
            self.engine.gateway.stage(api, stage)  # a stage that does not exist is named now, not as "no data"
            self._figures[(api_ref, stage)] = StageFigures(self.engine.connection, self.engine.gateway, api, stage)
        return self._figures[(api_ref, stage)]

    def _undo(self) -> None:
        """Undo what this run applied, newest first; an undo refused or declined is reported, and the rest go on."""
        for step, entry in reversed(self.run.applied):
            outcome = Outcome(step, "undo", f"undo step {step} (journal entry {entry})", RUNNING,
                              time.monotonic())
            self.run.undone.append(outcome)
            self.driver.progress(self.run)
            try:
                plan = self.engine.undo_plan(entry)
                outcome.plans.append(plan.to_json())
                applied = self.driver.apply(plan, self._context(f"undo {step}"))
                if applied is None:
                    outcome.status = DECLINED
                    outcome.detail = f"not undone: apigw-console undo {entry}"
                else:
                    outcome.status, outcome.detail = APPLIED, applied.plan.summary
                    outcome.entries.append(applied.entry["id"])
            except (Problem, Invalid) as problem:
                outcome.status, outcome.detail = FAILED, str(problem)
            outcome.seconds = time.monotonic() - outcome.started
            self.driver.progress(self.run)


def _whole(value: Any) -> int | None:
    return None if value is None else int(value)
