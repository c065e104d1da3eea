"""Stage variables as plans: set, unset, rename, or edit them all at once as KEY=VALUE lines.

Every form reduces to "the variables should be this map": the plan is the difference. REST patches
`/variables/NAME` (replace or remove); v2 sends StageVariables, where an empty value removes one.
A plan that removes variables names each one in its warnings; an edit that would leave none (an
empty buffer) is refused unless removing them all was asked for explicitly (`RemovesAll`).
"""

from __future__ import annotations

from typing import Mapping

from actions import validate
from actions.plan import Call, Change, Invalid, Plan
from actions.stage_doc import StageDoc


def current(doc: StageDoc) -> dict[str, str]:
    return dict(doc.raw.get("variables" if doc.rest else "StageVariables") or {})


def set_variables(doc: StageDoc, assignments: Mapping[str, str]) -> Plan:
    return edit(doc, {**current(doc), **assignments})


class RemovesAll(Invalid):
    """An edit that leaves no variables where there are some: refused unless asked for (`remove_all`)."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__("variables", f"the edit leaves none, which removes every variable ({', '.join(names)}); "
                                      "nothing was planned")


def unset_variables(doc: StageDoc, names: list[str]) -> Plan:
    have = current(doc)
    missing = [n for n in names if n not in have]
    if missing:
        raise Invalid("variable", f"{', '.join(missing)} not set on stage {doc.target.stage}", missing[0])
    return edit(doc, {k: v for k, v in have.items() if k not in names}, remove_all=True)


def rename_variable(doc: StageDoc, old: str, new: str) -> Plan:
    have = current(doc)
    if old not in have:
        raise Invalid(f"variable {old}", f"is not set on stage {doc.target.stage}", old)
    if new in have:
        raise Invalid(f"variable {new}", "already exists; unset it first or choose another name", new)
    renamed = {(new if k == old else k): v for k, v in have.items()}
    return edit(doc, renamed, summary=f"Rename stage variable {old} to {new}")


def edit(doc: StageDoc, desired: Mapping[str, str], summary: str | None = None, *, remove_all: bool = False) -> Plan:
    """The plan that makes the stage's variables exactly `desired`. Leaving none where there are some
    is refused (RemovesAll) unless `remove_all`: an empty buffer is more often a mistake than a wish."""
    for name, value in desired.items():
        validate.variable_name(name)
        validate.variable_value(name, value)
    if len(desired) > validate.MAX_VARIABLES:
        raise Invalid("variables", f"a stage holds at most {validate.MAX_VARIABLES} variables", len(desired))
    before = current(doc)
    if before and not desired and not remove_all:
        raise RemovesAll(sorted(before, key=str.lower))
    names = sorted(set(before) | set(desired), key=str.lower)
    touched = [n for n in names if before.get(n) != desired.get(n)]
    if not touched:
        raise Invalid("variables", "are already exactly that; nothing to change")
    field = "variables" if doc.rest else "StageVariables"
    changes = tuple(Change(f"variable {n}", before.get(n), desired.get(n)) for n in touched)
    removed = [n for n in touched if n not in desired]
    warnings = (f"Removes {len(removed)} variable{'s' if len(removed) > 1 else ''}: {', '.join(removed)}"
                + (" (every variable of the stage)" if not desired else ""),) if removed else ()
    return Plan(
        kind="variables",
        summary=summary or _summary(before, desired, touched),
        target=doc.target,
        call=_call(doc, {n: desired.get(n) for n in touched}),
        changes=changes,
        precondition=tuple(((field, n), before.get(n)) for n in touched),
        postcondition=tuple(((field, n), desired.get(n)) for n in touched),
        inverse_call=_call(doc, {n: before.get(n) for n in touched}),
        warnings=warnings,
        protected=doc.protected,
    )


def _call(doc: StageDoc, values: Mapping[str, str | None]) -> Call:
    """Set each name to its value; None removes it."""
    target = doc.target
    if doc.rest:
        ops = [{"op": "remove", "path": f"/variables/{n}"} if v is None
               else {"op": "replace", "path": f"/variables/{n}", "value": v} for n, v in values.items()]
        return Call("apigateway", "UpdateStage",
                    {"restApiId": target.api_id, "stageName": target.stage, "patchOperations": ops})
    return Call("apigatewayv2", "UpdateStage", {"ApiId": target.api_id, "StageName": target.stage,
                                                "StageVariables": {n: v or "" for n, v in values.items()}})


def _summary(before: Mapping[str, str], after: Mapping[str, str], touched: list[str]) -> str:
    added = [n for n in touched if n not in before]
    removed = [n for n in touched if n not in after]
    changed = [n for n in touched if n in before and n in after]
    parts = [f"{verb} {', '.join(ns)}" for verb, ns in (("add", added), ("change", changed), ("remove", removed)) if ns]
    return "Stage variables: " + "; ".join(parts)


def parse_lines(text: str) -> dict[str, str]:
    """KEY=VALUE lines (blank lines and # comments ignored) as a map; mistakes name their line."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not name:
            raise Invalid(f"line {number}", "must read KEY=VALUE", line)
        if name in values:
            raise Invalid(f"line {number}", f"sets {name} a second time", line)
        values[name] = value.strip()
    return values


def as_lines(values: Mapping[str, str]) -> str:
    return "".join(f"{name}={values[name]}\n" for name in sorted(values, key=str.lower))
