"""The command line of cache flushes, usage plans, API keys and usage: parsers only.

Kept light (argparse alone) so the CLI starts fast; each subcommand names its handler in
`console.cli.catalog`, imported only when it runs. Plans and keys are named by id or name.
"""

from __future__ import annotations

import argparse

from console.cli.options import change_options, handles

COMMANDS = "console.cli.catalog"


def add_catalog_parsers(commands, shared: argparse.ArgumentParser) -> None:
    def command(group, name: str, helptext: str, handler: str, *positionals: tuple[str, str],
                change: bool = False) -> argparse.ArgumentParser:
        sub = handles(group.add_parser(name, parents=[shared], help=helptext), f"{COMMANDS}:{handler}")
        for metavar, what in positionals:
            sub.add_argument(metavar.lower().replace(".", "_"), metavar=metavar, help=what)
        if change:
            change_options(sub)
        return sub

    def actions(name: str, helptext: str):
        return commands.add_parser(name, help=helptext).add_subparsers(dest="action", metavar="ACTION", required=True)

    api, stage = ("API", "API id or name"), ("STAGE", "stage name")
    plan, key = ("PLAN", "usage plan id or name"), ("KEY", "API key id or name")

    cache = actions("cache", "flush a stage's cache, or change its cache settings")
    sub = command(cache, "flush", "flush the stage cache (no undo); --authorizers: the authorizer cache",
                  "cache_flush", api, stage, change=True)
    sub.add_argument("--authorizers", action="store_true", help="flush the authorizer cache instead (REST and v2)")
    sub = command(cache, "set", "change the cache cluster, or caching for every method or one (REST)", "cache_set",
                  api, stage, change=True)
    sub.add_argument("--cluster", choices=("on", "off"), help="the stage's cache cluster")
    sub.add_argument("--size", metavar="GB", help="cache cluster size: 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237")
    sub.add_argument("--method", metavar="'VERB /path'", help="one method (default: every method, */*)")
    sub.add_argument("--caching", choices=("on", "off"), help="cache the method's answers")
    sub.add_argument("--ttl", metavar="SECONDS", help="how long answers are cached: 0 to 3600")

    plans = actions("plans", "usage plans: throttles, quotas, API stages and their keys")
    command(plans, "list", "every usage plan of the region", "plans_list")
    command(plans, "show", "one plan: throttle, quota, API stages with method throttles, keys", "plans_show", plan)
    sub = command(plans, "create", "create a usage plan", "plans_create", ("NAME", "the new plan's name"),
                  change=True)
    _plan_settings(sub)
    sub = command(plans, "update", "change a plan's throttle, quota or description (one UpdateUsagePlan call)",
                  "plans_update", plan, change=True)
    _plan_settings(sub)
    command(plans, "attach", "add an API stage to a plan", "plans_attach", plan, api, stage, change=True)
    command(plans, "detach", "remove an API stage from a plan", "plans_detach", plan, api, stage, change=True)
    sub = command(plans, "throttle", "set or remove a method's per-key throttle on an attached stage",
                  "plans_throttle", plan, api, stage, change=True)
    sub.add_argument("--method", metavar="'VERB /path'", required=True, help="e.g. 'POST /orders'")
    sub.add_argument("--rate", help="requests per second: 50, or relative: x2, -50%%")
    sub.add_argument("--burst", help="burst: 100, or relative")
    sub.add_argument("--unset", action="store_true", help="remove the method's throttle")
    command(plans, "delete", "delete a plan that covers no API stage (no undo)", "plans_delete", plan, change=True)

    keys = actions("keys", "API keys: values masked unless --show-value")
    command(keys, "list", "every API key of the region, with its usage plans", "keys_list")
    sub = command(keys, "show", "one key and its usage plans", "keys_show", key)
    _show_value(sub)
    sub = command(keys, "create", "create a key (AWS generates the value unless --value-file or --value gives it)",
                  "keys_create", ("NAME", "the new key's name"), change=True)
    given = sub.add_mutually_exclusive_group()
    given.add_argument("--value-file", metavar="FILE", help="read the key's value (20 to 128 characters, one line) "
                                                            "from FILE, or from standard input with -; never printed")
    given.add_argument("--value", metavar="V", help="the key's value on the command line: visible to other users of "
                                                    "this machine (the process list) and kept in shell history; "
                                                    "prefer --value-file")
    sub.add_argument("--plan", action="append", default=[], metavar="PLAN", help="add it to this usage plan "
                                                                                 "(repeatable)")
    sub.add_argument("--description", default="", help="what the key is for")
    sub.add_argument("--disabled", action="store_true", help="create it disabled")
    _show_value(sub)
    command(keys, "enable", "enable a key", "keys_enable", key, change=True)
    command(keys, "disable", "disable a key (its clients get 403)", "keys_disable", key, change=True)
    command(keys, "rename", "rename a key", "keys_rename", key, ("NAME", "the new name"), change=True)
    sub = command(keys, "rotate", "a new key with the same plans, then the old one disabled; resumable",
                  "keys_rotate", key, change=True)
    sub.add_argument("--resume", action="store_true", help="finish an interrupted or paused rotation of KEY")
    sub.add_argument("--keep-old", action="store_true", help="stop before disabling the old key (finish later "
                                                             "with --resume)")
    sub.add_argument("--name", help="the new key's name (default: the old one's, dated)")
    _show_value(sub)
    command(keys, "associate", "add a key to a usage plan", "keys_associate", key, plan, change=True)
    command(keys, "dissociate", "remove a key from a usage plan", "keys_dissociate", key, plan, change=True)
    command(keys, "delete", "delete a key (no undo)", "keys_delete", key, change=True)
    command(keys, "import", "import keys from an API key file (CSV: Name,Key[,Description,Enabled,UsagePlanIds])",
            "keys_import", ("FILE.csv", "the API key file, or - for standard input"), change=True)

    sub = handles(commands.add_parser("usage", parents=[shared], help="requests per day of a plan's keys, and "
                                                                      "what their quotas have left"),
                  f"{COMMANDS}:usage")
    sub.add_argument("plan", metavar="PLAN", help="usage plan id or name")
    sub.add_argument("--key", metavar="KEY", help="one key of the plan (id or name)")
    sub.add_argument("--days", default="7", metavar="N", help="days up to today (1 to 90; default 7)")


def _plan_settings(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--rate", help="per-key requests per second: 100, or relative: x1.5, +20%%, -50%%")
    sub.add_argument("--burst", help="per-key burst: 200, or relative")
    sub.add_argument("--quota", metavar="LIMIT/PERIOD", help="per-key quota: 5000/DAY, 100000/MONTH (WEEK too), "
                                                             "LIMIT/PERIOD/OFFSET, or none")
    sub.add_argument("--description", help="what the plan is for")


def _show_value(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--show-value", action="store_true", help="print the key's value (it is never shown otherwise)")
