"""Time to fix (issue #15): each rehearsal run as an on-call engineer would, keys counted and clock running.

For each scenario (throttle-storm, bad-canary, stale-cache, expired-keys) a sandbox child starts in the incident, as
`apigw-console sandbox --scenario NAME` does (console.sandbox.process.spawn; its own start is reported
apart), then ConsoleApp is driven headless at 80x24 from launch: `:p⏎` (the pulse), the incident's stage must be
the first row (its rank is a figure; were it lower, ↓ moves to it and is counted), then the fix from the
pulse row — `t` and a stage default rate four times the storm's throttle (`x4⏎`), `c` then `x` (roll the canary
back), `f` (flush), or `K` (the keys of the stage's usage plans, the disabled first), space and ↓ on each key
disabled by mistake, then `E` (a plan each) — reviewed, confirmed with the stage name typed (prod is protected), until the
journal says AWS applied it; the sandbox's own state is then read back with boto3. Every key counts,
each character typed included. The seconds are the machine's: each key is pressed as soon as what it
is meant for is on screen, so an engineer's reading and thinking time is not in them.

`--recovery` then waits (at most RECOVERY_WAIT s after the fix) on the pulse, which refreshes itself
after each CloudWatch minute, and counts the complete minutes after the fix until the stage's row
shows nothing alarming: no share at or above the pulse's bold thresholds, or none above what the stage
itself answered in the 10 minutes before the incident's onset (a stage that always had 2% 5xx is healthy
at 2%, within three standard errors of that rate) — real minutes, so it is off by default. Last, launch to a pulse with data: app start to the first rows of the pulse table on a
fresh sandbox child (whose first CloudWatch answer writes its history), and on the same child again.

Launch to the first rows of a 900-API estate is `benchmarks/large_estate.py`'s figure.
"""

from __future__ import annotations

import asyncio
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from benchmarks.common import COLUMNS, LINES, Figure, seconds

OPTIONS = ("--recovery",)
KEYS_TARGET, FIX_TARGET, RECOVERY_TARGET, PULSE_TARGET = 12, 30.0, 3, 1.5
RECOVERY_WAIT = 300.0  # seconds after the fix, at most
BASELINE_MINUTES = 10  # before the onset: the stage's own rates, which recovery is judged against
METRICS = {"count": "Count", "e4xx": "4XXError", "e5xx": "5XXError"}  # query id -> the REST stage's metric
PULSE_RUNS = 3  # fresh sandbox children, each measured cold then warm
WAIT = 30.0  # the longest any one step may take before the run is reported as stuck
RATE = "x4"  # the storm is 60 req/s against 5 a method (burst 10): four times the rate admits it; the burst stays
FIXED_RATE, FIXED_BURST = 20.0, 10


# A key as the driver sends it: (key name, character); a letter or digit is itself. And how a key is reported.
KEY_EVENTS = {":": ("colon", ":"), " ": ("space", " "), "-": ("minus", "-"), "/": ("slash", "/"),
              ".": ("full_stop", "."), "enter": ("enter", "\r"), "tab": ("tab", "\t"), "escape": ("escape", "\x1b"),
              "down": ("down", None)}
SHOWN = {"enter": "⏎", "tab": "⇥", "down": "↓", "escape": "esc"}


@dataclass(frozen=True)
class Rehearsal:
    scenario: str
    api: str
    stage: str
    fix: str  # the pulse's key for it: t, c (then x), f, K (then mark the keys and E)


REHEARSALS = (
    Rehearsal("throttle-storm", "orders-api", "prod", "t"),
    Rehearsal("bad-canary", "payments-api", "prod", "c"),
    Rehearsal("stale-cache", "catalog-api", "prod", "f"),
    Rehearsal("expired-keys", "payments-api", "prod", "K"),
)


