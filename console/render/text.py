"""The one boundary between foreign text and the terminal.

Names, descriptions, tags, stage variables, log lines and AWS's error messages are written by other
people (log lines by anyone on the internet). A terminal obeys ESC, OSC and CSI sequences (OSC 52
writes the clipboard; CSI repaints the screen) and rich interprets `[...]` as markup. So:

- `visible(text)` (console.render.visible, which needs no rich) shows every control character instead
  of sending it: C0 and DEL as the Unicode control pictures (ESC is ␛), C1 (0x80-0x9f) as `\\x9b`, the
  bidi controls as `<U+202E>`; nothing is dropped silently, so the operator sees something odd is there.
- `foreign(value)` is that text as a rich `Text`: never markup; `assemble` builds one of several parts.
- `Table` is rich's table whose string cells are `foreign`.
- `terminal()` is the CLI's only rich Console: markup off, and every segment it writes passes through
  `visible`, whatever built it (tables, sections, plans), so no path of the CLI can forget.
- `say(message)` (console.render.visible) writes a message to stderr through the same rule.

JSON output does not come here: the encoder escapes control characters and the value stays exact.
"""

from __future__ import annotations

from typing import Any

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
    def on_broken_pipe(self) -> None:
        """The reader went away: let the CLI end as a shell expects (rich would exit with 1 here)."""
        self.quiet = True
        raise BrokenPipeError


def terminal(*, stderr: bool = False, soft_wrap: bool = False) -> Console:
    """The CLI's console: no markup from any string, control characters visible in all it writes."""
    console = _Terminal(stderr=stderr, soft_wrap=soft_wrap, markup=False, highlight=False, emoji=False)
    console.push_render_hook(_VisibleHook())
    return console
