"""Authorizers (#21, item 3): the list with what uses each, TestInvokeAuthorizer in the CLI and the TUI,
against the sandbox. The estate's orders-api, payments-api and storefront HTTP API are built again in a
region of this module's own, where a fault can make any TestInvokeAuthorizer call fail loudly."""

from __future__ import annotations

import io
import json
import urllib.request

import boto3
import pytest
from once import once
from screen_helpers import SIZE, connected, run_command, screen_text, type_text, until
from textual.widgets import DataTable, Input

from console.aws.errors import Problem
from console.aws.session import Target
from console.cli import main
from console.model import Protocol
from console.read import authorizers as read
from console.sandbox import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from console.sandbox.estate import ORDERS_API, PAYMENTS_API, STOREFRONT_HTTP, Clients, build_region
from console.sandbox.estate_types import RegionEstate
from screens.api import ApiScreen
from screens.app import ConsoleApp
from screens.authorizers import AuthorizersScreen, AuthorizerTestForm

REGION = "il-central-1"  # this module's own: its APIs, and its TestInvokeAuthorizer fault, are no other test's
TOKEN = "Bearer allow-s3cr3t-t0ken"
pytestmark = pytest.mark.usefixtures("private_dirs")


@pytest.fixture(scope="module")
def built(sandbox) -> dict:
    def build():
        session = boto3.session.Session(aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)
        estate = RegionEstate(REGION, rest_apis=(ORDERS_API, PAYMENTS_API), v2_apis=(STOREFRONT_HTTP,))
        return build_region(Clients(session, sandbox.url, REGION), estate)

    return once(sandbox, __name__, build)


@pytest.fixture
def gw(built, sandbox):
    from console.aws.session import Connection
    from console.read.gateway import Gateway

    connection = Connection(Target(endpoint_url=sandbox.url, region=REGION))
    connection.identify()
    return Gateway(connection)


