"""Custom domains and URL → stage (issue #21 items 1 and 2): the sandbox's seeded domains over HTTP, the
`domains` and `open` commands, and `:domains`, `:open` and the stage's "Served at" in the TUI.

Everything here only reads the seeded estate (us-east-1 and eu-west-1): no module region of its own."""

from __future__ import annotations

import json

import pytest
from screen_helpers import SIZE, connected, run_command, screen_text, until
from test_partial_failure import faults
from textual.widgets import OptionList

from console.aws.session import Target
from console.cli import main
from console.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from screens.app import ConsoleApp
from screens.domains import DomainsScreen, MatchedStageScreen
from screens.served import CopyUrl, ServedAt
from screens.stage import StageScreen

REGION = "us-east-1"  # the seeded estate's, read only


@pytest.fixture
def run(sandbox, capsys):
    def run(*argv: str, region: str = REGION) -> tuple[int, str, str]:
        code = main([*argv, "--endpoint-url", sandbox.url, "--region", region])
        out, err = capsys.readouterr()
        return code, out, err

    return run


# -- the sandbox answers as the API reference says ----------------------------------------------------


def test_domain_lists_are_paged_as_the_api_reference_says(aws):
    """GetDomainNames and GetBasePathMappings page by limit/position (v1), GetDomainNames and GetApiMappings
    by MaxResults/NextToken (v2)."""
    v1, v2 = aws("apigateway", REGION), aws("apigatewayv2", REGION)
    first = v1.get_domain_names(limit=1)
    assert len(first["items"]) == 1 and first["position"]
    rest = v1.get_domain_names(limit=500, position=first["position"])
    assert first["items"][0]["domainName"] not in {d["domainName"] for d in rest["items"]} and "position" not in rest
    mappings = v1.get_base_path_mappings(domainName="api.shop.example.com", limit=1)
    assert len(mappings["items"]) == 1 and mappings["position"]
    page = v2.get_domain_names(MaxResults="1")
    assert len(page["Items"]) == 1 and page["NextToken"]
    page = v2.get_api_mappings(DomainName="shop.example.com", MaxResults="1")
    assert len(page["Items"]) == 1 and page["NextToken"]
    assert "NextToken" not in v2.get_api_mappings(DomainName="shop.example.com", NextToken=page["NextToken"])


def test_a_domain_reports_the_fields_of_its_endpoint_type(aws):
    """v1: distribution* for an edge-optimised domain, regional* for a regional one; v2: the target host and
    status of each DomainNameConfiguration."""
    v1 = {d["domainName"]: d for d in aws("apigateway", REGION).get_domain_names(limit=500)["items"]}
    regional, edge = v1["api.shop.example.com"], v1["catalog.shop.example.com"]
    assert regional["regionalDomainName"].endswith(f".execute-api.{REGION}.amazonaws.com")
    assert "distributionDomainName" not in regional
    assert edge["distributionDomainName"].endswith(".cloudfront.net") and "regionalDomainName" not in edge
    config = aws("apigatewayv2", REGION).get_domain_name(DomainName="shop.example.com")["DomainNameConfigurations"][0]
    assert config["ApiGatewayDomainName"].endswith(f".execute-api.{REGION}.amazonaws.com")
    assert config["DomainNameStatus"] == "AVAILABLE" and config["EndpointType"] == "REGIONAL"


# -- the CLI ----------------------------------------------------------------------------------------


def test_domains_lists_every_seeded_domain_with_its_mappings(run):
    code, out, _ = run("domains", "--output", "json")
    assert code == EXIT_OK
    found = {d["domain_name"]: d for d in json.loads(out)}
    assert set(found) == {"api.shop.example.com", "staging-api.shop.example.com", "catalog.shop.example.com",
                          "shop.example.com", "ws.shop.example.com"}
    api = found["api.shop.example.com"]
    assert api["api_versions"] == ["v1"] and api["endpoint_type"] == "REGIONAL" and api["security_policy"] == "TLS_1_2"
    assert api["certificate_arn"].startswith("arn:aws:acm:") and api["certificate_upload_date"]
    assert [(m["base_path"], m["api_name"], m["stage"], m["url"]) for m in api["mappings"]] == [
        ("", "orders-api", "prod", "https://api.shop.example.com"),
        ("psp", "payments-api", "prod", "https://api.shop.example.com/psp")]
    shop = found["shop.example.com"]
    assert shop["api_versions"] == ["v2"] and shop["target_domain_name"].startswith("d-")
    assert [(m["base_path"], m["api_name"], m["stage"]) for m in shop["mappings"]] == [
        ("", "storefront-http", "prod"), ("preview/next", "storefront-http", "$default")]
    assert found["ws.shop.example.com"]["mappings"][0]["url"] == "wss://ws.shop.example.com"


