"""`throttle set|unset`, `vars set|unset|rename|edit` and `undo`: changes to a stage, as plans (cli.output)."""

from __future__ import annotations

import shlex

from actions import stage_variables, throttle
from actions.engine import Engine
from actions.plan import Invalid
from console.cli.output import assignments, change
from console.editor import edit_in_editor


def _selector(doc, args) -> str | None:
    """--method or --route as given: None when neither is; an empty one is refused by the action, never
    read as "the stage default"."""
    method, route = getattr(args, "method", None), getattr(args, "route", None)
    if doc.rest and route is not None:
        raise Invalid("--route", "REST APIs have methods: use --method 'VERB /path'", route)
    if not doc.rest and method is not None:
        raise Invalid("--method", f"{doc.api.protocol.value} APIs have routes: use --route 'ROUTE KEY'", method)
    return method if method is not None else route


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
    if selector is None:
        raise Invalid("throttle unset", "names the override to remove with --method or --route")
    return change(engine, throttle.unset_throttle(doc, selector=selector), args)


def vars_set(engine: Engine, args) -> int:
    doc = engine.document(engine.gateway.find_api(args.api), args.stage)
    return change(engine, stage_variables.set_variables(doc, assignments(args.assignments)), args)


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
    try:
        plan = stage_variables.edit(doc, stage_variables.parse_lines(edited))
    except stage_variables.RemovesAll as empty:
        unset = shlex.join(["apigw-console", "vars", "unset", args.api, args.stage, *empty.names])
        raise Invalid("vars edit", f"the edited lines are empty, which would remove every variable "
                                   f"({', '.join(empty.names)}); nothing was sent. To remove them all, say so: "
                                   f"{unset}") from None
    return change(engine, plan, args)


def undo(engine: Engine, args) -> int:
    return change(engine, engine.undo_plan(args.entry), args)


