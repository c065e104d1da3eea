"""How the read model reads to a person (rich renderables) and to a program (JSON-ready values).

The CLI prints these and the TUI mounts them, so a stage reads the same in a runbook's output and
on screen. Rich only: no Textual here.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Iterable, Mapping

from rich import box
from rich.table import Table
from rich.text import Text

from console.model import AccountLimits, Api, Deployment, MethodSetting, Protocol, Stage, Throttle

DASH = "—"


def when(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") if value else DASH


def age(then: datetime | None, now: datetime | None = None) -> str:
    """ "fetched 14 s ago" style ages, coarse enough to read at a glance."""
    if then is None:
        return "never"
    seconds = max(0, int(((now or datetime.now(timezone.utc)) - then).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def rate(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:g}"


def throttle(t: Throttle) -> str:
    if not t.is_set:
        return "not set"
    return f"{rate(t.rate)} rps, burst {t.burst if t.burst is not None else DASH}"


def flag(value: bool | None) -> str:
    return DASH if value is None else ("on" if value else "off")


def _grid() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    return table


def _table(*columns: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False, show_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def api_table(apis: Iterable[Api], stage_counts: Mapping[str, int] | None = None) -> Table:
    counts = stage_counts or {}
    table = _table("Name", "Id", "Protocol", "Endpoint", "Created", "Stages", "Description")
    for api in apis:
        table.add_row(api.name, api.id, api.protocol.value, api.endpoint_type, when(api.created),
                      str(counts[api.id]) if api.id in counts else DASH, api.description)
    return table


def _overrides(stage: Stage) -> Table | Text:
    if not stage.overrides:
        return Text("none", style="dim")
    kind = "Method" if stage.protocol is Protocol.REST else "Route"
    table = _table(kind, "Rate", "Burst", "Logging", "Metrics")
    for o in stage.overrides:
        table.add_row(o.key, rate(o.throttle.rate), str(o.throttle.burst) if o.throttle.burst is not None else DASH,
                      o.logging_level or DASH, flag(o.metrics))
    return table


def _cache_ttls(stage: Stage) -> str:
    entries: list[MethodSetting] = [stage.default, *stage.overrides]
    cached = [f"{s.key}: {s.cache_ttl} s" for s in entries if s.caching]
    return ", ".join(cached) if cached else "no method caches responses"


def stage_sections(stage: Stage, deployment: Deployment | None = None,
                   limits: AccountLimits | None = None) -> list[tuple[str, Any]]:
    """The stage view, section by section: (title, renderable)."""
    sections: list[tuple[str, Any]] = []

    d = _grid()
    d.add_row("Stage", f"{stage.name}  ({stage.protocol.value}, API {stage.api_id})")
    d.add_row("Deployment", stage.deployment_id or DASH)
    if deployment:
        d.add_row("  description", deployment.description or DASH)
        d.add_row("  created", when(deployment.created))
    if stage.auto_deploy is not None:
        d.add_row("Auto-deploy", flag(stage.auto_deploy))
    d.add_row("Description", stage.description or DASH)
    d.add_row("Created / updated", f"{when(stage.created)} / {when(stage.updated)}")
    sections.append(("Deployment", d))

    t = _grid()
    t.add_row("Stage default" if stage.protocol is Protocol.REST else "Default route", throttle(stage.throttle))
    t.add_row("Account limit", throttle(limits.throttle) if limits else "not fetched")
    sections.append(("Throttling", t))
    sections.append(("Method overrides" if stage.protocol is Protocol.REST else "Route overrides", _overrides(stage)))

    if stage.cache is not None:
        c = _grid()
        c.add_row("Cache cluster", "enabled" if stage.cache.enabled else "disabled")
        if stage.cache.enabled:
            c.add_row("Size", f"{stage.cache.size} GB" if stage.cache.size else DASH)
            c.add_row("Status", stage.cache.status or DASH)
        c.add_row("TTLs", _cache_ttls(stage))
        sections.append(("Cache", c))

    lg = _grid()
    if stage.access_log is None:
        lg.add_row("Access logs", Text("off — this stage writes no access logs", style="yellow"))
    else:
        destination = stage.access_log.log_group or stage.access_log.destination_arn
        lg.add_row("Access logs", destination + ("  (Firehose: not tailed here)" if stage.access_log.is_firehose else ""))
        lg.add_row("Format", Text(stage.access_log.format or DASH))
    lg.add_row("Execution logs", stage.default.logging_level or "OFF")
    lg.add_row("Data trace", flag(stage.default.data_trace))
    lg.add_row("Detailed metrics", flag(stage.default.metrics))
    if stage.protocol is Protocol.REST:
        lg.add_row("X-Ray tracing", flag(stage.tracing))
    sections.append(("Logging", lg))

    sections.append(("Stage variables", _mapping(stage.variables, "Name", "Value")))

    if stage.canary is not None:
        k = _grid()
        k.add_row("Traffic", f"{stage.canary.percent:g} %")
        k.add_row("Deployment", stage.canary.deployment_id or DASH)
        k.add_row("Uses stage cache", flag(stage.canary.use_stage_cache))
        k.add_row("Variable overrides", _mapping(stage.canary.variable_overrides, "Name", "Value"))
        sections.append(("Canary", k))

    sections.append(("Tags", _mapping(stage.tags, "Key", "Value")))
    return sections


def _mapping(values: Mapping[str, str], key: str, value: str) -> Table | Text:
    if not values:
        return Text("none", style="dim")
    table = _table(key, value)
    for k in sorted(values):
        table.add_row(k, Text(str(values[k])))
    return table


def jsonable(value: Any) -> Any:
    """Model values as plain JSON types: dataclasses as objects, datetimes in ISO 8601 (UTC)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
