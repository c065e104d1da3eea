"""Every CLI read and every main screen under each fault: what can be read is shown, the gap is labelled
with its reason, and nothing ends in a traceback, an HTML page or an empty screen.

The faults (`POST /_sandbox/faults`) cover this module's own region only, so the shared sandbox's other
tests never see them; each test sets its fault and clears it when done.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from once import once
from screen_helpers import plain, screen_text, until
from test_partial_failure import faults
from traffic_helpers import stepped

from console.aws.session import Connection, Target
from console.cli import main
from console.read.gateway import Gateway
from console.read.metrics import region_refs
from console.logs.buffer import Marker
from console.read.pulse import NOTABLE_4XX, RegionPulse, StagePulse, complete_minutes, with_429s
from console.sandbox.estate import ORDERS_API
from screens.api import ApiScreen
from screens.app import ConsoleApp
from screens.catalog import ApiKeysScreen, UsagePlansScreen
from screens.deployments import DeploymentsScreen
from screens.logs import LogScreen
from screens.metrics import MetricsScreen
from screens.pulse import PulseScreen
from screens.stage import StageScreen

HERE = "ap-northeast-3"  # this module's own region; no other test uses it

FAULTS = {
    "v2 denied": {"deny": [f"apigatewayv2@{HERE}"]},
    "cloudwatch denied": {"deny": [f"cloudwatch@{HERE}"]},
    "logs denied": {"deny": [f"logs@{HERE}"]},
    "livetail unimplemented": {"unimplemented": [f"logs:StartLiveTail@{HERE}"]},
}
# What each fault's gap says, in words, wherever it is labelled.
GAP = {
    "v2 denied": "HTTP and WebSocket APIs: not available here",
    "cloudwatch denied": "cloudwatch:",
    "logs denied": "logs:FilterLogEvents",
    "livetail unimplemented": "StartLiveTail",
}
# The reads whose asked-for thing is the refused source itself: exit 1, the refusal named on stderr.
FAILS = {("cloudwatch denied", "metrics"), ("logs denied", "logs")}
# Reads that print what they could and warn about the refused source (exit 0, the gap on stderr).
WARNS = {("v2 denied", "apis"), ("v2 denied", "pulse"), ("cloudwatch denied", "pulse"),
         ("cloudwatch denied", "canary status"), ("logs denied", "canary status")}

READS = {
    "apis": ("apis",),
    "stage": ("stage", "orders-api", "prod"),
    "throttle show": ("throttle", "show", "orders-api", "prod"),
    "vars": ("vars", "show", "orders-api", "prod"),
    "canary status": ("canary", "status", "orders-api", "prod"),
    "cache": ("cache", "flush", "orders-api", "prod", "--dry-run"),
    "plans": ("plans", "list"),
    "keys": ("keys", "list"),
    "logs": ("logs", "orders-api", "prod", "--since", "2m"),
    "metrics": ("metrics", "orders-api", "prod", "--window", "15m"),
    "pulse": ("pulse",),
    "deployments": ("deployments", "orders-api", "prod"),
}


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="module")
def live(sandbox):
    return once(sandbox, __name__, lambda: build_live(sandbox))


def build_live(sandbox):
    running = stepped(sandbox.url, HERE, rest_apis=(ORDERS_API,), stages=(("orders-api", "prod"),))
    for _ in range(4):
        running.step(15.0)
    running.traffic.close(time.time())
    return running


def run(capsys, live, *words: str) -> tuple[int, str, str]:
    code = main([*words, "--endpoint-url", live.url, "--region", HERE])
    out, err = capsys.readouterr()
    return code, out, err


def clean(text: str) -> bool:
    return "Traceback" not in text and "<html" not in text.lower() and "<!doctype" not in text.lower()


@pytest.mark.parametrize("fault", FAULTS)
def test_every_cli_read_shows_what_it_can_and_labels_the_gap(live, capsys, fault):
    wrong = []
    with faults(live.url, **FAULTS[fault]):
        for name, words in READS.items():
            code, out, err = run(capsys, live, *words)
            if (fault, name) in FAILS:
                right = code == 1 and GAP[fault] in err and not out.strip()
            else:
                right = code == 0 and out.strip() and ((fault, name) not in WARNS
                                                       or ("warning:" in err and GAP[fault] in err))
            if not (right and clean(out) and clean(err)):
                wrong.append((name, code, err[:300]))
        code, out, err = run(capsys, live, "throttle", "set", "orders-api", "prod", "--rate", "1500", "--dry-run")
        assert code == 0 and "Dry run: nothing was sent" in out and clean(err), (fault, err)
        rate = str(1000 + list(FAULTS).index(fault))  # a change under every fault, whatever ran before
        code, out, err = run(capsys, live, "throttle", "set", "orders-api", "prod", "--rate", rate, "--yes")
        assert code == 0 and "Applied" in out and clean(err), (fault, err)
    assert not wrong, wrong


def test_the_pulse_counts_from_the_logs_when_cloudwatch_is_refused(live, capsys):
    with faults(live.url, **FAULTS["cloudwatch denied"]):
        code, out, err = run(capsys, live, "pulse", "--output", "json")
        rows = {row["stage"]: row for row in json.loads(out)}
        code_text, text, _ = run(capsys, live, "pulse")
    prod = rows["prod"]
    assert code == 0 and prod["source"] == "logs" and prod["requests"] > 0 and prod["lines"] == prod["requests"]
    assert (prod["p99_ms"] is not None) == (prod["lines"] >= 100) and prod["alarm_read"] is False  # p99: 100 lines
    assert "warning: CloudWatch unavailable, figures counted from the access logs" in err
    assert "cloudwatch:GetMetricData" in err and "alarm states unavailable" in err
    assert rows["dev"] == {"api": "orders-api", "api_id": prod["api_id"], "stage": "dev", "protocol": "REST",
                           "source": "none"}  # no access log: no figures, never zeros
    words = " ".join(text.split())
    assert code_text == 0 and "from logs, CloudWatch unavailable: counted from" in words and "access-log lines" in words


def test_nothing_readable_is_a_failure_naming_both_refusals(live, capsys):
    with faults(live.url, deny=[f"cloudwatch@{HERE}", f"logs@{HERE}"]):
        code, out, err = run(capsys, live, "pulse")
    assert code == 1 and not out.strip() and "No figures could be read" in err
    assert "cloudwatch:GetMetricData" in err and "logs:FilterLogEvents" in err


def test_the_pulse_says_429s_are_unavailable_when_logs_are_refused(live):
    gateway = Gateway(Connection(Target(endpoint_url=live.url, region=HERE)))
    gateway.connection.identify()
    refs = [ref for ref in region_refs(gateway) if ref.stage == "prod"]
    window = complete_minutes(3)
    notable = StagePulse(refs[0], window, 1000.0, 10 * NOTABLE_4XX, 0.0, None, 100.0, 300.0, (), None)
    found = RegionPulse((notable,), window, 0, (), datetime.now(UTC))
    with faults(live.url, **FAULTS["logs denied"]):
        counted = with_429s(gateway.connection, gateway, found)
    assert counted.rows[0].throttled is None
    assert [n for n in counted.notes if n.startswith("429 counts unavailable") and "logs:FilterLogEvents" in n]
    assert replace(counted.rows[0], throttled=None) == notable


# -- screens ---------------------------------------------------------------------------------------

# What each screen shows for the gap a fault leaves, besides the reason (GAP) where it is one.
LABELS = {
    ("v2 denied", "apis"): GAP["v2 denied"],
    ("v2 denied", "pulse"): GAP["v2 denied"],
    ("cloudwatch denied", "metrics"): "CloudWatch metrics unavailable: AWS refused GetMetricData",
    ("cloudwatch denied", "pulse"): "from logs (CloudWatch unavailable), from",
    ("logs denied", "logs"): "failed: AWS refused FilterLogEvents",
    ("livetail unimplemented", "logs"): "POLLING",
}


def _read(screen) -> bool:
    """The screen has read what it could: rows, a fetch time, or its status says why not."""
    if screen.loading_what is not None:
        return False
    if hasattr(screen, "tail"):  # the log view: lines, or why there are none
        return bool(screen.problem or any(not isinstance(item, Marker) for item in screen.buffer.all))
    return bool(screen.fetched_at is not None or screen.problem)


async def _settled(pilot, app, what: str) -> tuple[str, str]:
    """Wait until the screen has read what it could: what it shows, and the log view's markers."""
    screen = app.screen
    await until(pilot, lambda: _read(screen), what, timeout=15)
    await pilot.pause(0.2)
    text = screen_text(app) + plain(screen.query_one("#status").content)
    markers = " ".join(item.message for item in getattr(getattr(screen, "buffer", None), "all", ()) if
                       isinstance(item, Marker))
    return text, markers


