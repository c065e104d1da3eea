"""Canary releases of a REST stage as plans: create, weigh, edit overrides, promote, remove.

Promotion is what the AWS console sends: `copy /deploymentId <- /canarySettings/deploymentId`,
`copy /variables <- /canarySettings/stageVariableOverrides`, `replace /canarySettings/percentTraffic
0.0`; removing the canary is a separate `remove /canarySettings`. Every plan's inverse puts the
stage back exactly. While a canary is attached a stage takes no other deployment, so the inverse of
a promotion detaches the canary, restores the base deployment and variables, and attaches the
canary again as it was — all in one UpdateStage, applied in order.
"""

from __future__ import annotations

from typing import Any, Mapping

from actions import validate
from actions.canary_gate import Verdict
from actions.plan import ANSWER_ID, Call, Change, Invalid, Path, Plan
from actions.stage_doc import StageDoc, patch_value

CANARY: Path = ("canarySettings",)
DEPLOYMENT: Path = CANARY + ("deploymentId",)
PERCENT: Path = CANARY + ("percentTraffic",)
CACHE: Path = CANARY + ("useStageCache",)
OVERRIDES: Path = CANARY + ("stageVariableOverrides",)
NEW_DEPLOYMENT = "a new deployment of the API's current configuration"


def settings(doc: StageDoc) -> dict[str, Any] | None:
    """The stage's canarySettings as AWS returned them, or None without a canary."""
    _rest(doc)
    return doc.raw.get("canarySettings")


def percent(text: str | float) -> float:
    """A canary weight: 0.0 to 100.0 percent of the stage's requests (kept to 6 decimal places)."""
    return weight_of(text)[0]


def weight_of(text: str | float) -> tuple[float, str | None]:
    """The weight, and a note when it was rounded to 6 decimal places."""
    if isinstance(text, str):
        text = text.strip().removesuffix("%")
    return validate.number("weight", text, low=0, high=100, places=validate.PERCENT_PLACES,
                           rule="must be a percentage from 0.0 to 100.0")


def create(doc: StageDoc, *, weight: str | float, deployment: str | None = None,
           overrides: Mapping[str, str] | None = None, use_stage_cache: bool = False,
           description: str = "") -> Plan:
    """Attach a canary: on an existing deployment (UpdateStage), or, with no `deployment`, on a new
    deployment of the API's current configuration (one CreateDeployment with canarySettings)."""
    current = settings(doc)
    if current is not None:
        raise Invalid("canary", f"stage {doc.target.stage} already has one (deployment {current.get('deploymentId')} "
                                f"at {current.get('percentTraffic', 0):g}%); weigh, promote or roll it back first")
    share, rounded = weight_of(weight)
    wanted = _checked_overrides(overrides or {})
    warnings = [rounded] if rounded else []
    if deployment is not None:
        known = {d.id for d in doc.structure.deployments}
        if deployment not in known:
            raise Invalid("deployment", f"is not a deployment of {doc.api.name} ({len(known)} deployments; "
                                        "see the API view)", deployment)
        if deployment == doc.raw.get("deploymentId"):
            warnings.append("the canary runs the stage's own deployment: base and canary serve the same code")
    if share > 50:
        warnings.append(f"{share:g}% is more than half of the stage's requests")
    target = doc.target
    attach = {"percentTraffic": share, "useStageCache": use_stage_cache, "stageVariableOverrides": dict(wanted)}
    if deployment is None:
        params = {"restApiId": target.api_id, "stageName": target.stage,
                  **({"description": description} if description else {}), "canarySettings": attach}
        call = Call("apigateway", "CreateDeployment", params)
        warnings.append("undo detaches the canary; the new deployment stays in the API's deployment history")
    else:
        call = _update(doc, _attach_ops({**attach, "deploymentId": deployment}))
    deployed = deployment or ANSWER_ID
    changes = (Change("canary deployment", None, deployment or NEW_DEPLOYMENT),
               Change("canary weight (% of requests)", None, share),
               Change("canary uses the stage cache", None, use_stage_cache),
               *(Change(f"canary override {name}", None, value) for name, value in sorted(wanted.items())))
    return Plan(
        kind="canary",
        summary=f"Create a canary on {target.stage}: {deployment or 'a new deployment'} at {share:g}%",
        target=target,
        call=call,
        changes=changes,
        precondition=((CANARY, None),),
        postcondition=((DEPLOYMENT, deployed), (PERCENT, share), (CACHE, use_stage_cache),
                       *((OVERRIDES + (n,), v) for n, v in sorted(wanted.items()))),
        inverse_call=_update(doc, [{"op": "remove", "path": "/canarySettings"}]),
        warnings=tuple(warnings),
        protected=doc.protected,
    )


