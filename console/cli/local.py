"""Subcommands that need no connection: profiles, stored credentials, and where things live."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from console.aws import credentials
from console.aws.errors import Problem
from console.aws.profiles import all_profiles
from console.aws.session import Target
from console.cli.answer import emit
from console.config import config_path
from console.exits import EXIT_OK
from console.journal.store import journal_path
from console.render.text import Table, terminal
from console.render.visible import visible


def profiles(args) -> int:
    found = all_profiles()
    if args.output != "table" or args.query:
        emit(args, [vars(p) for p in found])
        return EXIT_OK
    table = Table(box=None, pad_edge=False)
    for column in ("Profile", "Kind", "Region", "MFA", "Detail"):
        table.add_column(column, overflow="fold")
    for p in found:
        table.add_row(p.name, p.kind, p.region or "—", "yes" if p.mfa else "", p.detail)
    terminal().print(table if found else "No profiles in the AWS config files or the keyring.")
    problem = credentials.usable()
    if problem:
        terminal(stderr=True).print(f"keyring: {problem.message}", highlight=False)
    return EXIT_OK


def creds_add(args) -> int:
    """Read the key pair from the terminal (the secret without echo), or from stdin lines in a script."""
    problem = credentials.usable()
    if problem:
        raise problem
    if sys.stdin.isatty():
        key_id = input("AWS access key id: ").strip()
        secret = getpass.getpass("AWS secret access key (not shown): ").strip()
    else:
        key_id, secret = (sys.stdin.readline().strip() for _ in range(2))
    if not key_id.startswith(("AKIA", "ASIA")) or len(key_id) < 16 or not secret:
        raise Problem("An access key id starts with AKIA and a secret must be given; nothing was stored.",
                      kind="bad-request")
    credentials.add(credentials.StoredKey(name=args.name, access_key_id=key_id, secret_access_key=secret,
                                          mfa_serial=args.mfa_serial, role_arn=args.role_arn, region=args.region))
    print(visible(f"Stored {args.name} in the keyring. Connect with: apigw-console --profile {args.name}"))
    return EXIT_OK


def creds_list(args) -> int:
    entries = credentials.entries()
    if args.output != "table" or args.query:
        emit(args, [{"name": e.name, "access_key_id": e.access_key_id[:4] + "…", "mfa_serial": e.mfa_serial,
                     "role_arn": e.role_arn, "region": e.region} for e in entries])
        return EXIT_OK
    for e in entries:
        fields = (e.name, f"{e.access_key_id[:4]}…", f"mfa={'yes' if e.mfa_serial else 'no'}", e.role_arn or "")
        print("\t".join(visible(field) for field in fields))
    if not entries:
        print("No stored keys. Add one with: apigw-console creds add NAME")
    return EXIT_OK


def creds_remove(args) -> int:
    credentials.remove(args.name)
    print(visible(f"Removed {args.name} (and its cached session) from the keyring."))
    return EXIT_OK


def info(args) -> int:
    """Every path the console reads or writes, and the keyring in use."""
    import keyring
    from platformdirs import user_state_path

    from console.sandbox.snapshot import directory as snapshot_directory

    paths = {
        "config (reads)": config_path(),
        "audit journal (writes)": journal_path(),
        "sandbox journal (writes)": journal_path(sandbox=True),
        "state directory (writes)": user_state_path("apigw-console"),
        "sandbox snapshots (writes)": snapshot_directory(),
        "AWS config (reads)": Path(os.environ.get("AWS_CONFIG_FILE", "~/.aws/config")).expanduser(),
        "AWS credentials (reads)": Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")).expanduser(),
        "SSO token cache (reads)": Path("~/.aws/sso/cache").expanduser(),
    }
    backend = keyring.get_keyring()
    place = Target(profile=args.profile, region=args.region, endpoint_url=args.endpoint_url, sandbox=args.sandbox)
    answer = {name: str(path) for name, path in paths.items()} | {
        "connection (resolved)": place.resolution(),
        "keyring backend": f"{type(backend).__module__}.{type(backend).__name__}",
        "keyring usable": credentials.usable() is None,
    }
    if args.output != "table" or args.query:
        emit(args, answer)
    else:
        for name, value in answer.items():
            print(visible(f"{name:26} {value}"))
    return EXIT_OK