@pytest.mark.parametrize("fault", FAULTS)
async def test_every_main_screen_shows_what_it_can_and_labels_the_gap(live, fault):
    seen: dict[str, tuple[str, str, str | None]] = {}
    with faults(live.url, **FAULTS[fault]):
        app = ConsoleApp(Target(endpoint_url=live.url, region=HERE))
        async with app.run_test(size=(200, 40)) as pilot:
            await until(pilot, lambda: app.engine is not None and app.screen.fetched_at is not None, "the API list")
            seen["apis"] = (*await _settled(pilot, app, "the API list"), app.screen.problem)
            api = app.gateway.find_api("orders-api")
            for name, make in (("api", lambda: ApiScreen(api)), ("stage", lambda: StageScreen(api, "prod")),
                               ("deployments", lambda: DeploymentsScreen(api, "prod")),
                               ("metrics", lambda: MetricsScreen(api, "prod")), ("pulse", PulseScreen),
                               ("plans", UsagePlansScreen), ("keys", ApiKeysScreen),
                               ("logs", lambda: LogScreen(api, "prod"))):
                await app.push_screen(make())
                seen[name] = (*await _settled(pilot, app, f"{name} under {fault}"), app.screen.problem)
                if name != "logs":
                    app.pop_screen()
    for name, (text, markers, problem) in seen.items():
        assert clean(text) and clean(markers), (name, text)
        label = LABELS.get((fault, name))
        if label is None:
            assert problem is None, (fault, name, problem)  # it read what it shows
        else:
            assert label in " ".join(text.split()), (fault, name, text)
    if fault == "livetail unimplemented":
        assert "StartLiveTail is not available here" in seen["logs"][1]  # the log view says why it polls
    for name in ("apis", "api", "stage", "deployments", "plans", "keys"):  # never an empty screen
        assert "orders-api" in seen[name][0] or "partner" in seen[name][0] or "acme" in seen[name][0], name


