"""What `logs`, `logs insights`, `metrics`, `pulse` and `access-logging` do, on a connected Engine.

`logs` prints parsed lines (text, or one JSON object a line with every parsed field) and exits at
the end of the range, or with --follow tails until interrupted; gaps, sampling and polling are
reported on stderr so stdout stays lines only.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

from actions import validate
from actions.engine import Engine
from actions.plan import Invalid
from console.aws.errors import Problem
from console.config import config_path
from console.cli.answer import emit
from console.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from console.render.visible import say, visible


def _text_output(args) -> bool:
    return getattr(args, "output", "text") != "json"


def _answer_as_data(args) -> bool:
    """JSON or text (console.cli.output.emit), or a --query: not the table."""
    return getattr(args, "output", "table") != "table" or bool(getattr(args, "query", None))


def _iso(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{timestamp_ms % 1000:03d}Z"


def line_json(line) -> dict[str, Any]:
    """A tailed line as JSON: when and where, the named fields, every $context variable, the line itself."""
    entry = line.entry
    value: dict[str, Any] = {"timestamp": _iso(line.timestamp), "group": line.group, "stream": line.stream}
    if entry is not None:
        value |= {"request_id": entry.request_id, "time": entry.time.isoformat() if entry.time else None,
                  "status": entry.status, "latency_ms": entry.latency_ms,
                  "integration_latency_ms": entry.integration_latency_ms, "method": entry.method,
                  "route": entry.route, "ip": entry.ip, "api_key_id": entry.api_key_id,
                  "error_message": entry.error_message, "fields": dict(entry.fields)}
    value["message"] = line.message
    if line.late:
        value["late"] = True
    return value


def line_text(line) -> str:
    """A tailed line as one line of text; what the internet wrote in it is shown, never obeyed."""
    entry = line.entry
    if entry is None:
        return f"{_iso(line.timestamp)} {visible(line.message)}"
    parts = [_iso(line.timestamp), str(entry.status if entry.status is not None else "-"), entry.method or "-",
             entry.route or "-", f"{entry.latency_ms:.0f}ms" if entry.latency_ms is not None else "-ms",
             entry.ip or "-", entry.request_id or "-"]
    if entry.error_message:
        parts.append(entry.error_message)
    return visible(" ".join(parts))


def _statuses(values: list[str]) -> frozenset[str]:
    from console.logs.filter import CLASS

    found = {part.strip().lower() for value in values for part in value.split(",") if part.strip()}
    bad = [s for s in found if not CLASS.match(s)]
    if bad:
        raise Invalid("--status", "is a status class: 2xx, 3xx, 4xx or 5xx", bad[0])
    return frozenset(found)


def logs(engine: Engine, args) -> int:
    from console.logs.access_log import parser_for
    from console.logs.filter import LineFilter
    from console.logs.sources import stage_sources
    from console.logs.tail import Tail, filter_budget, history, metered, read_budgets

    now = datetime.now(UTC)
    since = validate.moment("--since", args.since, now)
    until = validate.moment("--until", args.until, now) if args.until else now
    if args.until and args.follow:
        raise Invalid("--until", "ends the range, and --follow keeps tailing: use one of them", args.until)
    if not since < until:
        raise Invalid("--since", f"must be before --until ({until.isoformat()})", since.isoformat())
    line_filter = LineFilter(statuses=_statuses(args.status), text=args.filter or None)
    gateway = engine.gateway
    connection = gateway.connection
    api = gateway.find_api(args.api)
    stage = gateway.stage(api, args.stage, refresh=True)
    found = stage_sources(connection, stage)
    if found.problem:
        hint = "" if found.firehose else f" To turn it on: apigw-console access-logging {api.name} {stage.name}"
        say(f"{found.problem}{hint}")
        return EXIT_FAILED
    group = found.canary if args.canary else found.access
    if group is None:
        say(f"stage {stage.name} has no canary, so there is no canary log.")
        return EXIT_FAILED
    parser = parser_for(found.format)
    pattern = line_filter.pattern(parser) if line_filter.active else None
    budget = filter_budget(connection)
    show = line_text if _text_output(args) else (lambda line: json.dumps(line_json(line)))
    out = sys.stdout
    since_ms = int(since.timestamp() * 1000)
    if not args.follow:
        client = metered(connection.client("logs"), budget, read_budgets(connection))
        for line in history(client, [group.name], since_ms, int(until.timestamp() * 1000), parser, pattern):
            if line_filter.matches(line):
                out.write(show(line) + "\n")
        out.flush()
        return EXIT_OK
    tail = Tail(connection.client("logs"), [group], parser, budget=budget, since_ms=since_ms, pattern=pattern).start()
    try:
        while True:
            _emit(tail.drain(), line_filter, show, out)
            time.sleep(0.25)
    except KeyboardInterrupt:
        pass
    finally:
        tail.stop()
        _emit(tail.drain(), line_filter, show, out)
    return EXIT_OK


def _emit(batch, line_filter, show, out: TextIO) -> None:
    for line in batch.lines:
        if line_filter.matches(line):
            out.write(show(line) + "\n")
    out.flush()
    for notice in batch.notices:
        say(notice.text)


def insights(engine: Engine, args) -> int:
    """`logs insights API STAGE QUERY`: the query over the stage's access-log group in the window, its rows
    and what it read; a running query says how far it got on a terminal's stderr, Ctrl+C stops it."""
    from console.logs.insights import MAX_LIMIT, Insights, insights_budget
    from console.logs.sources import stage_sources

    now = datetime.now(UTC)
    since = validate.moment("--since", args.since, now)
    until = validate.moment("--until", args.until, now)
    if not since < until:
        raise Invalid("--since", f"must be before --until ({until.isoformat()})", since.isoformat())
    if args.limit is not None and not 1 <= args.limit <= MAX_LIMIT:
        raise Invalid("--limit", f"is between 1 and {MAX_LIMIT}", str(args.limit))
    if not args.insights_query.strip():
        raise Invalid("QUERY", "is a Logs Insights query, e.g. 'stats count(*) by bin(5m)'", args.insights_query)
    gateway = engine.gateway
    api = gateway.find_api(args.api)
    stage = gateway.stage(api, args.stage, refresh=True)
    found = stage_sources(gateway.connection, stage)
    if found.problem:
        say(found.problem)
        return EXIT_FAILED
    group = found.canary if args.canary else found.access
    if group is None:
        say(f"stage {stage.name} has no canary, so there is no canary log.")
        return EXIT_FAILED
    query = Insights(gateway.connection.client("logs"), insights_budget(gateway.connection), group.name,
                     args.insights_query, since, until, args.limit)
    shown = sys.stderr.isatty()
    try:
        results = query.wait(progress=lambda status, stats: _progress(status, stats, shown))
    except KeyboardInterrupt:
        say("Interrupted: the query was stopped (StopQuery)." if query.stopped else
            "Interrupted before CloudWatch named the query, or StopQuery failed: it may run to its end "
            "(Logs Insights bills what it scans).")
        return EXIT_FAILED
    finally:
        if shown:
            sys.stderr.write("\r\033[K")
    if not results.complete:
        say(f"The query ended {results.status}; its rows may be partial.")
    if _answer_as_data(args):
        emit(args, results.to_json())
    else:
        from console.render.insights import results_view
        from console.render.text import terminal

        terminal().print(results_view(results))
    return EXIT_OK if results.complete else EXIT_FAILED


