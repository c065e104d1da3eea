"""What each CLI subcommand does, on a connected Gateway (reads) or Engine (changes).

A change prints its plan, then: --dry-run stops there (exit 0); without write permission it stops
(exit 3); without --yes it asks on a terminal and refuses when there is none (exit 2); then it
applies through the engine, which re-reads and refuses if the stage changed since it was planned.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

from rich.console import Console, Group
from rich.rule import Rule

from actions import stage_variables, throttle
from actions.engine import Engine
from actions.plan import Invalid, Plan
from actions.show import plan_renderable
from console.audit import parse_since
from console.cli import EXIT_OK, EXIT_READ_ONLY, EXIT_USAGE
from console.describe import api_table, jsonable, stage_sections
from console.editor import edit_in_editor



def out(args, value: Any, renderable: Any) -> None:
    if args.output == "json":
        print(json.dumps(jsonable(value), indent=2, default=str))
    else:
        Console(soft_wrap=False).print(renderable)


# -- reads -----------------------------------------------------------------------------------------


def apis(engine: Engine, args) -> int:
    found = engine.gateway.apis()
    out(args, found, api_table(found))
    return EXIT_OK


def stage(engine: Engine, args) -> int:
    gateway = engine.gateway
    api = gateway.find_api(args.api)
    found = gateway.stage(api, args.stage)
    deployment = next((d for d in gateway.detail(api).deployments if d.id == found.deployment_id), None)
    limits = gateway.account_limits()
    out(args, {"api": api, "stage": found, "deployment": deployment, "account_limits": limits},
        _sections(stage_sections(found, deployment, limits)))
    return EXIT_OK


def _sections(sections) -> Group:
    parts: list[Any] = []
    for title, body in sections:
        parts += [Rule(title, align="left", style="cyan"), body]
    return Group(*parts)


def throttle_show(engine: Engine, args) -> int:
    api = engine.gateway.find_api(args.api)
    found = engine.gateway.stage(api, args.stage, refresh=True)
    limits = engine.gateway.account_limits()
    wanted = {"Throttling", "Method overrides", "Route overrides"}
    out(args, {"stage_default": found.throttle, "overrides": [(o.key, o.throttle) for o in found.overrides],
               "account_limits": limits.throttle},
        _sections([s for s in stage_sections(found, None, limits) if s[0] in wanted]))
    return EXIT_OK


def vars_show(engine: Engine, args) -> int:
    api = engine.gateway.find_api(args.api)
    doc = engine.document(api, args.stage)
    values = stage_variables.current(doc)
    out(args, values, _sections([s for s in stage_sections(engine.gateway.stage(api, args.stage, refresh=True))
                                 if s[0] == "Stage variables"]))
    return EXIT_OK


def audit(engine: Engine, args) -> int:
    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as problem:
        raise Invalid("--since", str(problem).split(": ", 1)[-1], args.since) from None
    entries = engine.journal.entries(since)
    if args.output == "json":
        print(json.dumps(entries, indent=2))
        return EXIT_OK
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    table.add_column("Entry", no_wrap=True)
    table.add_column("Time (UTC)", no_wrap=True)
    table.add_column("Outcome", no_wrap=True)
    table.add_column("Stage", overflow="fold")
    table.add_column("Change", overflow="fold")
    for e in entries:
        target = e["plan"]["target"]
        table.add_row(e["id"], e["time"][5:19].replace("T", " "), e["outcome"] + (" (undo)" if e.get("undoes") else ""),
                      f"{target['api_name']}/{target['stage']}", e["summary"])
    Console().print(table if entries else f"The journal ({engine.journal.path}) holds no entries"
                    + (f" since {args.since}." if args.since else "."))
    return EXIT_OK


# -- changes ---------------------------------------------------------------------------------------


def _selector(doc, args) -> str | None:
    method, route = getattr(args, "method", None), getattr(args, "route", None)
    if doc.rest and route:
        raise Invalid("--route", "REST APIs have methods: use --method 'VERB /path'", route)
    if not doc.rest and method:
        raise Invalid("--method", f"{doc.api.protocol.value} APIs have routes: use --route 'ROUTE KEY'", method)
    return method or route


def throttle_set(engine: Engine, args) -> int:
    api = engine.gateway.find_api(args.api)
    doc = engine.document(api, args.stage)
    plan = throttle.set_throttle(doc, selector=_selector(doc, args), rate=args.rate, burst=args.burst,
                                 account=engine.gateway.account_limits().throttle)
    return change(engine, plan, args)


def throttle_unset(engine: Engine, args) -> int:
    api = engine.gateway.find_api(args.api)
    doc = engine.document(api, args.stage)
    selector = _selector(doc, args)
    if not selector:
        raise Invalid("throttle unset", "names the override to remove with --method or --route")
    return change(engine, throttle.unset_throttle(doc, selector=selector), args)


def _assignments(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals:
            raise Invalid("KEY=VALUE", "each assignment reads KEY=VALUE", pair)
        values[name] = value
    return values


def vars_set(engine: Engine, args) -> int:
    doc = engine.document(engine.gateway.find_api(args.api), args.stage)
    return change(engine, stage_variables.set_variables(doc, _assignments(args.assignments)), args)


def vars_unset(engine: Engine, args) -> int:
    doc = engine.document(engine.gateway.find_api(args.api), args.stage)
    return change(engine, stage_variables.unset_variables(doc, args.names), args)


def vars_rename(engine: Engine, args) -> int:
    doc = engine.document(engine.gateway.find_api(args.api), args.stage)
    return change(engine, stage_variables.rename_variable(doc, args.old, args.new), args)


def vars_edit(engine: Engine, args) -> int:
    """Open the variables as KEY=VALUE lines in $EDITOR; the result is shown as a plan."""
    doc = engine.document(engine.gateway.find_api(args.api), args.stage)
    edited = edit_in_editor(stage_variables.as_lines(stage_variables.current(doc)), suffix=".env")
    return change(engine, stage_variables.edit(doc, stage_variables.parse_lines(edited)), args)


def undo(engine: Engine, args) -> int:
    return change(engine, engine.undo_plan(args.entry), args)


def change(engine: Engine, plan: Plan, args) -> int:
    """Show the plan; then dry-run, refuse, ask, or apply."""
    err = Console(stderr=True)
    if args.output == "json" and args.dry_run:
        print(json.dumps({"plan": plan.to_json(), "applied": False}, indent=2, default=str))
        return EXIT_OK
    if args.output != "json":
        Console().print(plan_renderable(plan))
    if args.dry_run:
        if args.output != "json":
            Console().print("Dry run: nothing was sent.")
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
                          "request_id": entry.get("request_id"), "surprises": entry.get("surprises", [])},
                         indent=2, default=str))
    else:
        undo = f"Undo with: apigw-console undo {entry['id']}" if plan.inverse_call else "It cannot be undone."
        Console().print(f"Applied (journal entry {entry['id']}, AWS request {entry.get('request_id') or '—'}). "
                        + undo, highlight=False)
        for surprise in entry.get("surprises", []):
            err.print(f"warning: {surprise}", highlight=False)
    return EXIT_OK


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
