"""`/` on every list view, one implementation (screens.filtering.ListFilter), driven by keyboard at 80x24
against the sandbox: the rows kept are those whose shown text holds every word, the status line says the
filter, the first escape clears it and the next one does what escape did before."""

from __future__ import annotations

import re

import pytest
from rich.text import Text
from screen_helpers import SIZE, type_text, until
from textual.widgets import DataTable

from console.aws.session import Target
from console.config import Settings
from screens.api import ApiScreen
from screens.apis import ApiListScreen
from screens.app import ConsoleApp
from screens.audit import AuditScreen
from screens.authorizers import AuthorizersScreen
from screens.catalog import ApiKeysScreen, UsagePlansScreen
from screens.connection import ConnectionScreen
from screens.deployments import DeploymentsScreen
from screens.domains import DomainsScreen
from screens.filtering import ListFilter, matches, shown_text
from screens.fleet import FleetScreen
from screens.pulse import PulseScreen
from screens.usage import UsageScreen
from screens.widgets import StatusLine, cells
from test_audit_view import journal_with_two_changes  # noqa: F401 (a fixture)

FLEET = Settings(fleets=(("broken", ("nobody-a@us-east-1", "nobody-b@eu-west-1")),))

# view -> (how to open it from a connected app on the seeded us-east-1, its table, the settings it needs)
VIEWS = {
    "apis": (None, "#apis"),
    "stages": (lambda app: ApiScreen(app.gateway.find_api("orders-api")), "#stages"),
    "plans": (lambda app: UsagePlansScreen(), "#plans"),
    "keys": (lambda app: ApiKeysScreen(), "#api-keys"),
    "usage": (lambda app: UsageScreen(app.gateway.usage_plans()[0]), "#usage-keys"),
    "deployments": (lambda app: DeploymentsScreen(app.gateway.find_api("orders-api"), "prod"), "#deployments"),
    "pulse": (lambda app: PulseScreen(), "#pulse"),
    "fleet": (lambda app: FleetScreen("broken"), "#fleet"),  # two targets that fail: two rows saying why
    "audit": (lambda app: AuditScreen(), "#audit"),
    "ctx": (lambda app: ConnectionScreen(), "#profiles"),  # the profiles of the AWS config (two_profiles)
    "domains": (lambda app: DomainsScreen(), "#domains"),
    "authorizers": (lambda app: AuthorizersScreen(), "#authorizers"),  # the APIs to pick from; and an API's:
    "an API's authorizers": (lambda app: AuthorizersScreen(next(a for a in app.gateway.apis() if authorized(app, a))),
                             "#authorizers"),  # a domain's name is on its first mapping's row only
}
GROUPED = {"domains"}  # views whose first column names a group on its first row: a match on it keeps the group


def authorized(app, api) -> bool:
    """An API of the seeded estate with an authorizer or more."""
    from console.read.authorizers import api_authorizers

    return bool(api_authorizers(app.gateway, api).authorizers)


def shown(table: DataTable) -> list[str]:
    return [shown_text(table.get_row_at(i)) for i in range(table.row_count)]


def matching(table: DataTable, token: str, grouped: bool) -> list[str]:
    """The rows that hold `token`, or (grouped) whose group's first row names it in its first column."""
    kept, group = [], ""
    for i in range(table.row_count):
        row = table.get_row_at(i)
        group = str(row[0]).lower() if grouped and str(row[0]) else group
        if token in shown_text(row) or token in group:
            kept.append(shown_text(row))
    return kept


def status(app) -> str:
    return app.screen.query_one(StatusLine).text


@pytest.fixture
def two_profiles(tmp_path, monkeypatch):
    path = tmp_path / "aws-config"
    path.write_text("[profile ops-eu]\nregion = eu-west-1\n[profile ops-us]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))


@pytest.mark.parametrize("name", list(VIEWS))
async def test_slash_filters_every_list_and_escape_clears_it(sandbox, name, request):
    if name == "audit":
        request.getfixturevalue("journal_with_two_changes")  # in the sandbox journal, which the app reads
    if name == "ctx":
        request.getfixturevalue("two_profiles")
    make, selector = VIEWS[name]
    app = ConsoleApp(Target(endpoint_url=sandbox.url), settings=FLEET)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.engine is not None and isinstance(app.screen, ApiListScreen), "the connection")
        if make is not None:
            await app.push_screen(make(app))
        screen = app.screen
        table = screen.query_one(selector, DataTable)
        await until(pilot, lambda: table.row_count >= 1 and screen.loading_what is None and table.has_focus,
                    f"the rows of {name}", timeout=40)
        everything = shown(table)
        token = re.findall(r"[a-z0-9-]{3,}", everything[0])[0]
        expected = matching(table, token, name in GROUPED)
        assert "list.filter" in {active.binding.id for active in screen.active_bindings.values()}  # in ? and the footer
        await pilot.press("slash")
        await type_text(pilot, token)
        await until(pilot, lambda: screen.query_one(ListFilter).words == (token,), "the filter typed")
        kept = shown(table)
        assert kept and kept == expected, (token, kept)
        assert f"/{token}: {len(kept)} of {len(everything)}" in status(app)
        await type_text(pilot, " zz-nothing")
        await until(pilot, lambda: table.row_count == 0, "no row for a word nothing shows")
        assert f"/{token} zz-nothing: 0 of {len(everything)}" in status(app)
        await pilot.press("enter")  # back to the list, the filter kept
        assert table.has_focus and table.row_count == 0
        await pilot.press("escape")  # clears the filter
        await until(pilot, lambda: shown(table) == everything, "every row again")
        assert app.screen is screen and f"/{token}" not in status(app)
        await pilot.press("escape")  # then escape does what it did before: back, except on the first screen
        if name != "apis":
            await until(pilot, lambda: app.screen is not screen, f"escape leaving {name}")
        else:
            assert app.screen is screen


def test_the_match_is_on_the_text_shown_never_on_what_it_hides():
    hostile = cells("evil\x1b[31mred", "[bold]not markup[/bold]")
    assert matches(("␛[31mred",), hostile)  # ESC is shown as ␛, and that is what the operator can type
    assert not matches(("\x1b",), hostile)
    assert matches(("[bold]not",), hostile)
    assert matches(("orders", "prod"), [Text("Orders-API"), "PROD"])  # every word, anywhere, any case
    assert not matches(("orders", "beta"), [Text("Orders-API"), "PROD"])
