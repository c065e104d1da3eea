"""Access-log parsing round-trips: any set of $context variables, in JSON, CLF, CSV and XML formats."""

from __future__ import annotations

import json
import string
import uuid
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from console.logs.access_log import (
    RECOMMENDED_HTTP_JSON_FORMAT,
    RECOMMENDED_JSON_FORMAT,
    VARIABLE,
    Facts,
    clf_time,
    parser_for,
)
from console.sandbox import history
from console.sandbox.estate import HTTP_API_FORMAT, REST_DETAILED_FORMAT, REST_STANDARD_FORMAT

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WORD = st.text(string.ascii_letters + string.digits + "._:/-+=", min_size=1, max_size=24)
NUMBER = st.integers(0, 60_000).map(str)
MOMENTS = st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(lambda d: d.replace(microsecond=0,
                                                                                             tzinfo=UTC))
PHRASE = st.lists(WORD, min_size=1, max_size=5).map(" ".join)  # values with spaces: quoted where the format is CLF

# Each variable, how its values look, and whether they may hold a space.
VALUES = {
    "requestId": (st.uuids(version=4).map(str), False),
    "extendedRequestId": (st.text(string.ascii_letters + string.digits + "=", min_size=16, max_size=16), False),
    "identity.sourceIp": (st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))), False),
    "identity.userAgent": (PHRASE, True),
    "identity.apiKeyId": (st.one_of(st.just("-"), WORD), False),
    "identity.caller": (st.one_of(st.just("-"), WORD), False),
    "requestTime": (MOMENTS.map(lambda d: f"{d:%d}/{MONTHS[d.month - 1]}/{d:%Y:%H:%M:%S} +0000"), True),
    "requestTimeEpoch": (MOMENTS.map(lambda d: str(int(d.timestamp() * 1000))), False),
    "httpMethod": (st.sampled_from(("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")), False),
    "resourcePath": (st.lists(st.sampled_from(("orders", "{orderId}", "items", "v1")), min_size=1, max_size=4)
                     .map(lambda parts: "/" + "/".join(parts)), False),
    "routeKey": (st.tuples(st.sampled_from(("GET", "POST")), st.sampled_from(("/orders", "/items/{id}")))
                 .map(" ".join), True),
    "path": (WORD.map(lambda w: "/prod/" + w), False),
    "status": (st.integers(100, 599).map(str), False),
    "protocol": (st.sampled_from(("HTTP/1.1", "HTTP/2.0")), False),
    "responseLength": (NUMBER, False),
    "responseLatency": (st.one_of(st.just("-"), NUMBER), False),
    "integrationLatency": (st.one_of(st.just("-"), NUMBER), False),
    "integration.latency": (st.one_of(st.just("-"), NUMBER), False),
    "integration.status": (st.one_of(st.just("-"), st.integers(100, 599).map(str)), False),
    "error.message": (st.one_of(st.just("-"), PHRASE), True),
    "integrationErrorMessage": (st.one_of(st.just("-"), PHRASE), True),
    "stage": (WORD, False),
    "domainName": (WORD, False),
    "deploymentId": (WORD, False),
    "wafResponseCode": (st.sampled_from(("-", "WAF_ALLOW", "WAF_BLOCK")), False),
}
NAMES = sorted(VALUES)


def key(name: str) -> str:
    return name.replace(".", "_")


def json_format(names: list[str], unquoted: set[str]) -> str:
    return "{" + ",".join(f'"{key(n)}":' + (f"$context.{n}" if n in unquoted else f'"$context.{n}"')
                          for n in names) + "}"


def clf_format(names: list[str]) -> str:
    def field(name: str) -> str:
        if not VALUES[name][1]:
            return f"$context.{name}"
        return f"[$context.{name}]" if name == "requestTime" else f'"$context.{name}"'

    return " ".join(field(n) for n in names)


def csv_format(names: list[str]) -> str:
    return ",".join(f"$context.{n}" for n in names)


def xml_format(names: list[str]) -> str:
    first, rest = names[0], names[1:]
    return f'<request id="$context.{first}"> ' + " ".join(f"<{key(n)}>$context.{n}</{key(n)}>" for n in rest) \
        + " </request>"


