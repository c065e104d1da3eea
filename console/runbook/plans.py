"""The actions a runbook's `plan` step may name, their fields, and the plans they build with `actions`.

Every field is declared here once: the format validates a runbook against these declarations before
anything runs, and the runner builds plans from them with the console's own actions (read afresh, so a
plan is made from the stage as AWS has it when the step runs). A factor is always bounded: `rate_factor`
needs `max_rate` ("raise the stage throttle ×2, at most 5000 rps"), so a runbook run twice cannot double
its way past what its author meant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from actions import api_keys, cache, canary, deployments, rotation, stage_variables, throttle
from actions.canary_gate import evidence
from actions.plan import Plan

NUMBER, STRING, STRINGS, TABLE = "number", "string", "list of strings", "table of strings"
RATE_LABEL, BURST_LABEL = "rate (requests/s)", "burst"


@dataclass(frozen=True)
class Field:
    kind: str  # NUMBER | STRING | STRINGS | TABLE
    help: str
    low: float | None = None  # a number's bounds, inclusive
    high: float | None = None


@dataclass(frozen=True)
class Action:
    name: str
    help: str
    build: Callable[[Any, Any, str, dict[str, Any]], Iterator[Plan]]  # (engine, api, stage, fields) -> plans
    fields: dict[str, Field] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()  # at least one of these
    exclusive: tuple[tuple[str, str], ...] = ()  # never both
    needs: tuple[tuple[str, str], ...] = ()  # (field, the field it needs)
    on_stage: bool = True  # its target is the step's stage (else an account-wide resource)


def _throttle_set(engine: Any, api: Any, stage: str, values: dict[str, Any]) -> Iterator[Plan]:
    doc = engine.document(api, stage)
    selector = values.get("method")
    rate = _number(values.get("rate"))
    burst = _number(values.get("burst"))
    if "rate_factor" in values or "burst_factor" in values:  # the factor over what is set now, then its bound
        relative = throttle.set_throttle(
            doc, selector=selector, rate=f"x{values['rate_factor']:g}" if "rate_factor" in values else None,
            burst=f"x{values['burst_factor']:g}" if "burst_factor" in values else None)
        if "rate_factor" in values:
            rate = _capped(_after(relative, RATE_LABEL), values["max_rate"])
        if "burst_factor" in values:
            burst = _capped(_after(relative, BURST_LABEL), values["max_burst"])
    yield throttle.set_throttle(doc, selector=selector, rate=rate, burst=burst)


def _after(plan: Plan, label: str) -> float | None:
    return next((c.after for c in plan.changes if c.label.endswith(label)), None)


def _capped(value: float | None, bound: float) -> str | None:
    return None if value is None else f"{min(value, bound):g}"


def _number(value: Any) -> str | None:
    return None if value is None else f"{value:g}"


def _key_rotate(engine: Any, api: Any, stage: str, values: dict[str, Any]) -> Iterator[Plan]:
    """The rotation's create and associate steps, each read afresh after the one before it was applied;
    disabling the old key is a step of its own (`key.disable`), after a `confirm`."""
    old = engine.api_key(values["key"])
    current = rotation.unfinished(engine, old) or rotation.start(engine, old)
    while (step := current.next) is not None and step.action != rotation.DISABLE:
        yield rotation.step_plan(engine, current, step)
        current = rotation.refresh(engine, current)


def _stage_plan(make: Callable[..., Plan]) -> Callable[[Any, Any, str, dict[str, Any]], Iterator[Plan]]:
    def build(engine: Any, api: Any, stage: str, values: dict[str, Any]) -> Iterator[Plan]:
        yield make(engine.document(api, stage), values)
    return build


def _deployment_rollback(engine: Any, api: Any, stage: str, values: dict[str, Any]) -> Iterator[Plan]:
    engine.gateway.detail(api, refresh=True)  # the plan checks the deployment against the history as it is now
    yield deployments.point(engine.document(api, stage), values.get("deployment"))


def _canary_promote(engine: Any, api: Any, stage: str, values: dict[str, Any]) -> Iterator[Plan]:
    """Promotion behind the console's canary gate (engine.settings.canary): a failed gate makes a plan that
    needs an override, which a run never gives (the CLI refuses it; the TUI asks for "override" typed)."""
    doc = engine.document(api, stage)
    canary.attached(doc)  # no canary: refused before any log is read
    _, verdict = evidence(engine.connection, api, engine.gateway.stage(api, stage, refresh=True),
                          engine.settings.canary, cloudwatch=False)
    yield canary.promote(doc, verdict)


def _key_enabled(enabled: bool) -> Callable[[Any, Any, str, dict[str, Any]], Iterator[Plan]]:
    def build(engine: Any, api: Any, stage: str, values: dict[str, Any]) -> Iterator[Plan]:
        yield api_keys.set_enabled(engine.api_key(values["key"]), enabled)
    return build


METHOD = Field(STRING, "a REST method ('GET /orders') or an HTTP route; the stage default without it")
KEY = Field(STRING, "an API key's id or name")
ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("throttle.set", "set the stage default's (or a method's) rate and/or burst", _throttle_set,
           {"method": METHOD, "rate": Field(NUMBER, "requests a second", 0, 1e6),
            "burst": Field(NUMBER, "requests", 0, 5e6),
            "rate_factor": Field(NUMBER, "the rate now times this", 0.01, 100),
            "burst_factor": Field(NUMBER, "the burst now times this", 0.01, 100),
            "max_rate": Field(NUMBER, "the most rate_factor may reach", 0, 1e6),
            "max_burst": Field(NUMBER, "the most burst_factor may reach", 0, 5e6)},
           one_of=("rate", "burst", "rate_factor", "burst_factor"),
           exclusive=(("rate", "rate_factor"), ("burst", "burst_factor")),
           needs=(("rate_factor", "max_rate"), ("burst_factor", "max_burst"))),
    Action("throttle.unset", "remove a method's or route's throttle override",
           _stage_plan(lambda doc, v: throttle.unset_throttle(doc, selector=v["method"])),
           {"method": METHOD}, required=("method",)),
    Action("variables.set", "add or change stage variables",
           _stage_plan(lambda doc, v: stage_variables.set_variables(doc, v["values"])),
           {"values": Field(TABLE, "NAME = \"value\" pairs")}, required=("values",)),
    Action("variables.unset", "remove stage variables",
           _stage_plan(lambda doc, v: stage_variables.unset_variables(doc, list(v["names"]))),
           {"names": Field(STRINGS, "the variables' names")}, required=("names",)),
    Action("canary.weight", "send this share of the stage's requests to its canary",
           _stage_plan(lambda doc, v: canary.weigh(doc, v["percent"])),
           {"percent": Field(NUMBER, "percent of requests", 0, 100)}, required=("percent",)),
    Action("canary.promote", "promote the canary, if the canary gate passes", _canary_promote),
    Action("canary.rollback", "remove the canary: every request to the base deployment again",
           _stage_plan(lambda doc, v: canary.remove(doc))),
    Action("cache.flush", "flush the stage cache (REST; no undo)",
           _stage_plan(lambda doc, v: cache.flush_stage_cache(doc))),
    Action("deployment.rollback", "point the stage at the deployment before the active one (or the one named)",
           _deployment_rollback, {"deployment": Field(STRING, "a deployment id")}),
    Action("key.disable", "disable an API key", _key_enabled(False), {"key": KEY}, required=("key",),
           on_stage=False),
    Action("key.enable", "enable an API key", _key_enabled(True), {"key": KEY}, required=("key",), on_stage=False),
    Action("key.rotate", "a new key in the old key's usage plans (disable the old one in a step of its own)",
           _key_rotate, {"key": KEY}, required=("key",), on_stage=False),
)}


def check_fields(action: Action, values: dict[str, Any]) -> list[tuple[str | None, str]]:
    """What is wrong with a step's fields as a whole: (the field to point at, why)."""
    problems: list[tuple[str | None, str]] = []
    for name in action.required:
        if name not in values:
            problems.append((None, f"{action.name} needs `{name}` ({action.fields[name].help})"))
    if action.one_of and not any(name in values for name in action.one_of):
        problems.append((None, f"{action.name} needs one of: {', '.join(action.one_of)}"))
    for a, b in action.exclusive:
        if a in values and b in values:
            problems.append((b, f"`{a}` and `{b}` exclude each other"))
    for name, needed in action.needs:
        if name in values and needed not in values:
            problems.append((name, f"`{name}` needs `{needed}`, its bound"))
    return problems
