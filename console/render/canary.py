"""A stage's canary as a person reads it: the two releases, the traffic split, and each stage
variable beside the canary's override — the same in `canary status` and on the canary screen."""

from __future__ import annotations

from typing import Any, Iterable

from rich import box
from rich.console import Group
from rich.text import Text

from console.model import Deployment, Stage
from console.logs.stats import min_lines
from console.read.canary_compare import MIN_SAMPLE, CloudWatchFigures, Comparison, Side
from console.render.describe import DASH, flag, when
from console.render.text import Table, foreign

NOT_REST = ("Canary releases are a REST API feature: HTTP and WebSocket stages have none. To shift traffic "
            "gradually on an HTTP API, split it between stages or APIs behind a custom domain.")


def release(stage: Stage, deployments: Iterable[Deployment]) -> Table:
    """Weight, the canary's deployment and the base's (id, description, created), stage cache use."""
    known = {d.id: d for d in deployments}
    canary = stage.canary
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    if canary is None:
        table.add_row("Canary", Text("none — every request goes to the base deployment", style="dim"))
    else:
        table.add_row("Weight", Text.assemble((f"{canary.percent:g}%", "bold"), " of requests to the canary, "
                                              f"{100 - canary.percent:g}% to the base"))
        table.add_row("Canary", _deployment(canary.deployment_id, known))
    table.add_row("Base", _deployment(stage.deployment_id, known))
    if canary is not None:
        table.add_row("Stage cache", "the canary uses it" if canary.use_stage_cache else
                      f"{flag(False)}: the canary's requests skip the stage cache")
    return table


def variables(stage: Stage) -> Table | Text:
    """Each stage variable beside the canary's override of it (overrides may add new names too)."""
    overrides = stage.canary.variable_overrides if stage.canary else {}
    names = sorted(set(stage.variables) | set(overrides), key=str.lower)
    if not names:
        return Text("no stage variables and no overrides", style="dim")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for column in ("Variable", "Base", "Canary"):
        table.add_column(column, overflow="fold")
    for name in names:
        base = stage.variables.get(name)
        override = overrides.get(name)
        table.add_row(name, foreign(base) if base is not None else Text(DASH, style="dim"),
                      foreign(override, style="bold") if override is not None else Text("(base)", style="dim"))
    return table


def verdict_text(passed: Iterable[str], failed: Iterable[str]) -> Group:
    lines = [Text.assemble(("✗ ", "bold red"), rule) for rule in failed]
    lines += [Text.assemble(("✓ ", "bold green"), rule) for rule in passed]
    return Group(*lines)


def _deployment(deployment_id: str | None, known: dict[str, Deployment]) -> Text:
    if not deployment_id:
        return Text(DASH, style="dim")
    found = known.get(deployment_id)
    if found is None:
        return foreign(deployment_id)
    return Text.assemble((deployment_id, "bold"), f"  {found.description or DASH}", (f"  {when(found.created)}", "dim"))


def comparison_table(comparison: Comparison) -> Table:
    """Base and canary (access logs) beside CloudWatch's figures, one column each, one figure a row. The
    title gives each source's window: the logs' up to now, CloudWatch's complete minutes; the last row how
    many lines each log percentile comes from."""
    title = f"{comparison.minutes} min: logs {comparison.start:%H:%M:%S}–{comparison.end:%H:%M:%S}"
    title += f", CW {comparison.cloudwatch_window.label}" if comparison.cloudwatch_window else " UTC"
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
                  title=title, title_justify="left", title_style="bold")
    table.add_column("", no_wrap=True, style="bold")
    columns: list[tuple[str, Any]] = [("Base (log)", comparison.base), ("Canary (log)", comparison.canary)]
    columns += [(f"CW {c.label.split(' ', 1)[0]}", c) for c in comparison.cloudwatch]
    for title, _ in columns:
        table.add_column(title, justify="right", overflow="fold")
    rows = (("Requests", _requests), ("4xx", lambda s: _share(s, "4xx")), ("5xx", lambda s: _share(s, "5xx")),
            ("p50", lambda s: _latency(s, "p50")), ("p99", lambda s: _latency(s, "p99")),
            ("p50/p99 from", _sample))
    for label, cell in rows:
        table.add_row(label, *(cell(side) for _, side in columns))
    return table


def notes_text(comparison: Comparison) -> Text:
    span = comparison.cloudwatch_window
    over = f", the complete minutes {span.label}" if span else ""
    lines = [f"CloudWatch {c.label}{over}" for c in comparison.cloudwatch]
    text = Text("\n".join(f"CW = {line}" for line in lines), style="dim")
    for note in comparison.notes:
        text.append(("\n" if text.plain else "") + note, style="dim")
    return text


def _requests(side: Side | CloudWatchFigures | None) -> Text:
    if side is None:
        return Text(DASH, style="dim")
    return Text(f"{int(side.requests):,}")


def _share(side: Side | CloudWatchFigures | None, kind: str) -> Text:
    if side is None:
        return Text(DASH, style="dim")
    if isinstance(side, CloudWatchFigures):
        value = side.share(side.errors_4xx if kind == "4xx" else side.errors_5xx)
        count = side.errors_4xx if kind == "4xx" else side.errors_5xx
    else:
        value = side.share_4xx if kind == "4xx" else side.share_5xx
        count = side.errors_4xx if kind == "4xx" else side.errors_5xx
    if value is None:
        return _too_few(int(side.requests), MIN_SAMPLE)
    return Text(f"{value:.1f}% ({int(count):,})")


def _latency(side: Side | CloudWatchFigures | None, which: str) -> Text:
    if side is None:
        return Text(DASH, style="dim")
    if isinstance(side, CloudWatchFigures):
        value = side.p50 if which == "p50" else side.p99
        return Text(DASH, style="dim") if value is None else Text(f"{value:,.0f} ms")
    value = side.p50 if which == "p50" else side.p99
    if value is None:
        return _too_few(len(side.latencies), min_lines(50 if which == "p50" else 99))
    return Text(f"{value:,.0f} ms")


def _sample(side: Side | CloudWatchFigures | None) -> Text:
    """The lines a log column's percentiles come from; CloudWatch's are its own statistics."""
    if isinstance(side, Side):
        return Text(f"{len(side.latencies):,} lines")
    return Text("CloudWatch" if side is not None else DASH, style="dim")


def _too_few(n: int, needed: int) -> Text:
    return Text(f"too few ({n}<{needed})" if n else DASH, style="dim")
