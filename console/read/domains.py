"""Custom domain names and their mappings (v1 and v2 merged), and the URLs a stage is served on.

AWS keeps one set of custom domain names per region that both APIs list: v1 (GetDomainNames, base path
mappings) and v2 (GetDomainNames, API mappings). Both are read, each on its own, and merged by name, so a
domain reads the same whichever API created it; one side that cannot be read is a gap (as for the APIs).
The Gateway caches the answer (`Gateway.domains`); console.read.open_url finds the stage serving a URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from console.aws.errors import Problem, explain
from console.model import Api, CustomDomain, DomainMapping, Protocol

if TYPE_CHECKING:
    from console.aws.session import Connection

V1_SOURCE, V2_SOURCE = "custom domains (v1)", "custom domains (v2)"
PAGE = 500


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


def mapping_url(domain: CustomDomain, mapping: DomainMapping, protocol: Protocol | None = None) -> str:
    """The URL a mapping serves: the domain and its base path (wss:// for a WebSocket API)."""
    scheme = "wss" if protocol is Protocol.WEBSOCKET else "https"
    return f"{scheme}://{domain.name}" + (f"/{mapping.path}" if mapping.path else "")


def domain_urls(api: Api, stage: str, domains: list[CustomDomain]) -> list[str]:
    """The custom-domain URLs that reach the stage: one per mapping to it."""
    return [mapping_url(d, m, api.protocol) for d in domains for m in d.mappings
            if m.api_id == api.id and m.stage == stage]
