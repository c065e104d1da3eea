"""The fleet pulse on a sandbox fleet of 2 accounts x 2 regions, over HTTP, through profiles that assume
a role in each account (the AWS config `sandbox --write-aws-config` writes): rows from every target
with account and region, a failing target a row in words while the others answer, config mistakes
named, and the TUI's :fleet with rows as they arrive and enter switching to the row's target."""

from __future__ import annotations

import json

import pytest
from once import once
from screen_helpers import SIZE, run_command, screen_text, until
from test_partial_failure import faults

from console.aws.session import Target
from console.cli import main
from console.config import load
from console.sandbox import fleet
from screens.app import ConsoleApp
from screens.fleet import FleetScreen
from screens.stage import StageScreen

REGIONS = ("us-east-1", "eu-west-1")
DENIED = "me-south-1"  # this module's own region, denied while a test says so; no other test uses it
ACCOUNTS = fleet.accounts(2)
BROKEN = """
[profile broken]
role_arn = arn:aws:iam::999999999999:role/nobody
source_profile = nowhere
region = us-east-1
"""


@pytest.fixture(scope="module")
def sandbox_fleet(sandbox, tmp_path_factory):
    """The session's sandbox as a fleet: its AWS config (plus a profile that cannot work) and a console
    config with the fleet `sandbox` and a fleet `mixed` of targets that fail and one that answers."""
    home = once(sandbox, __name__, lambda: build_sandbox_fleet(sandbox, tmp_path_factory))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_CONFIG_FILE", str(home / "aws"))
        mp.setenv("APIGW_CONSOLE_CONFIG", str(home / "config.toml"))
        yield sandbox


def build_sandbox_fleet(sandbox, tmp_path_factory):
    fleet.seed_fleet(sandbox.url, ACCOUNTS, REGIONS)
    home = tmp_path_factory.mktemp("fleet")
    (home / "aws").write_text(fleet.aws_config(sandbox.url, ACCOUNTS, REGIONS[0]) + BROKEN)
    config = home / "config.toml"
    config.write_text('[fleets.mixed]\ntargets = ["broken@us-east-1", "sandbox-210000000001@eu-west-1", '
                      f'"sandbox-210000000001@{DENIED}"]\n')
    fleet.add_fleet(config, fleet.targets(ACCOUNTS, REGIONS))
    return home


