"""`domains` and `open URL`: reads on the Gateway (console.read.domains), answered as every read is."""

from __future__ import annotations

from actions.engine import Engine
from console.aws.errors import Problem
from console.cli.answer import out
from console.exits import EXIT_OK
from console.read.domains import execute_api_url
from console.read.open_url import resolve
from console.render.domains import domain_listing, domains_json, match_grid, match_json
from console.render.visible import say


def domains(engine: Engine, args) -> int:
    """The domains that could be read (a side that could not is a warning, exit 0), each mapping's API
    named when the API list can be read (else its id, with a warning)."""
    gateway = engine.gateway
    found = gateway.domains()
    try:
        apis = {api.id: api for api in gateway.apis()}
    except Problem as problem:
        say(f"warning: the APIs could not be read, so mappings show API ids: {problem.message}")
        apis = {}
    out(args, domains_json(found, apis), lambda: domain_listing(found, apis))
    for source, problem in gateway.gaps("domains").items():
        say(f"warning: {source}: not available here — {problem.message}")
    return EXIT_OK


def open_url(engine: Engine, args) -> int:
    """The API, stage and resource or route serving the URL; what was tried, as a Problem, when none does."""
    match = resolve(engine.gateway, args.url, args.method)
    stage_url = execute_api_url(match.api, match.stage, engine.gateway.connection.region)
    out(args, match_json(match, stage_url), lambda: match_grid(match, stage_url))
    return EXIT_OK