@dataclass
class Outcome:
    keys: list[str] = field(default_factory=list)
    pulse_rows: float = math.nan  # seconds from app start
    rank: int | None = None  # 1: first
    first: str = ""  # the first row, when it is not the incident's stage
    applied: float = math.nan  # seconds from app start to the journal's "applied"
    confirmed: str = ""  # what boto3 read back
    recovery: float | None = None  # complete minutes after the fix until the row showed nothing alarming
    recovery_note: str = ""


def run(*options: str) -> list[Figure]:
    home = tempfile.mkdtemp(prefix="apigw-bench-runbook-")
    os.environ.update(XDG_STATE_HOME=os.path.join(home, "state"),  # the journal: the benchmark's own
                      APIGW_CONSOLE_CONFIG=os.path.join(home, "config.toml"))  # absent: defaults (prod* protected)
    recovery = "--recovery" in options
    figures: list[Figure] = []
    for index, rehearsal in enumerate(REHEARSALS):
        figures += _rehearse(rehearsal, recovery, builds=index == 0)
    figures += _pulse_at_launch()
    return figures


def _rehearse(rehearsal: Rehearsal, recovery: bool, builds: bool) -> list[Figure]:
    """`builds`: this is the run's first sandbox child, which builds the estate snapshot (the cache is fresh)."""
    from console.sandbox.process import spawn
    from console.sandbox.scenarios import ONSET_MINUTES, onset_time

    started, spawned_at = time.perf_counter(), time.time()
    child = spawn("--scenario", rehearsal.scenario)
    child_start = time.perf_counter() - started
    name = rehearsal.scenario
    try:
        onset = onset_time(spawned_at, ONSET_MINUTES)  # as the child placed it (the same minute, or one later)
        baseline = _baseline(rehearsal, child.url, child.region, onset) if recovery else None
        outcome = asyncio.run(_drive(rehearsal, child.url, child.region, baseline))
    except RuntimeError as stuck:  # reported as a missed target, with what was seen; the next rehearsal runs
        return [Figure(f"{name}: launch → applied fix", math.inf, "s", FIX_TARGET, str(stuck))]
    finally:
        child.close()
    shown = " ".join(outcome.keys)
    figures = [
        Figure(f"{name}: stage's rank on :pulse", outcome.rank or math.inf, "rank", 1,
               f"{rehearsal.api} › {rehearsal.stage}" + (f"; first was {outcome.first}" if outcome.first else "")),
        Figure(f"{name}: keys to the applied fix", len(outcome.keys), "keys", KEYS_TARGET, shown),
        Figure(f"{name}: launch → applied fix", round(outcome.applied, 3), "s", FIX_TARGET,
               f"pulse rows at {outcome.pulse_rows:.2f} s; {outcome.confirmed}; headless 80x24"),
        Figure(f"{name}: sandbox child start", round(child_start, 3), "s", None,
               "spawn → URL announced (scenario begun, incident replayed)"
               + ("; builds the estate snapshot first" if builds else "") + "; not in the figure above"),
    ]
    if recovery:
        figures.append(Figure(f"{name}: min to a healthy pulse row",
                              math.inf if outcome.recovery is None else outcome.recovery, "min", RECOVERY_TARGET,
                              outcome.recovery_note))
    return figures


class Keys:
    """Sends keys as the terminal driver does — at once, not waiting for the app to go idle as Pilot.press
    does (40 ms to 1 s a key) — and counts every one. What a key is meant for is waited for first."""

    def __init__(self, app) -> None:
        self.app = app
        self.pressed: list[str] = []

    async def press(self, *keys: str) -> None:
        from textual import events

        for key in keys:
            name, character = KEY_EVENTS.get(key, (key, key if len(key) == 1 else None))
            event = events.Key(name, character)
            event.set_sender(self.app)  # as the driver sends it: a key without a sender does not reach bindings
            self.app._driver.send_message(event)
            self.pressed.append(SHOWN.get(key, key))
            await asyncio.sleep(0)

    async def type(self, text: str) -> None:
        await self.press(*text)


