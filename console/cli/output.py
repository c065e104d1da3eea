"""How every CLI command answers: the table, JSON or text it asked for (--query applied), and the one
path a change takes.

A change prints its plan, then: --dry-run stops there (exit 0); without write permission it stops
(exit 3); without --yes it asks on a terminal and refuses when there is none (exit 2); then it
applies through the engine, which re-reads and refuses if the target changed since it was planned.
A change AWS applied whose read-back failed is still applied (exit 0), with a warning on stderr.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

from rich.console import Console, Group
from rich.rule import Rule

from actions.engine import Engine
from actions.plan import Invalid, Plan
from console.exits import EXIT_OK, EXIT_READ_ONLY, EXIT_USAGE
from console.render.plan import plan_head, plan_tail
from console.render.text import terminal


def sections(sections) -> Group:
    parts: list[Any] = []
    for title, body in sections:
        parts += [Rule(title, align="left", style="cyan"), body]
    return Group(*parts)


def assignments(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals:
            raise Invalid("KEY=VALUE", "each assignment reads KEY=VALUE", pair)
        values[name] = value
    return values


def change(engine: Engine, plan: Plan, args) -> int:
    """Show the plan; then dry-run, refuse, ask, or apply."""
    err = terminal(stderr=True)
    if args.output == "json" and args.dry_run:
        print(json.dumps({"plan": plan.to_json(), "applied": False}, indent=2, default=str))
        return EXIT_OK
    if args.output != "json":
        print_plan(plan)
    if args.dry_run:
        if args.output != "json":
            terminal().print("Dry run: nothing was sent.")
        return EXIT_OK
    if not engine.permission.writable:
        err.print(engine.permission.why, highlight=False)
        return EXIT_READ_ONLY
    if not args.yes and not _confirmed(plan, err):
        return EXIT_USAGE
    applied = engine.apply(plan)
    entry = applied.entry
    if args.output == "json":
        print(json.dumps({"plan": plan.to_json(), "applied": True, "entry": entry["id"],
                          "request_id": entry.get("request_id"), "surprises": entry.get("surprises", []),
                          **({"note": applied.note} if applied.note else {})},
                         indent=2, default=str))
        if applied.note:
            err.print(f"warning: {applied.note}", highlight=False)
    else:
        undo = f"Undo with: apigw-console undo {entry['id']}" if plan.inverse_call else "It cannot be undone."
        terminal().print(f"Applied (journal entry {entry['id']}, AWS request {entry.get('request_id') or '—'}). "
                        + undo, highlight=False)
        for warning in (*entry.get("surprises", []), *([applied.note] if applied.note else [])):
            err.print(f"warning: {warning}", highlight=False)
    return EXIT_OK


def print_plan(plan: Plan) -> None:
    """The plan, with its `aws` command on a line of its own, whole: a runbook copies it as it is."""
    terminal().print(plan_head(plan))
    terminal(soft_wrap=True).print(plan.aws_cli(), highlight=False)
    terminal().print(plan_tail(plan))


def _confirmed(plan: Plan, err: Console, ask: Callable[[str], str] = input) -> bool:
    if not sys.stdin.isatty():
        err.print("Refusing to apply without confirmation: standard input is not a terminal. Review the plan "
                  "(--dry-run) and pass --yes to apply it.", highlight=False)
        return False
    try:
        if plan.protected:
            typed = ask(f"Stage {plan.target.stage} is protected. Type its name to apply: ")
            if typed.strip() != plan.target.stage:
                err.print("The name did not match; nothing was sent.")
                return False
            return True
        if ask("Apply this plan? [y/N] ").strip().lower() in ("y", "yes"):
            return True
    except EOFError:
        pass
    err.print("Not applied; nothing was sent.")
    return False
