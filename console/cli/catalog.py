"""What the cache, usage plan, API key and usage subcommands do, on a connected Engine.

Every change is one plan shown and applied by `console.cli.output.change` (dry run, write permission,
confirmation, journal). A change made of several plans — a key created into plans, a rotation —
applies them one after another, each confirmed and journaled, and stops at the first that is not
applied; with --output json their answers come back as one document. A key's value is printed only
with --show-value, and only a new key's (AWS's answer) or one explicitly shown.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.rule import Rule
from rich.text import Text

from actions import api_keys, cache, rotation, usage_plans, validate
from actions.engine import Applied, Engine
from actions.plan import STDIN, Invalid, Plan
from actions.resource_doc import ResourceDoc
from console.cli.answer import out
from console.cli.output import change, sections
from console.exits import EXIT_OK
from console.render.describe import (
    DASH,
    daily_bars,
    key_table,
    plan_sections,
    plan_table,
    usage_json,
    usage_table,
)
from console.render.jsonable import jsonable
from console.render.text import foreign, terminal

MAX_DAYS = 90


# -- cache -------------------------------------------------------------------------------------------


def cache_flush(engine: Engine, args) -> int:
    doc = engine.document(engine.gateway.find_api(args.api), args.stage)
    plan = cache.flush_authorizers_cache(doc) if args.authorizers else cache.flush_stage_cache(doc)
    return change(engine, plan, args)


def cache_set(engine: Engine, args) -> int:
    doc = engine.document(engine.gateway.find_api(args.api), args.stage)
    switch = {"on": True, "off": False, None: None}
    return change(engine, cache.set_cache(doc, cluster=switch[args.cluster], size=args.size, selector=args.method,
                                          caching=switch[args.caching], ttl=args.ttl), args)


# -- usage plans -------------------------------------------------------------------------------------


def plans_list(engine: Engine, args) -> int:
    gateway = engine.gateway
    plans = gateway.usage_plans()
    counts = {p.id: len(gateway.plan_keys(p.id)) for p in plans}
    out(args, [{**jsonable(p), "keys": counts[p.id]} for p in plans], lambda: plan_table(plans, _api_names(engine), counts))
    return EXIT_OK


def plans_show(engine: Engine, args) -> int:
    plan = engine.gateway.find_plan(args.plan)
    keys = engine.gateway.plan_keys(plan.id)
    out(args, {"plan": plan, "keys": keys}, lambda: sections(plan_sections(plan, _api_names(engine), keys)))
    return EXIT_OK


def plans_create(engine: Engine, args) -> int:
    plan = usage_plans.create(engine.place(), name=args.name, taken={p.name for p in engine.gateway.usage_plans()},
                              description=args.description or "", rate=args.rate, burst=args.burst,
                              quota=usage_plans.parse_quota(args.quota) if args.quota else None)
    return change(engine, plan, args)


def plans_update(engine: Engine, args) -> int:
    doc = engine.usage_plan(args.plan)
    return change(engine, usage_plans.update(doc, rate=args.rate, burst=args.burst, description=args.description,
                                             quota=usage_plans.parse_quota(args.quota) if args.quota else None), args)


def plans_attach(engine: Engine, args) -> int:
    doc = engine.usage_plan(args.plan)
    api = engine.gateway.find_api(args.api)
    stages = [s.name for s in engine.gateway.stages(api)]
    return change(engine, usage_plans.attach(doc, api, args.stage, stages), args)


def plans_detach(engine: Engine, args) -> int:
    doc = engine.usage_plan(args.plan)
    return change(engine, usage_plans.detach(doc, engine.gateway.find_api(args.api), args.stage), args)


def plans_throttle(engine: Engine, args) -> int:
    doc = engine.usage_plan(args.plan)
    detail = engine.gateway.detail(engine.gateway.find_api(args.api))
    if args.unset:
        plan = usage_plans.unset_method_throttle(doc, detail, args.stage, args.method)
    else:
        plan = usage_plans.set_method_throttle(doc, detail, args.stage, args.method, rate=args.rate, burst=args.burst)
    return change(engine, plan, args)


def plans_delete(engine: Engine, args) -> int:
    doc = engine.usage_plan(args.plan)
    return change(engine, usage_plans.delete(doc, len(engine.gateway.plan_keys(doc.id))), args)


def _api_names(engine: Engine) -> dict[str, str]:
    return {a.id: a.name for a in engine.gateway.apis()}


# -- API keys ----------------------------------------------------------------------------------------


def keys_list(engine: Engine, args) -> int:
    keys = engine.gateway.api_keys()
    plans_of = engine.gateway.key_plans()
    names = {p.id: p.name for p in engine.gateway.usage_plans()}
    out(args, [{**jsonable(k), "usage_plans": list(plans_of.get(k.id, ()))} for k in keys],
        lambda: key_table(keys, plans_of, names))
    return EXIT_OK


def keys_show(engine: Engine, args) -> int:
    key = engine.gateway.find_key(args.key)
    doc = engine.api_key(key.id)
    names = {p.id: p.name for p in engine.gateway.usage_plans()}
    plans = tuple(doc.raw.get("usagePlans") or {})
    values = {key.id: engine.gateway.key_value(key.id)} if args.show_value else None
    out(args, {**jsonable(key), "usage_plans": list(plans), **({"value": values[key.id]} if values else {})},
        lambda: key_table([key], {key.id: plans}, names, values))
    return EXIT_OK


def _given_value(args) -> str | None:
    """The new key's value: --value, or --value-file (a file, or - for standard input), whose one line
    is the value (a final line break is not part of it). Never echoed, in errors either."""
    source = getattr(args, "value_file", None)
    if source is None:
        return args.value
    text = _read_text("--value-file", source)
    value = text.removesuffix("\n").removesuffix("\r")
    if "\n" in value or "\r" in value:
        raise Invalid("--value-file", "holds one line, the key's value; this one has several",
                      "standard input" if source == "-" else source)
    if not value:
        raise Invalid("--value-file", "is empty; it holds the key's value on one line",
                      "standard input" if source == "-" else source)
    return value


def _read_text(field: str, source: str) -> str:
    """A file's text (UTF-8, a byte-order mark dropped), or standard input's with "-"."""
    try:
        if source == "-":
            return sys.stdin.read().removeprefix("\ufeff")
        return Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as problem:
        raise Invalid(field, f"must be a readable UTF-8 file, or - for standard input ({type(problem).__name__})",
                      source) from None


def keys_create(engine: Engine, args) -> int:
    plans = [engine.gateway.find_plan(ref) for ref in args.plan]
    value = _given_value(args)
    taken_by = engine.gateway.keys_with_values([value]).get(value) if value is not None else None
    create = api_keys.create(engine.place(), name=args.name, value=value, description=args.description,
                             enabled=not args.disabled, taken_by=taken_by)
    for n, plan in enumerate(plans):  # refuse before anything is sent, as each step would
        api_keys.associate(ResourceDoc(create.target, {"usagePlans": {p.id: True for p in plans[:n]}}), plan,
                           plans[:n])
    run = _Sequence(engine, args)
    created = run.step(create)
    if created is None:
        return run.finish()
    run.reveal(created)
    for n, plan in enumerate(plans):
        if run.step(api_keys.associate(engine.api_key(created.plan.target.resource_id), plan, plans[:n])) is None:
            break
    return run.finish()


def keys_enable(engine: Engine, args) -> int:
    return change(engine, api_keys.set_enabled(engine.api_key(args.key), True), args)


def keys_disable(engine: Engine, args) -> int:
    return change(engine, api_keys.set_enabled(engine.api_key(args.key), False), args)


def keys_rename(engine: Engine, args) -> int:
    return change(engine, api_keys.rename(engine.api_key(args.key), args.name), args)


def keys_associate(engine: Engine, args) -> int:
    doc = engine.api_key(args.key)
    plans = {p.id: p for p in engine.gateway.usage_plans()}
    plan = engine.gateway.find_plan(args.plan)
    return change(engine, api_keys.associate(doc, plan, [plans[p] for p in doc.raw["usagePlans"] if p in plans]),
                  args)


def keys_dissociate(engine: Engine, args) -> int:
    return change(engine, api_keys.dissociate(engine.api_key(args.key), engine.gateway.find_plan(args.plan)), args)


def keys_delete(engine: Engine, args) -> int:
    return change(engine, api_keys.delete(engine.api_key(args.key)), args)


def keys_rotate(engine: Engine, args) -> int:
    """Create, associate, then disable the old key; an unfinished rotation is reported, and finished
    with --resume. --keep-old stops before the old key is disabled."""
    old = engine.api_key(args.key)
    found = rotation.unfinished(engine, old)
    if found is not None and not args.resume:
        raise Invalid("key", f"{old.name} has an unfinished rotation ({found.id}): " + "; ".join(found.lines())
                      + f". Finish it with: apigw-console keys rotate {old.id} --resume")
    if found is None and args.resume:
        raise Invalid("--resume", f"{old.name} has no unfinished rotation in the journal ({engine.journal.path})")
    current = found or rotation.start(engine, old, args.name)
    run = _Sequence(engine, args)
    run.say(Group(Text(f"Rotation {current.id} of API key {old.name} ({old.id})", style="bold"),
                  *(foreign(line) for line in current.lines())))
    while (step := current.next) is not None:
        if step.action == rotation.DISABLE and args.keep_old:
            run.say(Text(f"Paused before disabling {old.name}. Finish with: apigw-console keys rotate {old.id} "
                         "--resume"))
            break
        applied = run.step(rotation.step_plan(engine, current, step))
        if applied is None:
            break
        if step.action == rotation.CREATE:
            run.reveal(applied)
        current = rotation.refresh(engine, current)
    run.result["rotation"] = current.to_json()
    if current.started and not run.dry_run:
        run.say(Group(Text(f"Rotation {current.id}: {'finished' if current.finished else 'unfinished'}",
                           style="bold"), *(foreign(line) for line in current.lines())))
    return run.finish()


def keys_import(engine: Engine, args) -> int:
    text = _read_text("FILE.csv", args.file_csv)
    source = "standard input" if args.file_csv == "-" else Path(args.file_csv).name
    path = STDIN if args.file_csv == "-" else args.file_csv
    plan = api_keys.import_csv(engine.place(), text, source=source, path=path,
                               plan_ids={p.id for p in engine.gateway.usage_plans()},
                               taken=engine.gateway.keys_with_values(api_keys.key_values(text)))
    run = _Sequence(engine, args)
    applied = run.step(plan)
    if applied is not None:
        run.result["imported"] = applied.answer.get("ids", [])
        run.say(Text(f"Imported key ids: {', '.join(applied.answer.get('ids', [])) or DASH}"))
    return run.finish()


class _Sequence:
    """Plans applied one after another through `change`, each answer kept for the next step."""

    def __init__(self, engine: Engine, args):
        self.engine, self.args = engine, args
        self.dry_run, self.json = args.dry_run, args.output == "json"
        self.code = EXIT_OK
        self.result: dict[str, Any] = {"steps": []}

    def step(self, plan: Plan) -> Applied | None:
        """Show, confirm and apply one plan; None when it was not applied (dry run, refusal, no)."""
        recorder = _Recording(self.engine)
        if self.json:
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                self.code = change(recorder, plan, self.args)
            if printed.getvalue().strip():
                self.result["steps"].append(json.loads(printed.getvalue()))
        else:
            self.code = change(recorder, plan, self.args)
        return recorder.applied if self.code == EXIT_OK else None

    def reveal(self, applied: Applied) -> None:
        """A new key's value: printed once with --show-value, never otherwise."""
        key_id, name = applied.plan.target.resource_id, applied.plan.target.resource_name
        self.result["key"] = {"id": key_id, "name": name}
        if self.args.show_value:
            self.result["key"]["value"] = applied.answer.get("value")
            self.say(Text(f"New key {name} ({key_id}). Its value, shown this once:"))
            if not self.json:  # on a line of its own, never wrapped, so that it copies whole
                terminal(soft_wrap=True).print(applied.answer.get("value") or DASH, style="bold", highlight=False)
        else:
            self.say(Text(f"New key {name} ({key_id}). Its value is not printed; add --show-value, or run "
                          f"`apigw-console keys show {key_id} --show-value`."))

    def say(self, renderable: Any) -> None:
        if not self.json:
            terminal().print(renderable)

    def finish(self) -> int:
        if self.json:
            print(json.dumps(self.result, indent=2, default=str))
        return self.code


