"""The audit view's Where column at 80x24: each journal entry's region and what tells places apart (the
sandbox, the profile or the account), and the highlighted entry's whole place as `apigw-console audit`
prints it; the change itself still starts within 80 columns."""

from __future__ import annotations

import json

import pytest
from screen_helpers import SIZE, connected, until
from textual.widgets import DataTable, Static

from actions import stage_variables
from actions.engine import Engine, Permission
from console.aws.budget import TokenBucket
from console.aws.session import Connection, Target
from console.cli import main
from console.config import Settings
from console.journal.store import Journal, journal_path, place_words, scope_of
from console.read.gateway import Gateway
from conftest import build_rest
from screens.app import ConsoleApp
from screens.audit import AuditScreen

REGION = "eu-south-2"  # this module's own (test_list_filter borrows the fixture below)


def engine_on(url: str, *, sandbox: bool = False) -> Engine:
    connection = Connection(Target(endpoint_url=url, region=REGION, sandbox=sandbox), TokenBucket(1000, 1000))
    connection.identify()
    return Engine(Gateway(connection), Journal(journal_path(sandbox=True)), Settings(), Permission(True, "test"))


@pytest.fixture
def journal_with_two_changes(sandbox, private_dirs, aws_client_for, unique):
    """Two stage-variable changes, one on the local endpoint by URL and one as the embedded sandbox, both
    in the sandbox journal (the one a console on a local endpoint reads)."""
    api_id = build_rest(aws_client_for(sandbox.url, "apigateway", REGION), unique("audited"))
    for name, boxed in (("first_var", False), ("second_var", True)):
        engine = engine_on(sandbox.url, sandbox=boxed)
        engine.apply(stage_variables.set_variables(engine.document(engine.gateway.find_api(api_id), "dev"), {name: "1"}))
    return api_id


async def test_where_each_change_was_made_fits_80_columns_and_matches_the_cli(sandbox, journal_with_two_changes,
                                                                              capsys):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        app.open_view("audit")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.entries, "the journal")
        screen = app.screen
        table = screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [str(c.label) for c in table.ordered_columns] == ["Time (UTC)", "Outcome", "Where", "Stage", "Change"]
        assert [row[2] for row in rows] == [f"{REGION} sandbox", f"{REGION} 123456789012"]  # newest first
        assert "second_var" in rows[0][4] and "first_var" in rows[1][4]
        # At 80 columns the change still starts on screen: the entry id and the whole place are folded below.
        assert sum(column.get_render_width(table) for column in table.ordered_columns[:4]) <= 70
        detail = screen.query_one("#audit-entry", Static)
        newest, older = screen.entries
        assert str(detail.render()) == f"{newest['id']} · account 123456789012 (aws) · {REGION} · sandbox"
        await pilot.press("down")
        await until(pilot, lambda: older["id"] in str(detail.render()), "the older entry's place")
        assert str(detail.render()) == (f"{older['id']} · account 123456789012 (aws) · {REGION} · "
                                        f"endpoint {sandbox.url}")
    # The CLI's audit says the same places (its Where column is place_words too).
    printed = {}
    for place in (["--endpoint-url", sandbox.url], ["--sandbox"]):
        assert main([*place, "audit", "--output", "json"]) == 0
        printed |= {e["id"]: place_words(e) for e in json.loads(capsys.readouterr().out)}
    assert printed[newest["id"]] == place_words(scope_of(newest)) and printed[older["id"]] == place_words(scope_of(older))
