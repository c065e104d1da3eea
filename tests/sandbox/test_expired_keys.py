"""The expired-keys rehearsal over HTTP: partner keys disabled by mistake make payments-api prod refuse
its partners with 403 INVALID_API_KEY; the pulse ranks that stage first and names the cause, the
`pulse` command says it in JSON, and from the pulse's row the keys of that stage's usage plans are one
key away, where enabling the marked keys (a plan each) ends it.

The REST estate is seeded into a region of this module's own, and the incident is replayed from its
onset by the scenario's own engine (one stream of requests for the logs and the metrics).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from once import once

from screen_helpers import SIZE, connected, screen_text, until
from textual.widgets import DataTable

from console.aws.budget import TokenBucket
from console.aws.session import Connection, Target
from console.cli import main
from console.read.gateway import Gateway
from console.read.metrics import region_refs
from console.read.pulse import region_pulse
from console.sandbox.estate import API_KEYS, CATALOG_API, ORDERS_API, PAYMENTS_API, USAGE_PLANS, seed_region
from console.sandbox.estate_types import RegionEstate
from console.sandbox.scenarios import EXPIRED_KEYS, SCENARIOS, begin, onset_time, replay
from console.sandbox.traffic.runner import Traffic, seeded_profiles
from screens.app import ConsoleApp
from screens.catalog import ApiKeysScreen
from screens.confirm import ConfirmScreen
from screens.logs import LogScreen
from screens.pulse import PulseScreen

REGION = "ap-south-2"  # this module's alone
ONSET_MINUTES = 5


def _struck(url: str) -> dict:
    """The estate seeded with its history ending at the onset, as `sandbox --scenario` does, then the
    incident played from there to now."""
    onset = onset_time(time.time(), ONSET_MINUTES)
    seed_region(url, RegionEstate(REGION, rest_apis=(ORDERS_API, PAYMENTS_API, CATALOG_API),
                                  usage_plans=USAGE_PLANS, api_keys=API_KEYS), history_end=onset)
    incident = begin("expired-keys", url, REGION, now=onset)
    profiles = {(REGION, name, stage): profile for (_, name, stage), profile in seeded_profiles().items()
                if name == PAYMENTS_API.name and stage == "prod"}
    traffic = Traffic(url, regions=(REGION,), profiles=profiles, still_sent=incident.still_sent)
    replay(traffic, onset)
    return {"still_sent": sorted(incident.still_sent)}


@pytest.fixture(scope="module")
def struck(sandbox) -> dict:
    return once(sandbox, __name__, lambda: _struck(sandbox.url))


@pytest.fixture
def gateway(sandbox, struck) -> Gateway:
    connection = Connection(Target(endpoint_url=sandbox.url, region=REGION), TokenBucket(1000, 1000))
    connection.identify()
    return Gateway(connection)


def _payments_prod(found):
    return next(r for r in found.rows if r.ref.api_name == PAYMENTS_API.name and r.ref.stage == "prod")


def test_the_scenario_is_listed_and_disables_a_batch_of_partner_keys(struck, gateway):
    assert "expired-keys" in SCENARIOS and len(EXPIRED_KEYS) >= 2
    disabled = {k.name for k in gateway.api_keys(refresh=True) if not k.enabled}
    assert set(EXPIRED_KEYS) <= disabled
    assert len(struck["still_sent"]) == len(EXPIRED_KEYS)


def test_pulse_ranks_the_struck_stage_first_with_cause_invalid_api_key(gateway):
    found = region_pulse(gateway.connection, gateway, region_refs(gateway))
    top = found.rows[0]
    assert (top.ref.api_name, top.ref.stage) == (PAYMENTS_API.name, "prod")
    cause, count = top.causes.leading
    assert cause == "INVALID_API_KEY"
    assert count > 0.8 * top.causes.total  # nearly every 4xx of the window is the disabled keys'
    assert top.causes.total <= top.errors_4xx + 1  # counted in the same window as the 4xx


def test_the_pulse_command_says_the_cause_with_its_count(sandbox, struck, capsys):
    assert main(["--endpoint-url", sandbox.url, "--region", REGION, "pulse", "--output", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    rows = rows["stages"] if isinstance(rows, dict) else rows
    row = next(r for r in rows if r["api"] == PAYMENTS_API.name and r["stage"] == "prod")
    assert row["cause_4xx"]["logged"] is True
    assert row["cause_4xx"]["leading"] == "INVALID_API_KEY"
    assert 0 < row["cause_4xx"]["leading_count"] <= row["cause_4xx"]["lines_4xx"]


async def test_the_log_view_filters_and_counts_the_4xx_by_cause(sandbox, struck, private_dirs, unpaced):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        api = next(a for a in app.gateway.apis() if a.name == PAYMENTS_API.name)
        await app.push_screen(LogScreen(api, "prod"))
        logs = app.screen
        await until(pilot, lambda: logs.rollup.causes(int(time.time()), 300), "the incident's lines")
        await pilot.press("u")  # the most frequent cause of the window first
        assert logs.buffer.filter.cause == "INVALID_API_KEY"
        await until(pilot, lambda: logs.buffer.shown, "the refused lines")
        assert all('"INVALID_API_KEY"' in line.message for line in logs.buffer.shown)
        await pilot.press("g")
        await pilot.pause()
        charts = screen_text(app)
        assert "4xx by cause" in charts and "INVALID_API_KEY" in charts


async def test_from_the_pulse_to_the_stage_keys_where_enabling_them_ends_the_refusals(sandbox, struck, gateway,
                                                                                   private_dirs, unpaced):
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        await app.push_screen(PulseScreen())
        pulse = app.screen
        await until(pilot, lambda: pulse.found is not None and pulse.found.rows[0].causes is not None, "the causes",
                    timeout=40)
        assert "payments-api › prod  4xx cause INVALID_API_KEY" in screen_text(app)  # whole at 80 columns
        await pilot.press("K")  # the first row is payments-api prod: the keys of its usage plans
        await until(pilot, lambda: isinstance(app.screen, ApiKeysScreen) and app.screen.answer is not None, "the keys")
        keys = app.screen
        table = keys.query_one(DataTable)
        shown = [keys.keys[str(table.coordinate_to_cell_key((row, 0)).row_key.value)] for row in range(table.row_count)]
        assert {k.name for k in shown} >= set(EXPIRED_KEYS) and "initech-billing" not in {k.name for k in shown}
        assert not any(k.enabled for k in shown[:len(EXPIRED_KEYS)])  # the disabled first
        for key in shown:
            if key.name in EXPIRED_KEYS:
                table.move_cursor(row=table.get_row_index(key.id))
                await pilot.press("space")
        await pilot.press("E")
        for _ in EXPIRED_KEYS:  # a plan each, confirmed one after the other
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "a plan")
            confirm = app.screen
            assert confirm.plan.call.operation == "UpdateApiKey"
            await pilot.press("y")
            await until(pilot, lambda: app.screen is not confirm, "the plan applied")
        await until(pilot, lambda: sum(e["outcome"] == "applied" for e in app.engine.journal.entries())
                    >= len(EXPIRED_KEYS), "both applied")
    assert all(k.enabled for k in gateway.api_keys(refresh=True) if k.name in EXPIRED_KEYS)
    assert {k.name for k in gateway.api_keys() if not k.enabled} >= {"wayne-ent-legacy"}  # unmarked: left alone
    profiles = {(REGION, name, stage): profile for (_, name, stage), profile in seeded_profiles().items()
                if name == PAYMENTS_API.name and stage == "prod"}
    traffic = Traffic(sandbox.url, regions=(REGION,), profiles=profiles)
    fixed = time.time()
    later = fixed + 4 * 60
    traffic.step(later - fixed, later)
    traffic.close(later)
    found = region_pulse(gateway.connection, gateway, region_refs(gateway), now=datetime.fromtimestamp(later, UTC))
    row = _payments_prod(found)
    assert row.errors_4xx < 0.1 * row.requests
    assert row.causes is None or row.causes.leading is None or row.causes.leading[0] != "INVALID_API_KEY"
