"""The command line: the TUI by default, and subcommands for runbooks.

Global options (--profile, --region, --endpoint-url, --sandbox, --output, --write) go before or
after the command. Exit codes: 0 done, 1 AWS refused or failed (or the stage changed since the plan),
2 bad usage, invalid input, no confirmation or no way to connect, 3 a change without write permission.
This module never imports Textual unless the TUI is asked for.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from contextlib import contextmanager
from typing import Iterator

from console import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_READ_ONLY = 0, 1, 2, 3


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command shares; on subcommands they default to "not given"."""
    default = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
    group = parser.add_argument_group("connection and output")
    group.add_argument("--profile", default=default(None), help="AWS profile (else AWS_PROFILE, else default)")
    group.add_argument("--region", default=default(None), help="AWS region (else AWS_REGION, else the profile's)")
    group.add_argument("--endpoint-url", default=default(None), metavar="URL",
                       help="talk to this endpoint instead of AWS (a sandbox, moto, LocalStack)")
    group.add_argument("--sandbox", action="store_true", default=default(False),
                       help="start an embedded sandbox (a local AWS endpoint with a seeded estate) and use it")
    group.add_argument("--output", choices=("table", "json"), default=default("table"),
                       help="how commands print their answer (default: table)")
    group.add_argument("--write", action="store_true", default=default(False),
                       help="allow changes (else read-only, unless the config or APIGW_CONSOLE_WRITE=1 allows)")


def handles(parser: argparse.ArgumentParser, handler: str, offline: bool = False) -> argparse.ArgumentParser:
    """Name the function ("module:function") that runs this subcommand; imported only when it runs.

    An `offline` command runs without connecting: `handler(args)` rather than `handler(engine, args)`.
    """
    parser.set_defaults(handler=handler, offline=offline)
    return parser