def weigh(doc: StageDoc, weight: str | float, summary: str | None = None) -> Plan:
    """Send `weight` percent of the stage's requests to the canary."""
    current = attached(doc)
    share, rounded = weight_of(weight)
    before = float(current.get("percentTraffic", 0.0))
    if share == before:
        raise Invalid("weight", f"the canary already takes {before:g}%; nothing to change", weight)

    def to(value: float) -> Call:
        return _update(doc, [{"op": "replace", "path": "/canarySettings/percentTraffic", "value": patch_value(value)}])

    return Plan(
        kind="canary",
        summary=summary or f"Canary weight {before:g}% → {share:g}%",
        target=doc.target,
        call=to(share),
        changes=(Change("canary weight (% of requests)", before, share),),
        precondition=((DEPLOYMENT, current.get("deploymentId")), (PERCENT, current.get("percentTraffic"))),
        postcondition=((DEPLOYMENT, current.get("deploymentId")), (PERCENT, share)),
        inverse_call=to(before),
        warnings=((rounded,) if rounded else ()) + (
            (f"{share:g}% is more than half of the stage's requests",) if share > 50 >= before else ()),
        protected=doc.protected,
    )


def pause(doc: StageDoc) -> Plan:
    """Roll back while keeping the canary's settings: its weight to 0, so only the base serves."""
    return weigh(doc, 0.0, summary=f"Roll back the canary, keeping its settings: weight "
                                   f"{float(attached(doc).get('percentTraffic', 0.0)):g}% → 0%")


def edit_overrides(doc: StageDoc, desired: Mapping[str, str]) -> Plan:
    """The plan that makes the canary's stage-variable overrides exactly `desired`."""
    current = attached(doc)
    before = dict(current.get("stageVariableOverrides") or {})
    wanted = _checked_overrides(desired)
    touched = [n for n in sorted(set(before) | set(wanted), key=str.lower) if before.get(n) != wanted.get(n)]
    if not touched:
        raise Invalid("overrides", "are already exactly that; nothing to change")

    def ops(values: Mapping[str, str | None]) -> list[dict[str, str]]:
        return [{"op": "remove", "path": f"/canarySettings/stageVariableOverrides/{n}"} if v is None
                else {"op": "replace", "path": f"/canarySettings/stageVariableOverrides/{n}", "value": v}
                for n, v in values.items()]

    deployment = ((DEPLOYMENT, current.get("deploymentId")),)
    return Plan(
        kind="canary",
        summary="Canary overrides: " + ", ".join(touched),
        target=doc.target,
        call=_update(doc, ops({n: wanted.get(n) for n in touched})),
        changes=tuple(Change(f"canary override {n}", before.get(n), wanted.get(n)) for n in touched),
        precondition=deployment + tuple((OVERRIDES + (n,), before.get(n)) for n in touched),
        postcondition=deployment + tuple((OVERRIDES + (n,), wanted.get(n)) for n in touched),
        inverse_call=_update(doc, ops({n: before.get(n) for n in touched})),
        protected=doc.protected,
    )


