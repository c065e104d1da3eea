"""What the console writes to its terminal, made smaller: over SSH every byte crosses the link.

Textual writes each segment of a line as `ESC[<style>m text ESC[0m`, so a run of blank cells of one
style costs ~25 bytes a cell. `compact` drops every reset that is followed at once by the very style it
reset (the pair is a no-op), which turns such runs into one sequence and their text, and a reset between
two styles of colours only (the second sets both colours again). `scroll_up` is the
terminal's own scroll of a band of rows, for a view that follows new lines (screens.logs.LogLines).
"""

from __future__ import annotations

import re

_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_RESET = "\x1b[0m"


def compact(sequence: str) -> str:
    """`sequence` with each `ESC[0m ESC[Xm` removed where X is the style that was just reset."""
    out: list[str] = []
    position = 0
    active = ""  # the parameters of the style in force ("" after a reset)
    held = False  # a reset not written yet: dropped if the same style follows at once
    for match in _SGR.finditer(sequence):
        between = sequence[position:match.start()]
        position = match.end()
        if between:
            if held:
                out.append(_RESET)
                active, held = "", False
            out.append(between)
        params = match.group(1)
        if params in ("", "0"):
            if active:
                held = True
            else:
                out.append(match.group(0))
            continue
        if held and params == active:
            held = False  # reset, then the same style: neither is needed
            continue
        if held and not _attributes(active) and _colours(params) == {"38", "48"}:
            held = False  # only colours were in force and both are set again: the reset changes nothing
            out.append(match.group(0))
            active = params
            continue
        if held:
            out.append(_RESET)
            held = False
        out.append(match.group(0))
        active = f"{active};{params}" if active else params  # a second style adds to the first
    if held:
        out.append(_RESET)
    out.append(sequence[position:])
    return "".join(out)


def _split(params: str) -> tuple[set[str], bool]:
    """The colours an SGR's parameters set (38 foreground, 48 background) and whether it sets anything else."""
    tokens = params.split(";")
    colours, other, index = set(), False, 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("38", "48") and index + 1 < len(tokens) and tokens[index + 1] in ("5", "2"):
            colours.add(token)
            index += 3 if tokens[index + 1] == "5" else 5
        else:
            other = True
            index += 1
    return colours, other


def _colours(params: str) -> set[str]:
    colours, other = _split(params)
    return colours if not other else set()


def _attributes(params: str) -> bool:
    return _split(params)[1]


def scroll_up(top: int, bottom: int, count: int) -> str:
    """Scroll rows top..bottom (0-based, inclusive) up by `count`, then restore the full-screen margins."""
    return f"\x1b[{top + 1};{bottom + 1}r\x1b[{count}S\x1b[r"
