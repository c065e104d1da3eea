"""How the read model reads to a person (rich renderables) and to a program (JSON-ready values).

The CLI prints these and the TUI mounts them, so a stage reads the same in a runbook's output and
on screen. Rich only: no Textual here.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from rich import box
from rich.cells import cell_len
from rich.text import Text

from console.model import (
    AccountLimits,
    Api,
    ApiKey,
    Deployment,
    GatewayResponse,
    KeyUsage,
    MethodSetting,
    PlanKey,
    Protocol,
    Stage,
    Throttle,
    Usage,
    UsagePlan,
)
from console.render.text import Pairs, Table, foreign
from console.render.visible import visible

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


def _grid() -> Pairs:
    return Pairs()


def _table(*columns: str, whole: Iterable[str] = ()) -> Table:
    """A listing; the `whole` columns (ids and other values one copies) never wrap: the others fold first."""
    keep = set(whole)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False, show_edge=False)
    for column in columns:
        table.add_column(column, no_wrap=column in keep, overflow="fold")
    return table


GAP = 3  # cells between two columns of a listing


class Listing:
    """A table that fits its width by dropping the columns of least use (they come last in `columns`)
    rather than folding ids and names: what one copies from a listing is always whole."""

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[str]], keep: int = 2) -> None:
        self.columns, self.rows, self.keep = list(columns), [list(r) for r in rows], keep

    def __rich_console__(self, console, options):
        widths = [max([cell_len(c), *(cell_len(visible(row[i])) for row in self.rows)])
                  for i, c in enumerate(self.columns)]
        shown = len(self.columns)
        while shown > self.keep and sum(widths[:shown]) + GAP * (shown - 1) > options.max_width:
            shown -= 1
        table = _table(*self.columns[:shown], whole=self.columns[1:shown])  # only the name may fold, if it must
        for row in self.rows:
            table.add_row(*row[:shown])
        yield table
        if shown < len(self.columns):
            left_out = ", ".join(self.columns[shown:])
            yield Text(f"(left out at this width: {left_out}; --output json has every field)", style="dim")


def api_table(apis: Iterable[Api], stage_counts: Mapping[str, int] | None = None) -> Listing:
    counts = stage_counts or {}
    return Listing(("Name", "Id", "Protocol", "Endpoint", "Created", "Stages", "Description"),
                   [(api.name, api.id, api.protocol.value, api.endpoint_type, when(api.created),
                     str(counts[api.id]) if api.id in counts else DASH, api.description or "") for api in apis])


def _overrides(stage: Stage) -> Table | Text:
    if not stage.overrides:
        return Text("none", style="dim")
    kind = "Method" if stage.protocol is Protocol.REST else "Route"
    table = _table(kind, "Rate", "Burst", "Logging", "Metrics")
    for o in stage.overrides:
        table.add_row(o.key, rate(o.throttle.rate), str(o.throttle.burst) if o.throttle.burst is not None else DASH,
                      o.logging_level or DASH, flag(o.metrics))
    return table


def _cache_methods(stage: Stage) -> Table | Text:
    """Every method setting's caching flag and TTL: the stage default (* *) and each override."""
    entries: list[MethodSetting] = [stage.default, *stage.overrides]
    if not any(s.caching for s in entries):
        return Text("no method caches responses", style="dim")
    table = _table("Method", "Caching", "TTL (s)")
    for s in entries:
        table.add_row(s.key, flag(s.caching), DASH if s.cache_ttl is None else str(s.cache_ttl))
    return table


def stage_sections(stage: Stage, deployment: Deployment | None = None,
                   limits: AccountLimits | None = None,
                   responses: Sequence[GatewayResponse] | None = None) -> list[tuple[str, Any]]:
    """The stage view, section by section: (title, renderable); `responses` are the API's gateway
    responses (None: not read, and the section says so)."""
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
        c.add_row("Methods", _cache_methods(stage))
        sections.append(("Cache", c))

    lg = _grid()
    if stage.access_log is None:
        lg.add_row("Access logs", Text("off — this stage writes no access logs", style="yellow"))
    else:
        destination = stage.access_log.log_group or stage.access_log.destination_arn
        lg.add_row("Access logs", destination + ("  (Firehose: not tailed here)" if stage.access_log.is_firehose else ""))
        lg.add_row("Format", foreign(stage.access_log.format or DASH))
    lg.add_row("Execution logs", stage.default.logging_level or "OFF")
    lg.add_row("Data trace", flag(stage.default.data_trace))
    lg.add_row("Detailed metrics", flag(stage.default.metrics))
    if stage.protocol is Protocol.REST:
        lg.add_row("X-Ray tracing", flag(stage.tracing))
    sections.append(("Logging", lg))

    if stage.protocol is Protocol.REST:
        sections.append(("Refusals", refusals(stage, responses)))

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


