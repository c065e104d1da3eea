"""Why each 4xx: the cause of a refusal ($context.error.responseType) read from access-log lines, filtered
and counted by; the pulse's cause counted from the sandbox's logs, and "cause not logged" for a format
without it; the format the console proposes records it; the stage shows its web ACL and customised
gateway responses. (The expired-keys rehearsal is tests/sandbox/test_expired_keys.py.)"""

from __future__ import annotations

import json
import time
from collections import namedtuple

import pytest
from once import once
from screen_helpers import SIZE, connected, palette, screen_text, until

from console.aws.session import Target
from console.cli import main
from console.logs.access_log import logs_cause, parser_for, recommended_format
from console.logs.filter import LineFilter
from console.logs.stats import Rollup
from console.read.metrics import StageRef
from console.read.pulse import Causes, client_errors_in, complete_minutes
from console.render.pulse import cause
from console.sandbox.estate import (
    API_KEYS,
    CATALOG_API,
    ORDERS_API,
    PAYMENTS_API,
    REST_DETAILED_FORMAT,
    REST_STANDARD_FORMAT,
    USAGE_PLANS,
    seed_region,
)
from console.sandbox.estate_types import RegionEstate
from console.sandbox.estate_guards import GATEWAY_RESPONSES, WEB_ACL
from console.sandbox.history import RESPONSE_TYPES
from console.sandbox.traffic.runner import Traffic, seeded_profiles
from screens.app import ConsoleApp
from screens.catalog import ApiKeysScreen
from screens.stage import StageScreen

REGION = "us-east-1"  # the seeded estate, only read here
SIMULATED = 900  # seconds: ~7 of each authorizer refusal (2 in AUTH_EVERY of ~100 authorized GETs a minute)
TRAFFIC = "eu-south-2"  # the REST estate seeded again for this module's traffic; no other test uses it
Line = namedtuple("Line", "facts message")


def _line(status: str, response_type: str) -> str:
    return ('{"requestId":"r1","extendedRequestId":"e1","ip":"203.0.113.7","userAgent":"okhttp/4.12.0",'
            '"apiKeyId":"k1","requestTime":"04/Dec/2026:14:03:07 +0000","requestTimeEpoch":"1796392987000",'
            '"httpMethod":"POST","resourcePath":"/payments","path":"/prod/payments","status":"' + status + '",'
            '"protocol":"HTTP/1.1","responseLength":"40","responseLatency":"6","integrationLatency":"-",'
            '"integrationStatus":"-","errorMessage":"Forbidden","responseType":"' + response_type + '"}')


def test_a_line_says_which_refusal_it_is_and_a_backend_answer_has_none():
    parser = parser_for(REST_DETAILED_FORMAT)
    refused = _line("403", "INVALID_API_KEY")
    assert parser.parse(refused).cause == "INVALID_API_KEY"
    assert parser.facts(refused).cause == "INVALID_API_KEY"
    assert parser.parse(_line("404", "-")).cause is None
    assert logs_cause(REST_DETAILED_FORMAT) and not logs_cause(REST_STANDARD_FORMAT)


def test_the_formats_the_console_proposes_record_the_cause():
    rest, http = recommended_format(http=False), recommended_format(http=True)
    assert logs_cause(rest) and logs_cause(http)
    assert "$context.authorizer.error" in rest and "$context.authorizer.error" in http
    assert "$context.waf.status" in rest and "$context.wafResponseCode" in rest
    assert "waf" not in http  # HTTP APIs have no web ACL: AWS refuses the variable there


def test_the_log_filter_keeps_one_cause_here_and_in_the_pattern_sent_to_cloudwatch():
    parser = parser_for(REST_DETAILED_FORMAT)
    typed = LineFilter.parse("4xx cause:invalid_api_key")
    assert typed.cause == "INVALID_API_KEY" and typed.statuses == {"4xx"}
    assert LineFilter.parse(typed.typed()) == typed
    lines = [Line(parser.facts(m), m) for m in (_line("403", "INVALID_API_KEY"), _line("403", "WAF_FILTERED"),
                                               _line("429", "THROTTLED"), _line("404", "-"))]
    assert [line.facts.cause for line in lines if typed.matches(line)] == ["INVALID_API_KEY"]
    assert '$.responseType = "INVALID_API_KEY"' in typed.pattern(parser)
    assert "cause INVALID_API_KEY" in typed.describe()


def test_the_charts_count_the_4xx_by_cause_most_first():
    parser = parser_for(REST_DETAILED_FORMAT)
    rollup = Rollup()
    at = 1_796_392_987
    for status, response_type, times in (("403", "INVALID_API_KEY", 5), ("429", "THROTTLED", 2), ("404", "-", 3),
                                         ("200", "-", 9)):
        for _ in range(times):
            rollup.add(parser.facts(_line(status, response_type)), at * 1000)
    assert rollup.causes(at + 60, 300) == [("INVALID_API_KEY", 5), (None, 3), ("THROTTLED", 2)]


def test_a_pulse_row_says_its_leading_cause_with_its_count_or_that_it_is_not_logged():
    parser = parser_for(REST_DETAILED_FORMAT)
    lines = [Line(parser.facts(_line(*row)), "") for row in
             [("403", "INVALID_API_KEY")] * 3 + [("429", "THROTTLED"), ("200", "-")]]
    found = Causes.of(lines, logged=True)
    assert found.leading == ("INVALID_API_KEY", 3) and found.total == 4
    assert found.to_json() == {"logged": True, "lines_4xx": 4, "leading": "INVALID_API_KEY", "leading_count": 3,
                               "by_cause": {"INVALID_API_KEY": 3, "THROTTLED": 1}}
    assert Causes.of(lines, logged=False).to_json() == {"logged": False}