def run(sandbox, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["--endpoint-url", sandbox.url, "--region", REGION, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def faults(sandbox, body: dict) -> None:
    request = urllib.request.Request(f"{sandbox.url}/_sandbox/faults", data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(request).close()


# -- the list ----------------------------------------------------------------------------------------


def test_each_rest_authorizer_with_its_type_source_ttl_target_and_methods(gw):
    orders = {a.name: a for a in read.api_authorizers(gw, gw.find_api("orders-api")).authorizers}
    token = orders["orders-token"]
    assert token.type == "TOKEN" and token.identity_source == ("method.request.header.Authorization",)
    assert token.ttl == 300
    assert token.function == f"arn:aws:lambda:{REGION}:123456789012:function:orders-authorizer:live"
    assert token.validation.startswith("^Bearer ")
    assert token.used_by == ("GET /orders", "GET /orders/{orderId}", "GET /orders/{orderId}/items")

    payments = {a.name: a for a in read.api_authorizers(gw, gw.find_api("payments-api")).authorizers}
    pool = payments["shopper-pool"]
    assert pool.type == "COGNITO_USER_POOLS" and pool.function == ""
    assert pool.user_pools == (f"arn:aws:cognito-idp:{REGION}:123456789012:userpool/us-east-1_Sh0pP00l1",)
    assert pool.used_by == ("GET /payments/{paymentId}", "GET /payments/{paymentId}/refunds")
    signature = payments["psp-webhook-signature"]
    assert signature.type == "REQUEST" and signature.ttl == 0 and signature.used_by == ("POST /webhooks/psp",)
    assert signature.identity_source == ("method.request.header.X-Psp-Signature",
                                         "method.request.header.X-Psp-Timestamp")


def test_http_api_authorizers_with_issuer_audience_and_routes(gw):
    listing = read.api_authorizers(gw, gw.find_api("storefront-http"))
    found = {a.name: a for a in listing.authorizers}
    jwt = found["shopper-jwt"]
    assert jwt.type == "JWT" and jwt.ttl is None
    assert jwt.issuer == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Sh0pP00l1"
    assert jwt.audience == ("storefront-web", "storefront-ios")
    assert jwt.used_by == ("GET /cart/{cartId}", "POST /cart", "POST /checkout")
    assert found["bot-shield"].ttl == 60 and found["bot-shield"].used_by == ()


def test_the_seeded_websocket_api_checks_a_token_on_connect(gateway):
    listing = read.api_authorizers(gateway, gateway.find_api("live-notifications-ws"))
    (authorizer,) = listing.authorizers
    assert authorizer.type == "REQUEST" and authorizer.used_by == ("$connect",)
    assert authorizer.identity_source == ("route.request.querystring.token",) and authorizer.ttl is None


def test_cli_lists_as_json_and_text(sandbox, built, capsys):
    code, out, _ = run(sandbox, capsys, "authorizers", "payments-api", "--output", "json")
    assert code == 0
    answer = json.loads(out)
    assert answer["api"]["name"] == "payments-api"
    assert {a["name"]: a["used_by"] for a in answer["authorizers"]} == {
        "psp-webhook-signature": ["POST /webhooks/psp"],
        "shopper-pool": ["GET /payments/{paymentId}", "GET /payments/{paymentId}/refunds"]}
    code, out, _ = run(sandbox, capsys, "authorizers", "orders-api", "--query", "authorizers[].[name,type,ttl]",
                       "--output", "text")
    assert (code, out) == (0, "orders-token\tTOKEN\t300\n")
    code, out, _ = run(sandbox, capsys, "authorizers", "storefront-http")
    assert code == 0 and "shopper-jwt" in out and "POST /checkout" in out and "audience storefront-web" in out


def test_foreign_text_in_an_authorizer_is_shown_never_obeyed(sandbox, built, capsys, unique):
    apigw = boto3.client("apigateway", endpoint_url=sandbox.url, region_name=REGION, aws_access_key_id=ACCESS_KEY_ID,
                         aws_secret_access_key=SECRET_ACCESS_KEY)
    api_id = apigw.create_rest_api(name=unique("hostile"))["id"]
    try:
        code, out, _ = run(sandbox, capsys, "authorizers", api_id)
        assert code == 0 and "has no authorizers" in out
        apigw.create_authorizer(restApiId=api_id, name="evil\x1b]52;c;cm0gLXJmIH4=\x07[bold]x[/bold]",
                                type="TOKEN", identitySource="method.request.header.X-\x1b[2J",
                                authorizerUri="arn:aws:apigateway:il-central-1:lambda:path/2015-03-31/functions/"
                                              "arn:aws:lambda:il-central-1:123456789012:function:f\x1b[31m/invocations")
        code, out, _ = run(sandbox, capsys, "authorizers", api_id)
        assert code == 0 and "\x1b" not in out and "\x07" not in out
        assert "evil␛]52;c;cm0gLXJmIH4=␇[bold]x[/bold]" in out and "function:f␛[31m" in out
    finally:
        apigw.delete_rest_api(restApiId=api_id)


# -- TestInvokeAuthorizer ----------------------------------------------------------------------------


def test_invoke_allows_denies_and_refuses_as_the_sandbox_documents(gw):
    api = gw.find_api("orders-api")
    token = read.find(read.api_authorizers(gw, api), "orders-token")

    allowed = read.invoke(gw, api, token, read.request_headers(token, api, token="Bearer allow-1"))
    assert allowed.allowed and allowed.principal_id.startswith("user-")
    policy = json.loads(allowed.policy)
    assert policy["Statement"][0]["Effect"] == "Allow"
    assert policy["Statement"][0]["Resource"][0].startswith(f"arn:aws:execute-api:{REGION}:123456789012:{api.id}/")

    denied = read.invoke(gw, api, token, read.request_headers(token, api, token="Bearer deny-1"))
    assert denied.client_status == 403 and json.loads(denied.policy)["Statement"][0]["Effect"] == "Deny"

    refused = read.invoke(gw, api, token, read.request_headers(token, api, token="Bearer unauthorized"))
    assert refused.client_status == 401 and refused.policy == "" and refused.principal_id == ""
    # The token fails the identityValidationExpression: 401 without calling the Lambda.
    unvalidated = read.invoke(gw, api, token, read.request_headers(token, api, token="allow"))
    assert unvalidated.client_status == 401 and "validation expression" in unvalidated.log

    payments = gw.find_api("payments-api")
    pool = read.find(read.api_authorizers(gw, payments), "shopper-pool")
    claims = read.invoke(gw, payments, pool, read.request_headers(pool, payments, token="allow-me")).claims
    assert claims["token_use"] == "id" and claims["iss"].endswith("us-east-1_Sh0pP00l1")


def test_cli_test_reads_the_token_from_stdin_and_never_prints_it(sandbox, built, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    code, out, err = run(sandbox, capsys, "authorizers", "test", "orders-api", "orders-token", "--token-stdin",
                         "--output", "json")
    assert code == 0
    answer = json.loads(out)
    assert answer["clientStatus"] == 0 and answer["allowed"] and answer["principalId"].startswith("user-")
    assert "s3cr3t" not in out + err
    code, out, _ = run(sandbox, capsys, "authorizers", "test", "payments-api", "psp-webhook-signature",
                       "--header", "X-Psp-Signature=deny-this", "--header", "X-Psp-Timestamp=1700000000")
    assert code == 0 and "refused: the client would get 403 Forbidden" in out and "Deny execute-api:Invoke" in out


def test_bad_input_is_a_clear_message_and_no_test_call(sandbox, built, capsys):
    faults(sandbox, {"deny": [f"apigateway:TestInvokeAuthorizer@{REGION}"]})  # any call now would say AccessDenied
    try:
        for argv, said in (
            (("--header", "Bad Name=s3cr3t"), "'Bad Name' is not a header name"),
            (("--header", "s3cr3t"), "--header number 1 is not NAME=VALUE"),
            (("--header", "Authorization=a\x1bb-s3cr3t"), "holds a control character"),
            ((), "Give a token or at least one header"),
        ):
            code, out, err = run(sandbox, capsys, "authorizers", "test", "orders-api", "orders-token", *argv)
            assert code == 2 and said in err and "nothing was sent" in err, (argv, err)
            assert "s3cr3t" not in out + err and "AccessDenied" not in err
        code, _, err = run(sandbox, capsys, "authorizers", "test", "storefront-http", "shopper-jwt",
                           "--header", "Authorization=x")
        assert code == 2 and "REST APIs only" in err
        code, _, err = run(sandbox, capsys, "authorizers", "test", "orders-api", "no-such", "--header", "A=b")
        assert code == 1 and "no authorizer with id or name 'no-such'" in err and "orders-token" in err
        # The fault is in force: a well-formed test reaches AWS and is refused.
        code, _, err = run(sandbox, capsys, "authorizers", "test", "orders-api", "orders-token",
                           "--header", "Authorization=Bearer allow")
        assert code == 1 and "TestInvokeAuthorizer" in err
    finally:
        faults(sandbox, {})


def test_request_headers_put_the_token_where_the_identity_source_says(gw):
    api = gw.find_api("payments-api")
    signature = read.find(read.api_authorizers(gw, api), "psp-webhook-signature")
    assert read.request_headers(signature, api, token=" tok ") == {"X-Psp-Signature": "tok"}
    with pytest.raises(Problem, match="at most 8192"):
        read.request_headers(signature, api, headers={"X-Psp-Signature": "x" * 8193})
    http = gw.find_api("storefront-http")
    assert http.protocol is Protocol.HTTP
    with pytest.raises(Problem, match="REST APIs only"):
        read.request_headers(read.find(read.api_authorizers(gw, http), "shopper-jwt"), http, token="t")


# -- the TUI -----------------------------------------------------------------------------------------


async def test_the_api_screen_leads_to_its_authorizers_and_a_masked_unjournaled_test(sandbox, built):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.gateway is not None, "the connection")
        api = app.gateway.find_api("orders-api")
        app.push_screen(ApiScreen(api))
        await until(pilot, lambda: isinstance(app.screen, ApiScreen), "the API screen")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AuthorizersScreen), "the authorizers")
        table = app.screen.query_one("#authorizers", DataTable)
        await until(pilot, lambda: table.row_count == 1, "the authorizer row")
        assert "GET /orders/{orderId}/items" in screen_text(app) and "orders-token" in screen_text(app)

        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, AuthorizerTestForm), "the test form")
        await type_text(pilot, TOKEN)
        typed = app.screen.query_one("#header-0", Input)
        assert typed.value == TOKEN and typed.password
        assert "s3cr3t" not in app.export_screenshot()  # masked as typed
        await pilot.press("enter")
        await until(pilot, lambda: "allowed" in screen_text(app), "the answer")
        shown = screen_text(app)
        assert "Allow execute-api:Invoke" in shown and "user-" in shown and " ms " in shown
        assert "s3cr3t" not in shown and "s3cr3t" not in app.export_screenshot()
        assert app.engine.journal.entries() == []  # a test is not a change
        journal = app.engine.journal.path
        assert not journal.exists() or "s3cr3t" not in journal.read_text()


