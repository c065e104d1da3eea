"""Pointing a stage at another deployment of its API: what the AWS console calls "Change active deployment".

A rollback is one call: REST UpdateStage `replace /deploymentId`, HTTP and WebSocket apigatewayv2
UpdateStage `DeploymentId`. Its precondition is the deployment the stage serves now, so it is refused
if someone deployed since; its inverse points the stage back at the deployment it replaced.

Refused before any call: a deployment the API does not have, the deployment already active, a v2
stage with auto-deploy on (API Gateway deploys it again on every change, and refuses the update),
and, on a REST stage with a canary attached, any deployment but the canary's (a canary stage takes
no other; promote or roll back the canary first). The default is the deployment before the active
one: the newest deployment older than it.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, Sequence

from actions.plan import Call, Change, Invalid, Path, Plan
from actions.stage_doc import StageDoc
from console.model import Deployment

REST_PATH: Path = ("deploymentId",)
V2_PATH: Path = ("DeploymentId",)
UNSEEN: Any = object()  # no view showed the stage's deployment before the plan was asked for


def active(doc: StageDoc) -> str | None:
    """The deployment the stage serves now, as AWS returned it."""
    return doc.raw.get(REST_PATH[0] if doc.rest else V2_PATH[0])


def previous(deployments: Sequence[Deployment], current: str | None) -> Deployment | None:
    """The newest deployment older than `current` in a newest-first history (None: there is none)."""
    ids = [d.id for d in deployments]
    if current not in ids:
        return None
    index = ids.index(current)
    return deployments[index + 1] if index + 1 < len(deployments) else None


def created(deployment: Deployment | None) -> str | None:
    """When a deployment was made, in UTC to the second, as the plan shows it."""
    if deployment is None or deployment.created is None:
        return None
    return deployment.created.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def point(doc: StageDoc, deployment: str | None = None, *, seen: Any = UNSEEN) -> Plan:
    """The plan that makes the stage serve `deployment` (default: the one before the active one).

    `seen` is the deployment a view showed as active when the operator chose: if the stage has moved
    since, the plan is refused rather than built on what the operator did not see."""
    target = doc.target
    api = doc.api.name
    history = doc.structure.deployments  # newest first (console.read.gateway)
    current = active(doc)
    if seen is not UNSEEN and seen != current:
        raise Invalid("deployment", f"stage {target.stage} now serves {current or 'no deployment'}, not "
                                    f"{seen or 'no deployment'} as shown when chosen; look again and choose")
    if not doc.rest and doc.raw.get("AutoDeploy"):
        raise Invalid("deployment", f"stage {target.stage} has auto-deploy on: API Gateway deploys it again on "
                                    "every change to the API, and refuses to point it at a deployment; turn "
                                    "auto-deploy off first (aws apigatewayv2 update-stage --no-auto-deploy)")
    by_id = {d.id: d for d in history}
    if deployment is None:
        if current is None:
            raise Invalid("deployment", f"stage {target.stage} serves no deployment yet, so none came before it; "
                                        "name the deployment to point it at")
        chosen = previous(history, current)
        if chosen is None:
            raise Invalid("deployment", f"{current} is the oldest deployment of {api}: there is none before it "
                                        "to roll back to")
    else:
        wanted = deployment.strip()
        if wanted not in by_id:
            raise Invalid("deployment", f"is not a deployment of {api} ({len(history)} deployments; "
                                        f"apigw-console deployments {target.api_id} {target.stage} lists them)",
                          deployment)
        chosen = by_id[wanted]
    if chosen.id == current:
        raise Invalid("deployment", f"{chosen.id} is already the deployment stage {target.stage} serves; "
                                    "nothing to change")
    warnings: list[str] = []
    canary = doc.raw.get("canarySettings") if doc.rest else None
    if canary is not None:
        runs = canary.get("deploymentId")
        if chosen.id != runs:
            raise Invalid("deployment", f"stage {target.stage} has a canary (deployment {runs}): while it is "
                                        "attached the stage takes no other deployment; promote or roll back the "
                                        f"canary first (apigw-console canary rollback {target.api_id} "
                                        f"{target.stage})", chosen.id)
        warnings.append(f"the canary runs {runs} too: base and canary will serve the same deployment "
                        "(canary promote would also copy its variable overrides)")
    before = by_id.get(current) if current else None
    ids = [d.id for d in history]
    older = current in ids and ids.index(chosen.id) > ids.index(current)
    summary = (f"Roll back {target.stage}: deployment {current} → {chosen.id}" if older else
               f"Point {target.stage} at deployment {chosen.id} (was {current or 'none'})")
    path = REST_PATH if doc.rest else V2_PATH
    return Plan(
        kind="deployment",
        summary=summary,
        target=target,
        call=_update(doc, chosen.id),
        changes=(Change("stage deployment", current, chosen.id),
                 Change("deployment description", before.description if before else None, chosen.description),
                 Change("deployment created", created(before), created(chosen))),
        precondition=((path, current),),
        postcondition=((path, chosen.id),),
        inverse_call=_update(doc, current) if current else None,
        warnings=tuple(warnings),
        protected=doc.protected,
    )


def _update(doc: StageDoc, deployment: str) -> Call:
    target = doc.target
    if doc.rest:
        return Call("apigateway", "UpdateStage", {
            "restApiId": target.api_id, "stageName": target.stage,
            "patchOperations": [{"op": "replace", "path": "/deploymentId", "value": deployment}]})
    return Call("apigatewayv2", "UpdateStage", {"ApiId": target.api_id, "StageName": target.stage,
                                                "DeploymentId": deployment})