def refusals(stage: Stage, responses: Sequence[GatewayResponse] | None) -> Pairs:
    """What answers a request before the backend: the WAF web ACL, and the customised gateway responses."""
    r = _grid()
    r.add_row("WAF web ACL", foreign(stage.web_acl) if stage.web_acl else Text("none", style="dim"))
    custom = [g for g in responses or () if not g.default]
    if responses is None:
        shown: Any = Text("not read", style="dim")
    elif not custom:
        shown = Text("none customised: API Gateway's defaults", style="dim")
    else:
        shown = foreign(", ".join(f"{g.type} {g.status or 'default status'}" for g in custom))
    r.add_row("Gateway responses", shown)
    return r


def deployment_history(stage: Stage, deployments: Sequence[Deployment]) -> list[dict[str, Any]]:
    """The API's deployments as the stage sees them, newest first (as read): which one it serves, which
    one its canary runs. JSON-ready: `created` in ISO 8601 UTC (`…Z`)."""
    canary = stage.canary.deployment_id if stage.canary else None
    return [{"id": d.id, "created": stamp(d.created), "description": d.description,
             "active": d.id == stage.deployment_id, "canary": canary is not None and d.id == canary}
            for d in deployments]


def stamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, to the second, with a Z."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def serves(row: Mapping[str, Any], stage: Stage) -> str:
    """ "active", "canary 10%", "active · canary 10%" or "" for a row of `deployment_history`."""
    roles = ["active"] if row["active"] else []
    if row["canary"] and stage.canary is not None:
        roles.append(f"canary {stage.canary.percent:g}%")
    return " · ".join(roles)


def deployments_table(stage: Stage, history: Sequence[Mapping[str, Any]]) -> Table | Text:
    if not history:
        return Text("no deployments", style="dim")
    table = _table("Deployment", "Created (UTC)", "Serves", "Description")
    for row in history:
        created = row["created"].replace("T", " ").removesuffix("Z") if row["created"] else DASH
        table.add_row(row["id"], created, Text(serves(row, stage), style="bold") if row["active"] or row["canary"]
                      else "", row["description"] or DASH)
    return table


def _mapping(values: Mapping[str, str], key: str, value: str) -> Table | Text:
    if not values:
        return Text("none", style="dim")
    table = _table(key, value)
    for k in sorted(values):
        table.add_row(k, foreign(values[k]))
    return table


# -- usage plans, API keys and usage ----------------------------------------------------------------

MASKED = "••••••••"  # an API key value not asked for
BAR_WIDTH = 36
_EIGHTHS = " ▏▎▍▌▋▊▉"


def quota(plan: UsagePlan) -> str:
    return plan.quota or DASH


def plan_table(plans: Iterable[UsagePlan], api_names: Mapping[str, str], key_counts: Mapping[str, int]) -> Table:
    table = _table("Name", "Id", "Throttle", "Quota", "API stages", "Keys", "Description")
    for p in plans:
        table.add_row(p.name, p.id, throttle(p.throttle), quota(p), api_stages(p, api_names),
                      str(key_counts[p.id]) if p.id in key_counts else DASH, p.description)
    return table


def api_stages(plan: UsagePlan, api_names: Mapping[str, str]) -> str:
    """ "orders-api/prod (POST /orders 100 rps, burst 200), catalog-api/prod" """
    parts = []
    for api, stage in plan.api_stages:
        methods = [f"{m} {throttle(t)}" for a, s, m, t in plan.method_throttles if (a, s) == (api, stage)]
        parts.append(f"{api_names.get(api, api)}/{stage}" + (f" ({'; '.join(methods)})" if methods else ""))
    return ", ".join(parts) or DASH