@st.composite
def formatted(draw, kind: str):
    """(format, the values its line holds): a random ordered set of variables and a value for each."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=12, unique=True))
    values = {n: draw(VALUES[n][0]) for n in names}
    if kind == "json":
        numeric = {n for n in names if values[n].isdigit()}
        return json_format(names, draw(st.sets(st.sampled_from(sorted(numeric))) if numeric else st.just(set()))), \
            values
    if kind == "csv":  # CSV has no quoting: a value's spaces are fine, its commas would not be
        return csv_format(names), values
    if kind == "xml":
        return xml_format(names), values
    return clf_format(names), values


def render(log_format: str, values: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: values[m.group(1)], log_format)


def check(log_format: str, values: dict[str, str]) -> None:
    parser, line = parser_for(log_format), render(log_format, values)
    entry = parser.parse(line)
    assert entry is not None, (log_format, values)
    assert parser.facts(line) == Facts(entry.status, entry.latency_ms, entry.route, entry.method)
    assert dict(entry.fields) == values
    real = {n: v for n, v in values.items() if v != "-"}
    assert entry.status == (int(real["status"]) if "status" in real else None)
    assert entry.latency_ms == (float(real["responseLatency"]) if "responseLatency" in real else None)
    integration = real.get("integrationLatency") or real.get("integration.latency")
    assert entry.integration_latency_ms == (float(integration) if integration else None)
    assert entry.request_id == (real.get("requestId") or real.get("extendedRequestId"))
    assert entry.ip == real.get("identity.sourceIp")
    assert entry.api_key_id == real.get("identity.apiKeyId")
    assert entry.route == (real.get("routeKey") or real.get("resourcePath") or real.get("path"))
    from_route = real["routeKey"].split(" ")[0] if "routeKey" in real else None  # an HTTP route key names its verb
    assert entry.method == (real.get("httpMethod") or from_route)
    assert entry.error_message == (real.get("error.message") or real.get("integrationErrorMessage"))
    if "requestTimeEpoch" in real:
        assert entry.time == datetime.fromtimestamp(int(real["requestTimeEpoch"]) / 1000, UTC)
    elif "requestTime" in real:
        assert entry.time == clf_time(real["requestTime"])
    else:
        assert entry.time is None


@settings(max_examples=150, deadline=None)
@given(formatted("json"))
def test_json_formats_round_trip(case):
    check(*case)


@settings(max_examples=150, deadline=None)
@given(formatted("clf"))
def test_clf_formats_round_trip(case):
    check(*case)


@settings(max_examples=150, deadline=None)
@given(formatted("csv"))
def test_csv_formats_round_trip(case):
    check(*case)


@settings(max_examples=150, deadline=None)
@given(formatted("xml"))
def test_xml_formats_round_trip(case):
    check(*case)


def sandbox_context() -> dict[str, str]:
    return {"requestId": str(uuid.uuid4()), "identity.sourceIp": "203.0.113.9", "requestTime": "12/Mar/2026:10:11:12 +0000",
            "requestTimeEpoch": "1773310272345", "httpMethod": "POST", "resourcePath": "/payments",
            "routeKey": "POST /payments", "status": "502", "responseLatency": "1290", "integrationLatency": "1280",
            "integration.latency": "1280", "error.message": "Internal server error",
            "integrationErrorMessage": "Internal server error", "identity.apiKeyId": "k1"}


def test_the_sandbox_formats_and_the_recommended_ones_parse():
    for log_format in (REST_STANDARD_FORMAT, REST_DETAILED_FORMAT, HTTP_API_FORMAT, RECOMMENDED_JSON_FORMAT,
                       RECOMMENDED_HTTP_JSON_FORMAT):
        entry = parser_for(log_format).parse(history.render(log_format, sandbox_context()))
        assert entry.status == 502 and entry.method == "POST"
        assert entry.route in ("/payments", "POST /payments")
        assert entry.status_class == "5xx"


def test_a_json_line_in_another_key_order_still_parses():
    line = history.render(REST_DETAILED_FORMAT, sandbox_context())
    reordered = json.dumps(dict(reversed(json.loads(line).items())))
    entry = parser_for(REST_DETAILED_FORMAT).parse(reordered)
    assert entry.status == 502 and entry.latency_ms == 1290 and entry.error_message == "Internal server error"
    assert parser_for(REST_DETAILED_FORMAT).facts(reordered) == Facts(502, 1290.0, "/payments", "POST")


def test_escaped_json_values_and_the_quoted_error_string():
    log_format = '{"requestId":"$context.requestId","ua":"$context.identity.userAgent",' \
                 '"error":$context.error.messageString,"status":"$context.status"}'
    line = '{"requestId":"r1","ua":"say \\"hi\\"","error":"Missing Authentication Token","status":"403"}'
    entry = parser_for(log_format).parse(line)
    assert parser_for(log_format).facts(line) == Facts(403, None, None, None)
    assert entry.fields["identity.userAgent"] == 'say "hi"'
    assert entry.error_message == "Missing Authentication Token"
    assert entry.status == 403


def test_a_line_of_another_format_is_not_an_entry():
    assert parser_for(REST_STANDARD_FORMAT).parse("START RequestId: 1 Version: $LATEST") is None
    clf = '$context.identity.sourceIp [$context.requestTime] "$context.httpMethod $context.resourcePath" $context.status'
    assert parser_for(clf).parse("not a line") is None
    assert parser_for(clf).facts("not a line") is None and parser_for(REST_STANDARD_FORMAT).facts("START") is None
