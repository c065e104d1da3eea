"""A pulse row as the operator reads it, the same in `apigw-console pulse` and on the pulse screen.

Shares below the pulse's minimum sample are shown as counts ("2/3"): a percentage of three requests
says nothing. A 429 share that was not read from the access log is "—", never 0. When CloudWatch is
refused the figures are the access logs', and the caption says so and how many lines they come from; a
stage with no figures at all is dashes, and alarms that could not be read are "n/a", never "none".
The leading 4xx cause is its lines over the 4xx lines read ("INVALID_API_KEY 1,180/1,204"), "not
logged" where the stage's format has no $context.error.responseType, "—" where its log was not read: a
column of the pulse screen, and in the CLI a line under the table for each stage whose log was read (a
ninth column would squeeze the stage names out of 80 columns).
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from console.read.metrics import sparkline
from console.read.pulse import RegionPulse, StagePulse
from console.render.colours import MAGENTA, RED, YELLOW
from console.render.text import Table, foreign

DASH = "—"
COLUMNS = ("API › stage", "req/s", "4xx %", "429 %", "5xx %", "p99 ms", "alarm", "trend 15 min")
CAUSE_COLUMN = "top 4xx cause"
ALERT = {"4xx": 5.0, "429": 1.0, "5xx": 1.0}  # percent at which a share is drawn bold


def share(row: StagePulse, kind: str) -> Text:
    count = {"4xx": row.errors_4xx, "429": row.throttled, "5xx": row.errors_5xx}[kind]
    if count is None:
        return Text(DASH, style="dim")
    if row.small_sample:
        return Text(f"{count:,.0f}/{row.requests:,.0f}", style="dim")
    value = 100.0 * count / row.requests
    colour = {"4xx": YELLOW, "429": YELLOW, "5xx": RED}[kind]
    return Text(f"{value:.1f}", style=f"bold {colour}" if value >= ALERT[kind] else "")


def milliseconds(value: float | None) -> Text:
    if value is None:
        return Text(DASH, style="dim")
    shown = f"{value / 1000:.1f}s" if value >= 10_000 else f"{value:,.0f}"
    return Text(shown, style=f"bold {MAGENTA}" if value >= 1000 else "")


def cause(row: StagePulse) -> Text:
    """The leading cause of the window's 4xx, with its count over the 4xx lines read."""
    causes = row.causes
    if causes is None:
        return Text(DASH, style="dim")
    if not causes.logged:
        return Text("cause not logged", style="dim")
    leading = causes.leading
    if leading is None:
        return Text("no 4xx", style="dim")
    name, count = leading
    return Text.assemble(foreign(name or "backend's own", style=YELLOW if name else ""),
                         (f" {count:,}/{causes.total:,}", "dim"))


def cells(row: StagePulse) -> list[Text]:
    ref = row.ref
    alarm = Text(row.alarm or (DASH if row.alarm_read else "n/a"), style=f"bold {RED}" if row.alarm == "ALARM"
                 else "dim")
    if row.source == "none":
        return [foreign(f"{ref.api_name} › {ref.stage}"), *(Text(DASH, style="dim") for _ in range(5)), alarm,
                Text("no figures", style="dim")]
    rate = DASH if row.last_minute is None else f"{row.last_minute / 60:,.1f}" + (" msg" if ref.websocket else "")
    return [foreign(f"{ref.api_name} › {ref.stage}"), Text(rate), share(row, "4xx"), share(row, "429"),
            share(row, "5xx"), milliseconds(row.p99_ms), alarm, Text(sparkline(row.per_minute), style="dim")]


def caption(found: RegionPulse) -> str:
    """What the figures are: the window's clock range, and what is not in it."""
    parts = [f"worst first · last {found.window.minutes} complete minutes, {found.window.label}",
             "req/s of the last minute; 4xx % includes 429 %"]
    if found.source == "logs":
        lines = sum(row.lines or 0 for row in found.rows)
        parts.insert(1, f"from logs, CloudWatch unavailable: counted from {lines:,} access-log lines "
                        "(p99 of each stage's own lines)")
    if any(row.ref.websocket for row in found.rows):
        parts.append("WebSocket stages: messages/s; 4xx are refused connections, 5xx failed integration calls")
    if found.unpublished:
        parts.append(f"{found.unpublished} ended minute not yet published (·)")
    return " · ".join(parts)


def pulse_table(found: RegionPulse, region: str) -> Group:
    """The caption (what the figures are) on a line of its own, then a row per stage."""
    table = Table(box=None, pad_edge=False)
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in ("API › stage", "alarm", "trend 15 min") else "right",
                         no_wrap=column != "API › stage")
    for row in found.rows:
        table.add_row(*cells(row))
    read = [row for row in found.rows if row.causes is not None]
    causes = [Text.assemble(foreign(f"{row.ref.api_name} › {row.ref.stage}: "), cause(row)) for row in read]
    if causes:
        causes.insert(0, Text(f"Top 4xx cause, {found.window.label}: its lines/the 4xx lines read from the access "
                              "log", style="bold"))
    return Group(Text(f"Pulse of {region}: {caption(found)}", style="bold"), table, *causes)
