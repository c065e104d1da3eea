"""Custom domain names as the API reference answers them, where moto 5.2.5 does not.

- Paging: GetDomainNames and GetBasePathMappings (v1) take `limit` and `position`; GetDomainNames and
  GetApiMappings (v2) take `maxResults` and `nextToken`. moto returns everything at once; these serve a page.
- v1 DomainName: the distribution* fields describe an edge-optimised domain's CloudFront distribution and the
  regional* fields a regional domain's; moto fills in both, so each domain keeps only those of its type.
- v2 DomainNameConfiguration: AWS answers with the ApiGatewayDomainName (the target of the DNS record) and
  the DomainNameStatus; moto echoes only what was sent.
"""

from __future__ import annotations

import hashlib
from typing import Any

from console.sandbox.fidelity.apigateway import _paged
from console.sandbox.fidelity.apigatewayv2 import _page, _window
from console.sandbox.router import Call, Reply, Router

SERVICE = "apigateway"  # v1 and v2 alike sign as "apigateway"
_V1 = r"/domainnames/(?P<name>[^/]+)"
_V2 = r"/v2/domainnames/(?P<name>[^/]+)"
_EDGE_ONLY = ("distributionDomainName", "distributionHostedZoneId", "certificateArn", "certificateName")
_REGIONAL_ONLY = ("regionalDomainName", "regionalHostedZoneId", "regionalCertificateArn", "regionalCertificateName")


def register(router: Router) -> None:
    """Register this module's handlers."""
    for method, pattern, handler in (
        ("GET", r"/domainnames", _v1_domain_names),
        ("GET", _V1, _v1_domain_name),
        ("GET", _V1 + r"/basepathmappings", _paged),
        ("GET", r"/v2/domainnames", _v2_domain_names),
        ("GET", _V2, _v2_domain_name),
        ("GET", _V2 + r"/apimappings", _v2_listed),
    ):
        router.route(SERVICE, method, pattern)(handler)


def _v1_shape(domain: dict) -> dict:
    types = (domain.get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    drop = _REGIONAL_ONLY if "EDGE" in types else _EDGE_ONLY
    return {k: v for k, v in domain.items() if k not in drop}


def _v1_domain_names(call: Call) -> Reply:
    reply = _paged(call)
    if reply.status != 200:
        return reply
    page = reply.data()
    return Reply.json({**page, "item": [_v1_shape(d) for d in page["item"]]})


def _v1_domain_name(call: Call, name: str) -> Reply:
    reply = call.forward()
    return Reply.json(_v1_shape(reply.data())) if reply.status == 200 else reply


def _v2_shape(call: Call, domain: dict) -> dict:
    """The wire shape (camelCase), each configuration with the host AWS names and its status."""
    digest = hashlib.sha256(f"{call.account}/{call.region}/{domain.get('domainName')}".encode()).hexdigest()
    configurations: list[dict[str, Any]] = [
        {"apiGatewayDomainName": f"d-{digest[:10]}.execute-api.{call.region}.amazonaws.com",
         "domainNameStatus": "AVAILABLE", **config} for config in domain.get("domainNameConfigurations") or []]
    return {**domain, "domainNameConfigurations": configurations}


def _v2_domain_names(call: Call) -> Reply:
    window = _window(call)
    reply = call.forward()
    if reply.status != 200:
        return reply
    return Reply.json(_page([_v2_shape(call, d) for d in reply.data()["items"]], *window))


def _v2_domain_name(call: Call, name: str) -> Reply:
    reply = call.forward()
    return Reply.json(_v2_shape(call, reply.data())) if reply.status == 200 else reply


def _v2_listed(call: Call, name: str) -> Reply:
    window = _window(call)
    reply = call.forward()
    return Reply.json(_page(reply.data()["items"], *window)) if reply.status == 200 else reply