def test_domains_as_a_table_and_queried_as_text(run):
    code, out, _ = run("domains")
    assert code == EXIT_OK and "api.shop.example.com" in out and "payments-api" in out and "(none)" in out
    code, out, _ = run("domains", "--query", "[?domain_name=='api.shop.example.com'].mappings[].stage",
                       "--output", "text")
    assert (code, out.strip()) == (EXIT_OK, "prod\tprod")


@pytest.mark.parametrize(("url", "method", "api", "stage", "key", "params"), [
    ("https://api.shop.example.com/orders/123", "GET", "orders-api", "prod", "resource", "/orders/{orderId}"),
    ("api.shop.example.com/psp/payments/p-1/capture", None, "payments-api", "prod", "resource",
     "/payments/{paymentId}/capture"),
    ("https://staging-api.shop.example.com/orders", "POST", "orders-api", "staging", "resource", "/orders"),
    ("https://shop.example.com/cart/c-9", None, "storefront-http", "prod", "route", "/cart/{cartId}"),
    ("https://shop.example.com/preview/next/products/sku-1", "GET", "storefront-http", "$default", "route",
     "/products/{id}"),
    ("https://shop.example.com/account/settings", "GET", "storefront-http", "prod", "route", "$default"),
])
def test_open_resolves_a_custom_domain_url_to_the_api_stage_and_method(run, url, method, api, stage, key, params):
    code, out, err = run("open", url, *(["--method", method] if method else []), "--output", "json")
    assert code == EXIT_OK, err
    found = json.loads(out)
    assert (found["api_name"], found["stage"], found[key]) == (api, stage, params)
    if method:
        assert found["methods"] in ([method], [])  # [] for $default
    assert found["stage_url"].startswith("https://") and ".execute-api.us-east-1.amazonaws.com" in found["stage_url"]


def test_open_gives_the_path_parameters_and_the_execute_api_form(run):
    code, out, _ = run("open", "https://api.shop.example.com/orders/o-42/items", "--output", "json")
    found = json.loads(out)
    assert code == EXIT_OK and found["path_parameters"] == {"orderId": "o-42"}
    assert found["methods"] == ["GET", "POST"] and found["via"] == "custom domain api.shop.example.com, root mapping"
    # The stage's own execute-api URL takes it to the same method.
    code, out, _ = run("open", f"{found['stage_url']}/orders/o-42/items", "--method", "post", "--output", "json")
    again = json.loads(out)
    assert code == EXIT_OK and (again["api_id"], again["stage"], again["keys"], again["via"]) == \
        (found["api_id"], "prod", ["POST /orders/{orderId}/items"], "execute-api")


def test_open_reads_an_http_apis_default_stage_without_a_stage_segment(run):
    code, out, _ = run("open", "https://shop.example.com/preview/next", "--output", "json")
    api_id = json.loads(out)["api_id"]
    code, out, _ = run("open", f"https://{api_id}.execute-api.us-east-1.amazonaws.com/cart/77", "--output", "json")
    found = json.loads(out)
    assert code == EXIT_OK and (found["stage"], found["route"], found["path_parameters"]) == \
        ("$default", "/cart/{cartId}", {"cartId": "77"})
    code, out, _ = run("open", f"https://{api_id}.execute-api.us-east-1.amazonaws.com/prod/cart/77", "--output", "json")
    assert json.loads(out)["stage"] == "prod"


def test_open_as_sections_names_the_method_and_its_parameters(run):
    code, out, _ = run("open", "https://api.shop.example.com/orders/123")
    assert code == EXIT_OK
    assert "orders-api" in out and "/orders/{orderId}" in out and "DELETE GET PUT" in out and "123" in out


@pytest.mark.parametrize(("url", "extra", "code", "says"), [
    ("not a url", (), EXIT_USAGE, "is not a URL: it holds spaces"),
    ("ftp://api.shop.example.com/orders", (), EXIT_USAGE, "its scheme is ftp"),
    ("https://[::1", (), EXIT_USAGE, "is not a URL"),
    ("https://api.shop.example.com/orders", ("--method", "FETCH"), EXIT_USAGE, "'FETCH' is not an HTTP method"),
    ("https://www.example.org/orders/1", (), EXIT_FAILED,
     "www.example.org is neither an API Gateway host ({api-id}.execute-api.{region}.amazonaws.com) nor a custom "
     "domain name of us-east-1 (its custom domains: api.shop.example.com,"),
    ("https://api.shop.example.com/orders/1/nope", (), EXIT_FAILED,
     "no resource of it matches /orders/1/nope: API Gateway answers it 403 (Missing Authentication Token). "
     "Tried: /, /health, /orders,"),
    ("https://api.shop.example.com/psp/nope", (), EXIT_FAILED, "(the path it sees: without 'psp')"),
    ("https://api.shop.example.com/orders/1", ("--method", "POST"), EXIT_FAILED,
     "/orders/1 matches /orders/{orderId}, which has no POST method (it has DELETE /orders/{orderId}"),
    ("https://abcdefghij.execute-api.us-east-1.amazonaws.com/prod/x", (), EXIT_FAILED,
     "names API abcdefghij, and us-east-1 has no API with that id"),
    ("https://abcdefghij.execute-api.eu-west-1.amazonaws.com/prod/x", (), EXIT_USAGE,
     "is an API in eu-west-1; the console is reading us-east-1. Ask again with --region eu-west-1"),
])
def test_open_says_what_it_tried_in_words_never_a_traceback(run, url, extra, code, says):
    got, out, err = run("open", url, *extra)
    assert (got, out) == (code, "")
    assert says in " ".join(err.split()) and "Traceback" not in err


