"""Foreign text is shown, never obeyed: control characters visible, markup literal, JSON exact.

Names and descriptions are written by anyone with IAM rights, log lines by anyone on the internet.
The one boundary is console.render.text; these tests put hostile strings into the sandbox and read
what the CLI and the screens write.
"""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from screen_helpers import SIZE, until
from textual.widgets import DataTable

from console.aws.session import Target
from console.render.text import foreign, terminal
from console.render.visible import visible
from screens.apis import ApiListScreen
from screens.app import ConsoleApp

OSC52 = "evil\x1b]52;c;QUJD\x07"  # writes the operator's clipboard where a terminal obeys it
CSI = "\x1b[2J\x1b[1;1H RO "  # clears the screen and paints a fake badge
MARKUP = "[/] [@click=app.quit]x[/] [link=https://example.com]y"
BIDI = "safe\u202eexe.txt"
C1 = "c1\x9b31m"
HOSTILE = f"{OSC52}{CSI}{MARKUP}{BIDI}{C1}\x7f"
SHORT = f"{OSC52}[/]{C1}"  # fits a table column at 80 columns

RAW = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def obeyable(text: str) -> set[str]:
    """Characters a terminal would obey, other than the line breaks the output is made of."""
    return {c for c in text if c in RAW and c != "\n"}


@given(st.text())
def test_visible_leaves_nothing_a_terminal_obeys_and_keeps_everything_else(text):
    shown = visible(text)
    assert not obeyable(shown) and "\n" not in shown
    assert shown == "".join(visible(c) for c in text)  # character by character, in order
    assert all((visible(c) == c) == (c not in RAW) for c in text)  # only controls change, each visibly


def test_each_kind_of_control_has_a_visible_form():
    assert visible("\x1b") == "␛" and visible("\x07") == "␇" and visible("\x7f") == "␡"
    assert visible("\x9b") == "\\x9b" and visible("\u202e") == "<U+202E>"
    assert visible("a\nb", keep_newlines=True) == "a\nb" and visible("a\nb") == "a␊b"
    assert foreign(MARKUP).plain == MARKUP  # brackets are text, never markup


def test_the_cli_console_shows_markup_and_controls_from_any_renderable(capsys):
    console = terminal()
    console.print(f"name: {HOSTILE}")
    out = capsys.readouterr().out
    assert not obeyable(out)
    assert "␛]52;c;QUJD" in out and "[@click=app.quit]x[/]" in out and "<U+202E>" in out


def test_apis_lists_a_hostile_name_visibly_and_json_keeps_it_exact(cli, apigw, scratch_region):
    created = apigw.create_rest_api(name=SHORT, description=f"desc {CSI}")
    try:
        code, out, err = cli("apis")
        assert code == 0, err
        assert not obeyable(out)
        assert all(shown in out for shown in ("␛]52;c;", "␇", "[/]", "\\x9b"))  # the name, whole and visible
        code, out, err = cli("apis", "--output", "json")
        assert code == 0
        assert SHORT in [api["name"] for api in json.loads(out)]
    finally:
        apigw.delete_rest_api(restApiId=created["id"])


def test_an_unknown_api_named_with_escapes_is_refused_in_words_not_in_escapes(cli):
    code, out, err = cli("stage", f"nope{CSI}{MARKUP}", "prod")
    assert code != 0 and not obeyable(err) and "␛[2J" in err and "Traceback" not in err


async def test_the_api_list_shows_a_hostile_name_and_survives_markup_in_toasts(sandbox, apigw, scratch_region):
    created = apigw.create_rest_api(name=HOSTILE)
    try:
        app = ConsoleApp(Target(endpoint_url=sandbox.url, region=scratch_region))
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ApiListScreen)
                        and app.screen.query_one("#apis", DataTable).row_count, "the API list")
            table = app.screen.query_one("#apis", DataTable)
            names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            shown = next(n for n in names if n.startswith("evil"))
            assert not obeyable(shown) and "␛]52" in shown and "[@click=app.quit]x[/]" in shown
            app.notify(f"AWS said: {MARKUP} {CSI}", title=f"[/]{OSC52}")  # a MarkupError would end the app here
            await pilot.pause()
            toast = app._notifications  # what the toast rack renders
            message = next(iter(toast)).message
            assert not obeyable(message) and "[@click=app.quit]x[/]" in message
            assert app.is_running
    finally:
        apigw.delete_rest_api(restApiId=created["id"])


@pytest.fixture(scope="module")
def hostile(sandbox, aws_client_for):
    """An API, its stage, a usage plan and a key in the scratch region, every free-text field hostile."""
    from conftest import SCRATCH_REGION

    apigw = aws_client_for(sandbox.url, "apigateway", SCRATCH_REGION)
    name = f"{OSC52}{uuid.uuid4().hex[:6]}"
    api_id = apigw.create_rest_api(name=name, description=f"{CSI}{MARKUP}", tags={"owner": OSC52})["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigw.create_deployment(restApiId=api_id, description=f"deploy {CSI}")["id"]
    apigw.create_stage(restApiId=api_id, stageName="prod", deploymentId=deployment, description=f"{BIDI}{C1}",
                       variables={"plain": "x"})  # AWS (and the sandbox) refuse other characters in values
    plan = apigw.create_usage_plan(name=f"plan {OSC52}", description=MARKUP,
                                   apiStages=[{"apiId": api_id, "stage": "prod"}])
    key = apigw.create_api_key(name=f"key {CSI}{MARKUP}", description=BIDI, enabled=True)
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    yield {"api": api_id, "name": name, "plan": plan["id"], "key": key["id"], "region": SCRATCH_REGION}
    apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    apigw.delete_api_key(apiKey=key["id"])
    apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
        {"op": "remove", "path": "/apiStages", "value": f"{api_id}:prod"}])
    apigw.delete_usage_plan(usagePlanId=plan["id"])
    apigw.delete_rest_api(restApiId=api_id)


