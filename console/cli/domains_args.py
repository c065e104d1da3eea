"""`apigw-console domains` and `open`: the parser declarations only (handlers in cli.domains)."""

from __future__ import annotations

import argparse

from console.cli.options import handles

HANDLERS = "console.cli.domains"


def add_domains_parsers(commands, shared: argparse.ArgumentParser) -> None:
    handles(commands.add_parser(
        "domains", parents=[shared],
        help="the region's custom domain names (v1 and v2): endpoint, TLS policy, certificate, and the base "
             "paths and API mappings that lead to each API's stage"),
        f"{HANDLERS}:domains")
    sub = handles(commands.add_parser(
        "open", parents=[shared],
        help="which API, stage and method or route serve a URL (execute-api or a custom domain), with its "
             "path parameters"),
        f"{HANDLERS}:open_url")
    sub.add_argument("url", metavar="URL", help="e.g. https://api.shop.example.com/orders/123")
    sub.add_argument("--method", metavar="VERB", help="the request's HTTP method (default: every method of the "
                                                       "resource or route the path matches)")