def test_open_on_a_rest_stage_that_does_not_exist_names_the_stages(run):
    code, out, _ = run("open", "https://api.shop.example.com/orders/1", "--output", "json")
    api_id = json.loads(out)["api_id"]
    code, _, err = run("open", f"https://{api_id}.execute-api.us-east-1.amazonaws.com/qa/orders")
    assert code == EXIT_FAILED and "has no stage 'qa' (its stages: dev, prod, staging)" in " ".join(err.split())


def test_a_custom_domain_belongs_to_its_region(run):
    code, out, _ = run("open", "https://eu.api.shop.example.com/orders/7", "--output", "json", region="eu-west-1")
    assert code == EXIT_OK and json.loads(out)["api_name"] == "orders-api-eu"
    code, _, err = run("open", "https://eu.api.shop.example.com/orders/7")
    assert code == EXIT_FAILED and "A custom domain belongs to one region" in " ".join(err.split())


def test_domains_that_one_api_cannot_read_are_a_warning_not_a_failure(sandbox, run):
    with faults(sandbox.url, deny=[f"apigatewayv2:GetDomainNames@{REGION}"]):
        code, out, err = run("domains", "--output", "json")
        assert code == EXIT_OK and "warning: custom domains (v2): not available here" in err
        assert "api.shop.example.com" in {d["domain_name"] for d in json.loads(out)}
        assert "shop.example.com" not in {d["domain_name"] for d in json.loads(out)}
        code, _, err = run("open", "https://shop.example.com/cart/1")
        assert code == EXIT_FAILED and "custom domains (v2) could not be read" in " ".join(err.split())


# -- the TUI ----------------------------------------------------------------------------------------



async def test_colon_open_opens_the_stage_with_the_method_shown(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=(120, 30)) as pilot:
        await connected(pilot)
        await run_command(pilot, "open https://api.shop.example.com/orders/123 PUT")
        await until(pilot, lambda: isinstance(app.screen, MatchedStageScreen), "the stage serving the URL")
        screen = app.screen
        assert (screen.api.name, screen.stage_name, screen.match.keys) == ("orders-api", "prod",
                                                                           ("PUT /orders/{orderId}",))
        await until(pilot, lambda: screen.stage is not None, "the stage")
        shown = screen_text(app)
        assert "PUT /orders/{orderId}" in shown and "orderId = 123" in shown
        assert "throttle 2000 rps, burst 5000 (the stage default)" in shown


async def test_colon_open_says_which_throttle_the_matched_method_runs_under(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=(120, 30)) as pilot:
        await connected(pilot)
        await run_command(pilot, "open POST https://api.shop.example.com/psp/payments")
        await until(pilot, lambda: isinstance(app.screen, MatchedStageScreen) and app.screen.stage is not None,
                    "the stage serving the URL")
        assert "POST /payments: 100 rps, burst 200 (its override)" in screen_text(app)


async def test_colon_open_with_an_unknown_host_says_so_and_stays(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        before = app.screen
        await run_command(pilot, "open https://www.example.org/x")
        await until(pilot, lambda: any("is neither an API Gateway host" in n.message for n in app._notifications),
                    "the refusal in words")
        assert app.screen is before


async def test_the_palette_opens_a_pasted_url(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=(120, 30)) as pilot:
        await connected(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        for c in "https://shop.example.com/cart/c-1":
            await pilot.press({":": "colon", "/": "slash", "-": "minus", ".": "full_stop"}.get(c, c))

        def offered() -> bool:
            lists = app.screen.query(OptionList)
            return bool(lists) and any("Open https://shop.example.com/cart/c-1" in str(option.prompt)
                                       for option in lists.first().options)

        await until(pilot, offered, "the palette's hit")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MatchedStageScreen), "the stage serving the URL")
        assert (app.screen.api.name, app.screen.stage_name, app.screen.match.keys) == \
            ("storefront-http", "prod", ("GET /cart/{cartId}",))