async def until(pilot, condition, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")
        await pilot.pause(0.02)
    return found


async def _drive(rehearsal: Rehearsal, url: str, region: str, baseline: dict[str, float] | None) -> Outcome:
    """`baseline`: the stage's shares before the onset, when recovery is to be watched (None: it is not)."""
    from console.aws.session import Target
    from console.journal.store import APPLIED, Journal, journal_path
    from console.sandbox.scenarios import EXPIRED_KEYS
    from screens.app import ConsoleApp
    from screens.canary import CanaryScreen
    from screens.catalog import ApiKeysScreen
    from screens.confirm import ConfirmScreen
    from screens.forms import ThrottleForm
    from screens.pulse import PulseScreen

    outcome = Outcome()
    journal = Journal(journal_path(sandbox=True))  # a local endpoint's changes go to the sandbox's journal
    before = {e["id"] for e in journal.entries()}
    started = time.perf_counter()
    app = ConsoleApp(Target(endpoint_url=url, region=region))
    async with app.run_test(size=(COLUMNS, LINES)) as pilot:
        keys = Keys(app)
        await keys.type(":p")
        await keys.press("enter")
        pulse = await until(pilot, lambda: isinstance(app.screen, PulseScreen) and app.screen.rows and app.screen,
                            "the pulse's rows")
        outcome.pulse_rows = time.perf_counter() - started
        ranked = [(r.ref.api_name, r.ref.stage) for r in pulse.rows]
        wanted = (rehearsal.api, rehearsal.stage)
        if wanted not in ranked:
            outcome.first = " › ".join(ranked[0])
            raise RuntimeError(f"{' › '.join(wanted)} is not on the pulse at all; first is {outcome.first}")
        outcome.rank = ranked.index(wanted) + 1
        if outcome.rank > 1:
            outcome.first = f"{' › '.join(ranked[0])} (score {pulse.rows[0].score:.1f} vs " \
                            f"{pulse.rows[outcome.rank - 1].score:.1f})"
            await keys.press(*["down"] * (outcome.rank - 1))

        await keys.press(rehearsal.fix)
        if rehearsal.fix == "t":
            await until(pilot, lambda: isinstance(app.screen, ThrottleForm) and app.screen.focused is not None
                               and app.screen.focused.id == "rate" and app.screen, "the throttle form")
            await keys.type(RATE)
            await keys.press("enter")  # review the plan
        elif rehearsal.fix == "c":
            await until(pilot, lambda: isinstance(app.screen, CanaryScreen) and app.screen.stage is not None,
                        "the canary screen")
            await keys.press("x")
        plans = 1
        if rehearsal.fix == "K":  # the disabled keys come first: the batch disabled by mistake, then one on purpose
            await until(pilot, lambda: isinstance(app.screen, ApiKeysScreen) and app.screen.answer is not None,
                        "the stage's keys")
            for _ in EXPIRED_KEYS:
                await keys.press("space", "down")
            await keys.press("E")
            plans = len(EXPIRED_KEYS)
            for _ in range(plans - 1):  # a plan each; the last is confirmed below
                shown = await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen, "a plan")
                await keys.press("y")
                await until(pilot, lambda: app.screen is not shown, "the next plan")
        confirm = await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen, "the plan")
        if confirm.plan.protected:
            await until(pilot, lambda: confirm.focused is not None and confirm.focused.id == "typed", "the name box")
            await keys.type(rehearsal.stage)
            await keys.press("enter")
        else:
            await keys.press("y")

        def applied():
            done = [e for e in journal.entries() if e["id"] not in before and e.get("outcome") == APPLIED]
            return done[-1] if len(done) >= plans else None

        entry = await until(pilot, applied, "the journal's applied entry")
        outcome.applied = time.perf_counter() - started
        fixed_at = time.time()
        outcome.keys = keys.pressed
        outcome.confirmed = _read_back(rehearsal, url, region, entry)
        if baseline is not None:
            while not isinstance(app.screen, PulseScreen):  # back to the pulse (not counted: the fix is in)
                await app.pop_screen()
            outcome.recovery, outcome.recovery_note = await _recovered(pilot, app.screen, rehearsal, fixed_at,
                                                                         baseline)
    return outcome


