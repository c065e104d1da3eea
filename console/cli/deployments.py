"""What `apigw-console deployments` and `rollback` do: a stage's deployment history, and pointing the
stage at another deployment as a plan (actions.deployments) that takes the one path of a change."""

from __future__ import annotations

from actions import deployments as active_deployment
from actions.engine import Engine
from console.cli.answer import out
from console.cli.output import change
from console.exits import EXIT_OK
from console.render.describe import deployment_history, deployments_table


def deployments(engine: Engine, args) -> int:
    gateway = engine.gateway
    api = gateway.find_api(args.api)
    stage = gateway.stage(api, args.stage, refresh=True)
    history = deployment_history(stage, gateway.detail(api, refresh=True).deployments)
    out(args, history, lambda: deployments_table(stage, history))
    return EXIT_OK


def rollback(engine: Engine, args) -> int:
    api = engine.gateway.find_api(args.api)
    engine.gateway.detail(api, refresh=True)  # the plan checks the deployment against the API's history now
    plan = active_deployment.point(engine.document(api, args.stage), args.deployment)
    return change(engine, plan, args)
