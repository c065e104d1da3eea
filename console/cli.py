"""The command line: the TUI by default, and subcommands for runbooks.

Global options (--profile, --region, --endpoint-url, --sandbox, --output) go before or after the
command. Exit codes: 0 done, 1 AWS refused or failed, 2 bad usage or no way to connect.
This module never imports Textual unless the TUI is asked for.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from typing import Iterator

from console import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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

    commands.add_parser("apis", parents=[shared], help="list the APIs (REST, HTTP, WebSocket) of the region")

    stage = commands.add_parser("stage", parents=[shared], help="describe one stage of an API")
    stage.add_argument("api", metavar="API", help="API id or name")
    stage.add_argument("stage", metavar="STAGE", help="stage name")

    sandbox = commands.add_parser("sandbox", help="serve a local AWS endpoint seeded with an API Gateway estate")
    sandbox.add_argument("--port", type=int, default=4566, help="port on 127.0.0.1 (0: any free port; default 4566)")
    sandbox.add_argument("--empty", action="store_true", help="start with no estate")
    sandbox.add_argument("--announce", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        from console.sandbox.server import serve

        return serve(args.port, seeded=not args.empty, announce=args.announce)

    from console.errors import Problem
    from console.session import Target

    if args.sandbox and args.endpoint_url:
        print("apigw-console: --sandbox and --endpoint-url name two different endpoints; choose one.",
              file=sys.stderr)
        return EXIT_USAGE
    target = Target(profile=args.profile, region=args.region, endpoint_url=args.endpoint_url, sandbox=args.sandbox)
    if args.command is None:
        from screens.app import ConsoleApp

        app = ConsoleApp(target)
        app.run()
        return app.return_code or EXIT_OK
    try:
        with _connected(target) as gateway:
            return COMMANDS[args.command](gateway, args)
    except Problem as problem:
        print(f"apigw-console: {problem}", file=sys.stderr)
        return EXIT_USAGE if problem.kind in ("credentials", "region", "bad-request") else EXIT_FAILED
    except KeyboardInterrupt:
        return 130


@contextmanager
def _connected(target) -> Iterator:
    """A Gateway on a live, identified connection; an embedded sandbox lives as long as the block."""
    from console.gateway import Gateway
    from console.session import Connection, Target

    child = None
    if target.sandbox:
        from console.sandbox.process import spawn

        child = spawn()
        target = Target(profile=None, region=target.region or child.region, endpoint_url=child.url, sandbox=True)
    try:
        connection = Connection(target)
        connection.identify()
        yield Gateway(connection)
    finally:
        if child:
            child.close()


def _print(args, value, table_renderable) -> None:
    if args.output == "json":
        from console.describe import jsonable

        print(json.dumps(jsonable(value), indent=2))
    else:
        from rich.console import Console

        Console().print(table_renderable)


def _apis(gateway, args) -> int:
    from console.describe import api_table

    apis = gateway.apis()
    _print(args, apis, api_table(apis))
    return EXIT_OK


def _stage(gateway, args) -> int:
    from rich.console import Group
    from rich.rule import Rule

    from console.describe import stage_sections
    from console.model import Protocol

    api = gateway.find_api(args.api)
    stage = gateway.stage(api, args.stage)
    deployment = None
    if api.protocol is Protocol.REST:
        deployment = next((d for d in gateway.detail(api).deployments if d.id == stage.deployment_id), None)
    limits = gateway.account_limits()
    parts = []
    for title, body in stage_sections(stage, deployment, limits):
        parts += [Rule(title, align="left", style="cyan"), body]
    _print(args, {"api": api, "stage": stage, "deployment": deployment, "account_limits": limits}, Group(*parts))
    return EXIT_OK


COMMANDS = {"apis": _apis, "stage": _stage}