async def test_a_stage_is_shown_without_the_account_limits_when_they_are_refused(live, capsys):
    with faults(live.url, deny=[f"apigateway:GetAccount@{HERE}"]):
        code, out, err = run(capsys, live, "throttle", "show", "orders-api", "prod")
        assert code == 0 and "Stage default" in out, err
        assert "warning: the account's limits could not be read" in err and "apigateway:GET" in err
        app = ConsoleApp(Target(endpoint_url=live.url, region=HERE))
        async with app.run_test(size=(200, 40)) as pilot:
            await until(pilot, lambda: app.engine is not None and app.screen.fetched_at is not None, "the API list")
            await app.push_screen(StageScreen(app.gateway.find_api("orders-api"), "prod"))
            text, _ = await _settled(pilot, app, "the stage")
            assert app.screen.problem is None and "Stage variables" in text
            assert "the account's limits could not be read: AWS refused GetAccount" in " ".join(text.split())


def test_alarms_refused_are_a_gap_in_their_column_not_an_error(live, capsys):
    with faults(live.url, deny=[f"cloudwatch:DescribeAlarms@{HERE}"]):
        code, out, err = run(capsys, live, "pulse")
    prod = next(line for line in out.splitlines() if "orders-api › prod" in line)
    assert code == 0 and "n/a" in prod and "from logs" not in out  # the figures are CloudWatch's still
    assert "warning: alarm states unavailable: AWS refused DescribeAlarms" in err and "cloudwatch:DescribeAlarms" in err