CLI_READS = [("apis",), ("stage", "{api}", "prod"), ("vars", "show", "{api}", "prod"),
             ("throttle", "show", "{api}", "prod"), ("plans", "list"), ("plans", "show", "{plan}"),
             ("keys", "list"), ("keys", "show", "{key}"), ("usage", "{plan}"), ("canary", "status", "{api}", "prod"),
             ("cache", "flush", "{api}", "prod", "--dry-run"), ("vars", "set", "{api}", "prod", "x=1", "--dry-run")]


@pytest.mark.parametrize("command", CLI_READS, ids=lambda c: " ".join(w for w in c if not w.startswith("{")))
def test_every_cli_table_shows_hostile_data_without_writing_it_raw(command, hostile, cli):
    code, out, err = cli(*(word.format(**hostile) for word in command))
    assert code in (0, 1), err
    assert not obeyable(out) and not obeyable(err) and "Traceback" not in err
    if command[:2] not in (("vars", "show"), ("throttle", "show"), ("usage", "{plan}")):  # these show no free text
        assert "␛" in out + err or "<U+202E>" in out + err  # the hostile text is there, visibly


def written(app) -> str:
    """The exact terminal sequence a full repaint of the current screen writes (what SSH would carry)."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def injected(output: str) -> list[str]:
    """Sequences that could only have come from data: Textual itself writes CSI colours and cursor moves only."""
    found = [s for s in ("\x1b]52", "\x07", "\x1b[2J", "\x1b[1;1H R") if s in output]
    return found + [c for c in output if 0x80 <= ord(c) < 0xA0 or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_main_screen_shows_hostile_data_without_writing_it_raw(sandbox, hostile, size):
    from screens.api import ApiScreen
    from screens.audit import AuditScreen
    from screens.catalog import ApiKeysScreen, UsagePlansScreen
    from screens.help import HelpScreen
    from screens.stage import StageScreen

    app = ConsoleApp(Target(endpoint_url=sandbox.url, region=hostile["region"]))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApiListScreen)
                    and app.screen.query_one("#apis", DataTable).row_count, "the API list")
        await pilot.press("slash", *hostile["name"][-6:], "enter")  # its row in view, whatever else the region holds
        await until(pilot, lambda: app.screen.query_one("#apis", DataTable).row_count == 1, "the hostile row")
        await pilot.pause(0.2)
        screens = {"API list": written(app)}
        api = next(a for a in app.gateway.apis() if a.id == hostile["api"])
        await app.push_screen(ApiScreen(api))
        await until(pilot, lambda: app.screen.fetched_at, "the API")
        screens["API"] = written(app)
        await app.push_screen(StageScreen(api, "prod"))
        await until(pilot, lambda: app.screen.fetched_at, "the stage")
        screens["stage"] = written(app)
        for name, screen in (("plans", UsagePlansScreen), ("keys", ApiKeysScreen), ("audit", AuditScreen)):
            await app.push_screen(screen())
            await until(pilot, lambda: app.screen.fetched_at or name == "audit", name)
            if name != "audit":  # its row in view, whatever else the scratch region holds
                await pilot.press("slash", *hostile["plan" if name == "plans" else "key"], "enter")
            await pilot.pause(0.2)
            screens[name] = written(app)
        await app.push_screen(HelpScreen([(OSC52, MARKUP)]))
        await pilot.pause()
        screens["help"] = written(app)
        for name, output in screens.items():
            assert not injected(output), (name, injected(output))
        assert "␛]52" in screens["API list"] and "␛]52" in screens["plans"] and "␛[2J" in screens["keys"]
        assert app.is_running


def test_scanners_user_agents_reach_the_logs_and_json_keeps_them_exact(sandbox, capsys):
    """About one request in HOSTILE_EVERY (97) carries a scanner's User-Agent: the prod stages' last ten
    minutes of history (a line a request, some 10,000) hold about a hundred."""
    from console.cli import main
    from console.sandbox.callers import HOSTILE_AGENTS

    base = ["--endpoint-url", sandbox.url, "--region", "us-east-1", "logs"]
    agents = set()
    for api in ("catalog-api", "orders-api", "payments-api"):
        code = main([*base, api, "prod", "--since", "10m", "--output", "json"])
        out = capsys.readouterr().out
        assert code == 0
        agents |= {json.loads(line)["fields"].get("identity.userAgent") for line in out.splitlines() if line.strip()}
    assert agents & set(HOSTILE_AGENTS), "the history carries scanners' requests, exactly as they were sent"
    code = main([*base, "catalog-api", "prod", "--since", "10m", "--output", "text"])
    assert code == 0 and not obeyable(capsys.readouterr().out)