def promote(doc: StageDoc, verdict: Verdict) -> Plan:
    """Make the canary the stage's release, as the AWS console does; the canary stays attached at 0%
    until removed. A failed gate makes the plan need a typed override; a passed one is noted."""
    current = attached(doc)
    canary_deployment = current.get("deploymentId")
    share = float(current.get("percentTraffic", 0.0))
    overrides = dict(current.get("stageVariableOverrides") or {})
    base_deployment = doc.raw.get("deploymentId")
    variables = dict(doc.raw.get("variables") or {})
    touched = sorted(overrides, key=str.lower)
    changes = [Change("stage deployment", base_deployment, canary_deployment)]
    changes += [Change(f"variable {n}", variables.get(n), overrides[n]) for n in touched
                if variables.get(n) != overrides[n]]
    changes.append(Change("canary weight (% of requests)", share, 0.0))
    restore = [{"op": "remove", "path": "/canarySettings"},
               {"op": "replace", "path": "/deploymentId", "value": base_deployment}]
    restore += [{"op": "remove", "path": f"/variables/{n}"} if n not in variables
                else {"op": "replace", "path": f"/variables/{n}", "value": variables[n]} for n in touched]
    restore += _attach_ops(current)
    gate = tuple(f"promotion gate: {rule}" for rule in verdict.failed)
    return Plan(
        kind="canary",
        summary=f"Promote the canary: {base_deployment} → {canary_deployment} on {doc.target.stage}",
        target=doc.target,
        call=_update(doc, [
            {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
            {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
            {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"},
        ]),
        changes=tuple(changes),
        precondition=((("deploymentId",), base_deployment), (DEPLOYMENT, canary_deployment),
                      (PERCENT, current.get("percentTraffic")), (CACHE, current.get("useStageCache")),
                      (OVERRIDES, current.get("stageVariableOverrides")),
                      *((("variables", n), variables.get(n)) for n in touched)),
        # The undo detaches the canary and attaches it again as it was: what it puts back of the canary
        # beyond the weight (its cache use, its overrides) must still be what the promotion left.
        postcondition=((("deploymentId",), canary_deployment), (DEPLOYMENT, canary_deployment), (PERCENT, 0.0),
                       (CACHE, current.get("useStageCache")), (OVERRIDES, current.get("stageVariableOverrides")),
                       *((("variables", n), overrides[n]) for n in touched)),
        inverse_call=_update(doc, restore),
        warnings=gate,
        protected=doc.protected,
        notes=() if gate else tuple(f"promotion gate passed: {rule}" for rule in verdict.passed),
        needs_override=bool(gate),
    )


def remove(doc: StageDoc, *, promoted: bool = False) -> Plan:
    """Detach the canary (`remove /canarySettings`): after a promotion, or as a rollback, when every
    request goes back to the base deployment."""
    current = attached(doc)
    canary_deployment = current.get("deploymentId")
    overrides = dict(current.get("stageVariableOverrides") or {})
    if promoted:
        summary = f"Remove the promoted canary from {doc.target.stage}"
    else:
        summary = (f"Roll back the canary: remove it; every request to {doc.raw.get('deploymentId')} "
                   f"(base) again")
    changes = (Change("canary deployment", canary_deployment, None),
               Change("canary weight (% of requests)", float(current.get("percentTraffic", 0.0)), None),
               Change("canary uses the stage cache", bool(current.get("useStageCache")), None),
               *(Change(f"canary override {n}", v, None) for n, v in sorted(overrides.items())))
    return Plan(
        kind="canary",
        summary=summary,
        target=doc.target,
        call=_update(doc, [{"op": "remove", "path": "/canarySettings"}]),
        changes=changes,
        precondition=((DEPLOYMENT, canary_deployment), (PERCENT, current.get("percentTraffic")),
                      (CACHE, current.get("useStageCache")), (OVERRIDES, current.get("stageVariableOverrides"))),
        postcondition=((CANARY, None),),
        inverse_call=_update(doc, _attach_ops(current)),
        protected=doc.protected,
    )


def _rest(doc: StageDoc) -> None:
    if not doc.rest:
        raise Invalid("canary", f"canary releases are a REST API feature; {doc.api.protocol.value} stages have none",
                      doc.target.stage)


def attached(doc: StageDoc) -> dict[str, Any]:
    """The canarySettings of the stage; refused when it has no canary."""
    current = settings(doc)
    if current is None:
        raise Invalid("canary", f"stage {doc.target.stage} has no canary; create one first", doc.target.stage)
    return current


def _checked_overrides(values: Mapping[str, str]) -> dict[str, str]:
    for name, value in values.items():
        validate.variable_name(name)
        validate.variable_value(name, value)
    if len(values) > validate.MAX_VARIABLES:
        raise Invalid("overrides", f"a canary holds at most {validate.MAX_VARIABLES} overrides", len(values))
    return dict(values)


def _attach_ops(canary: Mapping[str, Any]) -> list[dict[str, str]]:
    """The patch operations that attach `canary` (canarySettings as AWS returns them) to a stage."""
    ops = [{"op": "replace", "path": "/canarySettings/deploymentId", "value": canary["deploymentId"]},
           {"op": "replace", "path": "/canarySettings/percentTraffic",
            "value": patch_value(float(canary.get("percentTraffic", 0.0)))},
           {"op": "replace", "path": "/canarySettings/useStageCache",
            "value": patch_value(bool(canary.get("useStageCache")))}]
    ops += [{"op": "replace", "path": f"/canarySettings/stageVariableOverrides/{n}", "value": v}
            for n, v in sorted((canary.get("stageVariableOverrides") or {}).items())]
    return ops


def _update(doc: StageDoc, ops: list[dict[str, str]]) -> Call:
    target = doc.target
    return Call("apigateway", "UpdateStage",
                {"restApiId": target.api_id, "stageName": target.stage, "patchOperations": ops})
