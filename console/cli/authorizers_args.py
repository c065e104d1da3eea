"""`apigw-console authorizers`: the parser declarations only (handlers in cli.authorizers).

`authorizers API` lists; `authorizers test API AUTHORIZER` runs TestInvokeAuthorizer. One parser takes
both (API names are free text, so "test" cannot be a subcommand beside a positional API).
"""

from __future__ import annotations

import argparse

from console.cli.options import handles

HANDLERS = "console.cli.authorizers"


def add_authorizers_parsers(commands, shared: argparse.ArgumentParser) -> None:
    sub = handles(commands.add_parser(
        "authorizers", parents=[shared],
        usage="apigw-console authorizers API\n       apigw-console authorizers test API AUTHORIZER "
              "(--token-stdin | --header NAME=VALUE ...)",
        help="an API's authorizers and the methods or routes using each; 'test API AUTHORIZER' runs "
             "TestInvokeAuthorizer (REST)"), f"{HANDLERS}:authorizers")
    sub.add_argument("words", nargs="+", metavar="API | test API AUTHORIZER",
                     help="an API id or name; or 'test', the API and the authorizer (id or name)")
    sub.add_argument("--token-stdin", action="store_true",
                     help="test: read the token from standard input (from a prompt without echo on a terminal), "
                          "so it stays out of the shell's history; it goes in the header the identity source names")
    sub.add_argument("--header", action="append", default=[], metavar="NAME=VALUE",
                     help="test: a header of the simulated request (repeatable), e.g. for a REQUEST authorizer")
