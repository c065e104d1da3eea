"""Running runbooks over the sandbox: checks and waits read complete minutes of a stage's figures, plans go
through the engine and the journal, a failed step stops the run and undoes what it applied, newest first.

orders-api is seeded into a region of this module's own, and its traffic stepped over the minutes just past
before each run, so that every condition reads real figures and the runs take about a second.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
from once import once
from traffic_helpers import stepped

from console.cli import main
from console.journal.store import APPLIED, Journal, journal_path
from console.sandbox.estate import ORDERS_API

HERE = "ap-southeast-1"  # this module's own region

HEAD = '''name = "drill"
summary = "a short drill on orders-api prod"

[params.api]
type = "api"
default = "orders-api"

[params.stage]
type = "stage"
default = "prod"

[params.window]
type = "integer"
default = 1
min = 1
max = 5
'''


@pytest.fixture(scope="module")
def live(sandbox):
    return once(sandbox, __name__, lambda: stepped(sandbox.url, HERE, rest_apis=(ORDERS_API,),
                                                   stages=(("orders-api", "prod"),)))


@pytest.fixture
def run(live, tmp_path, monkeypatch, capsys):
    """Write a runbook, publish the last minutes' traffic, run it with --output json: (exit code, answer)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def running(steps: str, *flags: str) -> tuple[int, dict]:
        book = tmp_path / "drill.toml"
        book.write_text(HEAD + steps)
        now = time.time()
        live.step(180.0, now)
        live.traffic.close(now)
        capsys.readouterr()
        code = main(["--endpoint-url", live.url, "--region", HERE, "--output", "json", "runbook", "run", str(book),
                     *flags])
        return code, json.loads(capsys.readouterr().out)
    return running


@pytest.fixture
def stage(live):
    apigw = live.client("apigateway")
    api_id = next(a["id"] for a in apigw.get_rest_apis()["items"] if a["name"] == "orders-api")

    def read() -> dict:
        raw = apigw.get_stage(restApiId=api_id, stageName="prod")
        return {"throttle": raw.get("methodSettings", {}).get("*/*", {}).get("throttlingRateLimit"),
                "variables": raw.get("variables", {})}
    return read


async def type_stage(pilot, app) -> None:
    """prod is protected: its name is typed, once the confirmation's field has the focus."""
    from screen_helpers import until
    from textual.widgets import Input

    await until(pilot, lambda: isinstance(app.focused, Input), "the field for the stage's name")
    await pilot.press("p", "r", "o", "d", "enter")


def journal() -> list[dict]:
    return Journal(journal_path(sandbox=True)).entries()


CHANGES = '''
[[steps]]
title = "Set an odd rate"
plan = "throttle.set"
rate = {rate}

[[steps]]
plan = "variables.set"
values = {{ drill = "{rate}" }}
'''


def test_a_runbook_checks_plans_waits_and_completes(run, stage):
    code, answer = run('''
[[steps]]
check = "requests > 0"
window = "{window}"
''' + CHANGES.format(rate=777) + '''
[[steps]]
wait_until = "requests > 0"
for_minutes = 1
poll = 0.1
timeout = 10

[[steps]]
confirm = "Carry on with {api} {stage}?"
''', "--yes")
    assert code == 0, answer
    assert answer["status"] == "green" and answer["runbook"] == "drill"
    assert [s["status"] for s in answer["steps"]] == ["passed", "applied", "applied", "passed", "confirmed"]
    assert answer["steps"][0]["reading"]["holds"] and answer["steps"][0]["reading"]["values"][0] > 0
    window = answer["steps"][3]["reading"]
    end = datetime.fromisoformat(window["window_end"])
    assert end.second == 0 and end.timestamp() <= time.time() and len(window["values"]) == 1  # a complete minute
    assert all(isinstance(s["seconds"], float) for s in answer["steps"])
    assert stage() == {"throttle": 777.0, "variables": {**stage()["variables"], "drill": "777"}}
    made = [e for e in journal() if e.get("outcome") == APPLIED]
    assert [e["runbook"] for e in made] == [{"name": "drill", "run": answer["run"], "step": 2},
                                            {"name": "drill", "run": answer["run"], "step": 3}]
    assert [e["id"] for e in made] == answer["steps"][1]["entries"] + answer["steps"][2]["entries"]


