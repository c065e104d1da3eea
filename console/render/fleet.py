"""A fleet's pulse as the operator reads it: the pulse's own cells (console.render.pulse) and where the stage lives.

A target that could not be read is a row of its own saying why, in words, where its stages would be.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.text import Text

from console.read.fleet import FleetRow, TargetPulse
from console.read.pulse import WINDOW_MINUTES
from console.render.colours import RED
from console.render.pulse import COLUMNS, DASH, cells
from console.render.text import Table, assemble, foreign

# The pulse's columns less its trend (a target's own pulse has it): where the stage lives takes its place.
FLEET_COLUMNS = (COLUMNS[0], "account", "region", *COLUMNS[1:-1])
STAGE_WIDTH = 18  # the stage column's least width: the figures' columns never squeeze it out


def row_cells(row: FleetRow) -> list[Text]:
    stage, *figures, _trend = cells(row.row)
    return [stage, foreign(row.account), foreign(row.target.region), *figures]


def error_cells(answer: TargetPulse) -> list[Text]:
    """The target's row when it could not be read: the profile and why, in the stage's column."""
    why = answer.problem.message if answer.problem else "no answer"
    return [assemble((f"✗ {answer.target.profile}: ", f"bold {RED}"), why), foreign(answer.account or DASH),
            foreign(answer.target.region), *(Text("") for _ in FLEET_COLUMNS[3:])]


def fleet_caption(answers: Sequence[TargetPulse]) -> str:
    """How many targets answered, and the windows their figures cover (a minute apart at most)."""
    read = [a for a in answers if a.pulse is not None]
    windows = sorted({a.pulse.window.label for a in read})
    parts = [f"worst first across {len(read)}/{len(answers)} targets",
             f"last {WINDOW_MINUTES} complete minutes, {' and '.join(windows) or DASH}",
             "req/s of the last minute; 4xx % includes 429 %"]
    if len(read) < len(answers):
        parts.insert(1, f"{len(answers) - len(read)} could not be read")
    return " · ".join(parts)


def fleet_table(answers: Sequence[TargetPulse], rows: Sequence[FleetRow]) -> Group:
    table = Table(box=None, pad_edge=False)
    for column in FLEET_COLUMNS:
        table.add_column(column, justify="right" if column in COLUMNS[1:6] else "left",
                         no_wrap=column != COLUMNS[0], min_width=STAGE_WIDTH if column == COLUMNS[0] else None)
    for row in rows:
        table.add_row(*row_cells(row))
    for answer in answers:
        if answer.problem is not None:
            table.add_row(*error_cells(answer))
    return Group(Text(f"Fleet pulse: {fleet_caption(answers)}", style="bold"), table)