def _progress(status: str, statistics, shown: bool) -> None:
    if shown:
        from console.render.insights import progress

        sys.stderr.write("\r\033[K" + progress(status, statistics))
        sys.stderr.flush()


def metrics(engine: Engine, args) -> int:
    from console.read.metrics import ref_for, stage_metrics

    gateway = engine.gateway
    api = gateway.find_api(args.api)
    gateway.stage(api, args.stage)  # a wrong stage name is a plain "not found", not an empty chart
    ref = ref_for(api, args.stage)
    found = stage_metrics(gateway.connection.client("cloudwatch"), ref, args.window)
    # each CloudWatch metric and statistic once, by its own name (a WebSocket API's latency is its
    # IntegrationLatency, asked for under both of the console's words)
    named, per_period = set(), []
    for (metric, stat), series in ((key, series) for key, series in found.series.items() if len(key) == 2):
        if (ref.metric_name(metric), stat) not in named:
            named.add((ref.metric_name(metric), stat))
            per_period.append(((metric, stat), series))
    if _answer_as_data(args):
        emit(args, {
            "api": api.name, "api_id": api.id, "stage": args.stage, "window": found.window.name,
            "period_seconds": found.window.period, "start": found.start.isoformat(), "end": found.end.isoformat(),
            "series": [{"metric": metric, "cloudwatch_metric": ref.metric_name(metric), "stat": stat,
                        "over_window": found.over_window(metric, stat),
                        "timestamps": [t.isoformat() for t in series.timestamps],
                        "values": list(series.values)} for (metric, stat), series in per_period],
        })
        return EXIT_OK
    from console.read.metrics import sparkline
    from console.render.text import Table, terminal

    table = Table(title=f"{api.name} › {args.stage} · CloudWatch, the last {found.window.name} of complete "
                        f"{found.window.period // 60}-min periods, {found.label} (the running period is not shown)",
                  box=None, pad_edge=False)
    longest = max((len(ref.metric_name(metric) or metric) for (metric, _), _ in per_period), default=6)
    table.add_column("Metric", no_wrap=True, min_width=longest)  # a name to paste into a query: never cut
    for column in ("Stat", "Over window", "Last period", "Min", "Max", "Trend"):
        table.add_column(column, justify="left" if column in ("Stat", "Trend") else "right")
    for (metric, stat), series in per_period:
        values = series.values
        whole = found.over_window(metric, stat)
        name = ref.metric_name(metric) or metric
        if not values:
            table.add_row(name, stat, "—", "—", "—", "—", "no data")
            continue
        table.add_row(name, stat, "—" if whole is None else f"{whole:,.1f}", f"{values[-1]:,.1f}",
                      f"{min(values):,.1f}", f"{max(values):,.1f}",
                      sparkline(series.dense(found.start, found.end, found.window.period)))
    terminal().print(table)
    return EXIT_OK


