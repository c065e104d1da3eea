"""The one boundary between foreign text and the terminal.

Names, descriptions, tags, stage variables, log lines and AWS's error messages are written by other
people (log lines by anyone on the internet). A terminal obeys ESC, OSC and CSI sequences (OSC 52
writes the clipboard; CSI repaints the screen) and rich interprets `[...]` as markup. So:

- `visible(text)` (console.render.visible, which needs no rich) shows every control character instead
  of sending it: C0 and DEL as the Unicode control pictures (ESC is ␛), C1 (0x80-0x9f) as `\\x9b`, the
  bidi controls as `<U+202E>`; nothing is dropped silently, so the operator sees something odd is there.
- `foreign(value)` is that text as a rich `Text`: never markup; `assemble` builds one of several parts.
- `Table` is rich's table whose string cells are `foreign`; `Pairs` is a label-value grid that never
  folds a value one copies (an ARN, a URL, an id): one too long for its place gets a line of its own.
- `terminal()` is the CLI's only rich Console: markup off, and every segment it writes passes through
  `visible`, whatever built it (tables, sections, plans), so no path of the CLI can forget.
- `say(message)` (console.render.visible) writes a message to stderr through the same rule.

JSON output does not come here: the encoder escapes control characters and the value stays exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderableType, RenderHook, RenderResult
from rich.segment import Segment
from rich.table import Table as RichTable
from rich.text import Text

from console.render.visible import visible


def foreign(value: Any, style: str = "", **options: Any) -> Text:
    """Text from data: control characters visible, brackets literal."""
    return Text(visible(str(value)), style=style, **options)


def assemble(*parts: str | tuple[str, str] | Text, **options: Any) -> Text:
    """`Text.assemble` whose string parts are foreign text."""
    return Text.assemble(*(foreign(p) if isinstance(p, str) else
                           (visible(p[0]), p[1]) if isinstance(p, tuple) else p for p in parts), **options)


class Table(RichTable):
    """rich's Table, whose plain-string cells are foreign text: controls visible, never markup."""

    def add_row(self, *renderables: RenderableType | None, **options: Any) -> None:
        super().add_row(*(foreign(r) if isinstance(r, str) else r for r in renderables), **options)


class Pairs:
    """Label-value lines, built like a two-column grid (`add_row(label, value)`).

    A value without spaces is one a person copies whole (an ARN, a URL, an id, a header value): when it
    does not fit beside its label it is written on a line of its own after the label, whole, and the
    terminal wraps it as it wraps any long line (the CLI's console does not crop), so a copy takes it as
    it is. Other values (prose, nested tables) fold within their column as in any grid.
    """

    GAP = 2

    def __init__(self, label_style: str = "bold") -> None:
        self.label_style = label_style
        self.rows: list[tuple[str, RenderableType]] = []

    def add_row(self, label: str, value: RenderableType) -> None:
        self.rows.append((label, foreign(value) if isinstance(value, str) else value))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max((cell_len(visible(label)) for label, _ in self.rows), default=0)
        room = options.max_width - width - self.GAP
        run: list[tuple[str, RenderableType]] = []
        for label, value in self.rows:
            if isinstance(value, Text) and " " not in value.plain and value.cell_len > room:
                yield from self._grid(console, options, run, width)
                run = []
                if label:
                    yield foreign(label, style=self.label_style)
                yield from value.render(console)
                yield Segment.line()
            else:
                run.append((label, value))
        yield from self._grid(console, options, run, width)

    def _grid(self, console: Console, options: ConsoleOptions, rows: list[tuple[str, RenderableType]],
              width: int) -> Iterator[Segment]:
        if not rows:
            return
        grid = RichTable.grid(padding=(0, self.GAP))
        grid.add_column(style=self.label_style, no_wrap=True, min_width=width)
        grid.add_column(overflow="fold")
        for label, value in rows:
            grid.add_row(foreign(label), value)
        yield from console.render(grid, options)


class _Guarded:
    """A renderable whose every text segment is made visible (line breaks kept: rich makes them)."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.renderable, options):
            if segment.control:
                yield segment
            else:
                yield Segment(visible(segment.text, keep_newlines=True), segment.style)


class _VisibleHook(RenderHook):
    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Guarded(r) for r in renderables]  # type: ignore[misc]


class _Terminal(Console):
    def print(self, *objects: Any, **options: Any) -> None:
        """Never cropped: what is wider than the terminal was made so to be copied whole (Pairs); tables
        and text size themselves to the width as ever."""
        options.setdefault("crop", False)
        super().print(*objects, **options)

    def on_broken_pipe(self) -> None:
        """The reader went away: let the CLI end as a shell expects (rich would exit with 1 here)."""
        self.quiet = True
        raise BrokenPipeError


def terminal(*, stderr: bool = False, soft_wrap: bool = False) -> Console:
    """The CLI's console: no markup from any string, control characters visible in all it writes."""
    console = _Terminal(stderr=stderr, soft_wrap=soft_wrap, markup=False, highlight=False, emoji=False)
    console.push_render_hook(_VisibleHook())
    return console
