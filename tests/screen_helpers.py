"""Helpers for driving screens with Pilot and reading what they show."""

from __future__ import annotations

import time
from typing import Callable

from rich.console import Console
from textual.widgets import DataTable, Static

from screens.widgets import ConnectionBar

SIZE = (80, 24)


async def until(pilot, condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def plain(renderable) -> str:
    console = Console(width=120, color_system=None, record=True)
    with console.capture() as captured:
        console.print(renderable)
    return captured.get()


def screen_text(app) -> str:
    """What the operator reads: every Static and every DataTable cell of the current screen."""
    parts = [plain(w.render() if isinstance(w, ConnectionBar) else w.content) for w in app.screen.query(Static)]
    for table in app.screen.query(DataTable):
        for row in range(table.row_count):
            parts.append(" ".join(str(c) for c in table.get_row_at(row)))
    return "\n".join(parts)


async def connected(pilot) -> None:
    """Wait for the app's connection (its engine), as every screen test starts."""
    await until(pilot, lambda: pilot.app.engine is not None, "the connection")


async def run_command(pilot, text: str) -> None:
    """`:` TEXT and enter, as the operator types a command."""
    await pilot.press("colon")
    await type_text(pilot, text)
    await pilot.press("enter")


async def palette(pilot, text: str) -> None:
    """ctrl+p, TEXT and enter, with a pause on each side of typing: the palette reads the stages of the
    APIs it has not seen yet, then narrows to what was typed."""
    await pilot.press("ctrl+p")
    await pilot.pause(0.5)
    await type_text(pilot, text)
    await pilot.pause(0.5)
    await pilot.press("enter")


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space", ":": "colon", "/": "slash", "-": "minus"}.get(c, c) for c in text])