def plan_sections(plan: UsagePlan, api_names: Mapping[str, str], keys: Sequence[PlanKey]) -> list[tuple[str, Any]]:
    g = _grid()
    g.add_row("Usage plan", f"{plan.name}  ({plan.id})")
    g.add_row("Description", plan.description or DASH)
    g.add_row("Throttle (per key)", throttle(plan.throttle))
    g.add_row("Quota (per key)", quota(plan))
    stages = _table("API", "Stage", "Method", "Rate", "Burst")
    for api, stage in plan.api_stages:
        methods = [(m, t) for a, s, m, t in plan.method_throttles if (a, s) == (api, stage)] or [(DASH, Throttle())]
        for method, t in methods:
            stages.add_row(api_names.get(api, api), stage, method, rate(t.rate),
                           DASH if t.burst is None else str(t.burst))
    listed = _table("Key", "Id")
    for key in keys:
        listed.add_row(key.name, key.id)
    return [("Usage plan", g), ("API stages and method throttles", stages if plan.api_stages else
                                Text("none: the plan covers no API stage yet", style="dim")),
            (f"Keys ({len(keys)})", listed if keys else Text("none", style="dim"))]


def key_table(keys: Iterable[ApiKey], plans_of: Mapping[str, Sequence[str]], plan_names: Mapping[str, str],
              values: Mapping[str, str] | None = None) -> Table:
    """API keys, their values masked except those in `values` (the ones the operator asked to see)."""
    table = _table("Name", "Id", "Value", "Enabled", "Created", "Updated", "Usage plans")
    for k in keys:
        value = (values or {}).get(k.id)
        table.add_row(k.name, k.id, foreign(value) if value else Text(MASKED, style="dim"), "yes" if k.enabled else "no",
                      when(k.created), when(k.updated),
                      ", ".join(plan_names.get(p, p) for p in plans_of.get(k.id, ())) or DASH)
    return table


def nearest_quota_first(usage: Usage, limit: int | None) -> list[KeyUsage]:
    """Keys by the share of their quota left, least first; without a quota, by requests, most first."""
    if not limit:
        return sorted(usage.keys, key=lambda k: -k.total)
    return sorted(usage.keys, key=lambda k: (k.left if k.left is not None else limit) / limit)


def usage_table(usage: Usage, plan: UsagePlan, key_names: Mapping[str, str]) -> Table:
    period = (plan.quota_period or "").lower()
    table = _table("Key", f"Used {usage.start:%m-%d}…{usage.end:%m-%d}", f"Left this {period or 'period'}",
                   "Quota", "Left")
    for k in nearest_quota_first(usage, plan.quota_limit):
        share = f"{k.left / plan.quota_limit:.0%}" if plan.quota_limit and k.left is not None else DASH
        table.add_row(key_names.get(k.key_id, k.key_id), f"{k.total:,}",
                      DASH if k.left is None else f"{k.left:,}", quota(plan), share)
    return table


def daily_bars(days: Sequence[date], counts: Sequence[int], limit: int | None = None,
               width: int = BAR_WIDTH) -> Table:
    """One bar a day, scaled to the busiest day (or to a daily quota, when there is one)."""
    top = max([*counts, limit or 0, 1])
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style="dim")
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    for day, count in zip(days, counts, strict=True):
        eighths = round(count / top * width * 8)
        bar = "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")
        over = limit is not None and count > limit
        table.add_row(f"{day:%m-%d %a}", Text(bar.ljust(width), style="bold red" if over else "cyan"), f"{count:,}")
    if limit:
        table.add_row("", Text(f"scale: the daily quota, {limit:,}", style="dim"), "")
    return table


def usage_json(usage: Usage, plan: UsagePlan, key_names: Mapping[str, str]) -> dict[str, Any]:
    return {"plan": {"id": plan.id, "name": plan.name, "quota": plan.quota_limit,
                     "period": plan.quota_period},
            "start": usage.start.isoformat(), "end": usage.end.isoformat(),
            "days": [d.isoformat() for d in usage.days], "daily": list(usage.daily()),
            "keys": [{"id": k.key_id, "name": key_names.get(k.key_id, ""), "used": k.total, "daily": list(k.used),
                      "remaining": k.left} for k in nearest_quota_first(usage, plan.quota_limit)]}

