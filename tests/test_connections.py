"""Profiles, MFA, SSO and keyring-held keys, with STS answered by the sandbox.

A temporary AWS config holds a static profile, a role chain with MFA into account 222222222222
(moto keeps that account's estate apart), a role chain without MFA, and an SSO profile whose token
cache has expired. STS calls made by botocore's credential providers reach the sandbox through
AWS_ENDPOINT_URL_STS, as they would reach a private STS endpoint.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path

import boto3
import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
from screen_helpers import SIZE, plain, run_command, type_text, until
from textual.widgets import DataTable, Input, Static

from console.aws import credentials
from console.aws.errors import Problem
from console.aws.session import Connection, Target
from console.cli import main
from console.sandbox import SANDBOX_MFA_CODE
from screens.apis import ApiListScreen
from screens.app import ConsoleApp
from screens.connection import ConnectionScreen, MfaScreen

ROLE_ACCOUNT = "222222222222"
STATIC_SECRET = "static-secret-value-not-for-logs"
STORED_SECRET = "stored-secret-value-not-for-logs"


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self):
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError(username)
        del self.store[(service, username)]


class PlaintextKeyring(MemoryKeyring):
    """Stands for keyrings.alt's file backend: a store that keeps secrets in clear."""


@pytest.fixture
def use_keyring():
    previous = keyring.get_keyring()

    def use(backend):
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(use_keyring) -> MemoryKeyring:
    return use_keyring(MemoryKeyring())


@pytest.fixture
def aws_home(tmp_path, monkeypatch, sandbox) -> Path:
    home = tmp_path / "home"
    (home / ".aws" / "sso" / "cache").mkdir(parents=True)
    (home / ".aws" / "config").write_text(f"""
[profile static]
region = us-east-1

[profile ops]
role_arn = arn:aws:iam::{ROLE_ACCOUNT}:role/operator
source_profile = static
mfa_serial = arn:aws:iam::123456789012:mfa/operator
region = us-east-1

[profile chain]
role_arn = arn:aws:iam::333333333333:role/readonly
source_profile = static
region = eu-west-1

[profile sso-dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
""")
    (home / ".aws" / "credentials").write_text(
        f"[static]\naws_access_key_id = AKIASTATICEXAMPLE01\naws_secret_access_key = {STATIC_SECRET}\n")
    expired = {"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "expired",
               "expiresAt": "2020-01-01T00:00:00Z"}
    name = hashlib.sha1(b"corp").hexdigest()
    (home / ".aws" / "sso" / "cache" / f"{name}.json").write_text(json.dumps(expired))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sandbox.url)
    return home


