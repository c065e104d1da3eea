"""What the sandbox knows beyond moto's backends: the facts moto has no place for.

Canary settings, stage fields moto's Stage lacks, cache flushes and per-key usage live here, keyed
like AWS keys them, so that the fidelity handlers (which answer the API) and the traffic generator
(which behaves by them) share one truth. Cleared with moto's own state on `POST /moto-api/reset`.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict

StageKey = tuple[str, str, str, str]  # account, region, rest api id, stage name
# `apigw-console sandbox`'s cache cluster creation time, in seconds
CACHE_CREATE_SECONDS = float(os.environ.get("APIGW_CONSOLE_SANDBOX_CACHE_SECONDS", "60"))
UsageKey = tuple[str, str, str, str]  # account, region, usage plan id, api key id


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        # How long a cache cluster a client enables stays CREATE_IN_PROGRESS (AWS: about 4 minutes).
        # 0 (an in-process sandbox's, so fixtures need not wait): available at once, and warm.
        self.cache_create_seconds = 0.0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.canaries: dict[StageKey, dict] = {}  # canarySettings as AWS returns them
            # Stage fields moto's Stage lacks, as AWS returns them: createdDate, lastUpdatedDate (epoch
            # seconds), clientCertificateId
            self.stage_fields: dict[StageKey, dict] = {}
            self.cache_flushed_at: dict[StageKey, float] = {}  # epoch seconds of the last FlushStageCache
            # epoch seconds a cache cluster a client enabled is (or was) AVAILABLE from; absent: long ago
            self.cache_ready_at: dict[StageKey, float] = {}
            self.authorizers_flushed_at: dict[StageKey, float] = {}
            # HTTP/WebSocket API deployments, oldest first: moto keeps none for apigatewayv2
            self.v2_deployments: dict[tuple[str, str, str], dict[str, dict]] = {}  # (account, region, api id)
            self.usage: dict[UsageKey, dict[str, int]] = defaultdict(dict)  # "YYYY-MM-DD" -> requests used
            # "YYYY-MM-DD" -> requests UpdateUsage added that day to the remaining quota of its period
            self.usage_grants: dict[UsageKey, dict[str, int]] = {}

    def entries(self, account: str, regions: tuple[str, ...]) -> dict[str, dict]:
        """Every table's entries for `account` in `regions` (each key starts account, region)."""
        places = {(account, region) for region in regions}
        with self.lock:
            return {name: {key: value for key, value in table.items() if key[:2] in places}
                    for name, table in self._tables().items()}

    def replace(self, account: str, regions: tuple[str, ...], entries: dict[str, dict]) -> None:
        """Put `entries` (as `entries` returned them) in place of `account`'s in `regions`."""
        places = {(account, region) for region in regions}
        with self.lock:
            for name, table in self._tables().items():
                for key in [key for key in table if key[:2] in places]:
                    del table[key]
                table.update(entries.get(name, {}))

    def _tables(self) -> dict[str, dict]:
        return {name: table for name, table in vars(self).items() if isinstance(table, dict)}


STATE = State()
