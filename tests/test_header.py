"""The TUI's header names what was resolved and where from (profile, region, endpoint, as the AWS CLI v2
resolves them) and still fits 80 columns; a profile's header colour (prod red by default), which a
16-colour terminal shows and NO_COLOR replaces with a text marker."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from screen_helpers import SIZE, connected, plain, until

from console.aws.session import Target
from console.config import Settings, load
from screens.app import ConsoleApp
from screens.connection import ConnectionScreen
from screens.widgets import ConnectionBar


async def header_of(app: ConsoleApp, size=SIZE) -> tuple[str, ConnectionBar]:
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.engine is not None and app.place.account, "the connection")
        await pilot.pause()
        bar = app.screen.query_one(ConnectionBar)
        return bar.render(), bar


def text_of(rendered) -> str:
    return rendered.plain


@pytest.fixture
def prod_profile(sandbox, tmp_path, monkeypatch) -> str:
    """A profile named like prod whose region and endpoint_url (the sandbox) come from the AWS config.
    (Named with --profile: a local endpoint reached with no --profile uses the sandbox's made-up keys.)"""
    path = tmp_path / "aws-config"
    path.write_text(f"[profile prod-admin]\nregion = us-east-1\nendpoint_url = {sandbox.url}\n"
                    "aws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = secret\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    return "prod-admin"


async def test_the_header_names_each_source_and_fits_80_columns(sandbox, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    rendered, _ = await header_of(ConsoleApp(Target(endpoint_url=sandbox.url)))
    line = text_of(rendered)
    assert rendered.cell_len == 80 and line.endswith(" RW ")  # nothing pushed off the end
    host = sandbox.url.removeprefix("http://")
    assert line.startswith(f" local {host} (option)  us-east-1 (env)  acct 123456789012 "), line
    wide, _ = await header_of(ConsoleApp(Target(endpoint_url=sandbox.url)), size=(160, 24))
    assert f" local {host} (--endpoint-url)  us-east-1 (AWS_REGION)  acct 123456789012 " in text_of(wide)


async def test_a_profile_its_region_and_endpoint_from_the_aws_config_and_prod_red(prod_profile, sandbox):
    rendered, _ = await header_of(ConsoleApp(Target(profile="prod-admin"), settings=Settings()), size=(160, 24))
    line = text_of(rendered)
    host = sandbox.url.removeprefix("http://")
    assert line.startswith(f" prod-admin (--profile) via {host} (profile prod-admin endpoint_url)  us-east-1 "
                           "(profile prod-admin)  acct 123456789012 "), line
    assert all(span.style.endswith("on red") for span in rendered.spans[-1:])
    narrow, _ = await header_of(ConsoleApp(Target(profile="prod-admin"), settings=Settings()))
    assert narrow.cell_len == 80 and text_of(narrow).startswith(" prod-admin via endpoint  us-east-1  acct ")
    assert text_of(narrow).endswith(" RO ")  # prod-admin may not write without --write
    # 16 colours (TERM=xterm): red is one of them, so the terminal shows it as is (SGR 41).
    sixteen = Console(color_system="standard", force_terminal=True, width=80)
    with sixteen.capture() as captured:
        sixteen.print(narrow, end="")
    assert "41m" in captured.get() or ";41" in captured.get()


async def test_no_color_says_prod_in_words(prod_profile, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    rendered, _ = await header_of(ConsoleApp(Target(profile="prod-admin"), settings=Settings()))
    assert text_of(rendered).startswith(" PROD  prod-admin ") and rendered.cell_len == 80
    assert not any("red" in str(span.style) for span in rendered.spans)


async def test_a_configured_colour_and_none(prod_profile):
    staging = Settings(headers=(("prod-admin", "none", ""),))
    rendered, _ = await header_of(ConsoleApp(Target(profile="prod-admin"), settings=staging))
    assert not any("on " in str(span.style) for span in rendered.spans)
    marked = Settings(headers=(("prod-admin", "bright_magenta", "LIVE"),))
    rendered, _ = await header_of(ConsoleApp(Target(profile="prod-admin"), settings=marked))
    assert str(rendered.spans[-1].style).endswith("on bright_magenta")


def test_header_colours_from_the_config_checked_with_file_and_key(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('protected_stages = ["prod*", "live"]\n[profiles.staging]\nheader_colour = "yellow"\n'
                    '[profiles.prod-admin]\nheader_colour = "none"\n[profiles.ops]\nheader_colour = "pink"\n'
                    'header_marker = "A VERY LONG MARKER"\n')
    loaded = load(path)
    assert loaded.header("staging") == ("yellow", "STAGING")
    assert loaded.header("prod-admin") == (None, "")  # "none" turns prod's red off
    assert loaded.header("live") == ("red", "PROD") and loaded.header("prod-ro") == ("red", "PROD")
    assert loaded.header("dev") == (None, "") and loaded.header(None) == (None, "")
    assert loaded.header("ops") == (None, "")  # a bad colour is the default's: none for ops
    assert [p.split(": ", 1) for p in loaded.problems] == [
        [f"{path}, line 7", "'header_colour' of profile 'ops' must be one of the 16 terminal colours (red, green, "
                            "yellow, blue, magenta, cyan, white, black, bright_red ...) or \"none\"; using the default"],
        [f"{path}, line 8", "'header_marker' of profile 'ops' must be a short text (12 characters at most), e.g. "
                            "\"PROD\"; using the default"]]


async def test_ctx_names_every_source_in_full(sandbox, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        app.open_view("ctx")
        await until(pilot, lambda: isinstance(app.screen, ConnectionScreen) and app.screen.regions, "the places")
        said = plain(app.screen.query_one("#resolved").render())
        assert f"region us-east-1 (AWS_DEFAULT_REGION) · endpoint {sandbox.url} (--endpoint-url)" in said


def test_a_profile_from_aws_profile_with_a_remote_endpoint(tmp_path, monkeypatch):
    """AWS_PROFILE, the profile's region and a (non-local) endpoint_url, as the header and :ctx name them;
    nothing is called (a Connection is built, not identified)."""
    from console.aws.session import Connection
    from screens.widgets import Place, resolved

    path = tmp_path / "aws-config"
    path.write_text("[profile staging]\nregion = eu-west-3\nendpoint_url = https://apigw.example.internal\n"
                    "aws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = secret\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    monkeypatch.setenv("AWS_PROFILE", "staging")
    settings = Settings(headers=(("staging", "yellow", ""),))
    connection = Connection(Target())
    found = resolved(connection, settings)
    assert found == {"profile_from": "AWS_PROFILE", "region_from": "profile staging",
                     "endpoint": "https://apigw.example.internal", "endpoint_from": "profile staging endpoint_url",
                     "colour": "yellow", "marker": "STAGING"}
    place = Place(label=connection.target.label, region=connection.region, **found)
    assert place.resolution() == ("profile staging (AWS_PROFILE) · region eu-west-3 (profile staging) · "
                                  "endpoint https://apigw.example.internal (profile staging endpoint_url)")


def test_prod_is_red_before_the_connection_is_made(tmp_path, monkeypatch):
    """While connecting (an MFA code may be asked then) the header already has the profile's colour."""
    from screens.widgets import colour_before_connecting

    path = tmp_path / "aws-config"
    path.write_text("[profile prod-admin]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    assert colour_before_connecting(Target(profile="prod-admin"), Settings()) == {"colour": "red", "marker": "PROD"}
    monkeypatch.setenv("AWS_PROFILE", "prod-admin")
    assert colour_before_connecting(Target(), Settings()) == {"colour": "red", "marker": "PROD"}
    assert colour_before_connecting(Target(sandbox=True), Settings()) == {"colour": None, "marker": ""}
    assert colour_before_connecting(Target(endpoint_url="http://127.0.0.1:4566"), Settings())["colour"] is None
