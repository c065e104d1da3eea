"""`apigw-console runbook` and `rehearse`: the parser declarations only (handlers in cli.runbook)."""

from __future__ import annotations

import argparse

from console.cli.options import change_options, handles

HANDLERS = "console.cli.runbook"


def add_runbook_parsers(commands, shared: argparse.ArgumentParser) -> None:
    runbook = commands.add_parser("runbook", help="runbooks as code: list, show and run them").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    handles(runbook.add_parser("list", parents=[shared], help="the bundled runbooks"), f"{HANDLERS}:listing",
            offline=True)
    show = handles(runbook.add_parser("show", parents=[shared], help="a runbook's parameters and steps (validated)"),
                   f"{HANDLERS}:show", offline=True)
    show.add_argument("runbook", metavar="NAME|FILE", help="a bundled runbook's name, or a runbook file (.toml)")
    run = handles(runbook.add_parser("run", parents=[shared], help="run a runbook: every change a plan, journaled "
                                     "with the run; a failed step stops the run and undoes what it applied"),
                  f"{HANDLERS}:run")
    run.add_argument("runbook", metavar="NAME|FILE", help="a bundled runbook's name, or a runbook file (.toml)")
    params(run)
    change_options(run)
    rehearse = handles(commands.add_parser(
        "rehearse", parents=[shared], help="start a scenario on a sandbox, run its bundled runbook, time it to green"),
        f"{HANDLERS}:rehearse", offline=True)
    rehearse.add_argument("scenario", metavar="SCENARIO", help="throttle-storm, bad-canary or stale-cache")
    params(rehearse)


def params(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a runbook parameter (repeatable); `runbook show` lists them")