def _api_stage(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("api", metavar="API", help="API id or name")
    parser.add_argument("stage", metavar="STAGE", help="stage name")


def _change_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print the plan and the aws command; send nothing")
    parser.add_argument("--yes", "-y", action="store_true", help="apply without asking (after reviewing the plan)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apigw-console",
        description="A terminal console for Amazon API Gateway. With no command, opens the console.",
    )
    parser.add_argument("--version", action="version", version=f"apigw-console {__version__}")
    _global_options(parser, suppress=False)
    shared = argparse.ArgumentParser(add_help=False)
    _global_options(shared, suppress=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    handles(commands.add_parser("apis", parents=[shared], help="list the APIs (REST, HTTP, WebSocket) of the region"),
            "console.commands:apis")
    _api_stage(handles(commands.add_parser("stage", parents=[shared], help="describe one stage of an API"),
                       "console.commands:stage"))

    throttle = commands.add_parser("throttle", help="show or change a stage's throttles").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    _api_stage(handles(throttle.add_parser("show", parents=[shared], help="stage default, overrides, account limits"),
                       "console.commands:throttle_show"))
    for name, helptext in (("set", "set the stage default, or one method's or route's override"),
                           ("unset", "remove one method's or route's override")):
        sub = handles(throttle.add_parser(name, parents=[shared], help=helptext), f"console.commands:throttle_{name}")
        _api_stage(sub)
        which = sub.add_mutually_exclusive_group()
        which.add_argument("--method", metavar="'VERB /path'", help="a REST method, e.g. 'GET /orders/{orderId}'")
        which.add_argument("--route", metavar="'ROUTE KEY'", help="an HTTP or WebSocket route, e.g. 'GET /products'")
        if name == "set":
            sub.add_argument("--rate", help="requests per second: 200, or relative: x1.5, +20%%, -50%%")
            sub.add_argument("--burst", help="burst: 400, or relative: x2, +50%%")
        _change_options(sub)

    variables = commands.add_parser("vars", help="show or change a stage's variables").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    _api_stage(handles(variables.add_parser("show", parents=[shared], help="the stage's variables"),
                       "console.commands:vars_show"))
    sub = handles(variables.add_parser("set", parents=[shared], help="add or change variables"),
                  "console.commands:vars_set")
    _api_stage(sub)
    sub.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    _change_options(sub)
    sub = handles(variables.add_parser("unset", parents=[shared], help="remove variables"),
                  "console.commands:vars_unset")
    _api_stage(sub)
    sub.add_argument("names", nargs="+", metavar="KEY")
    _change_options(sub)
    sub = handles(variables.add_parser("rename", parents=[shared], help="rename a variable, keeping its value"),
                  "console.commands:vars_rename")
    _api_stage(sub)
    sub.add_argument("old", metavar="OLD")
    sub.add_argument("new", metavar="NEW")
    _change_options(sub)
    sub = handles(variables.add_parser("edit", parents=[shared], help="edit all variables as KEY=VALUE lines in $EDITOR"),
                  "console.commands:vars_edit")
    _api_stage(sub)
    _change_options(sub)

    audit = handles(commands.add_parser("audit", parents=[shared], help="list the journal of changes"),
                    "console.commands:audit")
    audit.add_argument("--since", metavar="AGE", help="only entries newer than this: 90s, 15m, 2h, 7d")
    undo = handles(commands.add_parser("undo", parents=[shared], help="apply the inverse of a journaled change"),
                   "console.commands:undo")
    undo.add_argument("entry", nargs="?", metavar="ENTRY", help="journal entry id (default: the last change)")
    _change_options(undo)

    importlib.import_module("console.canary_cli").add_canary_parsers(commands, shared, _change_options)
    importlib.import_module("console.logs_cli").add_logs_parsers(commands, shared)
    handles(commands.add_parser("profiles", parents=[shared], help="the AWS profiles and keyring entries"),
            "console.local_commands:profiles", offline=True)
    creds = commands.add_parser("creds", help="access keys held in the OS keyring").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    sub = handles(creds.add_parser("add", parents=[shared], help="store a key pair (the secret read without echo)"),
                  "console.local_commands:creds_add", offline=True)
    sub.add_argument("name", metavar="NAME")
    sub.add_argument("--mfa-serial", metavar="ARN", help="MFA device: short-lived credentials need a code")
    sub.add_argument("--role-arn", metavar="ARN", help="assume this role instead of GetSessionToken")
    handles(creds.add_parser("list", parents=[shared], help="the stored keys (ids shortened)"),
            "console.local_commands:creds_list", offline=True)
    handles(creds.add_parser("remove", parents=[shared], help="forget a stored key and its cached session"),
            "console.local_commands:creds_remove", offline=True).add_argument("name", metavar="NAME")
    handles(commands.add_parser("info", parents=[shared], help="every path the console reads or writes"),
            "console.local_commands:info", offline=True)

    importlib.import_module("console.catalog_cli").add_catalog_parsers(commands, shared, _change_options)
    sandbox = commands.add_parser("sandbox", help="serve a local AWS endpoint seeded with an API Gateway estate")
    sandbox.add_argument("--port", type=int, default=4566, help="port on 127.0.0.1 (0: any free port; default 4566)")
    sandbox.add_argument("--empty", action="store_true", help="start with no estate")
    sandbox.add_argument("--announce", action="store_true", help=argparse.SUPPRESS)
    sandbox.add_argument("--no-traffic", dest="traffic", action="store_false",
                         help="no simulated clients: no new access-log lines or metrics after the seeded ones")
    sandbox.add_argument("--scenario", metavar="NAME",
                         help="start the estate in a rehearsal incident; '--scenario list' describes them")
    return parser


RELATIVE_VALUE_OPTIONS = ("--rate", "--burst", "--quota")


def _attach_relative_values(argv: list[str]) -> list[str]:
    """`--rate -50%` reads as intended: argparse would take "-50%" for an option, `--rate=-50%` it takes.
    (A negative `--quota -5/DAY` reaches validation too, which says what is wrong with it.)"""
    joined: list[str] = []
    for word in argv:
        if joined and joined[-1] in RELATIVE_VALUE_OPTIONS and word.startswith("-") and word[1:2].isdigit():
            joined[-1] = f"{joined[-1]}={word}"
        else:
            joined.append(word)
    return joined


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(_attach_relative_values(sys.argv[1:] if argv is None else argv))
    if args.command == "sandbox":
        from console.sandbox.server import serve

        return serve(args.port, seeded=not args.empty, announce=args.announce, traffic=args.traffic,
                     scenario=args.scenario)

    from console.config import load
    from console.errors import Problem
    from console.session import Target

    if args.sandbox and args.endpoint_url:
        print("apigw-console: --sandbox and --endpoint-url name two different endpoints; choose one.",
              file=sys.stderr)
        return EXIT_USAGE
    settings = load()
    for problem in settings.problems:
        print(f"apigw-console: config: {problem}", file=sys.stderr)
    target = Target(profile=args.profile, region=args.region, endpoint_url=args.endpoint_url, sandbox=args.sandbox)
    if args.command is None:
        from screens.app import ConsoleApp

        app = ConsoleApp(target, settings=settings, write=args.write)
        app.run()
        return app.return_code or EXIT_OK

    from actions.plan import Invalid

    module, _, function = args.handler.partition(":")
    handler = getattr(importlib.import_module(module), function)
    try:
        if args.offline:
            return handler(args)
        with _connected(target, settings, args.write) as engine:
            return handler(engine, args)
    except Invalid as invalid:
        print(f"apigw-console: {invalid}", file=sys.stderr)
        return EXIT_USAGE
    except Problem as problem:
        print(f"apigw-console: {problem}", file=sys.stderr)
        if problem.kind == "read-only":
            return EXIT_READ_ONLY
        return EXIT_USAGE if problem.kind in ("credentials", "region", "bad-request") else EXIT_FAILED
    except KeyboardInterrupt:
        return 130


@contextmanager
def _connected(target, settings, write: bool) -> Iterator:
    """An Engine on a live, identified connection; an embedded sandbox lives as long as the block."""
    from dataclasses import replace

    from actions.engine import Engine, write_permission
    from console.audit import Journal
    from console.budget import TokenBucket
    from console.gateway import Gateway
    from console.session import Connection

    child = None
    if target.sandbox:
        from console.sandbox.process import spawn

        child = spawn()
        target = replace(target, endpoint_url=child.url, region=target.region or child.region)
    try:
        connection = Connection(target, TokenBucket(settings.budget_rate, settings.budget_burst),
                                default_region=settings.region)
        connection.identify()
        yield Engine(Gateway(connection), Journal(), settings, write_permission(target, settings, flag=write))
    finally:
        if child:
            child.close()
