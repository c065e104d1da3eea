"""What refuses a request before any backend sees it, seeded: a WAF web ACL and customised gateway responses.

The first question about a spike of 403s is which refusal it is, and the stage screen answers it only if
the estate has the things that refuse: catalog-api's prod stage (public, scraped) sits behind a web ACL
(WAFv2 AssociateWebACL, which is how a stage gets its read-only webAclArn), and payments-api answers
its partners' refusals in its own words (PutGatewayResponse), as an API that partners code against does.
"""

from __future__ import annotations

from typing import Any

WAF_API, WAF_STAGE = "catalog-api", "prod"
WEB_ACL = "catalog-public-edge"
RESPONSES_API = "payments-api"
# responseType -> (status code, body): a JSON error the partners' SDK reads, with the request id.
GATEWAY_RESPONSES = {
    "INVALID_API_KEY": ("403", '{"error":"invalid_api_key","requestId":"$context.requestId"}'),
    "QUOTA_EXCEEDED": ("429", '{"error":"quota_exceeded","requestId":"$context.requestId"}'),
    "DEFAULT_5XX": ("503", '{"error":"unavailable","requestId":"$context.requestId"}'),
}


def seed(clients: Any, rest_ids: dict[str, str]) -> None:
    """The web ACL on catalog-api prod and payments-api's gateway responses, where those APIs are built."""
    if WAF_API in rest_ids:
        wafv2 = clients.make("wafv2")
        acl = wafv2.create_web_acl(
            Name=WEB_ACL, Scope="REGIONAL", DefaultAction={"Allow": {}},
            Description="Rate-based and managed bot rules in front of the public catalogue",
            Rules=[], VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                        "MetricName": WEB_ACL})["Summary"]
        wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=(
            f"arn:aws:apigateway:{clients.region}::/restapis/{rest_ids[WAF_API]}/stages/{WAF_STAGE}"))
    if RESPONSES_API in rest_ids:
        for response_type, (status, body) in GATEWAY_RESPONSES.items():
            clients.apigateway.put_gateway_response(
                restApiId=rest_ids[RESPONSES_API], responseType=response_type, statusCode=status,
                responseParameters={"gatewayresponse.header.Content-Type": "'application/json'"},
                responseTemplates={"application/json": body})
