"""`/` on every list: a filter box above the list's table, matched on the text the rows show.

One implementation for every list view: the box opens on `/`, escape clears it (then escape goes
back, as before), and the screen's status line says the filter and how many rows it keeps. The screen
keeps its own rows: it passes them, with their cells, through `keep()` whenever it draws and again
when the filter changes (`ListFilter.Changed`), so its row indexes stay its own.
"""

from __future__ import annotations

from typing import Iterable, Sequence, TypeVar

from rich.text import Text
from textual import on
from textual.message import Message
from textual.containers import Vertical
from textual.widgets import DataTable, Input

from console.render.visible import visible
from screens.keys import bindings

T = TypeVar("T")


def shown_text(cells: Sequence[object]) -> str:
    """What a row shows, as one lower-case string: a Text's plain text (controls already made visible
    by foreign()), any other value as visible() shows it."""
    return " ".join(c.plain if isinstance(c, Text) else visible(str(c)) for c in cells).lower()


def matches(words: Sequence[str], cells: Sequence[object]) -> bool:
    """Every word of the filter is somewhere in what the row shows."""
    text = shown_text(cells)
    return all(word in text for word in words)


class ListFilter(Vertical):
    """A list's table with its filter box. `words` is the filter as typed, split and lower-cased."""

    DEFAULT_CSS = """
    ListFilter { height: 1fr; }
    ListFilter > #filter { display: none; height: 1; border: none; padding: 0 1; }
    ListFilter > #filter.shown { display: block; }
    """
    BINDINGS = bindings("list")

    class Changed(Message):
        """The filter's words changed: draw the rows again through `keep()`."""

    def __init__(self, table: DataTable, placeholder: str = "filter: any text the rows show", **kwargs) -> None:
        super().__init__(Input(placeholder=placeholder, id="filter", classes="list-filter", disabled=True), table, **kwargs)
        self.table = table
        self.words: tuple[str, ...] = ()
        self.kept: tuple[int, int] = (0, 0)  # rows kept, rows offered, at the last keep()
        self.open = False  # the box is shown

    @property
    def box(self) -> Input:
        return self.query_one(".list-filter", Input)

    def keep(self, rows: Iterable[tuple[T, Sequence[object]]]) -> list[tuple[T, Sequence[object]]]:
        """The (item, cells) rows whose shown text holds every word of the filter."""
        rows = list(rows)
        kept = [row for row in rows if matches(self.words, row[1])] if self.words else rows
        self.kept = (len(kept), len(rows))
        return kept

    def describe(self) -> str:
        """The status line's part: "/text: 3 of 12" while a filter is typed, else ""."""
        if not self.words:
            return ""
        return f"/{self.box.value.strip()}: {self.kept[0]} of {self.kept[1]}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool:
        """Escape clears an open filter; with none open it is not bound here, so it does what the screen
        binds it to (and the footer shows that)."""
        return self.open if action == "clear_filter" else True

    def action_filter(self) -> None:
        box = self.box
        box.disabled = False
        box.add_class("shown")
        self.open = True
        self.refresh_bindings()
        box.focus()
        self.call_after_refresh(self.app.release_keys)  # the keys typed while it opened

    def action_clear_filter(self) -> None:
        box = self.box
        box.value = ""
        box.remove_class("shown")
        box.disabled = True
        self.open = False
        self.refresh_bindings()
        self.table.focus()

    @on(Input.Changed, ".list-filter")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        words = tuple(event.value.lower().split())
        if words != self.words:
            self.words = words
            self.post_message(self.Changed())

    @on(Input.Submitted, ".list-filter")
    def _done(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()