async def test_colon_domains_lists_mappings_and_enter_opens_the_stage(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=(160, 30)) as pilot:
        await connected(pilot)
        await run_command(pilot, "domains")
        await until(pilot, lambda: isinstance(app.screen, DomainsScreen) and app.screen.rows, "the domains")
        shown = screen_text(app)
        assert "api.shop.example.com" in shown and "preview/next" in shown and "live-notifications-ws" in shown
        await pilot.press("c")
        assert app.clipboard == "https://api.shop.example.com"
        await pilot.press("down", "enter")  # the second mapping: payments-api prod under psp
        await until(pilot, lambda: isinstance(app.screen, StageScreen), "the stage")
        assert (app.screen.api.name, app.screen.stage_name) == ("payments-api", "prod")


async def test_the_stage_says_where_it_is_served_and_u_copies_one(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await connected(pilot)
        api = app.gateway.find_api("orders-api")
        await app.push_screen(StageScreen(api, "prod"))
        await until(pilot, lambda: any(w.urls for w in app.screen.query(ServedAt)), "the stage's URLs")
        served = app.screen.query_one(ServedAt).urls
        assert served == ["https://api.shop.example.com", f"https://{api.id}.execute-api.us-east-1.amazonaws.com/prod"]
        assert "https://api.shop.example.com" in screen_text(app)
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, CopyUrl), "the URL picker")
        await pilot.press("down", "enter")
        assert app.clipboard == served[1]
        assert isinstance(app.screen, StageScreen)


async def test_a_stage_whose_domains_cannot_be_read_is_still_served_at_its_execute_api_url(sandbox):
    with faults(sandbox.url, deny=[f"apigateway:GetDomainNames@{REGION}", f"apigatewayv2:GetDomainNames@{REGION}"]):
        app = ConsoleApp(Target(endpoint_url=sandbox.url))
        async with app.run_test(size=(120, 40)) as pilot:
            await connected(pilot)
            api = app.gateway.find_api("orders-api")
            await app.push_screen(StageScreen(api, "prod"))
            await until(pilot, lambda: app.screen.query(ServedAt), "the stage")
            assert app.screen.query_one(ServedAt).urls == [
                f"https://{api.id}.execute-api.us-east-1.amazonaws.com/prod"]
            assert "its custom domains could not be read" in app.screen.summary


HOSTILE_REGION = "me-central-1"  # this module's own: the hostile domain below is no other test's
OSC52 = "\x1b]52;c;QUJD\x07"


@pytest.fixture(scope="module")
def hostile_domain(sandbox, aws_client_for) -> str:
    """A domain mapped, under a key that reads like markup, to an API whose name carries a terminal escape."""
    v2 = aws_client_for(sandbox.url, "apigatewayv2", HOSTILE_REGION)
    if not v2.get_domain_names()["Items"]:
        api = v2.create_api(Name=f"evil{OSC52}api", ProtocolType="HTTP")["ApiId"]
        v2.create_stage(ApiId=api, StageName="prod")
        v2.create_domain_name(DomainName="hostile.example.com", DomainNameConfigurations=[{"EndpointType": "REGIONAL"}])
        v2.create_api_mapping(DomainName="hostile.example.com", ApiId=api, Stage="prod", ApiMappingKey="[bold]k")
    return HOSTILE_REGION


def test_foreign_api_names_and_mapping_keys_are_shown_never_obeyed_in_the_cli(run, hostile_domain):
    code, out, _ = run("domains", region=hostile_domain)
    assert code == EXIT_OK and "\x1b" not in out and "evil␛]52;c;QUJD␇api" in out and "[bold]k" in out
    code, out, _ = run("domains", "--output", "json", region=hostile_domain)
    assert json.loads(out)[0]["mappings"][0]["api_name"] == f"evil{OSC52}api"  # JSON keeps the value exact


async def test_foreign_api_names_and_mapping_keys_are_shown_never_obeyed_on_screen(sandbox, hostile_domain):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=hostile_domain))
    async with app.run_test(size=(160, 30)) as pilot:
        await connected(pilot)
        await app.push_screen(DomainsScreen())
        await until(pilot, lambda: app.screen.rows, "the domains")
        shown = screen_text(app)
        assert "evil␛]52;c;QUJD␇api" in shown and "[bold]k" in shown and "\x1b" not in shown
        await pilot.press("enter")  # the mapped stage, its title foreign text too
        await until(pilot, lambda: isinstance(app.screen, StageScreen) and app.screen.stage is not None, "the stage")
        assert "https://hostile.example.com/[bold]k" in screen_text(app)
