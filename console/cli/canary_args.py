"""`apigw-console canary ...`: the parser declarations only (argparse; handlers in canary_commands)."""

from __future__ import annotations

import argparse

from console.cli.options import change_options, handles

HANDLERS = "console.cli.canary"


def add_canary_parsers(commands, shared: argparse.ArgumentParser) -> None:
    canary = commands.add_parser("canary", help="a REST stage's canary release: status, create, weigh, "
                                                "promote, roll back").add_subparsers(
        dest="action", metavar="ACTION", required=True)

    def action(name: str, helptext: str) -> argparse.ArgumentParser:
        sub = handles(canary.add_parser(name, parents=[shared], help=helptext), f"{HANDLERS}:{name}")
        sub.add_argument("api", metavar="API", help="API id or name")
        sub.add_argument("stage", metavar="STAGE", help="stage name")
        return sub

    status = action("status", "the canary, and base vs canary from the access logs and CloudWatch")
    status.add_argument("--minutes", metavar="N",
                        help="the window, in minutes (default: the gate's window_minutes, 15)")

    create = action("create", "attach a canary: an existing deployment, or a new one of the current configuration")
    create.add_argument("--percent", required=True, metavar="P", help="share of requests, 0.0 to 100.0")
    create.add_argument("--deployment", metavar="ID",
                        help="an existing deployment (default: deploy the API's current configuration)")
    create.add_argument("--description", metavar="TEXT", default="", help="the new deployment's description")
    create.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="a stage variable the canary sees instead of the stage's (repeatable)")
    create.add_argument("--use-stage-cache", action="store_true", help="let the canary's requests use the stage cache")
    change_options(create)

    weight = action("weight", "send another share of the stage's requests to the canary")
    weight.add_argument("percent", metavar="PERCENT", help="0.0 to 100.0")
    change_options(weight)

    promote = action("promote", "make the canary the stage's release, as the AWS console does (gated)")
    promote.add_argument("--remove", action="store_true", help="then remove the canary from the stage")
    promote.add_argument("--override-gate", action="store_true",
                         help="promote even though the promotion gate fails (the journal records it)")
    change_options(promote)

    rollback = action("rollback", "send every request to the base again: remove the canary")
    rollback.add_argument("--keep-settings", action="store_true",
                          help="keep the canary attached at weight 0 instead of removing it")
    change_options(rollback)
