"""A sandbox fleet's other accounts have clients too, writing to their own account's logs and metrics, and a
rehearsal can strike one account-region of the fleet (`--scenario NAME@ACCOUNT@REGION`)."""

from __future__ import annotations

import time

import pytest
from once import once

from console.sandbox import ACCOUNT_ID, fleet, scenarios
from console.sandbox.estate import access_log_group

ACCOUNT = "210000000007"  # an account no other test's fleet has
REGION = "ap-east-1"  # ...and a region of its own: orders-api alone (variant 0)
CATALOG_ONLY = "eu-central-2"  # catalog-api alone (variant 2)


@pytest.fixture(scope="module")
def seeded(sandbox):
    return once(sandbox, __name__, lambda: (fleet.seed_account_region(sandbox.url, ACCOUNT, REGION, 0, None),
                                            fleet.seed_account_region(sandbox.url, ACCOUNT, CATALOG_ONLY, 2, None)))


def _lines(session, url: str, since_ms: int) -> list[str]:
    logs = session.client("logs", region_name=REGION, endpoint_url=url)
    events = logs.filter_log_events(logGroupName=access_log_group("orders-api", "prod"), startTime=since_ms)["events"]
    return [e["message"] for e in events]


def test_another_accounts_clients_write_to_that_accounts_logs(sandbox, seeded):
    here, _ = seeded
    engine, = fleet.engines(sandbox.url, [here])
    now = time.time()
    engine.step(30, now)
    engine.close(now)
    lines = _lines(here.session, sandbox.url, int((now - 31) * 1000))
    assert len(lines) > 10  # orders-api prod's usual load, about 15 a second
    main = fleet.account_session(sandbox.url, ACCOUNT_ID).client("logs", region_name=REGION, endpoint_url=sandbox.url)
    assert main.describe_log_groups()["logGroups"] == []  # nothing of it in the seeded account


def test_a_scenario_strikes_one_account_region_and_its_traffic_shows_it(sandbox, seeded):
    here, _ = seeded
    onset = time.time() - 90
    incident = scenarios.begin("throttle-storm", sandbox.url, REGION, now=onset, account=ACCOUNT,
                               session=here.session)
    engine, = fleet.engines(sandbox.url, [here], incident, (ACCOUNT, REGION))
    scenarios.replay(engine, onset)
    lines = _lines(here.session, sandbox.url, int(onset * 1000))
    throttled = sum('"status":"429"' in line for line in lines)
    assert throttled / len(lines) > 0.2  # the storm: ~40% of requests refused


def test_a_scenario_names_what_the_struck_estate_lacks(sandbox, seeded):
    _, catalog = seeded
    with pytest.raises(ValueError, match="throttle-storm strikes orders-api prod, which account 210000000007 has "
                                         "not in eu-central-2 \\(it has catalog-api\\)"):
        scenarios.begin("throttle-storm", sandbox.url, CATALOG_ONLY, account=ACCOUNT, session=catalog.session)


@pytest.mark.parametrize(("struck", "says"), [
    (("210000000099", "us-east-1"), "an account of 123456789012, 210000000001 and a region of us-east-1"),
    (("210000000001", "ap-south-1"), "an account of 123456789012, 210000000001 and a region of us-east-1"),
    ((ACCOUNT_ID, "us-east-1"), "is the seeded estate's: name the scenario alone"),
])
def test_a_struck_account_region_must_be_one_of_the_fleets_own(struck, says):
    assert says in fleet.strike_problem(struck, 2, ("us-east-1",))
