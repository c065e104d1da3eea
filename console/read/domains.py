"""Custom domain names and their mappings (v1 and v2 merged), where a stage is served, and which stage serves a URL.

AWS keeps one set of custom domain names per region that both APIs list: v1 (GetDomainNames, base path
mappings) and v2 (GetDomainNames, API mappings). Both are read, each on its own, and merged by name, so a
domain reads the same whichever API created it; one side that cannot be read is a gap (as for the APIs).
The Gateway caches the answer (`Gateway.domains`); `resolve` is the `open URL` of the CLI and the TUI.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from console.aws.errors import Problem, explain
from console.model import Api, CustomDomain, DomainMapping, Protocol, UrlMatch
from console.read import url_match

if TYPE_CHECKING:
    from console.aws.session import Connection
    from console.read.gateway import Gateway

V1_SOURCE, V2_SOURCE = "custom domains (v1)", "custom domains (v2)"
PAGE = 500
_LISTED = 12  # resources named in a "nothing matched" message, at most


def read(connection: "Connection", pages: Callable[..., list[dict]], now: datetime
         ) -> tuple[list[CustomDomain], dict[str, Problem]]:
    """Every domain of the region with its mappings, and what could not be read, by source."""
    apigw, apigwv2 = connection.apigw, connection.apigwv2
    sources = {
        V1_SOURCE: lambda: [v1_domain(raw, pages(apigw, "get_base_path_mappings", "items",
                                                 domainName=raw["domainName"]), now)
                            for raw in pages(apigw, "get_domain_names", "items")],
        V2_SOURCE: lambda: [v2_domain(raw, _api_mappings(apigwv2, raw["DomainName"]), now)
                            for raw in pages(apigwv2, "get_domain_names", "Items")],
    }
    found: dict[str, CustomDomain] = {}
    gaps: dict[str, Problem] = {}
    for name, fetch in sources.items():
        try:
            for domain in fetch():
                found[domain.name] = merge(found[domain.name], domain) if domain.name in found else domain
        except Exception as exc:
            gaps[name] = explain(exc, profile=connection.target.profile)
    if len(gaps) == len(sources):
        raise gaps[V1_SOURCE]
    return sorted(found.values(), key=lambda d: d.name), gaps


def _api_mappings(client, domain: str) -> list[dict]:
    """GetApiMappings, page by page (botocore has no paginator for it)."""
    items: list[dict] = []
    token = None
    while True:
        page = client.get_api_mappings(DomainName=domain, MaxResults=str(PAGE), **({"NextToken": token} if token else {}))
        items += page.get("Items", [])
        token = page.get("NextToken")
        if not token:
            return items


def v1_domain(raw: dict, mappings: list[dict], now: datetime) -> CustomDomain:
    types = (raw.get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    edge = "EDGE" in types
    return CustomDomain(
        name=raw["domainName"],
        versions=("v1",),
        endpoint_type="/".join(types),
        security_policy=raw.get("securityPolicy") or "",
        certificate_arn=(raw.get("certificateArn") if edge else raw.get("regionalCertificateArn")) or "",
        certificate_uploaded=raw.get("certificateUploadDate"),
        target=(raw.get("distributionDomainName") if edge else raw.get("regionalDomainName")) or "",
        status=raw.get("domainNameStatus") or "",
        mappings=tuple(DomainMapping("" if m.get("basePath") in (None, "(none)") else m["basePath"],
                                     m.get("restApiId", ""), m.get("stage", "")) for m in mappings),
        fetched_at=now,
    )


def v2_domain(raw: dict, mappings: list[dict], now: datetime) -> CustomDomain:
    config = (raw.get("DomainNameConfigurations") or [{}])[0]
    return CustomDomain(
        name=raw["DomainName"],
        versions=("v2",),
        endpoint_type=config.get("EndpointType") or "",
        security_policy=config.get("SecurityPolicy") or "",
        certificate_arn=config.get("CertificateArn") or "",
        certificate_uploaded=config.get("CertificateUploadDate"),
        target=config.get("ApiGatewayDomainName") or "",
        status=config.get("DomainNameStatus") or "",
        mappings=tuple(DomainMapping(m.get("ApiMappingKey") or "", m.get("ApiId", ""), m.get("Stage", ""))
                       for m in mappings),
        fetched_at=now,
    )


def merge(one: CustomDomain, other: CustomDomain) -> CustomDomain:
    """One domain as both APIs report it: the fields one of them left empty from the other, every mapping once
    (AWS lists a REST API's mapping in both)."""
    seen = {(m.path, m.api_id, m.stage) for m in one.mappings}
    extra = tuple(m for m in other.mappings if (m.path, m.api_id, m.stage) not in seen)
    return CustomDomain(
        name=one.name, versions=(*one.versions, *other.versions),
        endpoint_type=one.endpoint_type or other.endpoint_type,
        security_policy=one.security_policy or other.security_policy,
        certificate_arn=one.certificate_arn or other.certificate_arn,
        certificate_uploaded=one.certificate_uploaded or other.certificate_uploaded,
        target=one.target or other.target, status=one.status or other.status,
        mappings=one.mappings + extra, fetched_at=one.fetched_at)


# -- where a stage is served ------------------------------------------------------------------------


def execute_api_url(api: Api, stage: str, region: str) -> str:
    """The stage's default endpoint: REST `https://{id}.execute-api.{region}.amazonaws.com/{stage}`; an HTTP
    API's `$default` stage has no stage segment; WebSocket URLs are wss://."""
    base = (api.endpoint or f"https://{api.id}.execute-api.{region}.amazonaws.com").rstrip("/")
    if api.protocol is Protocol.WEBSOCKET and base.startswith("https://"):
        base = "wss://" + base.removeprefix("https://")
    return base if api.protocol is Protocol.HTTP and stage == "$default" else f"{base}/{stage}"


def domain_urls(api: Api, stage: str, domains: list[CustomDomain]) -> list[str]:
    """The custom-domain URLs that reach the stage: one per mapping to it."""
    scheme = "wss" if api.protocol is Protocol.WEBSOCKET else "https"
    return [f"{scheme}://{d.name}" + (f"/{m.path}" if m.path else "")
            for d in domains for m in d.mappings if m.api_id == api.id and m.stage == stage]


def served_at(gateway: "Gateway", api: Api, stage: str, refresh: bool = False) -> list[str]:
    """Every URL the stage answers on: its custom-domain URLs, then its execute-api URL."""
    return [*domain_urls(api, stage, gateway.domains(refresh)), execute_api_url(api, stage, gateway.connection.region)]


# -- which stage serves a URL -----------------------------------------------------------------------


def resolve(gateway: "Gateway", text: str, verb: str | None = None) -> UrlMatch:
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


def _by_execute_api(gateway: "Gateway", url: url_match.Url, api_id: str, region: str
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


def _by_domain(gateway: "Gateway", url: url_match.Url, region: str) -> tuple[Api, str, tuple[str, ...], str]:
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
                      f"among the APIs of {region}.", kind="not-found")
    via = f"custom domain {domain.name}, " + (f"mapping '{mapping.path}'" if mapping.path else "root mapping")
    return api, mapping.stage, rest, via


def _gaps(gateway: "Gateway", key: str) -> str:
    """What the last read of `key` could not read, as the start of a parenthesis."""
    return "".join(f"{source} could not be read: {problem.message}; " for source, problem in gateway.gaps(key).items())