def pulse(engine: Engine, args) -> int:
    from console.read.metrics import region_refs
    from console.read.pulse import region_pulse

    gateway = engine.gateway
    found = region_pulse(gateway.connection, gateway, region_refs(gateway))
    # What could not be read is a warning (exit 0); only a pulse with no figure at all is a failure.
    for source, problem in gateway.gaps("apis").items():
        say(f"warning: {source}: not available here — {problem.message}")
    for note in found.notes:
        say(f"warning: {note}")
    if found.read_nothing:
        say("No figures could be read: CloudWatch and the access logs were both refused or unavailable.")
        return EXIT_FAILED
    if _answer_as_data(args):
        emit(args, [row.to_json() for row in found.rows])
        return EXIT_OK
    from console.render.pulse import pulse_table
    from console.render.text import terminal

    terminal().print(pulse_table(found, gateway.connection.region) if found.rows else
                     "No API stages in this region.")
    return EXIT_OK


def fleet_pulse(args) -> int:
    """`pulse --targets ...` or `--fleet NAME`: every target's stages ranked together; a target that could
    not be read is a row saying why (exit 0 while any target answered, else 1)."""
    from console.config import load
    from console.read.fleet import fleet_pulse as read_fleet
    from console.read.fleet import parse_targets, ranked

    settings = load()
    if any(getattr(args, name, None) for name in ("profile", "region", "endpoint_url", "sandbox")):
        say("A fleet names its own profiles and regions (PROFILE@REGION); drop --profile, --region, "
            "--endpoint-url and --sandbox.")
        return EXIT_USAGE
    fleets = dict(settings.fleets)
    if getattr(args, "fleet", None) and args.fleet not in fleets:
        named = ", ".join(sorted(fleets)) or f"none (add [fleets.{args.fleet}] to {settings.source or config_path()})"
        say(f"No fleet named {args.fleet!r} in the config; fleets: {named}")
        return EXIT_USAGE
    try:
        targets = parse_targets(fleets[args.fleet] if getattr(args, "fleet", None) else [args.targets])
    except ValueError as problem:
        say(f"--targets: {problem}")
        return EXIT_USAGE
    answers = read_fleet(targets, settings)
    for answer in answers:
        for note in (*answer.gaps, *(answer.pulse.notes if answer.pulse else ())):
            say(f"warning: {answer.target}: {note}")
        if answer.problem is not None:
            say(f"warning: {answer.target}: could not be read — {answer.problem.message}")
    rows = ranked(answers)
    if _answer_as_data(args):
        emit(args, [row.to_json() for row in rows] + [a.error_json() for a in answers if a.problem])
    else:
        from console.render.fleet import fleet_table
        from console.render.text import terminal

        terminal().print(fleet_table(answers, rows))
    return EXIT_OK if any(a.pulse is not None and not a.pulse.read_nothing for a in answers) else EXIT_FAILED


def access_logging(engine: Engine, args) -> int:
    from actions import access_logging as plans
    from console.cli.output import change

    api = engine.gateway.find_api(args.api)
    try:
        plan = plans.plan_enable(engine, api, args.stage, group=args.group, log_format=args.log_format)
    except (Invalid, Problem):
        raise
    except Exception as exc:
        from console.aws.errors import explain

        raise Problem(f"Could not check the log group: {explain(exc).message}", kind="error") from None
    return change(engine, plan, args)
