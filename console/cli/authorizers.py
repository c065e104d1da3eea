"""What `apigw-console authorizers` does: list an API's authorizers, or test one (TestInvokeAuthorizer).

A test is an AWS call, not a change: no plan and no journal. The token is read from standard input
(a prompt without echo on a terminal), never from the command line, and is not printed: the answer
shows what the authorizer returned, not what was sent.
"""

from __future__ import annotations

import getpass
import sys

from actions.engine import Engine
from console.aws.errors import Problem
from console.cli.answer import emit
from console.cli.answer import out
from console.cli.output import sections
from console.exits import EXIT_OK
from console.read import authorizers as read
from console.render.authorizers import authorizers_json, authorizers_table, result_json, result_table
from console.render.text import terminal


def authorizers(engine: Engine, args) -> int:
    words = args.words
    if words[0] == "test" and len(words) == 3:
        return _test(engine, args, api_ref=words[1], authorizer_ref=words[2])
    if len(words) != 1:
        raise Problem("Usage: authorizers API, or authorizers test API AUTHORIZER (--token-stdin | --header "
                      "NAME=VALUE).", kind="bad-request")
    if args.token_stdin or args.header:
        raise Problem("--token-stdin and --header belong to 'authorizers test API AUTHORIZER'.", kind="bad-request")
    listing = read.api_authorizers(engine.gateway, engine.gateway.find_api(words[0]))
    out(args, authorizers_json(listing), lambda: authorizers_table(listing))
    return EXIT_OK


def _test(engine: Engine, args, *, api_ref: str, authorizer_ref: str) -> int:
    headers = _headers(args.header)  # the typed input first: a mistake costs no call
    token = _token() if args.token_stdin else None
    gateway = engine.gateway
    api = gateway.find_api(api_ref)
    authorizer = read.find(read.api_authorizers(gateway, api), authorizer_ref)
    result = read.invoke(gateway, api, authorizer, read.request_headers(authorizer, api, token=token, headers=headers))
    if args.output != "table" or args.query:
        emit(args, result_json(result))
    else:
        title = f"Test of {authorizer.name} ({authorizer.id}) on {api.name}"
        terminal().print(sections([(title, result_table(result))]))
    return EXIT_OK


def _headers(pairs: list[str]) -> dict[str, str]:
    """NAME=VALUE pairs; a malformed one is refused without repeating it (it may hold a secret)."""
    headers: dict[str, str] = {}
    for number, pair in enumerate(pairs, 1):
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise Problem(f"--header number {number} is not NAME=VALUE; nothing was sent.", kind="bad-request")
        headers[name.strip()] = value
    return headers


def _token() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Token (not shown): ")
    return sys.stdin.readline().rstrip("\r\n")