def _read_back(rehearsal: Rehearsal, url: str, region: str, entry: dict) -> str:
    """What the sandbox holds now, read with boto3 apart from the console: the fix must be there."""
    import boto3

    from console.sandbox import ACCESS_KEY_ID, SECRET_ACCESS_KEY

    operation = entry["plan"]["call"]["operation"]
    apigw = boto3.client("apigateway", endpoint_url=url, region_name=region, aws_access_key_id=ACCESS_KEY_ID,
                         aws_secret_access_key=SECRET_ACCESS_KEY)
    if rehearsal.fix == "K":
        from console.sandbox.scenarios import EXPIRED_KEYS

        still = [k["name"] for k in apigw.get_api_keys(limit=500)["items"]
                 if k["name"] in EXPIRED_KEYS and not k.get("enabled")]
        if still:
            raise RuntimeError(f"journal says {operation} applied, but {', '.join(still)} are still disabled")
        return f"{operation} applied {len(EXPIRED_KEYS)} times; boto3 reads {', '.join(EXPIRED_KEYS)} enabled"
    api_id = entry["plan"]["target"]["api_id"]
    stage = apigw.get_stage(restApiId=api_id, stageName=rehearsal.stage)
    if rehearsal.fix == "t":
        default = stage.get("methodSettings", {}).get("*/*", {})
        rate, burst = default.get("throttlingRateLimit"), default.get("throttlingBurstLimit")
        if (rate, burst) != (FIXED_RATE, FIXED_BURST):
            raise RuntimeError(f"journal says {operation} applied, but the stage default throttle is {rate}/{burst}")
        return f"{operation} applied; boto3 reads rate {rate:g}, burst {burst}"
    if rehearsal.fix == "c":
        if "canarySettings" in stage:
            raise RuntimeError(f"journal says {operation} applied, but the stage still has a canary")
        return f"{operation} applied; boto3 reads no canary"
    return f"{operation} applied (a flush leaves nothing to read back)"


def _baseline(rehearsal: Rehearsal, url: str, region: str, onset: float) -> dict[str, float]:
    """The stage's 4xx and 5xx shares (fractions) in the BASELINE_MINUTES before the onset, from CloudWatch."""
    import boto3

    from console.sandbox import ACCESS_KEY_ID, SECRET_ACCESS_KEY

    cloudwatch = boto3.client("cloudwatch", endpoint_url=url, region_name=region, aws_access_key_id=ACCESS_KEY_ID,
                              aws_secret_access_key=SECRET_ACCESS_KEY)
    dimensions = [{"Name": "ApiName", "Value": rehearsal.api}, {"Name": "Stage", "Value": rehearsal.stage}]
    span = BASELINE_MINUTES * 60
    answers = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": key, "MetricStat": {
            "Metric": {"Namespace": "AWS/ApiGateway", "MetricName": name, "Dimensions": dimensions},
            "Period": span, "Stat": "Sum"}} for key, name in METRICS.items()],
        StartTime=datetime.fromtimestamp(onset - span, UTC), EndTime=datetime.fromtimestamp(onset, UTC))
    sums = {a["Id"]: sum(a["Values"]) for a in answers["MetricDataResults"]}
    requests = sums.get("count") or 0.0
    return {kind: sums.get(f"e{kind}", 0.0) / requests if requests else 0.0 for kind in ("4xx", "5xx")}