def pulse_json(capsys, *args: str) -> tuple[int, list[dict], str]:
    code = main(["pulse", *args, "--output", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else [], err


def test_the_sandbox_fleet_answers_from_every_target_with_account_region_and_profile(sandbox_fleet, capsys):
    code, found, _ = pulse_json(capsys, "--fleet", "sandbox")
    assert code == 0
    assert not [row for row in found if "error" in row]
    assert {(row["account"], row["region"]) for row in found} == {(a, r) for a in ACCOUNTS for r in REGIONS}
    assert all(row["profile"] == f"sandbox-{row['account']}" for row in found)
    scores = [row["score"] for row in found]
    assert scores == sorted(scores, reverse=True)  # one ranking across the fleet
    # Each account-region has an estate of its own.
    names = [frozenset(row["api"] for row in found if (row["account"], row["region"]) == (a, r))
             for a in ACCOUNTS for r in REGIONS]
    assert len(set(names)) == len(names)


def test_a_failing_target_is_a_row_in_words_while_the_others_answer(sandbox_fleet, capsys):
    with faults(sandbox_fleet.url, deny=[f"apigateway@{DENIED}", f"apigatewayv2@{DENIED}"]):
        code, found, err = pulse_json(capsys, "--fleet", "mixed")
    assert code == 0  # a target answered
    rows = [row for row in found if "error" not in row]
    errors = {row["target"]: row["error"] for row in found if "error" in row}
    assert rows and {(row["account"], row["region"]) for row in rows} == {(ACCOUNTS[1], "eu-west-1")}
    assert set(errors) == {"broken@us-east-1", f"sandbox-210000000001@{DENIED}"}
    assert "nowhere" in errors["broken@us-east-1"]
    assert "not authorized" in errors[f"sandbox-210000000001@{DENIED}"]
    assert "broken@us-east-1: could not be read" in err

    code = main(["pulse", "--targets", "broken@us-east-1"])
    out, err = capsys.readouterr()
    assert code == 1 and "✗ broken: " in out and "0/1 targets" in out  # nothing answered: a failure


def test_fleet_mistakes_are_named_and_nothing_is_called(sandbox_fleet, tmp_path, monkeypatch, capsys):
    config = tmp_path / "config.toml"
    config.write_text('[fleets.ok]\ntargets = ["a@us-east-1"]\n'
                      '[fleets.typo]\ntargets = ["a@us-east-1", "b-eu-west-1"]\ncolour = "red"\n'
                      '[fleets.empty]\ntargets = []\n')
    settings = load(config)
    assert settings.fleets == (("ok", ("a@us-east-1",)),)
    assert any(f"{config}, line 4: 'targets' of fleet 'typo' must be PROFILE@REGION" in p and "'b-eu-west-1'" in p
               for p in settings.problems)
    assert any(f"{config}, line 5: unknown key 'colour' in [fleets.typo]" in p for p in settings.problems)
    assert any("line 7: 'targets' of fleet 'empty' must be a non-empty list" in p for p in settings.problems)

    monkeypatch.setenv("APIGW_CONSOLE_CONFIG", str(config))
    assert main(["pulse", "--fleet", "typo"]) == 2
    assert "No fleet named 'typo' in the config; fleets: ok" in capsys.readouterr().err
    assert main(["pulse", "--targets", "a@us-east-1,nowhere"]) == 2
    assert "a target is PROFILE@REGION" in capsys.readouterr().err
    assert main(["pulse", "--fleet", "ok", "--region", "eu-west-1"]) == 2
    assert "names its own profiles and regions" in capsys.readouterr().err


async def test_fleet_view_shows_rows_and_an_error_row_and_enter_switches_to_the_target(sandbox_fleet):
    app = ConsoleApp(Target(profile=f"sandbox-{ACCOUNTS[0]}"))
    with faults(sandbox_fleet.url, deny=[f"apigateway@{DENIED}", f"apigatewayv2@{DENIED}"]):
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.gateway is not None, "the connection")
            await run_command(pilot, "fleet mixed")
            await until(pilot, lambda: isinstance(app.screen, FleetScreen) and len(app.screen.answers) == 3,
                        "every target's answer")
            text = screen_text(app)
            assert "✗ broken: " in text and "nowhere" in text
            assert f"✗ sandbox-210000000001: " in text and "not authorized" in text
            assert "210000000001 eu-west-1" in text
            row = app.screen.shown[0]
            assert row.target.region == "eu-west-1"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, StageScreen), "the stage, in the row's target")
            connection = app.gateway.connection
            assert (connection.profile, connection.region) == ("sandbox-210000000001", "eu-west-1")
            assert connection.identity.account == ACCOUNTS[1]
            assert app.screen.stage_name == row.row.ref.stage


def test_sandbox_fleet_flags_are_checked_before_anything_starts(capsys):
    assert main(["sandbox", "--accounts", "11"]) == 2
    assert "--accounts is a number from 1 to 10" in capsys.readouterr().err
    assert main(["sandbox", "--accounts", "2", "--regions", "us-east-1,Mars"]) == 2
    err = capsys.readouterr().err
    assert "--regions takes region codes" in err and "'Mars'" in err
    assert main(["sandbox", "--accounts", "2", "--empty"]) == 2
    assert "a fleet is seeded; drop --empty" in capsys.readouterr().err


def test_the_sandbox_fleet_replaces_its_own_table_and_keeps_the_rest_of_the_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('region = "eu-west-1"\n[fleets.sandbox]\ntargets = ["old@us-east-1"]\n'
                      '[fleets.payments]\ntargets = ["pay@us-east-1"]\n')
    fleet.add_fleet(config, fleet.targets(ACCOUNTS, REGIONS))
    settings = load(config)
    assert not settings.problems and settings.region == "eu-west-1"
    assert dict(settings.fleets) == {"payments": ("pay@us-east-1",),
                                     "sandbox": tuple(f"sandbox-{a}@{r}" for a in ACCOUNTS for r in REGIONS)}
