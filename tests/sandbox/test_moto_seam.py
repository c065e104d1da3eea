"""The moto internals the sandbox relies on are still where console/sandbox/moto_seam.py takes them from.

Each symbol is imported by its dotted path, so a moto upgrade that moves or drops one fails here,
naming it and the installed moto, instead of somewhere deep in a sandbox request.
"""

from __future__ import annotations

import ast
import importlib
from importlib.metadata import version
from pathlib import Path

import pytest

from console.sandbox import moto_seam

SEAM = Path(moto_seam.__file__)


@pytest.fixture(autouse=True, scope="module")
def patched():
    """As a sandbox start does, before moto's API Gateway models are imported."""
    moto_seam.install_patches()


def resolve(dotted: str):
    """The object at `dotted`: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            found = getattr(found, name)
        return found
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("dotted", moto_seam.MOTO_SYMBOLS)
def test_each_moto_symbol_the_seam_relies_on_exists(dotted):
    try:
        resolve(dotted)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"moto {version('moto')} has no {dotted} (moved or removed); console/sandbox/moto_seam.py "
                    f"relies on it: {type(exc).__name__}: {exc}", pytrace=False)


def test_the_seam_lists_every_moto_name_it_imports():
    imported = set()
    for node in ast.walk(ast.parse(SEAM.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto":
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names if alias.name.split(".")[0] == "moto"}
    # A module the seam imports (`import moto`, `from moto import backends`) is covered by a symbol in it.
    missing = [name for name in sorted(imported)
               if not any(s == name or s.startswith(f"{name}.") for s in moto_seam.MOTO_SYMBOLS)]
    assert imported and not missing, f"add to moto_seam.MOTO_SYMBOLS: {missing}"
