"""What `apigw-console canary ...` does: the canary's status with its evidence, and its changes as plans.

Promotion is gated (actions.canary_gate): when a rule fails, nothing is sent unless --override-gate
is given, and the journal entry then says the operator overrode it and which rules failed.
"""

from __future__ import annotations

import json

from rich.console import Group
from rich.rule import Rule
from rich.text import Text

from actions import canary, validate
from actions.canary_gate import Verdict, evidence
from actions.engine import Engine
from actions.plan import Invalid
from console.cli.answer import out
from console.cli.output import assignments, change, print_plan
from console.exits import EXIT_OK, EXIT_USAGE
from console.model import Api, Protocol, Stage
from console.render import canary as canary_text
from console.render.jsonable import jsonable
from console.render.text import terminal
from console.render.visible import say


def _stage(engine: Engine, args) -> tuple[Api, Stage]:
    api = engine.gateway.find_api(args.api)
    if api.protocol is not Protocol.REST:
        raise Invalid("canary", f"{canary_text.NOT_REST} ({api.name} is an {api.protocol.value} API)", args.stage)
    return api, engine.gateway.stage(api, args.stage, refresh=True)


def status(engine: Engine, args) -> int:
    minutes = None if args.minutes is None else validate.whole(
        "--minutes", args.minutes, low=1, high=1440, rule="must be a whole number of minutes from 1 to 1440")
    api, stage = _stage(engine, args)
    deployments = engine.gateway.detail(api, refresh=True).deployments
    comparison, verdict = evidence(engine.connection, api, stage, engine.settings.canary, minutes=minutes)
    gate = engine.settings.canary
    value = {"api": api, "stage": stage.name, "canary": stage.canary, "base_deployment": stage.deployment_id,
             "variables": stage.variables, "deployments": deployments, "comparison": comparison.as_dict(),
             "gate": {"passed": list(verdict.passed), "failed": list(verdict.failed), "settings": gate}}
    window_note = "" if comparison.minutes == gate.window_minutes else \
        f" (over {comparison.minutes} min; the gate itself looks at {gate.window_minutes} min)"
    out(args, jsonable(value), lambda: Group(
        Rule("Canary", align="left", style="cyan"), canary_text.release(stage, deployments),
        Rule("Stage variables", align="left", style="cyan"), canary_text.variables(stage),
        Rule("Base vs canary", align="left", style="cyan"), canary_text.comparison_table(comparison), canary_text.notes_text(comparison),
        Rule("Promotion gate" + window_note, align="left", style="cyan"),
        canary_text.verdict_text(verdict.passed, verdict.failed) if stage.canary else
        Text("no canary to promote", style="dim")))
    for gap in comparison.gaps:  # what was asked is shown; a source it could not read is a warning
        say(f"warning: {gap}")
    return EXIT_OK


def create(engine: Engine, args) -> int:
    api = engine.gateway.find_api(args.api)
    plan = canary.create(engine.document(api, args.stage), weight=args.percent, deployment=args.deployment,
                         overrides=assignments(args.override), use_stage_cache=args.use_stage_cache,
                         description=args.description)
    return change(engine, plan, args)


def weight(engine: Engine, args) -> int:
    doc = engine.document(engine.gateway.find_api(args.api), args.stage)
    return change(engine, canary.weigh(doc, args.percent), args)


def promote(engine: Engine, args) -> int:
    api, stage = _stage(engine, args)
    doc = engine.document(api, args.stage)
    canary.attached(doc)  # no canary: refused before any log is read
    _, verdict = evidence(engine.connection, api, stage, engine.settings.canary, cloudwatch=False)
    plan = canary.promote(doc, verdict)
    if plan.needs_override:
        if args.override_gate:
            plan = plan.overridden()
        elif not args.dry_run:
            return _gate_refused(plan, verdict, args)
    code = change(engine, plan, args)
    if code != EXIT_OK or not args.remove:
        return code
    if args.dry_run:
        if args.output != "json":
            terminal().print("Then (with --remove): remove the canary, planned once the promotion is applied.")
        return code
    return change(engine, canary.remove(engine.document(api, args.stage), promoted=True), args)


def rollback(engine: Engine, args) -> int:
    doc = engine.document(engine.gateway.find_api(args.api), args.stage)
    plan = canary.pause(doc) if args.keep_settings else canary.remove(doc)
    return change(engine, plan, args)


def _gate_refused(plan, verdict: Verdict, args) -> int:
    if args.output == "json":
        print(json.dumps({"plan": plan.to_json(), "applied": False, "gate": {"passed": list(verdict.passed),
                                                                             "failed": list(verdict.failed)}},
                         indent=2, default=str))
    else:
        print_plan(plan)
    rules = "; ".join(verdict.failed)
    say(f"the promotion gate failed, so nothing was sent: {rules}. Review the evidence with "
          f"`apigw-console canary status {args.api} {args.stage}`, or pass --override-gate to promote anyway "
          "(the journal records the override).")
    return EXIT_USAGE