def run(capsys, *argv, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- profiles --------------------------------------------------------------------------------------


def test_profiles_are_listed_with_their_kind_and_region(aws_home, memory_keyring, capsys):
    credentials.add(credentials.StoredKey("vault", "AKIAVAULTEXAMPLE01", STORED_SECRET, region="eu-west-1"))
    code, out, _ = run(capsys, "profiles", "--output", "json")
    found = {p["name"]: p for p in json.loads(out)}
    assert code == 0
    assert (found["static"]["kind"], found["static"]["region"]) == ("static", "us-east-1")
    assert (found["ops"]["kind"], found["ops"]["mfa"]) == ("role", True)
    assert (found["chain"]["kind"], found["chain"]["region"]) == ("role", "eu-west-1")
    assert found["sso-dev"]["kind"] == "sso"
    assert (found["vault"]["kind"], found["vault"]["region"]) == ("keyring", "eu-west-1")


# -- MFA and SSO -----------------------------------------------------------------------------------


def test_a_role_with_mfa_asks_for_a_code_and_lands_in_the_role_account(aws_home, sandbox):
    asked = []
    connection = Connection(Target(profile="ops", endpoint_url=sandbox.url),
                            ask_mfa=lambda prompt: asked.append(prompt) or SANDBOX_MFA_CODE)
    assert connection.identify().account == ROLE_ACCOUNT
    assert asked and "arn:aws:iam::123456789012:mfa/operator" in asked[0]


def test_a_wrong_mfa_code_is_refused_as_aws_refuses_it(aws_home, sandbox):
    connection = Connection(Target(profile="ops", endpoint_url=sandbox.url), ask_mfa=lambda prompt: "000000")
    with pytest.raises(Problem) as refused:
        connection.identify()
    assert refused.value.kind == "denied" and "MultiFactorAuthentication" in refused.value.message


def test_without_a_prompt_mfa_is_explained_not_hung(aws_home, sandbox, capsys):
    code, _, err = run(capsys, "--profile", "ops", "--endpoint-url", sandbox.url, "apis")
    assert code == 2 and "MFA" in err and "Traceback" not in err


def test_a_role_chain_without_mfa_just_works(aws_home, sandbox):
    assert Connection(Target(profile="chain", endpoint_url=sandbox.url)).identify().account == "333333333333"


def test_a_role_profiles_account_is_known_without_a_call_and_only_a_roles(aws_home, sandbox):
    """What a fleet row names as the account: the role's, from its ARN, which STS then confirms; a profile
    with keys of its own has no account but STS's answer."""
    chain = Connection(Target(profile="chain", endpoint_url=sandbox.url))
    assert chain.role_account() == "333333333333" == chain.identify().account
    assert Connection(Target(profile="static", endpoint_url=sandbox.url)).role_account() is None


def test_a_connection_reads_the_config_once_and_registers_no_handler_anew(aws_home, sandbox, monkeypatch):
    """A fleet makes a connection per target: each makes one botocore session (not a second one to ask
    whether its profile is a keyring entry), with botocore's built-in handlers copied, not registered one
    by one again; a client made from it still runs them (API Gateway's Accept header is one)."""
    import botocore.session

    made, registered = [], []
    real_init, real_register = botocore.session.Session.__init__, botocore.session.Session._register_builtin_handlers
    monkeypatch.setattr(botocore.session.Session, "__init__",
                        lambda self, *a, **k: (made.append(k), real_init(self, *a, **k))[1])
    monkeypatch.setattr(botocore.session.Session, "_register_builtin_handlers",
                        lambda self, events: (registered.append(self), real_register(self, events))[1])
    Connection(Target(profile="chain", endpoint_url=sandbox.url))  # the built-in handlers' one registration
    made.clear(), registered.clear()
    connection = Connection(Target(profile="chain", endpoint_url=sandbox.url))
    assert len(made) == 1 and registered == []
    client, sent = connection.client("apigateway"), []
    client.meta.events.register("before-send", lambda request, **_: sent.append(request.headers.get("Accept")))
    client.get_account()
    assert sent == [b"application/json"] or sent == ["application/json"]  # botocore's add_accept_header ran


def test_an_expired_sso_token_names_the_login_command(aws_home, sandbox, capsys):
    code, _, err = run(capsys, "--profile", "sso-dev", "--endpoint-url", sandbox.url, "apis")
    assert code == 2
    assert "aws sso login --profile sso-dev" in err and "Traceback" not in err


# -- keyring ---------------------------------------------------------------------------------------


def test_creds_add_list_connect_and_remove(aws_home, memory_keyring, sandbox, capsys, monkeypatch):
    code, out, _ = run(capsys, "creds", "add", "vault", "--mfa-serial", "arn:aws:iam::123456789012:mfa/vault",
                       "--region", "us-east-1", stdin=f"AKIAVAULTEXAMPLE01\n{STORED_SECRET}\n",
                       monkeypatch=monkeypatch)
    assert code == 0 and STORED_SECRET not in out
    code, out, _ = run(capsys, "creds", "list")
    assert "vault" in out and "AKIAVAULT" not in out and STORED_SECRET not in out

    asked = []
    first = Connection(Target(profile="vault", endpoint_url=sandbox.url),
                       ask_mfa=lambda prompt: asked.append(prompt) or SANDBOX_MFA_CODE)
    assert first.identify().account == "123456789012" and len(asked) == 1
    minted = json.loads(memory_keyring.get_password(credentials.SESSIONS, "vault"))
    assert minted["SessionToken"] and minted["AccessKeyId"] != "AKIAVAULTEXAMPLE01"

    def must_not_ask(prompt):
        raise AssertionError("the cached session should have been used")

    again = Connection(Target(profile="vault", endpoint_url=sandbox.url), ask_mfa=must_not_ask)
    assert again.identify().account == "123456789012"

    code, _, _ = run(capsys, "creds", "remove", "vault")
    assert code == 0 and credentials.names() == [] and memory_keyring.store.get((credentials.SESSIONS, "vault")) is None


def test_no_usable_keyring_is_said_plainly_and_nothing_is_stored(aws_home, use_keyring, capsys, monkeypatch):
    use_keyring(keyring.backends.fail.Keyring())
    code, _, err = run(capsys, "creds", "add", "vault", stdin="AKIAVAULTEXAMPLE01\nsecret\n", monkeypatch=monkeypatch)
    assert code == 2 and "No usable keyring" in err and "plaintext" in err
    code, out, err = run(capsys, "profiles")
    assert code == 0 and "static" in out and "No usable keyring" in err


def test_a_plaintext_keyring_is_refused_unless_chosen(aws_home, use_keyring, capsys, monkeypatch):
    use_keyring(PlaintextKeyring())
    code, _, err = run(capsys, "creds", "add", "vault", stdin="AKIAVAULTEXAMPLE01\nsecret\n", monkeypatch=monkeypatch)
    assert code == 2 and "plain file" in err
    monkeypatch.setenv(credentials.ALLOW_PLAINTEXT, "1")
    code, _, _ = run(capsys, "creds", "add", "vault", stdin="AKIAVAULTEXAMPLE01\nsecret\n", monkeypatch=monkeypatch)
    assert code == 0


def test_no_secret_reaches_a_file_the_console_writes_or_its_output(aws_home, memory_keyring, sandbox, capsys,
                                                                    monkeypatch, scratch_apis, tmp_path):
    state, config = tmp_path / "state", tmp_path / "config-home"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    credentials.add(credentials.StoredKey("vault", "AKIAVAULTEXAMPLE01", STORED_SECRET, region="ap-southeast-2",
                                          mfa_serial="arn:aws:iam::123456789012:mfa/vault"))
    monkeypatch.setattr("console.aws.session._no_mfa_prompt", lambda prompt: SANDBOX_MFA_CODE)
    outputs = []
    for argv in (["vars", "set", scratch_apis["REST"], "dev", "scanned=1"], ["undo"], ["audit"], ["info"]):
        outputs.append(run(capsys, "--profile", "vault", "--endpoint-url", sandbox.url, "--write", *argv, "--yes")
                       if argv[0] in ("vars", "undo") else
                       run(capsys, "--profile", "vault", "--endpoint-url", sandbox.url, *argv))
    assert [code for code, _, _ in outputs] == [0, 0, 0, 0]
    token = json.loads(memory_keyring.get_password(credentials.SESSIONS, "vault"))["SessionToken"]
    secrets = [re.escape(s) for s in (STORED_SECRET, STATIC_SECRET, token)] + [rf"(?<!\d){SANDBOX_MFA_CODE}(?!\d)"]
    written = [p for root in (state, config) if root.exists() for p in root.rglob("*") if p.is_file()]
    assert written, "the journal should have been written"
    for path in written:
        text = path.read_text(errors="replace")
        assert not [s for s in secrets if re.search(s, text)], path
    for _, out, err in outputs:
        assert not [s for s in secrets if re.search(s, out + err)]


# -- config ----------------------------------------------------------------------------------------


def test_bad_config_is_reported_with_file_line_and_key_and_defaults_stand(sandbox, tmp_path, monkeypatch, capsys):
    path = tmp_path / "config.toml"
    path.write_text('region = "eu-west-1"\nrefresh_seconds = -5\nprotected_stages = "prod"\n')
    monkeypatch.setenv("APIGW_CONSOLE_CONFIG", str(path))
    code, out, err = run(capsys, "--endpoint-url", sandbox.url, "--output", "json", "apis")
    assert code == 0 and json.loads(out)
    assert f"{path}, line 2: 'refresh_seconds'" in err and f"{path}, line 3: 'protected_stages'" in err
    path.write_text("protected_stages = [\n")
    code, _, err = run(capsys, "--endpoint-url", sandbox.url, "--output", "json", "apis")
    assert code == 0 and str(path) in err and "line" in err


def test_info_names_every_path(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("APIGW_CONSOLE_CONFIG", str(tmp_path / "mine.toml"))
    code, out, _ = run(capsys, "info", "--output", "json")
    answer = json.loads(out)
    assert code == 0 and answer["config (reads)"] == str(tmp_path / "mine.toml")
    assert answer["audit journal (writes)"].endswith("audit.jsonl") and "keyring backend" in answer


# -- the TUI ---------------------------------------------------------------------------------------


def make_role_estate(sandbox) -> str:
    """An API in the role's account, where the seeded account's APIs do not exist."""
    sts = boto3.client("sts", endpoint_url=sandbox.url, region_name="us-east-1", aws_access_key_id="AKIASTATICEXAMPLE01",
                       aws_secret_access_key=STATIC_SECRET)
    minted = sts.assume_role(RoleArn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/operator", RoleSessionName="setup",
                             SerialNumber="arn:aws:iam::123456789012:mfa/operator", TokenCode=SANDBOX_MFA_CODE)
    c = minted["Credentials"]
    apigw = boto3.client("apigateway", endpoint_url=sandbox.url, region_name="us-east-1",
                         aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                         aws_session_token=c["SessionToken"])
    name = "ops-only-api"
    if name not in {a["name"] for a in apigw.get_rest_apis()["items"]}:
        apigw.create_rest_api(name=name)
    return name


async def switch_to(pilot, profile: str) -> None:
    app = pilot.app
    await run_command(pilot, "ctx")
    await until(pilot, lambda: isinstance(app.screen, ConnectionScreen) and app.screen.profiles, "the profiles")
    table = app.screen.query_one("#profiles", DataTable)
    table.move_cursor(row=[p.name for p in app.screen.profiles].index(profile))
    await pilot.press("enter")


async def test_switching_profile_with_mfa_shows_only_the_new_account(aws_home, sandbox):
    only_there = make_role_estate(sandbox)
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApiListScreen) and app.screen.apis, "the seeded list")
        seeded = {a.id for a in app.screen.apis}
        await switch_to(pilot, "ops")
        await until(pilot, lambda: isinstance(app.screen, MfaScreen), "the MFA prompt")
        await type_text(pilot, "000000")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MfaScreen) and "not accept" in plain(
            app.screen.query_one("#error", Static).content), "the second prompt, saying the code was refused")
        await type_text(pilot, SANDBOX_MFA_CODE)
        await pilot.press("enter")
        await until(pilot, lambda: app.gateway.connection.identity.account == ROLE_ACCOUNT, "the switch")
        await until(pilot, lambda: isinstance(app.screen, ApiListScreen) and app.screen.fetched_at, "the new list")
        shown = {a.id for a in app.screen.apis}
        assert {a.name for a in app.screen.apis} == {only_there}
        assert not shown & seeded and len(app.screen_stack) == 2
        assert "ops" in plain(app.screen.query_one("#connection").render())


async def test_cancelling_mfa_keeps_the_previous_connection(aws_home, sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApiListScreen) and app.screen.apis, "the seeded list")
        before = app.gateway
        await switch_to(pilot, "ops")
        await until(pilot, lambda: isinstance(app.screen, MfaScreen), "the MFA prompt")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConnectionScreen), "the connection screen again")
        await pilot.pause(0.3)
        assert app.gateway is before and app.gateway.connection.identity.account == "123456789012"


async def test_mfa_codes_are_checked_in_the_modal(aws_home, sandbox):
    app = ConsoleApp(Target(endpoint_url=sandbox.url))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.gateway is not None, "the connection")
        await switch_to(pilot, "ops")
        await until(pilot, lambda: isinstance(app.screen, MfaScreen), "the MFA prompt")
        await type_text(pilot, "12ab")
        await pilot.press("enter")
        assert isinstance(app.screen, MfaScreen) and app.screen.query_one(Input).value == "12"
        await pilot.press("escape")


def test_credentials_are_never_in_the_process_environment_we_hand_to_children():
    assert "AWS_SECRET_ACCESS_KEY" not in os.environ
