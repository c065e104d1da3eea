"""The places an operator can connect to: AWS profiles (as botocore reads them) and keyring entries."""

from __future__ import annotations

from dataclasses import dataclass

import botocore.session

from console.aws import credentials


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str  # static | sso | role | process | keyring | other
    region: str | None
    mfa: bool = False
    detail: str = ""  # role ARN, SSO start URL or session, credential process


def kind_of(config: dict) -> tuple[str, str]:
    if config.get("sso_session") or config.get("sso_start_url"):
        return "sso", config.get("sso_session") or config.get("sso_start_url", "")
    if config.get("role_arn"):
        return "role", config["role_arn"]
    if config.get("credential_process"):
        return "process", config["credential_process"]
    if config.get("aws_access_key_id"):
        return "static", ""
    return "other", ""


def aws_profiles() -> dict[str, dict]:
    """Profiles of ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE)."""
    return botocore.session.Session().full_config.get("profiles", {})


def all_profiles() -> list[Profile]:
    found = []
    for name, config in sorted(aws_profiles().items()):
        kind, detail = kind_of(config)
        found.append(Profile(name, kind, config.get("region"), mfa=bool(config.get("mfa_serial")), detail=detail))
    if credentials.usable() is None:
        for entry in credentials.entries():
            found.append(Profile(entry.name, "keyring", entry.region, mfa=bool(entry.mfa_serial),
                                 detail=entry.role_arn or ""))
    return found


def is_keyring_profile(name: str | None, profiles: dict[str, dict] | None = None) -> bool:
    """A name that is no AWS profile but a keyring entry connects through the keyring. `profiles`: the AWS
    profiles as a session already read them (a fleet of targets reads the files once per connection)."""
    return bool(name) and name not in (aws_profiles() if profiles is None else profiles) and \
        credentials.usable() is None and name in credentials.names()
