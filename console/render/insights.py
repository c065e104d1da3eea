"""A Logs Insights answer as the operator reads it, the same in `logs insights` and on the insights screen.

The caption says what was read: the log group, the window (UTC), and the records matched of those
scanned, so a short table is never mistaken for a quiet hour. Values are foreign text (log lines
are written by anyone); columns whose every value is a number are right-aligned.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.text import Text

from console.logs.insights import Results, Statistics
from console.render.text import Table, foreign


def window(start: datetime, end: datetime) -> str:
    return f"{start:%Y-%m-%d %H:%M:%S} → {end:%Y-%m-%d %H:%M:%S} UTC"


def figures(statistics: Statistics) -> str:
    """Records matched of records scanned, and the bytes scanned."""
    return (f"{statistics.matched:,} records matched of {statistics.scanned:,} scanned "
            f"({_size(statistics.bytes)} scanned)")


def progress(status: str, statistics: Statistics) -> str:
    """A running query's line: "running… 12,000 records scanned"."""
    return f"{status.lower()}… {statistics.scanned:,} records scanned, {statistics.matched:,} matched"


def caption(results: Results) -> str:
    rows = f"{len(results.rows):,} row{'s' if len(results.rows) != 1 else ''}"
    ended = "" if results.complete else f" — the query ended {results.status}, so these rows may be partial"
    return f"{results.group} · {window(results.start, results.end)} · {rows}; {figures(results.statistics)}{ended}"


def numeric(results: Results, index: int) -> bool:
    values = [row[index] for row in results.rows if row[index] is not None]
    return bool(values) and all(_number(v) for v in values)


def results_view(results: Results) -> Group:
    """The query, its rows, and what was read: title and caption on lines of their own (a narrow table
    must not fold the query)."""
    table = Table(box=None, pad_edge=False)
    for index, column in enumerate(results.columns):
        table.add_column(column, justify="right" if numeric(results, index) else "left", overflow="fold")
    for row in results.rows:
        table.add_row(*("" if value is None else value for value in row))
    body = table if results.rows else Text("No rows.", style="dim")
    return Group(foreign(f"Logs Insights: {results.query}", style="bold"), body, foreign(caption(results), style="dim"))


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _size(count: int) -> str:
    if count < 1024:
        return f"{count:,} B"
    value, unit = count / 1024, "KB"
    for bigger in ("MB", "GB", "TB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:,.1f} {unit}"
