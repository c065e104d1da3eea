"""The release manager's canary flow at 80x24, by keyboard, against the bad-canary rehearsal: see the
evidence, find promotion blocked, roll back; then ship a new deployment as a canary and let a
stepped rollout take it to promotion, confirming each step as the gate passes."""

from __future__ import annotations

import time

import pytest
from canary_rehearsal import rehearse, run, traffic
from screen_helpers import SIZE, connected, screen_text, type_text, until
from textual.widgets import Input

from console.aws.session import Target
from console.config import CanaryGate, Settings
from console.model import Api
from screens.app import ConsoleApp
from screens.canary import CanaryScreen
from screens.canary_forms import CreateCanaryForm, RolloutForm
from screens.confirm import ConfirmScreen
from screens.stage import StageScreen

REHEARSAL = "eu-central-1"
SCRATCH = "ap-southeast-2"
# The gate's logic is tested in test_canary; here it only has to pass for a healthy canary, whatever the dice.
GATE = CanaryGate(min_requests=50, max_5xx_margin=5.0, max_p99_ratio=100.0, window_minutes=10)


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(CanaryScreen, "POLL_SECONDS", 0.5)


async def confirm(pilot, typed: str = "prod") -> None:
    """Confirm the plan on screen, typing the protected stage's name."""
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), "a plan to confirm")
    await until(pilot, lambda: isinstance(pilot.app.focused, Input), "the name box")
    shown = pilot.app.screen
    await type_text(pilot, typed)
    await pilot.press("enter")
    await until(pilot, lambda: pilot.app.screen is not shown, "the confirmation to close")


def burst(url: str, since: float) -> None:
    """A dense second of healthy traffic after `since` (a rollout only counts what came after its step)."""
    heavy = traffic(url, REHEARSAL, scale=900)
    time.sleep(max(0.0, since + 1.1 - time.time()))
    run(heavy, time.time() - 1.0, 1.0)


async def test_release_manager_flow(sandbox, aws):
    api_id = rehearse(sandbox.url, REHEARSAL)
    now = time.time()
    run(traffic(sandbox.url, REHEARSAL), now - 600, 600)
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=REHEARSAL), settings=Settings(canary=GATE))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        api = app.gateway.find_api(api_id)
        await app.push_screen(StageScreen(api, "prod"))
        await until(pilot, lambda: app.screen.stage is not None, "the stage")
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CanaryScreen)
        await until(pilot, lambda: screen.verdict is not None, "the evidence")
        text = screen_text(app)
        assert "20% of requests to the canary" in text and "PSP adapter v3" in text
        assert "Base (log)" in text and "Canary (log)" in text and "✗ canary 5xx" in text

        # The bad canary: promotion is blocked, naming the rule, until "override" is typed; roll back instead.
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the promotion plan")
        assert app.screen.plan.needs_override and "promotion gate: canary 5xx" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the rollback plan")
        assert "Roll back the canary" in app.screen.plan.summary
        await confirm(pilot)
        await until(pilot, lambda: screen.stage is not None and screen.stage.canary is None, "the rollback")
        base = screen.stage.deployment_id
        assert "canarySettings" not in aws("apigateway", REHEARSAL).get_stage(restApiId=api_id, stageName="prod")

        # A new release: deploy the current configuration as a 20% canary...
        await pilot.press("c")
        assert isinstance(app.screen, CreateCanaryForm)
        await type_text(pilot, "20")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the creation plan")
        assert app.screen.plan.call.operation == "CreateDeployment"
        await confirm(pilot)
        await until(pilot, lambda: screen.stage.canary is not None and screen.stage.canary.percent == 20,
                    "the canary at 20%")
        new = screen.stage.canary.deployment_id

        # ...and a stepped rollout: 25%, 50%, promote, each proposed once the gate passes on fresh traffic.
        await pilot.press("s")
        assert isinstance(app.screen, RolloutForm)
        app.screen.query_one("#steps", Input).value = "25, 50, promote"
        await pilot.press("enter")
        await until(pilot, lambda: "waiting for the gate" in screen.rollout_state, "the gate to want fresh traffic")
        for step in (25.0, 50.0, "promote"):
            assert screen.rollout is not None and screen.rollout.step == step
            burst(sandbox.url, screen.rollout.since.timestamp())
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen),
                        f"the {step} step ({screen.rollout_state})")
            plan = app.screen.plan
            assert not plan.needs_override
            assert plan.summary.startswith("Promote") if step == "promote" else plan.summary.endswith(f"→ {step:g}%")
            await confirm(pilot)
        assert screen.rollout is None
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the offer to remove the canary")
        assert app.screen.plan.summary.startswith("Remove the promoted canary")
        await confirm(pilot)
        await until(pilot, lambda: screen.stage is not None and screen.stage.canary is None
                    and screen.stage.deployment_id == new, "the promoted stage")
        assert new != base
        await pilot.press("escape")
        assert isinstance(app.screen, StageScreen)
    stage = aws("apigateway", REHEARSAL).get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == new and "canarySettings" not in stage
    assert [e["outcome"] for e in app.engine.journal.entries()] == ["applied"] * 6


async def start_rollout_then_leave(pilot, api: Api, leave) -> CanaryScreen:
    """Open the canary screen, start the proposed rollout, and leave the screen by `leave()`."""
    screen = CanaryScreen(api, "dev")
    await pilot.app.push_screen(screen)
    await until(pilot, lambda: screen.stage is not None, "the canary")
    await pilot.press("s")
    await pilot.press("enter")  # the proposed steps: 5, 25, 50, promote
    await until(pilot, lambda: "waiting for the gate: the canary cannot be measured" in screen.rollout_state,
                "the rollout to wait for evidence (the stage has no access log)")
    await leave()
    await until(pilot, lambda: screen.rollout is None, "the rollout to stop")
    assert "the canary screen was left" in screen.rollout_state
    return screen


async def test_leaving_the_screen_stops_the_rollout_and_http_stages_say_canaries_are_rest(sandbox, scratch_apis, aws):
    client = aws("apigateway", SCRATCH)
    api_id = scratch_apis["REST"]
    client.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "5"}])
    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=SCRATCH), settings=Settings(canary=GATE))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        api = app.gateway.find_api(api_id)
        await start_rollout_then_leave(pilot, api, lambda: pilot.press("escape"))

        async def audit() -> None:
            app.open_view("audit")

        await start_rollout_then_leave(pilot, api, audit)
        await app.pop_screen()
        await app.pop_screen()
        await app.push_screen(CanaryScreen(app.gateway.find_api(scratch_apis["HTTP"]), "dev"))
        assert "REST API feature" in screen_text(app)
        await pilot.press("c")
        assert isinstance(app.screen, CanaryScreen)
    assert app.engine.journal.entries() == []
    client.update_stage(restApiId=api_id, stageName="dev",
                        patchOperations=[{"op": "remove", "path": "/canarySettings"}])
