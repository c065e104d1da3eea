"""`apigw-console doctor`: which of the console's reads the current credentials may make, and the
least-privilege IAM policies for read-only use and for changes (printed, never applied)."""

from __future__ import annotations

import json

from actions.engine import Engine
from console.aws import permissions
from console.cli.answer import emit
from console.exits import EXIT_FAILED, EXIT_OK
from console.render.text import Table, terminal


def doctor(engine: Engine, args) -> int:
    outcomes = permissions.run(engine.connection)
    denied = [o for o in outcomes if not o.allowed]
    if args.output != "table" or args.query:
        emit(args, {
            "checks": [{"service": o.check.service, "operation": o.check.operation, "allowed": o.allowed,
                        "kind": o.kind, "detail": o.detail} for o in outcomes],
            "read_only_policy": permissions.READ_ONLY_POLICY, "changes_policy": permissions.CHANGES_POLICY,
        })
        return EXIT_FAILED if denied else EXIT_OK
    table = Table(box=None, pad_edge=False, title=f"What {engine.connection.target.label} may read in "
                                                  f"{engine.connection.region}", title_justify="left")
    for column in ("Service", "Operation", "Used for", "Answer"):
        table.add_column(column, no_wrap=column != "Answer" and column != "Used for",
                         overflow="fold")
    for o in outcomes:
        table.add_row(o.check.service, o.check.operation, o.check.what,
                      o.detail if o.allowed else f"REFUSED: {o.detail}")
    console = terminal(soft_wrap=True)
    console.print(table)
    console.print(f"\n{len(outcomes) - len(denied)} of {len(outcomes)} allowed."
                  + (f" Refused: {', '.join(f'{o.check.service}:{o.check.operation}' for o in denied)}." if denied
                     else ""))
    if args.policies:
        console.print("\nRead-only policy:\n" + json.dumps(permissions.READ_ONLY_POLICY, indent=2))
        console.print("\nChanges (add to the read-only one):\n" + json.dumps(permissions.CHANGES_POLICY, indent=2))
    else:
        console.print("Add --policies to print the least-privilege IAM policies (read-only, and for changes).")
    return EXIT_FAILED if denied else EXIT_OK
