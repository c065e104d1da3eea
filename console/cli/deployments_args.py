"""`apigw-console deployments` and `rollback`: the parser declarations only (handlers in cli.deployments)."""

from __future__ import annotations

import argparse

from console.cli.options import api_stage, change_options, handles

HANDLERS = "console.cli.deployments"


def add_deployments_parsers(commands, shared: argparse.ArgumentParser) -> None:
    api_stage(handles(commands.add_parser(
        "deployments", parents=[shared],
        help="the API's deployments, newest first: which one the stage serves, which one its canary runs"),
        f"{HANDLERS}:deployments"))
    rollback = handles(commands.add_parser(
        "rollback", parents=[shared],
        help="point the stage at another deployment (default: the one before the active one)"),
        f"{HANDLERS}:rollback")
    api_stage(rollback)
    rollback.add_argument("deployment", nargs="?", metavar="DEPLOYMENT",
                          help="a deployment id of the API (default: the newest deployment older than the active one)")
    change_options(rollback)
