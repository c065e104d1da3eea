"""Long-lived access keys held in the OS keyring, used as little as possible.

`apigw-console creds add NAME` stores a key pair (and optionally an MFA device and a role) in the
keyring. A connection under that name mints short-lived credentials with STS (GetSessionToken, or
AssumeRole when a role is set; with MFA when a device is set) and keeps them in the keyring until
they expire, so the long-lived secret leaves the keyring once per session, not once per start.

Where the keyring is unusable — headless SSH has no Secret Service, so keyring falls back to its
"fail" backend — we say so and list the options. A plaintext backend (keyrings.alt) is refused
unless the operator opts in, so a secret never lands in a file without anyone deciding it should.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from console.aws.errors import Problem

SERVICE = "apigw-console"
SESSIONS = "apigw-console-session"
INDEX = "__index__"  # keyring cannot list its entries, so we keep their names
REFRESH_MARGIN = timedelta(minutes=5)
ALLOW_PLAINTEXT = "APIGW_CONSOLE_ALLOW_PLAINTEXT_KEYRING"


@dataclass(frozen=True)
class StoredKey:
    name: str
    access_key_id: str
    secret_access_key: str
    mfa_serial: str | None = None
    role_arn: str | None = None
    region: str | None = None

    def __repr__(self) -> str:  # never print a secret by accident
        return f"StoredKey(name={self.name!r}, access_key_id={self.access_key_id[:4]}…, mfa={bool(self.mfa_serial)})"


def _keyring():
    """keyring, imported when a stored key is first asked for: it looks up its backends' entry points,
    which every command would otherwise pay for."""
    import keyring
    import keyring.backends.fail
    import keyring.errors

    return keyring


def usable() -> Problem | None:
    """None when the keyring can hold secrets; else the Problem that says why not and what to do."""
    backend = _keyring().get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, _keyring().backends.fail.Keyring):
        return Problem(
            "No usable keyring on this machine (keyring found no backend: over SSH without a desktop session "
            "there is no Secret Service on D-Bus). Options: run a Secret Service (e.g. gnome-keyring-daemon "
            "unlocked in this session) or KWallet; or use an SSO profile (`aws configure sso`) or "
            "`aws configure` instead of stored keys. apigw-console never falls back to a plaintext file "
            "on its own.", kind="credentials")
    if "plaintext" in name.lower() or name.startswith("keyrings.alt.file"):
        if os.environ.get(ALLOW_PLAINTEXT) != "1":
            return Problem(
                f"The active keyring backend ({name}) stores secrets in a plain file. apigw-console will not "
                f"put keys there unless you decide it should: set {ALLOW_PLAINTEXT}=1 to accept that, or "
                "configure an encrypted backend.", kind="credentials")
    return None


def _require() -> None:
    problem = usable()
    if problem:
        raise problem


def names() -> list[str]:
    _require()
    return json.loads(_keyring().get_password(SERVICE, INDEX) or "[]")


def entries() -> list[StoredKey]:
    return [entry for entry in (load(n, quiet=True) for n in names()) if entry is not None]


def add(entry: StoredKey) -> None:
    _require()
    if not entry.name or entry.name == INDEX:
        raise Problem("A stored key needs a name (letters, digits, - and _).", kind="bad-request")
    _keyring().set_password(SERVICE, entry.name, json.dumps(asdict(entry)))
    _keyring().set_password(SERVICE, INDEX, json.dumps(sorted(set(names()) | {entry.name})))


def remove(name: str) -> None:
    _require()
    if name not in names():
        raise Problem(f"No stored key named {name!r}.", kind="not-found")
    for service in (SERVICE, SESSIONS):
        try:
            _keyring().delete_password(service, name)
        except _keyring().errors.PasswordDeleteError:
            pass
    _keyring().set_password(SERVICE, INDEX, json.dumps([n for n in names() if n != name]))


def load(name: str, quiet: bool = False) -> StoredKey | None:
    _require()
    raw = _keyring().get_password(SERVICE, name)
    if raw is None:
        if quiet:
            return None
        raise Problem(f"No stored key named {name!r}; add one with `apigw-console creds add {name}`.",
                      kind="credentials")
    return StoredKey(**json.loads(raw))


def session_credentials(name: str, sts_client: Callable, ask_mfa: Callable[[str], str]) -> dict:
    """Short-lived credentials for a stored key: from the keyring while valid, else minted with STS.

    `sts_client(access_key_id, secret_access_key)` builds an STS client signed by the long-lived key;
    `ask_mfa(prompt)` asks for a code when the entry names an MFA device.
    """
    cached = _keyring().get_password(SESSIONS, name)
    if cached:
        minted = json.loads(cached)
        if datetime.fromisoformat(minted["Expiration"]) - REFRESH_MARGIN > datetime.now(timezone.utc):
            return minted
    entry = load(name)
    sts = sts_client(entry.access_key_id, entry.secret_access_key)
    mfa = {}
    if entry.mfa_serial:
        mfa = {"SerialNumber": entry.mfa_serial, "TokenCode": ask_mfa(f"MFA code for {entry.mfa_serial}")}
    if entry.role_arn:
        answer = sts.assume_role(RoleArn=entry.role_arn, RoleSessionName=f"apigw-console-{name}"[:64], **mfa)
    else:
        answer = sts.get_session_token(**mfa)
    minted = answer["Credentials"]
    minted = {k: minted[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")} | {
        "Expiration": minted["Expiration"].astimezone(timezone.utc).isoformat()}
    _keyring().set_password(SESSIONS, name, json.dumps(minted))
    return minted