@pytest.fixture
def gateway(sandbox):
    from console.aws.session import Connection
    from console.read.gateway import Gateway

    connection = Connection(Target(endpoint_url=sandbox.url, region=REGION))
    connection.identify()
    return Gateway(connection)


def _ref(gateway, api_name: str, stage: str) -> StageRef:
    api = next(a for a in gateway.apis() if a.name == api_name)
    return StageRef(api.id, api.name, stage)


def test_the_pulse_counts_causes_from_the_sandbox_log_and_never_guesses_one(gateway):
    window = complete_minutes(170)  # the seeded history's minutes
    throttled, causes = client_errors_in(gateway.connection, gateway, _ref(gateway, "payments-api", "prod"), window)
    assert causes.logged and causes.total > 0 and causes.total >= throttled
    known = set(RESPONSE_TYPES.values()) | {"WAF_FILTERED", "DEFAULT_4XX", None}
    assert {name for name, _ in causes.counts} <= known
    _, standard = client_errors_in(gateway.connection, gateway, _ref(gateway, "orders-api", "staging"), window)
    assert standard == Causes(logged=False)  # AWS console's standard format: no responseType
    row = type("Row", (), {"causes": standard})()
    assert cause(row).plain == "cause not logged"


def test_the_stage_command_shows_the_web_acl_and_the_customised_gateway_responses(sandbox, capsys):
    assert main(["--endpoint-url", sandbox.url, "--region", REGION, "stage", "catalog-api", "prod",
                 "--output", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert f"/webacl/{WEB_ACL}/" in shown["stage"]["web_acl"]
    assert main(["--endpoint-url", sandbox.url, "--region", REGION, "stage", "payments-api", "prod",
                 "--output", "json"]) == 0
    assert {(r["type"], r["status"]) for r in json.loads(capsys.readouterr().out)["gateway_responses"]
            if not r["default"]} == {(t, status) for t, (status, _) in GATEWAY_RESPONSES.items()}
    assert main(["--endpoint-url", sandbox.url, "--region", REGION, "stage", "payments-api", "prod"]) == 0
    out = capsys.readouterr().out
    for response_type, (status, _) in GATEWAY_RESPONSES.items():
        assert f"{response_type} {status}" in out
    refusals = out[out.index("Refusals"):]
    assert refusals.split("\n")[1].split()[-1] == "none"  # payments-api prod has no web ACL


async def test_the_stage_screen_shows_the_web_acl(sandbox, private_dirs, unpaced):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        api = next(a for a in app.gateway.apis() if a.name == "catalog-api")
        await app.push_screen(StageScreen(api, "prod"))
        await until(pilot, lambda: app.screen.stage is not None, "the stage")
        text = screen_text(app)
        assert "WAF web ACL" in text and WEB_ACL in text
        assert "none customised" in text  # catalog-api answers refusals with API Gateway's defaults


def _traffic(url: str) -> float:
    """orders-api and catalog-api prod's traffic over SIMULATED seconds no seeded history has: their start."""
    seed_region(url, RegionEstate(TRAFFIC, rest_apis=(ORDERS_API, PAYMENTS_API, CATALOG_API),
                                  usage_plans=USAGE_PLANS, api_keys=API_KEYS))
    profiles = {(TRAFFIC, name, stage): profile for (_, name, stage), profile in seeded_profiles().items()
                if name in (ORDERS_API.name, CATALOG_API.name) and stage == "prod"}
    start = time.time() + 60
    Traffic(url, regions=(TRAFFIC,), profiles=profiles).step(SIMULATED, start + SIMULATED)
    return start


def test_the_sandbox_traffic_names_each_refusal(sandbox, aws):
    start = once(sandbox, __name__, lambda: _traffic(sandbox.url))

    def lines(api: str) -> list[dict]:
        pages = aws("logs", TRAFFIC).get_paginator("filter_log_events").paginate(
            logGroupName=f"/aws/apigateway/{api}/prod/access", startTime=int(start * 1000),
            endTime=int((start + SIMULATED) * 1000))
        return [json.loads(event["message"]) for page in pages for event in page["events"]]

    orders, catalog = lines(ORDERS_API.name), lines(CATALOG_API.name)
    by_cause = {(line["status"], line["responseType"]) for line in orders + catalog}
    # orders-api's GET methods sit behind a Lambda TOKEN authorizer: no token, or a policy that denies
    assert {("401", "UNAUTHORIZED"), ("403", "ACCESS_DENIED")} <= by_cause
    assert ("403", "WAF_FILTERED") in {(line["status"], line["responseType"]) for line in catalog}  # its web ACL
    assert all(line["responseType"] != "WAF_FILTERED" for line in orders)  # no web ACL there
    assert all(line["responseType"] == "-" for line in orders + catalog if line["status"][0] == "2")


async def test_the_palette_opens_the_keys_of_a_stages_usage_plans(sandbox, private_dirs, unpaced):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        await palette(pilot, "API keys payments-api prod")
        await until(pilot, lambda: isinstance(app.screen, ApiKeysScreen) and app.screen.answer is not None, "the keys")
        assert (app.screen.stage[0].name, app.screen.stage[1]) == ("payments-api", "prod")
        shown = screen_text(app)
        assert "acme-corp-prod" in shown and "initech-billing" not in shown  # partner-silver has no payments-api
