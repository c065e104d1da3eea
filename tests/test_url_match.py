"""From a URL to what serves it (console.read.url_match), table by table: API Gateway's documented rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.model import CustomDomain, DomainMapping, Resource, Route
from console.read.url_match import BadUrl, domain_for, execute_api, longest_mapping, match_resource, match_route, parse

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("text", "host", "segments"), [
    ("https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/orders/1",
     "abc123defg.execute-api.us-east-1.amazonaws.com", ("prod", "orders", "1")),
    ("api.shop.example.com/orders/123?expand=items#x", "api.shop.example.com", ("orders", "123")),
    ("HTTPS://API.Shop.Example.com:443//orders//", "api.shop.example.com", ("orders",)),
    ("wss://ws.shop.example.com", "ws.shop.example.com", ()),
    ("https://api.shop.example.com/files/a%20b%2Fc", "api.shop.example.com", ("files", "a b/c")),
])
def test_parse_reads_host_and_path_segments(text, host, segments):
    url = parse(text)
    assert (url.host, url.segments) == (host, segments)


@pytest.mark.parametrize(("text", "says"), [
    ("", "Give a URL"),
    ("not a url", "holds spaces"),
    ("ftp://api.shop.example.com/x", "scheme is ftp"),
    ("https://[::1", "not a URL"),
    ("https://[::1]/x", "is not a host name"),
    ("https://host:99999/", "port"),
    ("https://exa\x1bmple.com/", "control characters"),
    ("https:///orders", "is not a host name"),
    ("https://under_score.example.com/", "is not a host name"),
    ("https://*.example.com/", "is not a host name"),
])
def test_parse_refuses_what_is_not_a_url_in_words(text, says):
    with pytest.raises(BadUrl, match=says.replace("[", r"\[")):
        parse(text)


@pytest.mark.parametrize(("host", "found"), [
    ("abc123defg.execute-api.us-east-1.amazonaws.com", ("abc123defg", "us-east-1")),
    ("abc123defg.execute-api.cn-north-1.amazonaws.com.cn", ("abc123defg", "cn-north-1")),
    ("abc123defg.execute-api.us-gov-west-1.amazonaws.com", ("abc123defg", "us-gov-west-1")),
    ("abc123defg.execute-api.amazonaws.com", None),
    ("api.shop.example.com", None),
    ("abc.execute-api.us-east-1.amazonaws.com.evil.example", None),
])
def test_execute_api_hosts_name_the_api_and_region(host, found):
    assert execute_api(host) == found


def _domain(name: str, *paths: str) -> CustomDomain:
    return CustomDomain(name, ("v1",), "REGIONAL", "TLS_1_2", "", None, "", "",
                        tuple(DomainMapping(p, f"api-{p or 'root'}", "prod") for p in paths), NOW)


def test_a_host_finds_its_domain_exactly_before_a_wildcard():
    domains = [_domain("*.example.com"), _domain("api.example.com"), _domain("*.shop.example.com")]
    assert domain_for("api.example.com", domains).name == "api.example.com"
    assert domain_for("eu.shop.example.com", domains).name == "*.shop.example.com"  # the longer wildcard
    assert domain_for("other.example.com", domains).name == "*.example.com"
    assert domain_for("example.org", domains) is None


@pytest.mark.parametrize(("path", "mapping", "rest"), [
    ("/orders/123", "orders", ("123",)),
    ("/orders", "orders", ()),
    ("/orders/v2/1", "orders/v2", ("1",)),  # the longest key wins
    ("/ordersx/1", "", ("ordersx", "1")),  # whole segments only; then the root mapping
    ("/", "", ()),
    ("/payments/p-1", "", ("payments", "p-1")),
])
def test_the_longest_base_path_takes_the_request(path, mapping, rest):
    domain = _domain("api.example.com", "", "orders", "orders/v2")
    found, left = longest_mapping(domain.mappings, parse(f"api.example.com{path}").segments)
    assert (found.path, left) == (mapping, rest)


def test_without_a_root_mapping_an_unmapped_path_has_no_mapping():
    assert longest_mapping(_domain("x.example.com", "orders").mappings, ("payments",)) is None


RESOURCES = [
    Resource("r0", "/", ("GET",)),
    Resource("r1", "/orders", ("GET", "POST")),
    Resource("r2", "/orders/{orderId}", ("DELETE", "GET")),
    Resource("r3", "/orders/search", ("GET",)),
    Resource("r4", "/orders/{orderId}/items", ("ANY",)),
    Resource("r5", "/{proxy+}", ("ANY",)),
    Resource("r6", "/files/{key+}", ("GET",)),
]


@pytest.mark.parametrize(("path", "verb", "resource", "keys", "params"), [
    ("/", None, "/", ("GET /",), {}),
    ("/orders", "POST", "/orders", ("POST /orders",), {}),
    ("/orders/search", "GET", "/orders/search", ("GET /orders/search",), {}),  # literal over {param}
    ("/orders/42", None, "/orders/{orderId}", ("DELETE /orders/{orderId}", "GET /orders/{orderId}"),
     {"orderId": "42"}),
    ("/orders/42/items", "PATCH", "/orders/{orderId}/items", ("ANY /orders/{orderId}/items",), {"orderId": "42"}),
    ("/orders/42/nope", "GET", "/{proxy+}", ("ANY /{proxy+}",), {"proxy": "orders/42/nope"}),  # greedy last
    ("/files/a/b/c.txt", "GET", "/files/{key+}", ("GET /files/{key+}",), {"key": "a/b/c.txt"}),
    ("/orders/42", "PUT", "/orders/{orderId}", (), {"orderId": "42"}),  # the resource first, then its method
])
def test_rest_paths_match_literal_then_param_then_greedy(path, verb, resource, keys, params):
    matched = match_resource(RESOURCES, parse(f"h.example.com{path}").segments, verb)
    assert (matched.path, matched.keys, dict(matched.params)) == (resource, keys, params)


def test_a_greedy_parameter_needs_a_segment():
    assert match_resource([Resource("p", "/{proxy+}", ("ANY",))], ()) is None
    assert match_resource([Resource("o", "/orders", ("GET",))], ("payments",)) is None


ROUTES = [
    Route("1", "GET /products", "", "NONE"),
    Route("2", "GET /products/{id}", "", "NONE"),
    Route("3", "ANY /products/{id}", "", "NONE"),
    Route("4", "POST /cart", "", "NONE"),
    Route("5", "GET /static/{proxy+}", "", "NONE"),
    Route("6", "$default", "", "NONE"),
]


@pytest.mark.parametrize(("path", "verb", "route", "keys", "params"), [
    ("/products", "GET", "/products", ("GET /products",), {}),
    ("/products/9", "GET", "/products/{id}", ("GET /products/{id}",), {"id": "9"}),  # the verb over ANY
    ("/products/9", "DELETE", "/products/{id}", ("ANY /products/{id}",), {"id": "9"}),
    ("/products/9", None, "/products/{id}", ("GET /products/{id}", "ANY /products/{id}"), {"id": "9"}),
    ("/static/css/a.css", "GET", "/static/{proxy+}", ("GET /static/{proxy+}",), {"proxy": "css/a.css"}),
    ("/cart", "GET", "$default", ("$default",), {}),  # no route for the verb: $default
    ("/nowhere", None, "$default", ("$default",), {}),
])
def test_http_routes_match_by_path_and_verb_then_default(path, verb, route, keys, params):
    matched = match_route(ROUTES, parse(f"h.example.com{path}").segments, verb)
    assert (matched.path, matched.keys, dict(matched.params)) == (route, keys, params)


def test_without_a_default_route_an_unmatched_path_matches_nothing():
    assert match_route(ROUTES[:5], ("nowhere",), "GET") is None

