"""The command line's grammar: every subcommand, its options, and the handler ("module:function") that runs it.

Declarations only (argparse; no boto3, no rich, no Textual), so `--help` and the TUI's start stay fast.
Each command family declares itself in its own `*_args` module; handlers are imported when they run.
"""

from __future__ import annotations

import argparse

from console import __version__
from console.cli.authorizers_args import add_authorizers_parsers
from console.cli.canary_args import add_canary_parsers
from console.cli.catalog_args import add_catalog_parsers
from console.cli.completion import SHELLS
from console.cli.deployments_args import add_deployments_parsers
from console.cli.domains_args import add_domains_parsers
from console.cli.logs_args import add_logs_parsers
from console.cli.runbook_args import add_runbook_parsers
from console.cli.options import api_stage, change_options, global_options, handles


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apigw-console",
        description="A terminal console for Amazon API Gateway. With no command, opens the console.",
    )
    parser.add_argument("--version", action="version", version=f"apigw-console {__version__}")
    global_options(parser, suppress=False)
    parser.add_argument("--slow-link", action=argparse.BooleanOptionalAction, default=None,
                        help="the console over a slow link: 10 frames a second at most, no animations or spinners, "
                             "live charts redrawn once a minute (default: on when SSH_CONNECTION is set; "
                             "--no-slow-link turns it off)")
    shared = argparse.ArgumentParser(add_help=False)
    global_options(shared, suppress=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    handles(commands.add_parser("apis", parents=[shared], help="list the APIs (REST, HTTP, WebSocket) of the region"),
            "console.cli.stage:apis")
    api_stage(handles(commands.add_parser("stage", parents=[shared], help="describe one stage of an API"),
                       "console.cli.stage:stage"))

    throttle = commands.add_parser("throttle", help="show or change a stage's throttles").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    api_stage(handles(throttle.add_parser("show", parents=[shared], help="stage default, overrides, account limits"),
                       "console.cli.stage:throttle_show"))
    for name, helptext in (("set", "set the stage default, or one method's or route's override"),
                           ("unset", "remove one method's or route's override")):
        sub = handles(throttle.add_parser(name, parents=[shared], help=helptext),
                      f"console.cli.stage_changes:throttle_{name}")
        api_stage(sub)
        which = sub.add_mutually_exclusive_group()
        which.add_argument("--method", metavar="'VERB /path'", help="a REST method, e.g. 'GET /orders/{orderId}'")
        which.add_argument("--route", metavar="'ROUTE KEY'", help="an HTTP or WebSocket route, e.g. 'GET /products'")
        if name == "set":
            sub.add_argument("--rate", help="requests per second: 200, or relative: x1.5, +20%%, -50%%")
            sub.add_argument("--burst", help="burst: 400, or relative: x2, +50%%")
        change_options(sub)

    variables = commands.add_parser("vars", help="show or change a stage's variables").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    api_stage(handles(variables.add_parser("show", parents=[shared], help="the stage's variables"),
                       "console.cli.stage:vars_show"))
    sub = handles(variables.add_parser("set", parents=[shared], help="add or change variables"),
                  "console.cli.stage_changes:vars_set")
    api_stage(sub)
    sub.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    change_options(sub)
    sub = handles(variables.add_parser("unset", parents=[shared], help="remove variables"),
                  "console.cli.stage_changes:vars_unset")
    api_stage(sub)
    sub.add_argument("names", nargs="+", metavar="KEY")
    change_options(sub)
    sub = handles(variables.add_parser("rename", parents=[shared], help="rename a variable, keeping its value"),
                  "console.cli.stage_changes:vars_rename")
    api_stage(sub)
    sub.add_argument("old", metavar="OLD")
    sub.add_argument("new", metavar="NEW")
    change_options(sub)
    sub = handles(variables.add_parser("edit", parents=[shared], help="edit all variables as KEY=VALUE lines in $EDITOR"),
                  "console.cli.stage_changes:vars_edit")
    api_stage(sub)
    change_options(sub)

    audit = handles(commands.add_parser("audit", parents=[shared], help="list the journal of changes (no credentials "
                                        "needed; --profile, --region, --endpoint-url filter it)"),
                    "console.cli.stage:audit", offline=True)
    audit.add_argument("--since", metavar="AGE", help="only entries newer than this: 90s, 15m, 2h, 7d")
    audit.add_argument("--account", metavar="ID", help="only changes made in this account")
    undo = handles(commands.add_parser("undo", parents=[shared], help="apply the inverse of a journaled change"),
                   "console.cli.stage_changes:undo")
    undo.add_argument("entry", nargs="?", metavar="ENTRY", help="journal entry id (default: the last change)")
    change_options(undo)

    add_deployments_parsers(commands, shared)
    add_domains_parsers(commands, shared)
    add_authorizers_parsers(commands, shared)
    add_canary_parsers(commands, shared)
    add_logs_parsers(commands, shared)
    handles(commands.add_parser("profiles", parents=[shared], help="the AWS profiles and keyring entries"),
            "console.cli.local:profiles", offline=True)
    handles(commands.add_parser("keymap", parents=[shared], help="every key binding id and its keys, for [keymap] "
                                "in the config"), "console.cli.keymap:keymap", offline=True)
    handles(commands.add_parser("completion", help="print the shell completion script: bash, zsh or fish"),
            "console.cli.completion:script", offline=True).add_argument("shell", choices=SHELLS, metavar="SHELL")
    creds = commands.add_parser("creds", help="access keys held in the OS keyring").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    sub = handles(creds.add_parser("add", parents=[shared], help="store a key pair (the secret read without echo)"),
                  "console.cli.local:creds_add", offline=True)
    sub.add_argument("name", metavar="NAME")
    sub.add_argument("--mfa-serial", metavar="ARN", help="MFA device: short-lived credentials need a code")
    sub.add_argument("--role-arn", metavar="ARN", help="assume this role instead of GetSessionToken")
    handles(creds.add_parser("list", parents=[shared], help="the stored keys (ids shortened)"),
            "console.cli.local:creds_list", offline=True)
    handles(creds.add_parser("remove", parents=[shared], help="forget a stored key and its cached session"),
            "console.cli.local:creds_remove", offline=True).add_argument("name", metavar="NAME")
    handles(commands.add_parser("info", parents=[shared], help="every path the console reads or writes"),
            "console.cli.local:info", offline=True)
    doctor = handles(commands.add_parser("doctor", parents=[shared], help="which reads these credentials may make; "
                                                                          "the least-privilege IAM policies"),
                     "console.cli.doctor:doctor")
    doctor.add_argument("--policies", action="store_true", help="print the IAM policies (read-only, and for changes)")

    add_catalog_parsers(commands, shared)
    add_runbook_parsers(commands, shared)
    sandbox = commands.add_parser("sandbox", help="serve a local AWS endpoint seeded with an API Gateway estate")
    sandbox.add_argument("--port", type=_port, default=4566, help="port on 127.0.0.1 (0: any free port; default 4566)")
    sandbox.add_argument("--empty", action="store_true", help="start with no estate")
    sandbox.add_argument("--announce", action="store_true", help=argparse.SUPPRESS)
    sandbox.add_argument("--no-traffic", dest="traffic", action="store_false",
                         help="no simulated clients: no new access-log lines or metrics after the seeded ones")
    sandbox.add_argument("--scenario", metavar="NAME[@ACCOUNT@REGION]",
                         help="start the estate in a rehearsal incident (throttle-storm, bad-canary, stale-cache, "
                              "expired-keys), in one account-region of a fleet with @ACCOUNT@REGION; "
                              "'--scenario list' describes them")
    sandbox.add_argument("--deny", action="append", default=[], metavar="SERVICE[:OPERATION][@REGION]",
                         help="answer these calls as AWS answers a denied one (repeatable), e.g. apigatewayv2")
    sandbox.add_argument("--unimplemented", action="append", default=[], metavar="SERVICE[:OPERATION][@REGION]",
                         help="answer these calls as an emulator without them does (HTTP 501), e.g. logs:StartLiveTail")
    sandbox.add_argument("--control-plane-limits", choices=("on", "off"), default="on",
                         help="answer API Gateway management calls past AWS's rates (10/s, burst 40; "
                              "CreateDeployment 1 per 5 s ...) and quotas with 429s, as AWS does (default: on)")
    sandbox.add_argument("--latency", type=int, default=0, metavar="MS",
                         help="hold each client call MS milliseconds before answering, as a distant region "
                              "does (0-5000; default 0)")
    sandbox.add_argument("--onset", type=int, metavar="MINUTES",
                         help="the scenario's incident began this many minutes before the start (0-60; default 6): "
                              "its logs, metrics and alarms already show it")
    sandbox.add_argument("--accounts", type=int, default=1, metavar="N",
                         help="a fleet: N accounts (1-10), each with an estate of its own in each of --regions")
    sandbox.add_argument("--regions", type=lambda text: tuple(r.strip() for r in text.split(",") if r.strip()),
                         default=(), metavar="R1,R2", help="the fleet's regions (default us-east-1)")
    sandbox.add_argument("--write-aws-config", metavar="FILE", dest="aws_config",
                         help="write an AWS config with a profile per account, and add a fleet 'sandbox' to the "
                              "console's config")
    return parser


def _port(text: str) -> int:
    """A TCP port, read as every number is (actions.validate: digits 0-9 only, within range)."""
    from actions import validate
    from actions.plan import Invalid

    try:
        return validate.whole("--port", text, low=0, high=65535, rule="is a port number from 0 to 65535")
    except Invalid as problem:
        raise argparse.ArgumentTypeError(str(problem).removeprefix("--port: ")) from None


RELATIVE_VALUE_OPTIONS = ("--rate", "--burst", "--quota")


def attach_relative_values(argv: list[str]) -> list[str]:
    """`--rate -50%` reads as intended: argparse would take "-50%" for an option, `--rate=-50%` it takes.
    (A negative `--quota -5/DAY` reaches validation too, which says what is wrong with it.)"""
    joined: list[str] = []
    for word in argv:
        if joined and joined[-1] in RELATIVE_VALUE_OPTIONS and word.startswith("-") and word[1:2].isdigit():
            joined[-1] = f"{joined[-1]}={word}"
        else:
            joined.append(word)
    return joined
