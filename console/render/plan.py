"""A plan as a person reads it before saying yes: target, diff, exact call, aws line, warnings.

The CLI prints these renderables and the TUI's confirmation screen mounts them.
"""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.console import Group
from rich.text import Text

from actions.plan import Plan
from console.render.text import Table, foreign

UNSET = "(not set)"


def value(v: Any) -> Text:
    if v is None:
        return Text(UNSET, style="dim")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return foreign(v)


def diff(plan: Plan) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Field")
    table.add_column("Before", overflow="fold")
    table.add_column("", no_wrap=True)
    table.add_column("After", overflow="fold")
    for change in plan.changes:
        table.add_row(change.label, value(change.before), "→", value(change.after))
    return table


def call_text(plan: Plan) -> Text:
    """The exact call: operation and its parameters (patch operations one per line)."""
    params = dict(plan.shown_call.params)
    lines = [f"{plan.shown_call.service} {plan.shown_call.operation}"]
    ops = params.pop("patchOperations", None)
    lines += [f"  {k}: {json.dumps(v) if not isinstance(v, str) else v}" for k, v in params.items()]
    if ops is not None:
        lines.append("  patchOperations:")
        lines += [f"    {op['op']} {op['path']}" + (f" = {op['value']}" if "value" in op else "")
                  + (f" from {op['from']}" if "from" in op else "") for op in ops]
    return Text("\n".join(lines))


def plan_head(plan: Plan) -> Group:
    """What the plan does: summary, target, diff and the exact call."""
    return Group(
        Text.assemble(("Plan: ", "bold"), plan.summary),
        Text.assemble(("Target: ", "bold"), plan.target.label,
                      ("  PROTECTED — type the stage name to confirm" if plan.protected else "", "bold")),
        diff(plan),
        Text("Call", style="bold"),
        call_text(plan),
        Text("Equivalent AWS CLI", style="bold"),
    )


def plan_tail(plan: Plan) -> Group:
    """After the `aws` line: the warnings and whether it can be undone."""
    parts: list[Any] = [Text(f"warning: {w}", style="bold") for w in plan.all_warnings]
    parts.append(Text("Undo: " + ("available (the inverse is recorded)" if plan.inverse_call
                                  else "none — this cannot be undone"), style="dim"))
    return Group(*parts)


def plan_renderable(plan: Plan) -> Group:
    """The whole plan in one renderable (the TUI's confirmation). The CLI prints the head, the `aws` line
    on a line of its own, never wrapped or cut so that it can be copied, and the tail."""
    return Group(plan_head(plan), Text(plan.aws_cli(), overflow="fold"), plan_tail(plan))
