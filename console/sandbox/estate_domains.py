"""The estate's custom domain names: base path mappings to the REST APIs (v1), API mappings to the HTTP and
WebSocket APIs (v2), built through the public API after the APIs and their stages exist.

One storefront domain per kind of mapping an on-call engineer meets: two REST APIs under one host, one at
the root and one under a base path, which API Gateway removes before matching (api.shop.example.com/orders/123
→ orders-api prod /orders/{orderId}; /psp/payments/p-1 → payments-api prod /payments/{paymentId}); an
edge-optimised domain; an HTTP API at the root with a preview under a two-segment API mapping key; and a
WebSocket API. The EU region has its own domain: a custom domain belongs to one region, as `open` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.sandbox import ACCOUNT_ID

_CERTIFICATES = {  # ACM certificates (the ids are the sandbox's own)
    "us-east-1": f"arn:aws:acm:us-east-1:{ACCOUNT_ID}:certificate/6c1e4f0a-2b8d-4f3e-9a51-0d7c2e8b4a11",
    "eu-west-1": f"arn:aws:acm:eu-west-1:{ACCOUNT_ID}:certificate/93b0d5e2-7c4a-4e19-8f26-5a1b3c9d0e72",
}


@dataclass(frozen=True)
class Domain:
    name: str
    version: str  # "v1": base path mappings to REST APIs; "v2": API mappings
    endpoint_type: str
    security_policy: str
    mappings: tuple[tuple[str, str, str], ...]  # (base path or mapping key, "" for the root; API name; stage)


DOMAINS = {
    "us-east-1": (
        Domain("api.shop.example.com", "v1", "REGIONAL", "TLS_1_2",
               (("", "orders-api", "prod"), ("psp", "payments-api", "prod"))),
        Domain("staging-api.shop.example.com", "v1", "REGIONAL", "TLS_1_2",
               (("", "orders-api", "staging"), ("psp", "payments-api", "staging"))),
        Domain("catalog.shop.example.com", "v1", "EDGE", "TLS_1_0", (("", "catalog-api", "prod"),)),
        Domain("shop.example.com", "v2", "REGIONAL", "TLS_1_2",
               (("", "storefront-http", "prod"), ("preview/next", "storefront-http", "$default"))),
        Domain("ws.shop.example.com", "v2", "REGIONAL", "TLS_1_2", (("", "live-notifications-ws", "prod"),)),
    ),
    "eu-west-1": (
        Domain("eu.api.shop.example.com", "v1", "REGIONAL", "TLS_1_2", (("", "orders-api-eu", "prod"),)),
    ),
}


def seed(clients: Any, rest_ids: dict[str, str], v2_ids: dict[str, str]) -> None:
    """The custom domains of `clients`' region and their mappings (none where DOMAINS names no region);
    `rest_ids` and `v2_ids` are the APIs' ids by name."""
    apigateway, apigatewayv2 = clients.apigateway, clients.apigatewayv2
    certificate = _CERTIFICATES.get(clients.region, "")
    for domain in DOMAINS.get(clients.region, ()):
        if not all(api in (rest_ids if domain.version == "v1" else v2_ids) for _path, api, _stage in domain.mappings):
            continue  # a fleet's smaller estate: the domain is the seeded estate's own
        if domain.version == "v1":
            edge = domain.endpoint_type == "EDGE"
            apigateway.create_domain_name(
                domainName=domain.name, securityPolicy=domain.security_policy,
                endpointConfiguration={"types": [domain.endpoint_type]},
                **({"certificateArn": _CERTIFICATES["us-east-1"]} if edge else {"regionalCertificateArn": certificate}))
            for path, api, stage in domain.mappings:
                apigateway.create_base_path_mapping(domainName=domain.name, restApiId=rest_ids[api], stage=stage,
                                                    **({"basePath": path} if path else {}))
        else:
            apigatewayv2.create_domain_name(DomainName=domain.name, DomainNameConfigurations=[{
                "CertificateArn": certificate, "EndpointType": domain.endpoint_type,
                "SecurityPolicy": domain.security_policy}])
            for path, api, stage in domain.mappings:
                apigatewayv2.create_api_mapping(DomainName=domain.name, ApiId=v2_ids[api], Stage=stage,
                                                ApiMappingKey=path)
