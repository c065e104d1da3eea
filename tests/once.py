"""State a test module builds on its worker's sandbox, built once per sandbox.

With work stealing, a worker may run a module's tests apart and set its module-scoped fixtures up
again; building the same APIs and log groups twice in one sandbox collides (ResourceAlreadyExists).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_BUILT: dict[tuple[str, str], Any] = {}


def once(sandbox: Any, module: str, build: Callable[[], T]) -> T:
    """What `build` returned the first time `module` asked on this sandbox."""
    key = (sandbox.url, module)
    if key not in _BUILT:
        _BUILT[key] = build()
    return _BUILT[key]
