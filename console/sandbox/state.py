"""What the sandbox knows beyond moto's backends: the facts moto has no place for.

Canary settings, cache flushes and per-key usage live here, keyed like AWS keys them, so that the
fidelity handlers (which answer the API) and the traffic generator (which behaves by them) share
one truth. Cleared with moto's own state on `POST /moto-api/reset`.
"""

from __future__ import annotations

import threading
from collections import defaultdict

StageKey = tuple[str, str, str, str]  # account, region, rest api id, stage name
UsageKey = tuple[str, str, str, str]  # account, region, usage plan id, api key id


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.canaries: dict[StageKey, dict] = {}  # canarySettings as AWS returns them
            self.cache_flushed_at: dict[StageKey, float] = {}  # epoch seconds of the last FlushStageCache
            self.authorizers_flushed_at: dict[StageKey, float] = {}
            self.usage: dict[UsageKey, dict[str, int]] = defaultdict(dict)  # "YYYY-MM-DD" -> requests used


STATE = State()
