"""Cache flushes, usage plans, API keys, rotation and usage in the TUI, by keyboard at 80x24, against
the sandbox. The stale-cache rehearsal is started on a copy of catalog-api in a region of this
module's own, and fixed by a flush from the stage view."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
from once import once
from screen_helpers import SIZE, connected, plain, run_command, screen_text, type_text, until
from textual.widgets import DataTable, Input, Select, Static

from actions import api_keys, rotation, usage_plans
from console.aws.session import Target
from console.sandbox import ACCOUNT_ID
from console.sandbox.estate import CATALOG_API, seed_region
from console.sandbox.estate_types import RegionEstate
from console.sandbox.scenarios import begin
from console.sandbox.state import STATE
from console.sandbox.traffic.runner import Traffic, seeded_profiles
from screens.app import ConsoleApp
from screens.cache import CacheForm
from screens.catalog import ApiKeysScreen, UsagePlansScreen
from screens.catalog_forms import ExtendForm, KeyForm, KeyValueScreen, PlanForm
from screens.confirm import ConfirmScreen
from screens.rotation import RotationScreen
from screens.stage import StageScreen
from screens.usage import UsageScreen

REGION = "ap-southeast-2"
REHEARSAL = "ap-south-1"  # catalog-api is copied here for the stale-cache rehearsal; no other test uses it
pytestmark = pytest.mark.usefixtures("private_dirs", "unpaced")


async def opened(pilot, view: str | None = None):
    """The app once connected, with `view` (a `:` command) open if given."""
    app = pilot.app
    await connected(pilot)
    if view:
        await run_command(pilot, view)
    return app


async def on_row(pilot, table: DataTable, key: str) -> None:
    await until(pilot, lambda: key in table.rows, f"row {key}")
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()


async def confirm(pilot, typed: str = "") -> ConfirmScreen:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan")
    screen = app.screen
    if typed:
        await type_text(pilot, typed)
        await pilot.press("enter")
    else:
        await pilot.press("y")
    return screen


def applied(app, operation: str) -> bool:
    return any(e["call"].endswith(operation) and e["outcome"] == "applied" for e in app.engine.journal.entries())


def applied_count(app) -> int:
    """Changes AWS has answered as applied (the journal holds a change from before it is sent)."""
    return sum(e["outcome"] == "applied" for e in app.engine.journal.entries())


# -- the stale-cache rehearsal -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def rehearsal(sandbox) -> str:
    return once(sandbox, __name__, lambda: build_rehearsal(sandbox))


def build_rehearsal(sandbox) -> str:
    """catalog-api, seeded again into the rehearsal region; its id."""
    return seed_region(sandbox.url, RegionEstate(REHEARSAL, rest_apis=(CATALOG_API,))).rest_apis[CATALOG_API.name]


def access_log(aws, start: float, end: float) -> list[dict]:
    pages = aws("logs", REHEARSAL).get_paginator("filter_log_events").paginate(
        logGroupName=f"/aws/apigateway/{CATALOG_API.name}/prod/access", startTime=int(start * 1000),
        endTime=int(end * 1000) - 1)
    return [json.loads(event["message"]) for page in pages for event in page["events"]]


def cached_404(line: dict) -> bool:
    return line["status"] == "404" and line["integrationLatency"] == "-"


async def test_the_stale_cache_rehearsal_is_fixed_by_a_flush_from_the_stage_view(sandbox, rehearsal, aws):
    start = time.time() - 240
    incident = begin("stale-cache", sandbox.url, REHEARSAL, now=start)
    profiles = {(REHEARSAL, name, stage): profile for (_, name, stage), profile in seeded_profiles().items()
                if name == CATALOG_API.name and stage == "prod"}
    traffic = Traffic(sandbox.url, regions=(REHEARSAL,), profiles=profiles | incident.profiles,
                      stale=incident.stale, refresh_seconds=0)
    traffic.step(120, start + 120)
    stale = access_log(aws, start, start + 120)
    assert sum(map(cached_404, stale)) / len(stale) > 0.05

    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REHEARSAL))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        api = next(a for a in app.gateway.apis() if a.id == rehearsal)
        await app.push_screen(StageScreen(api, "prod"))
        await until(pilot, lambda: app.screen.stage is not None, "the stage")
        assert "3600" in screen_text(app)  # the cache section shows the TTL that keeps the stale answers
        await pilot.press("f")
        plan = (await confirm(pilot, typed="prod")).plan  # a prod stage: its name is typed to confirm
        assert plan.call.operation == "FlushStageCache" and plan.inverse_call is None
        assert any("No undo" in w for w in plan.warnings)
        await until(pilot, lambda: applied(app, "FlushStageCache"), "the flush")
    flushed = STATE.cache_flushed_at[(ACCOUNT_ID, REHEARSAL, rehearsal, "prod")]
    traffic.step(120, flushed + 120)
    fresh = access_log(aws, flushed, flushed + 120)
    assert fresh and not any(map(cached_404, fresh))


# -- usage plans ---------------------------------------------------------------------------------------


async def test_a_plan_is_created_and_edited_from_the_plans_screen(sandbox, apigw, made, unique):
    name = unique("tui-plan")
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "plans")
        await until(pilot, lambda: isinstance(app.screen, UsagePlansScreen) and app.screen.loading_what is None,
                    "the plans")
        screen = app.screen
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, PlanForm)
        await type_text(pilot, name)
        for field, value in (("#rate", "10"), ("#burst", "20"), ("#limit", "1000")):
            form.query_one(field, Input).value = value
        form.query_one("#period", Select).value = "DAY"
        await pilot.press("ctrl+s")
        created = (await confirm(pilot)).plan
        assert created.call.operation == "CreateUsagePlan"
        await until(pilot, lambda: any(p.name == name for p in screen.plans.values()), "the new plan")
        plan_id = next(p.id for p in screen.plans.values() if p.name == name)
        made.append(("plan", plan_id))
        await on_row(pilot, screen.query_one(DataTable), plan_id)
        await pilot.press("e")
        app.screen.query_one("#rate", Input).value = "x3"
        await pilot.press("ctrl+s")
        edit = (await confirm(pilot)).plan
        assert [c.label for c in edit.changes] == ["throttle rate (requests/s)"]
        await until(pilot, lambda: applied(app, "UpdateUsagePlan"), "the edit")
    assert apigw.get_usage_plan(usagePlanId=plan_id)["throttle"] == {"rateLimit": 30.0, "burstLimit": 20}


async def test_bad_quota_input_is_explained_in_the_form_and_nothing_is_sent(sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "plans")
        await until(pilot, lambda: isinstance(app.screen, UsagePlansScreen), "the plans")
        await pilot.press("n")
        form = app.screen
        await type_text(pilot, "never-made")
        form.query_one("#limit", Input).value = "-5"
        form.query_one("#period", Select).value = "WEEK"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: plain(form.query_one("#error", Static).content).strip(), "the error")
        assert "quota limit" in plain(form.query_one("#error", Static).content)
        assert app.screen is form
    assert app.engine.journal.entries() == []


async def test_usage_shows_keys_nearest_their_quota_first_and_a_quota_is_extended(sandbox, made, unique, apigw):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        engine = app.engine
        plan_id = engine.apply(usage_plans.create(engine.place(), name=unique("tui-usage"), taken=(),
                                                  quota=usage_plans.parse_quota("100/DAY"))).plan.target.resource_id
        made.append(("plan", plan_id))
        keys = []
        for used in (10, 95):
            key_id = engine.apply(api_keys.create(engine.place(), name=unique("tui-usage-key"))).plan.target.resource_id
            made.append(("key", key_id))
            engine.apply(api_keys.associate(engine.api_key(key_id), engine.gateway.find_plan(plan_id), []))
            STATE.usage[(ACCOUNT_ID, REGION, plan_id, key_id)][datetime.now(timezone.utc).date().isoformat()] = used
            keys.append(key_id)
        await app.push_screen(UsageScreen(engine.gateway.find_plan(plan_id)))
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2, "the keys")
        assert [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(2)] == [keys[1], keys[0]]
        assert "105" in plain(app.screen.query_one("#chart", Static).content)  # today, both keys
        await pilot.press("x")
        assert isinstance(app.screen, ExtendForm) and app.screen.left == 5
        await type_text(pilot, "50")
        await pilot.press("enter")
        plan = (await confirm(pilot)).plan
        assert plan.call.operation == "UpdateUsage" and plan.call.params["keyId"] == keys[1]
        await until(pilot, lambda: applied(app, "UpdateUsage"), "the extension")
    today = datetime.now(timezone.utc).date().isoformat()
    assert apigw.get_usage(usagePlanId=plan_id, keyId=keys[1], startDate=today, endDate=today)["items"] == {
        keys[1]: [[95, 50]]}


# -- API keys -----------------------------------------------------------------------------------------


async def test_a_new_key_value_is_shown_once_revealed_on_request_and_never_written(
        sandbox, made, unique, tmp_path):
    name = unique("tui-key")
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, "keys")
        await until(pilot, lambda: isinstance(app.screen, ApiKeysScreen), "the keys")
        screen = app.screen
        await pilot.press("n")
        assert isinstance(app.screen, KeyForm)
        await type_text(pilot, name)
        await pilot.press("ctrl+s")
        await confirm(pilot)
        await until(pilot, lambda: isinstance(app.screen, KeyValueScreen), "the value, once")
        shown = app.screen
        key_id, value = shown.key_id, shown._value
        made.append(("key", key_id))
        assert value in plain(shown.query_one("#value", Static).content)
        await pilot.press("escape")
        table = screen.query_one(DataTable)
        await on_row(pilot, table, key_id)
        assert value not in screen_text(app)
        await pilot.press("v")
        await until(pilot, lambda: value in screen_text(app), "the revealed value")
        await pilot.press("p")  # another screen over this one: the value is masked again
        await pilot.press("escape")
        await pilot.pause()
        assert value not in screen_text(app) and not screen.revealed
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.endswith("audit.jsonl") for p in written)
    assert not [p for p in written if value.encode() in p.read_bytes()]


async def test_an_interrupted_rotation_is_reported_and_finished_from_the_keys_screen(sandbox, made, unique, apigw):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        engine = app.engine
        plan_id = engine.apply(usage_plans.create(engine.place(), name=unique("tui-rot"), taken=())
                               ).plan.target.resource_id
        made.append(("plan", plan_id))
        old_id = engine.apply(api_keys.create(engine.place(), name=unique("tui-rot-key"))).plan.target.resource_id
        made.append(("key", old_id))
        engine.apply(api_keys.associate(engine.api_key(old_id), engine.gateway.find_plan(plan_id), []))
        started = rotation.start(engine, engine.api_key(old_id))
        first = engine.apply(rotation.step_plan(engine, started, started.steps[0]))  # then the console went away
        made.append(("key", first.plan.target.resource_id))

        await run_command(pilot, "keys")
        await until(pilot, lambda: isinstance(app.screen, ApiKeysScreen), "the keys")
        await on_row(pilot, app.screen.query_one(DataTable), old_id)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, RotationScreen) and app.screen.rotation, "the rotation")
        steps = plain(app.screen.query_one("#steps", Static).content)
        assert "interrupted or paused" in steps and "✓ 1." in steps and "· 2." in steps
        for operation in ("CreateUsagePlanKey", "UpdateApiKey"):
            await pilot.press("enter")
            await confirm(pilot)
            await until(pilot, lambda op=operation: applied(app, op), operation)
            await until(pilot, lambda: isinstance(app.screen, RotationScreen) and not app.screen.busy, "the rotation")
        await until(pilot, lambda: app.screen.rotation.finished, "the finished rotation")
    assert apigw.get_api_key(apiKey=old_id)["enabled"] is False
    assert [p["id"] for p in apigw.get_usage_plans(keyId=first.plan.target.resource_id)["items"]] == [plan_id]


# -- the stage cache -----------------------------------------------------------------------------------


async def test_cache_settings_from_the_stage_view(sandbox, scratch_apis, aws):
    api_id = scratch_apis["REST"]
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        api = next(a for a in app.gateway.apis() if a.id == api_id)
        await app.push_screen(StageScreen(api, "dev"))
        await until(pilot, lambda: app.screen.stage is not None, "the stage")
        await pilot.press("k")
        form = app.screen
        assert isinstance(form, CacheForm)
        form.query_one("#caching", Select).value = "on"
        await type_text(pilot, "600")
        await pilot.press("enter")
        plan = (await confirm(pilot)).plan
        assert [(c.label, c.after) for c in plan.changes] == [("every method: caching", True),
                                                              ("every method: TTL (s)", 600)]
        await until(pilot, lambda: applied(app, "UpdateStage"), "the change")
        await pilot.press("ctrl+z")
        await confirm(pilot)
        await until(pilot, lambda: applied_count(app) == 2, "the undo")
    settings = aws("apigateway", REGION).get_stage(restApiId=api_id, stageName="dev")["methodSettings"]["*/*"]
    assert settings.get("cachingEnabled") is not True