async def test_the_authorizers_view_picks_an_api_and_says_v2_cannot_be_tested(sandbox, built):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        await run_command(pilot, "authorizers")
        await until(pilot, lambda: isinstance(app.screen, AuthorizersScreen), "the view")
        table = app.screen.query_one("#authorizers", DataTable)
        await until(pilot, lambda: table.row_count >= 3, "the APIs")
        http = app.gateway.find_api("storefront-http")
        table.move_cursor(row=table.get_row_index(http.id))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AuthorizersScreen) and app.screen.api is not None,
                    "storefront's authorizers")
        await until(pilot, lambda: "shopper-jwt" in screen_text(app), "the JWT authorizer")
        screen = app.screen
        jwt = next(a.id for a in screen.listing.authorizers if a.name == "shopper-jwt")
        authorizers = screen.query_one("#authorizers", DataTable)
        authorizers.move_cursor(row=authorizers.get_row_index(jwt))
        await until(pilot, lambda: "audience storefront-web" in screen_text(app), "its detail")
        before = screen.listing
        await pilot.press("r")
        await until(pilot, lambda: screen.listing is not before, "the refresh")
        await pilot.pause()
        assert authorizers.cursor_row == authorizers.get_row_index(jwt)  # a refresh keeps the operator's place
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, AuthorizersScreen)  # no form: AWS tests REST authorizers only


async def test_colon_authorizers_with_an_api_opens_its_authorizers_and_an_unknown_one_says_so(sandbox, built):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        await run_command(pilot, "authorizers payments-api")
        await until(pilot, lambda: isinstance(app.screen, AuthorizersScreen) and app.screen.api is not None,
                    "payments-api's authorizers")
        assert app.screen.api.name == "payments-api"
        table = app.screen.query_one("#authorizers", DataTable)
        await until(pilot, lambda: table.row_count == 2, "its two authorizers")
        assert "shopper-pool" in screen_text(app) and "psp-webhook-signature" in screen_text(app)
        await pilot.press("escape")
        await run_command(pilot, "authorizers no-such-api")
        await until(pilot, lambda: any("no-such-api" in str(n.message) for n in app._notifications),
                    "the refusal in words")
        assert not isinstance(app.screen, AuthorizersScreen)