def _alarming(shares: dict[str, float | None], requests: float, baseline: dict[str, float]) -> dict[str, float]:
    """The shares (percent) at or above the pulse's bold threshold and above the stage's own pre-incident rate
    by more than three standard errors of a window of `requests` requests."""
    from console.render.pulse import ALERT

    def usual(kind: str) -> float:
        rate = baseline.get(kind, 0.0)
        return 100 * (rate + 3 * math.sqrt(rate * (1 - rate) / max(requests, 1.0)))

    return {k: v for k, v in shares.items() if v is not None and v >= max(ALERT[k], usual(k))}


async def _recovered(pilot, pulse, rehearsal: Rehearsal, fixed_at: float,
                     baseline: dict[str, float]) -> tuple[float | None, str]:
    """Watch the pulse refresh itself after each minute; the complete minutes after the fix in its window
    when the stage's row first shows nothing alarming (None if not within RECOVERY_WAIT)."""
    first_clean_minute = math.ceil(fixed_at / 60) * 60  # the first whole minute after the fix
    deadline = fixed_at + RECOVERY_WAIT
    seen, history = None, []
    while time.time() < deadline:
        found = pulse.found
        if found is not None and found.fetched_at != seen:
            seen = found.fetched_at
            rows = [(r.ref.api_name, r.ref.stage) for r in found.rows]
            index = rows.index((rehearsal.api, rehearsal.stage))
            row = found.rows[index]
            shares = {"4xx": row.pct_4xx, "429": row.pct_429, "5xx": row.pct_5xx}
            alarming = _alarming(shares, row.requests, baseline)
            after = max(0.0, (found.window.end.timestamp() - first_clean_minute) / 60)
            history.append(f"{found.window.label}: #{index + 1}" + (
                " " + " ".join(f"{k} {v:.1f}%" for k, v in alarming.items()) if alarming else " healthy"))
            if not alarming:
                return after, (f"{after:g} complete min after the fix in the window, shown "
                               f"{time.time() - fixed_at:.0f} s after it; " + " → ".join(history[-4:]))
        # The pulse asks again 10 s past each minute; if that refresh has not come, ask as `r` would.
        boundary = datetime.fromtimestamp(time.time() // 60 * 60, UTC)
        if time.time() % 60 > 20 and pulse.loading_what is None and (seen is None or seen < boundary):
            pulse.load()
        await pilot.pause(0.5)
    usual = ", ".join(f"{k} {100 * v:.1f}%" for k, v in baseline.items())
    return None, (f"before the onset: {usual}; not healthy within {RECOVERY_WAIT:g} s of the fix; " + " → ".join(history[-4:]))


def _pulse_at_launch() -> list[Figure]:
    """App start → the pulse table's first rows, on a fresh sandbox child (cold: its first CloudWatch
    answer writes the history) and again on the same child (warm)."""
    from console.sandbox.process import spawn

    cold, warm = [], []
    for _ in range(PULSE_RUNS):
        child = spawn()
        try:
            cold.append(asyncio.run(_to_pulse(child.url, child.region)))
            warm.append(asyncio.run(_to_pulse(child.url, child.region)))
        finally:
            child.close()
    return [seconds("launch → pulse with data (fresh sandbox)", cold, PULSE_TARGET,
                    ":pulse⏎ sent at once (a burst); headless 80x24; sandbox child start excluded"),
            seconds("launch → pulse with data (warm sandbox)", warm, note="the same child, a second app")]


async def _to_pulse(url: str, region: str) -> float:
    from console.aws.session import Target
    from screens.app import ConsoleApp
    from screens.pulse import PulseScreen

    started = time.perf_counter()
    app = ConsoleApp(Target(endpoint_url=url, region=region))
    async with app.run_test(size=(COLUMNS, LINES)) as pilot:
        await Keys(app).press(*":pulse", "enter")
        await until(pilot, lambda: isinstance(app.screen, PulseScreen) and app.screen.rows, "the pulse's rows")
        return time.perf_counter() - started