def test_a_failing_check_stops_the_run_and_undoes_the_applied_steps_newest_first(run, stage):
    before = stage()
    code, answer = run(CHANGES.format(rate=778) + '''
[[steps]]
check = "pct_5xx > 99"

[[steps]]
confirm = "never asked"
''', "--yes")
    assert code == 1
    assert answer["status"] == "stopped"
    assert [s["status"] for s in answer["steps"]] == ["applied", "applied", "failed", "not run"]
    assert "pct_5xx > 99: does not hold" in answer["steps"][2]["detail"]
    assert [(u["step"], u["status"]) for u in answer["undo"]] == [(2, "applied"), (1, "applied")]
    assert stage() == before
    entries = {e["id"]: e for e in journal()}
    undos = [entries[u["entries"][0]] for u in answer["undo"]]
    assert [u["undoes"] for u in undos] == [answer["steps"][1]["entries"][0], answer["steps"][0]["entries"][0]]
    assert [u["runbook"]["step"] for u in undos] == ["undo 2", "undo 1"]
    assert all(u["plan"]["kind"] == "undo" for u in undos)


def test_a_wait_that_times_out_stops_the_run(run, stage):
    before = stage()
    code, answer = run(CHANGES.format(rate=779) + '''
[[steps]]
wait_until = "requests < 0"
for_minutes = 1
poll = 0.1
timeout = 0.3
''', "--yes")
    assert code == 1
    assert [s["status"] for s in answer["steps"]] == ["applied", "applied", "timed out"]
    assert len(answer["undo"]) == 2 and stage() == before


def test_a_dry_run_shows_every_plan_and_sends_nothing(run, stage):
    before = stage()
    code, answer = run('''
[[steps]]
check = "requests > 0"
''' + CHANGES.format(rate=780) + '''
[[steps]]
wait_until = "requests > 0"

[[steps]]
confirm = "not asked in a dry run"
''', "--dry-run")
    assert code == 0
    assert answer["status"] == "dry run"
    assert [s["status"] for s in answer["steps"]] == ["dry run"] * 5
    summaries = [s["plans"][0]["summary"] for s in answer["steps"][1:3]]
    assert summaries[0] == "Set stage default rate to 780 requests/s"
    assert summaries[1] in ("Stage variables: add drill", "Stage variables: change drill")  # other tests' runs
    assert answer["steps"][3]["detail"] == "would wait until requests > 0"
    assert stage() == before and journal() == []


def test_without_yes_and_without_a_terminal_nothing_is_applied(run, stage):
    before = stage()
    code, answer = run(CHANGES.format(rate=781))
    assert code == 2
    assert [s["status"] for s in answer["steps"]] == ["declined", "not run"]
    assert stage() == before and journal() == []


def test_a_bad_parameter_is_refused_before_anything_runs(live, tmp_path, capsys):
    book = tmp_path / "drill.toml"
    book.write_text(HEAD + CHANGES.format(rate=782))
    code = main(["--endpoint-url", live.url, "--region", HERE, "runbook", "run", str(book), "--param", "window=9"])
    assert code == 2
    assert "--param window=9: 9 is outside 1..5" in capsys.readouterr().err


