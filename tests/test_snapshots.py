"""The main screens at 80x24, as SVG snapshots (pytest-textual-snapshot), against the sandbox over HTTP.

The snapshots are in tests/__snapshots__/test_snapshots/; `pytest tests/test_snapshots.py
--snapshot-update` writes them again after an intended change (look at the report of what changed
first: `snapshot_report.html`).

What the screens show is held still:
- the data: an estate of this module's own in a region no other test uses, built with moto's ids
  drawn from a seeded generator, so its ids are the same on every run and on every xdist worker;
- the wall clock: the estate is built and the app runs at one frozen instant (time-machine; the
  monotonic clock Textual's timers run on keeps going), so creation dates and "fetched 0 s ago" never move;
- the port: the header and a plan's aws line name the endpoint, whose port the session's sandbox
  chose (five digits, from the ephemeral range); the pictures show it as 54321, which takes as many cells;
- the journal: it is read from a home of its own that no test writes to (it stays empty);
- the cursor does not blink, and the app has no animations.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from once import once
import textual._doc
import time_machine
from screen_helpers import SIZE, connected, run_command, type_text, until
from textual.widgets import DataTable, Input

from console.aws.session import Target
from console.config import Settings
from screens.apis import ApiListScreen
from screens.app import ConsoleApp
from screens.audit import AuditScreen
from screens.catalog import ApiKeysScreen, UsagePlansScreen
from screens.confirm import ConfirmScreen
from screens.forms import ThrottleForm
from screens.help import HelpScreen
from screens.stage import StageScreen

REGION = "eu-north-1"  # this module's own; no other test uses it
FROZEN = datetime(2026, 3, 14, 9, 26, 53, tzinfo=timezone.utc)
SEED = 20260314
SHOWN_PORT = "54321"
HOME = Path("/home/operator")  # the journal would be HOME/.local/state/apigw-console/audit.jsonl
LOG_GROUP = "/aws/apigateway/orders-api/prod/access"
ACCESS_FORMAT = '{"requestId":"$context.requestId","status":"$context.status","routeKey":"$context.routeKey"}'


def build_estate(client) -> None:
    """Two REST APIs, an HTTP API, two usage plans and three keys, with names and settings of their own."""
    apigw, v2, logs = client("apigateway"), client("apigatewayv2"), client("logs")
    orders = apigw.create_rest_api(name="orders-api", description="Order intake and refunds",
                                   endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = apigw.get_resources(restApiId=orders)["items"][0]["id"]
    collection = apigw.create_resource(restApiId=orders, parentId=root, pathPart="orders")["id"]
    item = apigw.create_resource(restApiId=orders, parentId=collection, pathPart="{orderId}")["id"]
    for resource, verb in ((collection, "GET"), (collection, "POST"), (item, "GET")):
        apigw.put_method(restApiId=orders, resourceId=resource, httpMethod=verb, authorizationType="NONE")
        apigw.put_integration(restApiId=orders, resourceId=resource, httpMethod=verb, type="MOCK")
    deployment = apigw.create_deployment(restApiId=orders, description="v1.4.0 — refunds")["id"]
    logs.create_log_group(logGroupName=LOG_GROUP)
    group_arn = f"arn:aws:logs:{REGION}:123456789012:log-group:{LOG_GROUP}"
    for stage, rate in (("dev", 100), ("prod", 500)):
        apigw.create_stage(restApiId=orders, stageName=stage, deploymentId=deployment, description=stage.title(),
                           variables={"backendHost": f"orders.{stage}.internal.example.com", "logLevel": "INFO"})
        apigw.update_stage(restApiId=orders, stageName=stage, patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(rate)},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(rate * 2)},
            {"op": "replace", "path": "/~1orders/POST/throttling/rateLimit", "value": "50"},
            {"op": "replace", "path": "/~1orders/POST/throttling/burstLimit", "value": "100"},
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": group_arn},
            {"op": "replace", "path": "/accessLogSettings/format", "value": ACCESS_FORMAT},
        ])
    payments = apigw.create_rest_api(name="payments-api", description="Card payments")["id"]
    payments_root = apigw.get_resources(restApiId=payments)["items"][0]["id"]
    apigw.put_method(restApiId=payments, resourceId=payments_root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=payments, resourceId=payments_root, httpMethod="GET", type="MOCK")
    apigw.create_stage(restApiId=payments, stageName="prod",
                       deploymentId=apigw.create_deployment(restApiId=payments, description="v2.0.0")["id"])
    storefront = v2.create_api(Name="storefront-http", ProtocolType="HTTP", Description="Web storefront BFF")["ApiId"]
    v2.create_stage(ApiId=storefront, StageName="prod")

    gold = apigw.create_usage_plan(name="partner-gold", description="Strategic partners",
                                   throttle={"rateLimit": 500, "burstLimit": 1000},
                                   quota={"limit": 1_000_000, "period": "MONTH"},
                                   apiStages=[{"apiId": orders, "stage": "prod"}])["id"]
    free = apigw.create_usage_plan(name="internal-free", description="Internal tools",
                                   throttle={"rateLimit": 20, "burstLimit": 40}, quota={"limit": 5000, "period": "DAY"},
                                   apiStages=[{"apiId": orders, "stage": "dev"}])["id"]
    for name, plan, enabled in (("acme-corp-prod", gold, True), ("mobile-app-ios", free, True),
                                ("hooli-sandbox", free, False)):
        key = apigw.create_api_key(name=name, enabled=enabled, value=f"{name}-value-0123456789abcdef")["id"]
        apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")


@pytest.fixture(scope="module")
def estate(sandbox, aws_client_for) -> str:
    """The estate, built at the frozen instant with moto's ids drawn from a seeded generator — once per
    sandbox (tests/once.py)."""
    return once(sandbox, __name__, lambda: build_estate_frozen(sandbox, aws_client_for))


def build_estate_frozen(sandbox, aws_client_for) -> str:
    from console.sandbox import moto_seam

    with time_machine.travel(FROZEN, tick=False):
        moto_seam.seed_ids(SEED)
        build_estate(lambda service: aws_client_for(sandbox.url, service, REGION))
    return sandbox.url


@pytest.fixture
def console_app(estate, monkeypatch) -> ConsoleApp:
    """The console on the estate; its journal is at a path that reads the same on every run, and empty."""
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(HOME))
    assert not (HOME / ".local/state/apigw-console/audit.jsonl").exists(), "the snapshots show an empty journal"
    return ConsoleApp(Target(endpoint_url=estate, region=REGION), settings=Settings())


@pytest.fixture
def snapshot_of(snap_compare, console_app, estate, monkeypatch):
    """snapshot_of(steps): the screen after `steps(pilot)`, at 80x24, at the frozen instant."""
    port = str(urlsplit(estate).port)
    assert len(port) == len(SHOWN_PORT), f"a {len(port)}-digit port would lay the screens out differently"
    screenshot = textual._doc.take_svg_screenshot

    def with_the_shown_port(*args, **kwargs) -> str:
        return screenshot(*args, **kwargs).replace(f"127.0.0.1:{port}", f"127.0.0.1:{SHOWN_PORT}")

    monkeypatch.setattr(textual._doc, "take_svg_screenshot", with_the_shown_port)

    def take(steps) -> bool:
        async def run_before(pilot) -> None:
            app = pilot.app
            app.animation_level = "none"
            await connected(pilot)
            await steps(pilot)
            for box in app.screen.query(Input):
                box.cursor_blink = False
            await until(pilot, lambda: app.screen.loading_what is None if hasattr(app.screen, "loading_what")
                        else True, "the screen to finish loading")

        with time_machine.travel(FROZEN, tick=False):
            return snap_compare(console_app, terminal_size=SIZE, run_before=run_before)

    return take


def rows(table: DataTable) -> int:
    return table.row_count


async def api_list(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ApiListScreen) and rows(app.screen.query_one("#apis")) == 3,
                "the API list")
    table = app.screen.query_one("#apis", DataTable)
    await until(pilot, lambda: all(str(table.get_row_at(i)[5]) != "—" for i in range(3)), "every stage count")


async def stage_view(pilot, stage: str = "prod") -> None:
    app = pilot.app
    await api_list(pilot)
    await pilot.press("enter")  # orders-api, the list's first row
    await until(pilot, lambda: getattr(app.screen, "stages", None), "orders-api's stages")
    names = [str(app.screen.query_one("#stages", DataTable).get_row_at(i)[0]) for i in range(2)]
    app.screen.query_one("#stages", DataTable).move_cursor(row=names.index(stage))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, StageScreen) and app.screen.stage is not None, "the stage")


async def command(pilot, text: str) -> None:
    await run_command(pilot, text)


def test_the_api_list(snapshot_of):
    assert snapshot_of(api_list)


def test_a_rest_stage(snapshot_of):
    assert snapshot_of(stage_view)


def test_the_usage_plans(snapshot_of):
    async def plans(pilot) -> None:
        await api_list(pilot)
        await command(pilot, "plans")
        app = pilot.app
        await until(pilot, lambda: isinstance(app.screen, UsagePlansScreen) and rows(app.screen.query_one(DataTable))
                    == 2, "the plans")

    assert snapshot_of(plans)


def test_the_api_keys_with_values_masked(snapshot_of):
    async def keys(pilot) -> None:
        await api_list(pilot)
        await command(pilot, "keys")
        app = pilot.app
        await until(pilot, lambda: isinstance(app.screen, ApiKeysScreen) and rows(app.screen.query_one(DataTable))
                    == 3, "the keys")

    assert snapshot_of(keys)


def test_the_empty_audit_journal(snapshot_of):
    async def audit(pilot) -> None:
        await api_list(pilot)
        await command(pilot, "audit")
        app = pilot.app
        await until(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.summary, "the journal")

    assert snapshot_of(audit)


def test_the_help_of_the_api_list(snapshot_of):
    async def help_screen(pilot) -> None:
        await api_list(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "the help")

    assert snapshot_of(help_screen)


def test_the_plan_of_a_throttle_change_awaiting_confirmation(snapshot_of):
    async def plan(pilot) -> None:
        await stage_view(pilot, "dev")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(pilot.app.screen, ThrottleForm), "the throttle form")
        await type_text(pilot, "x1.5")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), "the plan")

    assert snapshot_of(plan)


def test_the_command_line(snapshot_of):
    async def typing(pilot) -> None:
        await api_list(pilot)
        await pilot.press("colon")
        await type_text(pilot, "logs orders-api")
        await until(pilot, lambda: pilot.app.screen.query(Input) and pilot.app.screen.query_one(Input).value,
                    "the command line")

    assert snapshot_of(typing)
