"""Where runbooks are found: the bundled ones (shipped in the package) by name, any other by its file."""

from __future__ import annotations

from pathlib import Path

from console.runbook.format import Runbook, RunbookInvalid, load

BUNDLED = Path(__file__).parent / "bundled"


def bundled() -> dict[str, Path]:
    """name -> file of every bundled runbook (a file is named after its runbook)."""
    return {path.stem: path for path in sorted(BUNDLED.glob("*.toml"))}


def find(ref: str) -> Runbook:
    """A bundled runbook by name, or a runbook file by its path."""
    known = bundled()
    if ref in known:
        return load(known[ref])
    path = Path(ref).expanduser()
    if path.suffix == ".toml" or path.exists():
        return load(path)
    raise RunbookInvalid([f"{ref}: no bundled runbook of that name (bundled: {', '.join(known) or 'none'}), "
                          "and no such file"])
