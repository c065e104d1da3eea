"""Control characters shown, never obeyed: the rule at the heart of console.render.text, without rich,
so that a command's messages on stderr cost no rich import on its way out."""

from __future__ import annotations

import sys
from typing import Any

PROGRAM = "apigw-console"

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
_SHOWN: dict[int, str] = {
    **{code: chr(0x2400 + code) for code in range(0x20)},  # ␀ … ␟ (ESC is ␛)
    0x7F: "\u2421",  # ␡
    **{code: f"\\x{code:02x}" for code in range(0x80, 0xA0)},
    **{code: f"<U+{code:04X}>" for code in _BIDI},
}
_SHOWN_KEEPING_LINES = {code: shown for code, shown in _SHOWN.items() if code != 0x0A}


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character shown rather than obeyed."""
    return text.translate(_SHOWN_KEEPING_LINES if keep_newlines else _SHOWN)


def say(message: Any) -> None:
    """One message on stderr, prefixed with the program's name, controls visible."""
    print(f"{PROGRAM}: " + visible(str(message), keep_newlines=True), file=sys.stderr, flush=True)