async def test_runbook_in_the_tui_shows_each_step_and_confirms_on_the_confirmation_screen(live, tmp_path,
                                                                                          monkeypatch, stage):
    from screen_helpers import SIZE, connected, screen_text, until

    from console.aws.session import Target
    from screens.app import ConsoleApp
    from screens.confirm import ConfirmScreen
    from screens.runbook import GateScreen, RunbookScreen
    from screens.runbook_params import RunbookParamsForm

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    book = tmp_path / "drill.toml"
    book.write_text(HEAD + '''
[[steps]]
check = "requests > 0"

[[steps]]
plan = "throttle.set"
rate = 783

[[steps]]
confirm = "Wait for traffic on {stage}?"

[[steps]]
wait_until = "requests > 0"
for_minutes = 1
poll = 0.1
timeout = 10
''')
    now = time.time()
    live.step(180.0, now)
    live.traffic.close(now)
    keys = {":": "colon", "/": "slash", "-": "minus", ".": "full_stop", "_": "underscore", " ": "space"}
    app = ConsoleApp(Target(endpoint_url=live.url, region=HERE))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        await pilot.press("colon", *[keys.get(c, c) for c in f"runbook {book}"], "enter")
        await until(pilot, lambda: isinstance(app.screen, RunbookParamsForm), "its parameters")
        await pilot.press("enter")  # the defaults, as filled in
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan of step 2")
        assert app.screen.plan.summary == "Set stage default rate to 783 requests/s"
        await type_stage(pilot, app)
        await until(pilot, lambda: isinstance(app.screen, GateScreen), "the confirm step")
        assert "Wait for traffic on prod?" in screen_text(app)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, RunbookScreen) and app.screen.runner.run.status == "green",
                    "the run to end green")
        shown = screen_text(app)
        assert "drill" in shown and "green" in shown
        for words in ("check requests > 0 passed requests =", "plan throttle.set applied",
                      "confirm Wait for traffic on prod? confirmed", "wait until requests > 0 passed"):
            assert words in " ".join(shown.split()), shown
    assert stage()["throttle"] == 783.0
    made = [e for e in journal() if e.get("outcome") == APPLIED]
    assert [e["runbook"]["step"] for e in made] == [2]


