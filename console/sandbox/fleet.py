"""The sandbox as a fleet: several accounts, each with an estate of its own in each region.

moto keeps accounts apart by the caller's access key, and STS AssumeRole mints keys that belong to the
role's account, as AWS does. So account N is reached by assuming `arn:aws:iam::N:role/sandbox-fleet`
with the sandbox's keys. The first account is the seeded estate's; every other account-region gets a
small estate (one or two of the seeded REST APIs, chosen by its place in the fleet so no two look
alike) and three hours of history, built through the API as the seeded estate is; with traffic, each
other account's clients keep writing its logs and metrics (an engine per account, its keys its own). A
rehearsal can strike one account-region of the fleet (`--scenario NAME@ACCOUNT@REGION`).

`aws_config()` is an AWS config that works on its own (AWS_CONFIG_FILE pointing at it): a source
profile with the sandbox's keys and a `sandbox-<account>` profile per account assuming the role,
each with the sandbox's endpoint_url. `add_fleet()` puts the fleet in the console's config.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

import boto3

from console.sandbox import ACCESS_KEY_ID, ACCOUNT_ID, REGION, SECRET_ACCESS_KEY, history
from console.sandbox.estate import ESTATE, SEED, Clients, build_region, sandbox_session
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


@dataclass(frozen=True)
class Seeded:
    """An account-region the fleet seeded: its estate, and the session (the account's keys) that reaches it."""

    account: str
    estate: RegionEstate
    variant: int
    session: boto3.session.Session


def seed_fleet(url: str, account_ids: tuple[str, ...], regions: tuple[str, ...],
               history_end: float | None = None, ends: dict[tuple[str, str], float] | None = None) -> list[Seeded]:
    """An estate in every account-region the seeded estate does not already fill; `ends` dates the end of
    some account-regions' history apart (a struck one's: at its incident's onset)."""
    seeded = {(ACCOUNT_ID, estate.region) for estate in ESTATE}
    return [seed_account_region(url, account, region, a + r, (ends or {}).get((account, region), history_end))
            for a, account in enumerate(account_ids) for r, region in enumerate(regions)
            if (account, region) not in seeded]


def account_session(url: str, account: str) -> boto3.session.Session:
    """A session with keys of `account`, from AssumeRole with the sandbox's own keys."""
    sts = sandbox_session().client("sts", region_name=REGION, endpoint_url=url)
    keys = sts.assume_role(RoleArn=role_arn(account), RoleSessionName="sandbox-fleet",
                           DurationSeconds=43_200)["Credentials"]
    return boto3.session.Session(aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                                 aws_session_token=keys["SessionToken"])


def seed_account_region(url: str, account: str, region: str, variant: int, history_end: float | None) -> Seeded:
    """A small estate (REST APIs of the seeded estate, picked by `variant`) and its history, in one
    account-region, through the API as the role's account sees it."""
    session = account_session(url, account)
    apis = ESTATE[0].rest_apis
    picked = tuple(apis[(variant + i) % len(apis)] for i in range(1 + variant % 2))
    estate = RegionEstate(region, rest_apis=picked, **_plans_for({api.name for api in picked}))
    ids = build_region(Clients(session, url, region, account), estate)
    end = time.time() if history_end is None else history_end
    history.write(history.generate(estate, ids, random.Random(SEED + variant), int(end * 1000)), account)
    return Seeded(account, estate, variant, session)


def _plans_for(names: set[str]) -> dict:
    """The seeded usage plans and keys, cut to the APIs `names`: keyed methods get keys, as the seeded
    estate's do, rather than a 403 for every call (a phantom incident on every fleet pulse)."""
    plans = tuple(replace(plan, apis=tuple(a for a in plan.apis if a in names),
                          method_throttles={a: t for a, t in plan.method_throttles.items() if a in names})
                  for plan in ESTATE[0].usage_plans if set(plan.apis) & names)
    kept = {plan.name for plan in plans}
    return {"usage_plans": plans, "api_keys": tuple(key for key in ESTATE[0].api_keys if key.plan in kept)}


def engines(url: str, seeded: list[Seeded], incident=None, struck: tuple[str, str] | None = None) -> list:
    """A traffic engine per other account of the fleet, for its estates' stages; the one `struck`
    (account, region) carries the incident's demand and caches."""
    from console.sandbox.traffic.runner import Traffic

    found = []
    for account in dict.fromkeys(s.account for s in seeded):
        mine = [s for s in seeded if s.account == account]
        profiles = {(s.estate.region, api.name, stage.name): stage.traffic
                    for s in mine for api in s.estate.rest_apis for stage in api.stages if stage.traffic}
        hit = incident is not None and struck is not None and struck[0] == account
        found.append(Traffic(url, regions=tuple(s.estate.region for s in mine), session=mine[0].session,
                             account=account, seed=SEED + mine[0].variant,
                             profiles=profiles | (incident.profiles if hit else {}),
                             stale=incident.stale if hit else None, still_sent=incident.still_sent if hit else ()))
    return found


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


def strike_problem(struck: tuple[str, ...], count: int, regions: tuple[str, ...]) -> str | None:
    """What is wrong with `--scenario NAME@ACCOUNT@REGION` on this fleet, in words (None: nothing)."""
    ids, regions = accounts(count), regions or (REGION,)
    if len(struck) != 2 or struck[0] not in ids or struck[1] not in regions:
        return (f"--scenario NAME@ACCOUNT@REGION strikes one account-region of the fleet: an account of "
                f"{', '.join(ids)} and a region of {', '.join(regions)}")
    if (struck[0], struck[1]) in {(ACCOUNT_ID, e.region) for e in ESTATE}:
        return f"{struck[0]}@{struck[1]} is the seeded estate's: name the scenario alone (--scenario NAME)"
    return None


def serve_fleet(sandbox, count: int, regions: tuple[str, ...], config_file: str | None,
                strike: tuple[str, str, str, float | None] | None = None) -> tuple[list[str], list, dict[int, float]]:
    """Seed the fleet and, with `config_file`, write its AWS config and the console's fleet. With `strike`
    (scenario, account, region, onset minutes), that account-region starts in the scenario's incident: its
    account's history ends at the onset and the incident is replayed from there. The banner's lines, the
    other accounts' traffic engines, and where a replayed engine (by its place) stopped."""
    from console.config import config_path
    from console.sandbox import scenarios

    url = sandbox.url
    ids, regions = accounts(count), regions or (REGION,)
    began = None
    if strike:
        name, account, region, onset = strike
        began = scenarios.onset_time(time.time(), scenarios.ONSET_MINUTES if onset is None else onset)
    seeded = seed_fleet(url, ids, regions, ends={(strike[1], r): began for r in regions} if strike else None)
    lines = [f"  fleet:    {len(ids)} account{'s' * (len(ids) > 1)} ({', '.join(ids)}) × {', '.join(regions)}"]
    incident, replayed = None, {}
    if strike:
        session = next(s.session for s in seeded if s.account == account)
        incident = scenarios.begin(name, url, region, now=began, account=account, session=session)  # ValueError: in words
        lines.append(f"  scenario: {name} in account {account}, {region} — {scenarios.SCENARIOS[name].summary}")
    found = engines(url, seeded, incident, (account, region) if strike else None)
    if strike and began < time.time() - 1:
        place = list(dict.fromkeys(s.account for s in seeded)).index(account)
        replayed[place] = scenarios.replay(found[place], began)
        lines.append(f"  onset:    {time.strftime('%H:%M', time.gmtime(began))} UTC, "
                     f"{(time.time() - began) / 60:.0f} minutes ago: its logs, metrics and alarms are in")
    if not config_file:
        return lines + ["  profiles: --write-aws-config FILE writes a profile per account and a fleet named "
                        "'sandbox'"], found, replayed
    path = Path(config_file).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(aws_config(url, ids, regions[0]), encoding="utf-8")
    add_fleet(config_path(), targets(ids, regions))
    return lines + [f"  profiles: {path}: '{SOURCE_PROFILE}' and {profile('<account>')} for each account",
                    f"  fleet:    '{FLEET}' in {config_path()}; try: AWS_CONFIG_FILE={path} apigw-console pulse "
                    f"--fleet {FLEET}"], found, replayed
