"""Which API, stage and resource or route serve a URL: the `open URL` of the CLI and the TUI.

The URL is read and matched by console.read.url_match (pure); the domains, APIs, stages and structure it
is matched against come from the Gateway (cached, paged, budgeted). Whatever is not found is a Problem that
says what was tried, in words.
"""

from __future__ import annotations

from typing import Callable

from console.aws.errors import Problem
from console.model import Api, Protocol, UrlMatch
from console.read import url_match
from console.read.domains import domain_urls, execute_api_url
from console.read.gateway import Gateway

_LISTED = 12  # resources named in a "nothing matched" message, at most


def served_at(gateway: Gateway, api: Api, stage: str, refresh: bool = False,
              unread: Callable[[str], None] | None = None) -> list[str]:
    """Every URL the stage answers on: its custom-domain URLs, then its execute-api URL. When the domains
    cannot be read, the execute-api URL alone, and `unread` is told why in words."""
    try:
        found = domain_urls(api, stage, gateway.domains(refresh))
    except Problem as problem:
        if unread is None:
            raise
        unread(f"its custom domains could not be read: {problem.message}")
        found = []
    return [*found, execute_api_url(api, stage, gateway.connection.region)]


def resolve(gateway: Gateway, text: str, verb: str | None = None) -> UrlMatch:
    """The API, stage and resource or route serving `text`; a Problem that says what was tried otherwise."""
    if verb is not None and verb.upper() not in (*url_match.VERBS, "ANY"):
        raise Problem(f"'{verb}' is not an HTTP method: use one of {', '.join(url_match.VERBS)}.", kind="bad-request")
    verb = verb.upper() if verb else None
    try:
        url = url_match.parse(text)
    except url_match.BadUrl as bad:
        raise Problem(str(bad), kind="bad-request") from None
    region = gateway.connection.region
    execute_api = url_match.execute_api(url.host)
    if execute_api:
        api, stage, rest = _by_execute_api(gateway, url, *execute_api)
        via = "execute-api"
    else:
        api, stage, rest, via = _by_domain(gateway, url, region)
    path = "/" + "/".join(rest)
    if api.protocol is Protocol.WEBSOCKET:
        return UrlMatch(url.text, api, stage, via, path, "", (), {}, note="a WebSocket API chooses a route "
                        "by each message (its route selection expression), not by the URL's path")
    detail = gateway.detail(api)
    served = f"{url.text} is served by {api.name} ({api.id}) stage {stage} via {via}"
    if api.protocol is Protocol.REST:
        matched = url_match.match_resource(detail.resources, rest, verb)
        tried = [r.path for r in detail.resources]
        refusal = "API Gateway answers it 403 (Missing Authentication Token)"
    else:
        matched = url_match.match_route(detail.routes, rest, verb)
        tried = [r.key for r in detail.routes]
        refusal = "API Gateway answers it 404 (Not Found)"
    if matched is None:
        what = f"no {'resource' if api.protocol is Protocol.REST else 'route'} of it matches {path}"
        if len(rest) < len(url.segments):
            what += f" (the path it sees: without '{'/'.join(url.segments[:len(url.segments) - len(rest)])}')"
        listed = ", ".join(tried[:_LISTED]) + (f" and {len(tried) - _LISTED} more" if len(tried) > _LISTED else "")
        raise Problem(f"{served}, but {what}: {refusal}. Tried: {listed or 'none'}.", kind="not-found")
    if not matched.keys:
        raise Problem(f"{served}, but {path} matches {matched.path}, which has no {verb} method (it has "
                      f"{', '.join(matched.offered)}): {refusal}.", kind="not-found")
    return UrlMatch(url.text, api, stage, via, path, matched.path, matched.keys, matched.params)


def _by_execute_api(gateway: Gateway, url: url_match.Url, api_id: str, region: str
                    ) -> tuple[Api, str, tuple[str, ...]]:
    here = gateway.connection.region
    if region != here:
        raise Problem(f"{url.host} is an API in {region}; the console is reading {here}. Ask again with "
                      f"--region {region} (in the console, :region {region} first).", kind="region")
    api = next((a for a in gateway.apis() if a.id == api_id), None)
    if api is None:
        raise Problem(f"{url.host} names API {api_id}, and {here} has no API with that id "
                      f"({_gaps(gateway, 'apis')}tried the REST, HTTP and WebSocket APIs of {here}).", kind="not-found")
    names = [s.name for s in gateway.stages(api)]
    first = url.segments[0] if url.segments else None
    if api.protocol is Protocol.REST:
        if first is None:
            raise Problem(f"{url.text} names no stage: a REST API's URL is https://{url.host}/STAGE/path "
                          f"(stages of {api.name}: {', '.join(names) or 'none'}).", kind="not-found")
        if first not in names:
            raise Problem(f"{api.name} ({api.id}) has no stage '{first}' (its stages: {', '.join(names) or 'none'}).",
                          kind="not-found")
        return api, first, url.segments[1:]
    if first is not None and first in names and first != "$default":
        return api, first, url.segments[1:]
    if "$default" in names:
        return api, "$default", url.segments
    raise Problem(f"{api.name} ({api.id}) has no stage '{first or ''}' and no $default stage to serve {url.path} "
                  f"(its stages: {', '.join(names) or 'none'}).", kind="not-found")


def _by_domain(gateway: Gateway, url: url_match.Url, region: str) -> tuple[Api, str, tuple[str, ...], str]:
    domains = gateway.domains()
    domain = url_match.domain_for(url.host, domains)
    if domain is None:
        known = ", ".join(d.name for d in domains) or "none"
        raise Problem(f"{url.host} is neither an API Gateway host ({url_match.EXECUTE_API_FORM}) nor a custom "
                      f"domain name of {region} ({_gaps(gateway, 'domains')}its custom domains: {known}). A custom "
                      "domain belongs to one region: if it is served from another, ask with --region.",
                      kind="not-found")
    picked = url_match.longest_mapping(domain.mappings, url.segments)
    if picked is None:
        paths = ", ".join(f"'{m.path}'" for m in domain.mappings) or "none"
        raise Problem(f"No mapping of {domain.name} serves {url.path} (its base paths and API mapping keys: "
                      f"{paths}); API Gateway answers such a request 403.", kind="not-found")
    mapping, rest = picked
    api = next((a for a in gateway.apis() if a.id == mapping.api_id), None)
    if api is None:
        raise Problem(f"{domain.name}'s mapping '{mapping.path}' points at API {mapping.api_id}, which is not "
                      f"among the APIs of {region} ({_gaps(gateway, 'apis')}tried the REST, HTTP and WebSocket "
                      "APIs).", kind="not-found")
    via = f"custom domain {domain.name}, " + (f"mapping '{mapping.path}'" if mapping.path else "root mapping")
    return api, mapping.stage, rest, via


def _gaps(gateway: Gateway, key: str) -> str:
    """What the last read of `key` could not read, as the start of a parenthesis."""
    return "".join(f"{source} could not be read: {problem.message}; " for source, problem in gateway.gaps(key).items())