def test_the_bundled_key_rotation_runbook_rotates_a_key_and_disables_the_old_one(live, tmp_path, monkeypatch,
                                                                                 capsys):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    apigw = live.client("apigateway")
    old = next(k for k in apigw.get_api_keys()["items"] if k["enabled"] and
               apigw.get_usage_plans(keyId=k["id"])["items"])
    plans = {p["id"] for p in apigw.get_usage_plans(keyId=old["id"])["items"]}
    code = main(["--endpoint-url", live.url, "--region", HERE, "--output", "json", "runbook", "run", "key-rotation",
                 "--param", f"key={old['id']}", "--yes"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0, answer
    assert [s["status"] for s in answer["steps"]] == ["applied", "confirmed", "applied"]
    assert answer["steps"][1]["title"].startswith(f"confirm The new key is in every usage plan of {old['id']}.")
    assert len(answer["steps"][0]["entries"]) == 1 + len(plans)  # the new key, then one plan each
    new_id = next(e for e in journal() if e["id"] == answer["steps"][0]["entries"][0])["created"]
    assert {p["id"] for p in apigw.get_usage_plans(keyId=new_id)["items"]} == plans
    assert apigw.get_api_key(apiKey=old["id"])["enabled"] is False
    assert all(e["runbook"]["run"] == answer["run"] for e in journal())


def test_a_run_on_the_terminal_prints_each_plan_and_each_step_as_it_ends(live, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    book = tmp_path / "drill.toml"
    book.write_text(HEAD + '[[steps]]\ncheck = "requests > 0"\n' + CHANGES.format(rate=784))
    now = time.time()
    live.step(180.0, now)
    live.traffic.close(now)
    code = main(["--endpoint-url", live.url, "--region", HERE, "--no-color", "runbook", "run", str(book),
                 "--dry-run"])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 0
    assert "Runbook drill · run run-" in out and "· dry run ·" in out
    assert "○ 1. check requests > 0: dry run — requests = " in out
    assert "aws apigateway update-stage" in out and out.count("Dry run: nothing was sent.") == 2
    assert "○ 2. Set an odd rate: dry run" in out
    assert "dry run: nothing was sent after" in out


def test_promoting_a_canary_that_is_not_there_fails_the_step_before_any_call(run, stage):
    before = stage()
    code, answer = run('\n[[steps]]\nplan = "canary.promote"\n', "--yes")
    assert code == 1
    assert answer["steps"][0]["status"] == "failed" and "no canary" in answer["steps"][0]["detail"]
    assert answer["steps"][0]["plans"] == [] and stage() == before and journal() == []


async def test_x_stops_a_run_in_the_tui_and_its_change_is_undone_on_the_confirmation_screen(live, tmp_path,
                                                                                           monkeypatch, stage):
    from screen_helpers import SIZE, connected, until

    from console.aws.session import Target
    from screens.app import ConsoleApp
    from screens.confirm import ConfirmScreen
    from screens.runbook import RunbookScreen
    from screens.runbook_params import RunbookParamsForm

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    book = tmp_path / "drill.toml"
    book.write_text(HEAD + CHANGES.format(rate=785) + '''
[[steps]]
wait_until = "requests < 0"
poll = 60
''')
    before = stage()
    app = ConsoleApp(Target(endpoint_url=live.url, region=HERE))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        app.push_screen(RunbookScreen(str(book)))
        await until(pilot, lambda: isinstance(app.screen, RunbookParamsForm), "its parameters")
        await pilot.press("ctrl+s")
        asked = None

        def another_plan() -> bool:  # a ConfirmScreen, not the one just answered
            return isinstance(app.screen, ConfirmScreen) and app.screen is not asked

        for summary in ("Set stage default rate to 785 requests/s", "Stage variables: "):
            await until(pilot, another_plan, f"the plan: {summary}")
            asked = app.screen
            assert app.screen.plan.summary.startswith(summary)
            await type_stage(pilot, app)
        screen = app.screen
        await until(pilot, lambda: isinstance(app.screen, RunbookScreen) and screen.runner.run.outcomes[2].reading,
                    "the wait's first reading")
        await pilot.press("x")
        for undone in ("Undo: Stage variables: ", "Undo: Set stage default rate to 785 requests/s"):
            await until(pilot, another_plan, f"the undo: {undone}")
            asked = app.screen
            assert app.screen.plan.summary.startswith(undone)
            await type_stage(pilot, app)
        await until(pilot, lambda: screen.runner.run.status == "stopped" and len(screen.runner.run.undone) == 2
                    and all(o.status == "applied" for o in screen.runner.run.undone), "the undo applied")
        assert [o.status for o in screen.runner.run.outcomes] == ["applied", "applied", "cancelled"]
    assert stage() == before


async def test_runbook_alone_lists_the_bundled_runbooks(live):
    from screen_helpers import SIZE, connected, screen_text, until

    from console.aws.session import Target
    from screens.app import ConsoleApp
    from screens.runbook import RunbookScreen

    app = ConsoleApp(Target(endpoint_url=live.url, region=HERE))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        await pilot.press("colon", *"runbook", "enter")
        await until(pilot, lambda: isinstance(app.screen, RunbookScreen) and app.screen.listed, "the list")
        shown = screen_text(app)
        for name in ("bad-canary", "expired-keys", "key-rotation", "stale-cache", "throttle-storm"):
            assert name in shown
        assert app.screen.listed == sorted(app.screen.listed)


async def test_the_tui_asks_for_a_runbooks_parameters_and_checks_them_before_anything_runs(live):
    """Enter on a listed runbook opens its parameters with the defaults in; a value out of bounds or a
    required one left empty is said in the form (nothing typed is lost, nothing runs); escape goes back."""
    from screen_helpers import SIZE, connected, screen_text, until
    from textual.widgets import DataTable, Input

    from console.aws.session import Target
    from screens.app import ConsoleApp
    from screens.runbook import RunbookScreen
    from screens.runbook_params import RunbookParamsForm

    app = ConsoleApp(Target(endpoint_url=live.url, region=HERE))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        await pilot.press("colon", *"runbook", "enter")
        await until(pilot, lambda: isinstance(app.screen, RunbookScreen) and app.screen.listed, "the list")
        runbooks = app.screen
        table = runbooks.query_one("#steps", DataTable)
        table.move_cursor(row=runbooks.listed.index("throttle-storm"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RunbookParamsForm), "throttle-storm's parameters")
        form = app.screen
        boxes = {name: form.query_one(f"#param-{n}", Input) for n, name in enumerate(form.runbook.params)}
        assert (boxes["api"].value, boxes["stage"].value, boxes["factor"].value) == ("orders-api", "prod", "4")
        boxes["factor"].value = "99"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "factor=99: 99 is outside 1.1..10" in " ".join(screen_text(app).split()),
                    "the bound said")
        assert app.screen is form and boxes["factor"].value == "99" and runbooks.runner is None
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is runbooks and runbooks.listed, "the list again")
        assert table.cursor_row == runbooks.listed.index("throttle-storm")  # where it was left
        table.move_cursor(row=runbooks.listed.index("key-rotation"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RunbookParamsForm), "key-rotation's parameters")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "key: required" in screen_text(app), "the required key said")
        assert runbooks.runner is None
