"""The lines a log view holds: bounded, in timestamp order, filtered, searchable — and its gap marks.

A view cannot keep every line of a busy stage, so it keeps the newest `capacity` and says how many
went; a line it already holds (fetched again by a filtered search) is not added twice. Lines are kept in timestamp order: a late line (a backfilled gap) is inserted where it
belongs rather than appended. `shown` is the filtered list the view draws; it is kept up to date
line by line, and rebuilt only when the filter changes. Markers (a reconnect gap and how it was
filled) sit among the lines at their time and pass every filter. No Textual here.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from console.logs.filter import LineFilter

CAPACITY = 20_000


@dataclass(frozen=True, slots=True)
class Marker:
    """A line the console writes into the view: a gap, a reconnect, a switch to polling."""

    timestamp: int  # epoch ms
    message: str
    facts: None = None
    entry: None = None
    late: bool = False


def _key(item) -> tuple[int, int]:
    return (item.timestamp, 1 if isinstance(item, Marker) else 0)


@dataclass
class Change:
    """What an `add` did to `shown`, so the view can keep its place: lines dropped from the front,
    lines inserted before a position (late ones), lines appended at the end."""

    trimmed: int = 0
    inserted_at: list[int] = field(default_factory=list)
    appended: int = 0


class LogBuffer:
    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self.all: list = []
        self.shown: list = []
        self.filter = LineFilter()
        self.dropped = 0  # lines let go to stay within capacity
        self._keys: list[tuple[int, int]] = []  # _key of each line in `all`, for bisecting late lines
        self._contents: list[int | None] = []  # the content hash of each line in `all` (None: a marker)...
        self._held: set[int] = set()  # ...as a set: a line is never shown twice
        self.duplicates = 0

    def add(self, lines) -> Change:
        change = Change()
        matches = self.filter.matches
        active = self.filter.active
        for line in lines:
            content = None
            if not isinstance(line, Marker):
                content = hash(line.key)
                if content in self._held:
                    self.duplicates += 1
                    continue
                self._held.add(content)
            key = _key(line)
            passes = isinstance(line, Marker) or not active or matches(line)
            if not self._keys or key >= self._keys[-1]:
                self.all.append(line)
                self._keys.append(key)
                self._contents.append(content)
                if passes:
                    self.shown.append(line)
                    change.appended += 1
            else:  # late: into its place
                at = bisect.bisect_right(self._keys, key)
                self.all.insert(at, line)
                self._keys.insert(at, key)
                self._contents.insert(at, content)
                if passes:
                    where = bisect.bisect_right(self.shown, key, key=_key)
                    self.shown.insert(where, line)
                    change.inserted_at.append(where)
        change.trimmed = self._trim()
        return change

    def _trim(self) -> int:
        """Let the oldest lines go once a tenth over capacity (so trimming is rare), back to capacity."""
        excess = len(self.all) - self.capacity
        if excess <= self.capacity // 10:
            return 0
        first_kept = self._keys[excess]
        self._held.difference_update(self._contents[:excess])  # a marker's None is in no set
        del self.all[:excess]
        del self._keys[:excess]
        del self._contents[:excess]
        self.dropped += excess
        gone = bisect.bisect_left(self.shown, first_kept, key=_key)
        del self.shown[:gone]
        return gone

    def set_filter(self, line_filter: LineFilter) -> None:
        self.filter = line_filter
        if not line_filter.active:
            self.shown = list(self.all)
        else:
            self.shown = [line for line in self.all if isinstance(line, Marker) or line_filter.matches(line)]

    def find(self, text: str, start: int, backwards: bool = False) -> int | None:
        """The index in `shown` of the next line (from `start`, wrapping) whose text holds `text`, any case."""
        if not text or not self.shown:
            return None
        needle = text.lower()
        count = len(self.shown)
        step = -1 if backwards else 1
        for offset in range(1, count + 1):
            index = (start + step * offset) % count
            if needle in self.shown[index].message.lower():
                return index
        return None
