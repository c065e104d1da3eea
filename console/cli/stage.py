"""`apis`, `stage`, `throttle`, `vars`, `audit` and `undo`: reads on the Gateway, changes as plans (cli.output)."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

from actions import stage_variables, throttle, validate
from actions.engine import Engine
from actions.plan import Invalid
from console.aws.errors import Problem
from console.cli.answer import emit
from console.cli.output import assignments, change, out, sections
from console.editor import edit_in_editor
from console.exits import EXIT_OK
from console.render.describe import api_table, stage_sections
from console.render.visible import say

# -- reads -----------------------------------------------------------------------------------------


def apis(engine: Engine, args) -> int:
    """The APIs that could be read; a source that could not (v2 on an emulator without it, a policy
    that allows only REST) is a warning on stderr, and the exit code stays 0: what was asked was shown."""
    found = engine.gateway.apis()
    out(args, found, api_table(found))
    for source, problem in engine.gateway.gaps("apis").items():
        say(f"warning: {source}: not available here — {problem.message}")
    return EXIT_OK


def stage(engine: Engine, args) -> int:
    """The stage, and what else could be read about it: its deployment and the account's limits are
    secondary, so when they cannot be read the stage is still shown, with a warning (exit 0)."""
    gateway = engine.gateway
    api = gateway.find_api(args.api)
    found = gateway.stage(api, args.stage)
    deployment = secondary("its deployment", lambda: next(
        (d for d in gateway.detail(api).deployments if d.id == found.deployment_id), None))
    limits = secondary("the account's limits", gateway.account_limits)
    responses = secondary("its gateway responses", lambda: gateway.gateway_responses(api))
    out(args, {"api": api, "stage": found, "deployment": deployment, "account_limits": limits,
               "gateway_responses": responses},
        sections(stage_sections(found, deployment, limits, responses)))
    return EXIT_OK


def secondary(what: str, read):
    """A read the command can do without: None, and a warning on stderr, if it fails."""
    try:
        return read()
    except Problem as problem:
        say(f"warning: {what} could not be read: {problem.message}")
        return None


def throttle_show(engine: Engine, args) -> int:
    api = engine.gateway.find_api(args.api)
    found = engine.gateway.stage(api, args.stage, refresh=True)
    limits = secondary("the account's limits", engine.gateway.account_limits)
    wanted = {"Throttling", "Method overrides", "Route overrides"}
    out(args, {"stage_default": found.throttle, "overrides": [(o.key, o.throttle) for o in found.overrides],
               "account_limits": limits.throttle if limits else None},
        sections([s for s in stage_sections(found, None, limits) if s[0] in wanted]))
    return EXIT_OK


def vars_show(engine: Engine, args) -> int:
    api = engine.gateway.find_api(args.api)
    doc = engine.document(api, args.stage)
    values = stage_variables.current(doc)
    out(args, values, sections([s for s in stage_sections(engine.gateway.stage(api, args.stage, refresh=True))
                                 if s[0] == "Stage variables"]))
    return EXIT_OK


def audit(args) -> int:
    """The journal, read without credentials: a sandbox's or local endpoint's own when the options name
    one; --account, --profile, --region and --endpoint-url (or --sandbox) keep the changes made there."""
    from console.aws.session import Target
    from console.journal.store import SANDBOX, Journal, journal_path, matches, place_words, scope_of

    place = Target(profile=args.profile, region=args.region, endpoint_url=args.endpoint_url, sandbox=args.sandbox)
    journal = Journal(journal_path(sandbox=place.sandbox or place.local))
    since = validate.moment("--since", args.since, datetime.now(UTC)) if args.since else None
    wanted = {"account": args.account, "region": args.region, "profile": args.profile,
              "endpoint": SANDBOX if args.sandbox else args.endpoint_url}
    entries = [{**e, **scope_of(e)} for e in journal.entries(since) if matches(e, **wanted)]
    if args.output != "table" or args.query:
        emit(args, entries)
        return EXIT_OK
    from console.render.text import Table, terminal

    table = Table(box=None, pad_edge=False)
    table.add_column("Entry", no_wrap=True)
    table.add_column("Time (UTC)", no_wrap=True)
    table.add_column("Outcome", no_wrap=True)
    table.add_column("Where", overflow="fold")
    table.add_column("Target", overflow="fold")
    table.add_column("Change", overflow="fold")
    for e in entries:
        target = e["plan"]["target"]
        what = f"{target['api_name']}/{target['stage']}" if target.get("stage") else target.get("resource_name", "")
        table.add_row(e["id"], e["time"][5:19].replace("T", " "), e["outcome"] + (" (undo)" if e.get("undoes") else ""),
                      place_words(e), what, e["summary"])
    filtered = ", ".join(f"{k} {v}" for k, v in wanted.items() if v)
    terminal().print(table if entries else f"The journal ({journal.path}) holds no entries"
                     + (f" since {args.since}" if args.since else "") + (f" for {filtered}" if filtered else "") + ".")
    return EXIT_OK


# -- changes ---------------------------------------------------------------------------------------


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


