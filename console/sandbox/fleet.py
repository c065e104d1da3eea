"""The sandbox as a fleet: several accounts, each with an estate of its own in each region.

moto keeps accounts apart by the caller's access key, and STS AssumeRole mints keys that belong to the
role's account, as AWS does. So account N is reached by assuming `arn:aws:iam::N:role/sandbox-fleet`
with the sandbox's keys. The first account is the seeded estate's; every other account-region gets a
small estate (one or two of the seeded REST APIs, chosen by its place in the fleet so no two look
alike) and three hours of history, built through the API as the seeded estate is.

`aws_config()` is an AWS config that works on its own (AWS_CONFIG_FILE pointing at it): a source
profile with the sandbox's keys and a `sandbox-<account>` profile per account assuming the role,
each with the sandbox's endpoint_url. `add_fleet()` puts the fleet in the console's config.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import boto3

from console.sandbox import ACCESS_KEY_ID, ACCOUNT_ID, REGION, SECRET_ACCESS_KEY, history
from console.sandbox.estate import ESTATE, SEED, Clients, build_region
from console.sandbox.estate_types import RegionEstate

ROLE = "sandbox-fleet"
SOURCE_PROFILE = "sandbox"
FLEET = "sandbox"
MAX_ACCOUNTS = 10
FIRST_EXTRA_ACCOUNT = 210_000_000_001


def accounts(count: int) -> tuple[str, ...]:
    """The fleet's account ids: the seeded estate's first, then made-up ones."""
    return (ACCOUNT_ID, *(str(FIRST_EXTRA_ACCOUNT + i) for i in range(count - 1)))


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ROLE}"


def profile(account: str) -> str:
    return f"sandbox-{account}"


def targets(account_ids: tuple[str, ...], regions: tuple[str, ...]) -> list[str]:
    return [f"{profile(account)}@{region}" for account in account_ids for region in regions]


def seed_fleet(url: str, account_ids: tuple[str, ...], regions: tuple[str, ...],
               history_end: float | None = None) -> None:
    """An estate in every account-region the seeded estate does not already fill."""
    seeded = {(ACCOUNT_ID, estate.region) for estate in ESTATE}
    for a, account in enumerate(account_ids):
        for r, region in enumerate(regions):
            if (account, region) not in seeded:
                seed_account_region(url, account, region, a + r, history_end)


def seed_account_region(url: str, account: str, region: str, variant: int, history_end: float | None) -> None:
    """A small estate (REST APIs of the seeded estate, picked by `variant`) and its history, in one
    account-region, through the API as the role's account sees it."""
    sts = boto3.client("sts", region_name=region, endpoint_url=url, aws_access_key_id=ACCESS_KEY_ID,
                       aws_secret_access_key=SECRET_ACCESS_KEY)
    keys = sts.assume_role(RoleArn=role_arn(account), RoleSessionName="seed")["Credentials"]
    session = boto3.session.Session(aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                                    aws_session_token=keys["SessionToken"])
    apis = ESTATE[0].rest_apis
    picked = tuple(apis[(variant + i) % len(apis)] for i in range(1 + variant % 2))
    estate = RegionEstate(region, rest_apis=picked)
    ids = build_region(_AccountClients(session, url, region, account), estate)
    end = time.time() if history_end is None else history_end
    history.write(history.generate(estate, ids, random.Random(SEED + variant), int(end * 1000)), account)


class _AccountClients(Clients):
    """The estate's clients, naming log groups in their own account (the seeded estate's names its own)."""

    def __init__(self, session, url: str, region: str, account: str) -> None:
        super().__init__(session, url, region)
        self.account = account

    def log_group_arn(self, name: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account}:log-group:{name}"


def aws_config(url: str, account_ids: tuple[str, ...], region: str) -> str:
    """A self-contained AWS config: the sandbox's keys as a source profile, and a profile per account."""
    lines = [f"# Written by `apigw-console sandbox`: the sandbox at {url} as a fleet of accounts.",
             f"[profile {SOURCE_PROFILE}]", f"aws_access_key_id = {ACCESS_KEY_ID}",
             f"aws_secret_access_key = {SECRET_ACCESS_KEY}", f"region = {region}", f"endpoint_url = {url}", ""]
    for account in account_ids:
        lines += [f"[profile {profile(account)}]", f"role_arn = {role_arn(account)}",
                  f"source_profile = {SOURCE_PROFILE}", f"region = {region}", f"endpoint_url = {url}", ""]
    return "\n".join(lines)


def add_fleet(config: Path, fleet_targets: list[str], name: str = FLEET) -> None:
    """Put `[fleets.NAME]` in the console's config, in place of one already there; the rest is kept."""
    text = config.read_text(encoding="utf-8") if config.exists() else ""
    header = re.compile(rf"^\s*\[\s*fleets\s*\.\s*\"?{re.escape(name)}\"?\s*\]\s*$")
    kept, skipping = [], False
    for line in text.splitlines():
        if header.match(line):
            skipping = True
        elif skipping and line.lstrip().startswith("["):
            skipping = False
        if not skipping:
            kept.append(line)
    table = [f"[fleets.{name}]", "targets = [" + ", ".join(f'"{t}"' for t in fleet_targets) + "]"]
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("\n".join([*kept, *([""] if kept and kept[-1].strip() else []), *table]) + "\n",
                      encoding="utf-8")


def flag_problem(count: int, regions: tuple[str, ...], seeded: bool) -> str | None:
    """What is wrong with `--accounts N --regions R1,R2`, in words (None: nothing)."""
    from console.config import TARGET

    if not 1 <= count <= MAX_ACCOUNTS:
        return f"--accounts is a number from 1 to {MAX_ACCOUNTS}"
    bad = [r for r in regions if not TARGET.match(f"x@{r}")]
    if bad:
        return f"--regions takes region codes such as us-east-1,eu-west-1 (not {', '.join(repr(r) for r in bad)})"
    if not seeded:
        return "a fleet is seeded; drop --empty"
    return None


def serve_fleet(url: str, count: int, regions: tuple[str, ...], config_file: str | None) -> list[str]:
    """Seed the fleet and, with `config_file`, write its AWS config and the console's fleet; the banner's lines."""
    from console.config import config_path

    ids, regions = accounts(count), regions or (REGION,)
    seed_fleet(url, ids, regions)
    lines = [f"  fleet:    {len(ids)} account{'s' * (len(ids) > 1)} ({', '.join(ids)}) × {', '.join(regions)}"]
    if not config_file:
        return lines + ["  profiles: --write-aws-config FILE writes a profile per account and a fleet named 'sandbox'"]
    path = Path(config_file).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(aws_config(url, ids, regions[0]), encoding="utf-8")
    add_fleet(config_path(), targets(ids, regions))
    return lines + [f"  profiles: {path}: '{SOURCE_PROFILE}' and {profile('<account>')} for each account",
                    f"  fleet:    '{FLEET}' in {config_path()}; try: AWS_CONFIG_FILE={path} apigw-console pulse "
                    f"--fleet {FLEET}"]
