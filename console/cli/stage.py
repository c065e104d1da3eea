"""`apis`, `stage`, `throttle show`, `vars show` and `audit`: reads on the Gateway (cli.stage_changes makes the
changes). Nothing here imports rich until a table is asked for: a one-shot `--output json` read draws none.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Callable

from console.aws.errors import Problem
from console.cli.answer import emit, out
from console.exits import EXIT_OK
from console.render.visible import say

if TYPE_CHECKING:
    from actions.engine import Engine


def apis(engine: Engine, args) -> int:
    """The APIs that could be read; a source that could not (v2 on an emulator without it, a policy
    that allows only REST) is a warning on stderr, and the exit code stays 0: what was asked was shown."""
    found = engine.gateway.apis()

    def table():
        from console.render.describe import api_table

        return api_table(found)

    out(args, found, table)
    for source, problem in engine.gateway.gaps("apis").items():
        say(f"warning: {source}: not available here — {problem.message}")
    return EXIT_OK


def stage(engine: Engine, args) -> int:
    """The stage, and what else could be read about it: its deployment and the account's limits are
    secondary, so when they cannot be read the stage is still shown, with a warning (exit 0)."""
    gateway = engine.gateway
    api = gateway.find_api(args.api)
    found = gateway.stage(api, args.stage)
    deployment, limits, responses = secondary({
        "its deployment": lambda: gateway.deployment(api, found.deployment_id),
        "the account's limits": gateway.account_limits,
        "its gateway responses": lambda: gateway.gateway_responses(api),
    })
    out(args, {"api": api, "stage": found, "deployment": deployment, "account_limits": limits,
               "gateway_responses": responses}, lambda: _sections(found, deployment, limits, responses))
    return EXIT_OK


def _sections(stage, deployment=None, limits=None, responses=None, only: set[str] | None = None):
    """The stage's sections (those named in `only`) as a table: rich is imported only when one is shown."""
    from console.cli.output import sections
    from console.render.describe import stage_sections

    return sections([s for s in stage_sections(stage, deployment, limits, responses) if only is None or s[0] in only])


def secondary(reads: dict[str, Callable[[], Any]]) -> list[Any]:
    """Reads the command can do without, made at once (each waits on AWS, not on the others): their
    answers in order, None for one that failed, with a warning on stderr naming it."""
    with ThreadPoolExecutor(len(reads), thread_name_prefix="secondary") as pool:
        pending = {what: pool.submit(read) for what, read in reads.items()}
    answers = []
    for what, answer in pending.items():
        try:
            answers.append(answer.result())
        except Problem as problem:
            say(f"warning: {what} could not be read: {problem.message}")
            answers.append(None)
    return answers


def throttle_show(engine: Engine, args) -> int:
    api = engine.gateway.find_api(args.api)
    found = engine.gateway.stage(api, args.stage, refresh=True)
    [limits] = secondary({"the account's limits": engine.gateway.account_limits})
    out(args, {"stage_default": found.throttle, "overrides": [(o.key, o.throttle) for o in found.overrides],
               "account_limits": limits.throttle if limits else None},
        lambda: _sections(found, limits=limits, only={"Throttling", "Method overrides", "Route overrides"}))
    return EXIT_OK


def vars_show(engine: Engine, args) -> int:
    from actions.stage_variables import current

    api = engine.gateway.find_api(args.api)
    values = current(engine.document(api, args.stage))
    out(args, values, lambda: _sections(engine.gateway.stage(api, args.stage, refresh=True), only={"Stage variables"}))
    return EXIT_OK


def audit(args) -> int:
    """The journal, read without credentials: a sandbox's or local endpoint's own when the options name
    one; --account, --profile, --region and --endpoint-url (or --sandbox) keep the changes made there."""
    from actions import validate
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
