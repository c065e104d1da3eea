"""The log and metric subcommands' arguments: `logs` (and `logs insights`), `metrics`, `pulse`, `access-logging`.

Declarations only (no boto3, no Textual): `apigw-console --help` stays fast. The handlers are in
console.cli.logs and are imported only when one of these commands runs.
"""

from __future__ import annotations

import argparse

from console.cli.options import api_stage, change_options, handles

WINDOW_NAMES = ("3m", "5m", "15m", "1h", "3h", "24h")


def _without_output(shared: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The shared connection options less --output, which these commands define with a "text" choice.

    (argparse's conflict_handler="resolve" would remove the shared --output from the shared parser
    itself, breaking every other command.) The actions are shared, as `parents=` shares them."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection")
    for action in shared._actions:
        if action.option_strings and "--output" not in action.option_strings:
            group._add_action(action)
    return parent


def _output(parser: argparse.ArgumentParser, choices: tuple[str, ...]) -> None:
    """This command's own --output."""
    parser.add_argument("--output", choices=choices, default=argparse.SUPPRESS,
                        help=f"how to print ({' or '.join(choices)}; default: text)")


class _Fleet(argparse.Action):
    """`pulse --targets/--fleet`: each target connects on its own, so nothing connects first (offline)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, values)
        namespace.offline = True
        namespace.handler = "console.cli.logs:fleet_pulse"


class _LogsParser(argparse.ArgumentParser):
    """`logs`, which also reads `logs insights ...`: a sub-command beside the API and STAGE positionals
    (argparse's subparsers would take every API name for a command name)."""

    insights: argparse.ArgumentParser

    def parse_known_args(self, args=None, namespace=None):
        if args and args[0] == "insights":
            return self.insights.parse_known_args(args[1:], namespace)
        return super().parse_known_args(args, namespace)


def _insights_word(prefix: str, **_) -> list[str]:
    """What completes `logs`'s first positional: the `insights` sub-command (API names would take a call)."""
    return ["insights"] if "insights".startswith(prefix) else []


def _insights_parser(logs: argparse.ArgumentParser, shared: argparse.ArgumentParser) -> argparse.ArgumentParser:
    insights = handles(argparse.ArgumentParser(
        prog=f"{logs.prog} insights", parents=[shared],
        description="Run a CloudWatch Logs Insights query over the stage's access-log group from --since to "
                    "--until and print its rows, with the records it matched and scanned. The query runs in "
                    "CloudWatch (StartQuery, then GetQueryResults until it completes); Ctrl+C stops it "
                    "(StopQuery). Example: apigw-console logs insights orders-api prod "
                    "'stats count(*) as requests, pct(responseLatency, 99) by bin(5m)'"),
        "console.cli.logs:insights")
    api_stage(insights)
    insights.add_argument("insights_query", metavar="QUERY", help="a Logs Insights query, e.g. "
                          "'filter status >= 500 | fields @timestamp, status, resourcePath | limit 20'")
    insights.add_argument("--since", default="1h", metavar="TIME", help="where the window starts: an age (90s, 10m, "
                          "2h, 1d), now, or an ISO 8601 time, UTC unless a zone is given (default 1h)")
    insights.add_argument("--until", default="now", metavar="TIME", help="where it ends, in the same forms "
                                                                         "(default: now)")
    insights.add_argument("--limit", type=int, metavar="N", help="at most N rows (1 to 10000; default: the "
                                                                 "query's own limit, else 10000)")
    insights.add_argument("--canary", action="store_true", help="the canary's log group (<group>/Canary)")
    return insights


def add_logs_parsers(commands, shared: argparse.ArgumentParser) -> None:

    connection = _without_output(shared)

    logs = handles(commands.add_parser(
        "logs", parents=[connection],
        help="print a stage's access-log lines, parsed by its format (--follow to tail)",
        description="Print the stage's access-log lines from --since until now, parsed by the stage's own format, "
                    "then exit; with --follow keep tailing (StartLiveTail, or polling where it is not available) "
                    "until Ctrl+C. Filters are also sent to CloudWatch Logs as a filter pattern where the format "
                    "allows one. `logs insights API STAGE QUERY` runs a Logs Insights query instead (see "
                    "`logs insights --help`)."), "console.cli.logs:logs")
    logs.__class__ = _LogsParser  # argparse makes every sub-command's parser itself; this one routes `insights`
    logs.insights = _insights_parser(logs, shared)
    api_stage(logs)
    next(a for a in logs._actions if a.dest == "api").completer = _insights_word  # for shell completion
    logs.add_argument("--since", default="10m", metavar="TIME", help="where to start: an age (90s, 10m, 2h, 1d), "
                      "now, or an ISO 8601 time, UTC unless a zone is given (default 10m)")
    logs.add_argument("--until", metavar="TIME", help="where to end, in the same forms (default: now; not with "
                                                      "--follow)")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new lines until interrupted")
    logs.add_argument("--status", action="append", metavar="CLASS", default=[],
                      help="only this status class: 2xx, 3xx, 4xx, 5xx (repeat or comma-separate for several)")
    logs.add_argument("--filter", metavar="TEXT", help="only lines containing TEXT (case-sensitive, as CloudWatch)")
    logs.add_argument("--canary", action="store_true", help="the canary's log group (<group>/Canary)")
    _output(logs, ("text", "json", "table"))

    metrics = handles(commands.add_parser(
        "metrics", parents=[connection],
        help="a stage's CloudWatch metrics: requests, 4xx, 5xx, latency percentiles, cache"),
        "console.cli.logs:metrics")
    api_stage(metrics)
    metrics.add_argument("--window", choices=WINDOW_NAMES, default="1h", help="how far back (default 1h)")
    _output(metrics, ("text", "json", "table"))

    pulse = handles(commands.add_parser(
        "pulse", parents=[connection],
        help="every stage of the region, worst first: requests, 4xx %%, 5xx %%, p99 over 5 and 15 minutes"),
        "console.cli.logs:pulse")
    _output(pulse, ("text", "json", "table"))
    fleet = pulse.add_mutually_exclusive_group()
    fleet.add_argument("--targets", action=_Fleet, metavar="PROFILE@REGION,...",
                       help="a fleet: these profiles and regions, each read on its own, ranked together")
    fleet.add_argument("--fleet", action=_Fleet, metavar="NAME", help="the fleet [fleets.NAME] of the config")

    enable = handles(commands.add_parser(
        "access-logging", parents=[shared],
        help="turn on a stage's access logging (a log group and the recommended JSON format)"),
        "console.cli.logs:access_logging")
    api_stage(enable)
    enable.add_argument("--group", metavar="NAME", help="the log group (default /aws/apigateway/API/STAGE/access)")
    enable.add_argument("--format", dest="log_format", metavar="FORMAT",
                        help="the access-log format (default: the recommended JSON with every field the console uses)")
    change_options(enable)
