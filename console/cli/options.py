"""The options commands share, and how a subcommand names the handler that runs it (argparse only)."""

from __future__ import annotations

import argparse


def global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every command shares; on subcommands they default to "not given"."""
    default = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
    group = parser.add_argument_group("connection and output")
    group.add_argument("--profile", default=default(None), help="AWS profile (else AWS_PROFILE, else default)")
    group.add_argument("--region", default=default(None), help="AWS region (else AWS_REGION, else the profile's)")
    group.add_argument("--endpoint-url", default=default(None), metavar="URL",
                       help="talk to this endpoint instead of AWS (a sandbox, moto, LocalStack)")
    group.add_argument("--sandbox", action="store_true", default=default(False),
                       help="start an embedded sandbox (a local AWS endpoint with a seeded estate) and use it")
    group.add_argument("--output", choices=("table", "json", "text"), default=default("table"),
                       help="how commands print their answer (default: table); text: tab-separated, as the AWS CLI")
    group.add_argument("--query", default=default(None), metavar="EXPR",
                       help="a JMESPath expression over the JSON answer of a read command, as the AWS CLI's --query")
    group.add_argument("--no-color", action="store_true", default=default(False),
                       help="no colour (NO_COLOR in the environment says the same)")
    group.add_argument("--write", action="store_true", default=default(False),
                       help="allow changes (else read-only, unless the config or APIGW_CONSOLE_WRITE=1 allows)")


def handles(parser: argparse.ArgumentParser, handler: str, offline: bool = False) -> argparse.ArgumentParser:
    """Name the function ("module:function") that runs this subcommand; imported only when it runs.

    An `offline` command runs without connecting: `handler(args)` rather than `handler(engine, args)`.
    """
    parser.set_defaults(handler=handler, offline=offline)
    return parser


def api_stage(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("api", metavar="API", help="API id or name")
    parser.add_argument("stage", metavar="STAGE", help="stage name")


def change_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print the plan and the aws command; send nothing")
    parser.add_argument("--yes", "-y", action="store_true", help="apply without asking (after reviewing the plan)")