class _Recording:
    """The engine, remembering what it applied (AWS's answer holds a new key's id and value)."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self.applied: Applied | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def apply(self, plan: Plan) -> Applied:
        self.applied = self._engine.apply(plan)
        return self.applied


# -- usage -------------------------------------------------------------------------------------------


def usage(engine: Engine, args) -> int:
    days = validate.whole("--days", args.days, low=1, high=MAX_DAYS,
                          rule=f"is a whole number of days from 1 to {MAX_DAYS}")
    gateway = engine.gateway
    plan = gateway.find_plan(args.plan)
    keys = gateway.plan_keys(plan.id)
    key = gateway.find_key(args.key) if args.key else None
    if key is not None and key.id not in {k.id for k in keys}:
        raise Invalid("--key", f"{key.name} is not a key of usage plan {plan.name}", args.key)
    end = datetime.now(timezone.utc).date()
    found = gateway.usage(plan.id, end - timedelta(days=days - 1), end, key.id if key else None)
    names = {k.id: k.name for k in keys}
    daily = found.keys[0].used if key and found.keys else found.daily()
    limit = plan.quota_limit if key and plan.quota_period == "DAY" else None
    title = f"Requests per day — {key.name if key else 'all keys'} of {plan.name}"
    out(args, usage_json(found, plan, names),
        lambda: Group(Rule(title, align="left", style="cyan"), daily_bars(found.days, daily, limit),
                      Rule("Keys, nearest their quota first", align="left", style="cyan"), usage_table(found, plan, names)))
    return EXIT_OK

