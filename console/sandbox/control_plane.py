"""API Gateway's control-plane limits: the rates and quotas AWS enforces on management calls.

AWS allows about 10 API Gateway management calls a second per account and region (burst 40), fewer
for some operations (CreateDeployment 1 per 5 s, UpdateUsagePlan 1 per 20 s, CreateApiKey 5 per s),
and answers the excess with 429 TooManyRequestsException and a Retry-After header; past a quota (10
stages per API, 300 usage plans, 10,000 API keys per account and region) it answers 429
LimitExceededException. A console meant for AWS has to live with both, so `apigw-console sandbox`
enforces them by default (`--control-plane-limits off` lifts them). An in-process sandbox (the test
suite's) starts with them off, so fixtures can build resources fast; a test turns them on.

The sandbox's own calls — seeding the estate, the traffic generator reading it — are not a
client's: they carry INTERNAL_HEADER and are never counted.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from console.sandbox.router import Call, Reply

INTERNAL_HEADER = "x-apigw-sandbox-internal"  # the sandbox's own calls: never limited


@dataclass(frozen=True)
class Rate:
    rate: float  # calls a second
    burst: int


ACCOUNT = Rate(10.0, 40)
# (HTTP method, path pattern) -> (operation, its own limit), as AWS documents them
OPERATIONS = (
    ("POST", re.compile(r"^/restapis/[^/]+/deployments$"), "CreateDeployment", Rate(1 / 5, 1)),
    ("PATCH", re.compile(r"^/usageplans/[^/]+$"), "UpdateUsagePlan", Rate(1 / 20, 1)),
    ("POST", re.compile(r"^/apikeys$"), "CreateApiKey", Rate(5.0, 5)),
)
STAGES_PER_API = 10
USAGE_PLANS = 300
API_KEYS = 10_000


class _Bucket:
    __slots__ = ("tokens", "at")

    def __init__(self, limit: Rate, at: float):
        self.tokens, self.at = float(limit.burst), at

    def wait(self, limit: Rate, at: float) -> float:
        """0 and a token taken, or the seconds until one is free."""
        self.tokens = min(float(limit.burst), self.tokens + (at - self.at) * limit.rate)
        self.at = at
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / limit.rate


class Limiter:
    """Token buckets per account and region (and per operation there); off until switched on."""

    def __init__(self, clock=time.monotonic) -> None:
        self.enabled = False
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple, _Bucket] = {}

    def switch(self, enabled: bool) -> None:
        """Turn the limits on or off; either way the buckets start full."""
        with self._lock:
            self.enabled = enabled
            self._buckets.clear()

    def check(self, call: Call) -> Reply | None:
        """None when `call` may go on; else the 429 AWS would answer."""
        if not self.enabled or call.service != "apigateway" or call.headers.get(INTERNAL_HEADER):
            return None
        operation = next(((name, rate) for verb, pattern, name, rate in OPERATIONS
                          if verb == call.method and pattern.match(call.path)), None)
        where = (call.account, call.region)
        with self._lock:
            now = self._clock()
            waits = [self._wait(where, ACCOUNT, now)]
            if operation and not waits[0]:
                waits.append(self._wait((*where, operation[0]), operation[1], now))
                if waits[-1]:  # refused by the operation's limit: the account's token is given back
                    self._buckets[where].tokens += 1
        if not any(waits):
            return _quota(call)
        return too_many(max(waits))

    def _wait(self, name: tuple, limit: Rate, now: float) -> float:
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = _Bucket(limit, now)
        return bucket.wait(limit, now)


def too_many(wait: float) -> Reply:
    """API Gateway's throttling answer: 429, its JSON body, the error type and Retry-After headers."""
    return Reply.json({"message": "Too Many Requests"}, 429, [
        ("x-amzn-ErrorType", "TooManyRequestsException"), ("Retry-After", str(max(1, math.ceil(wait))))])


_CREATES_STAGE = re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<what>stages|deployments)$")


def _quota(call: Call) -> Reply | None:
    """A creation past one of API Gateway's quotas: 429 LimitExceededException."""
    if call.method != "POST":
        return None
    backend = call.backend()
    found = _CREATES_STAGE.match(call.path)
    if found and (api := backend.apis.get(found["api"])) is not None:
        name = _json(call).get("stageName")
        new_stage = found["what"] == "stages" or (bool(name) and name not in api.stages)
        if new_stage and len(api.stages) >= STAGES_PER_API:
            return _limit_exceeded(f"Cannot exceed the limit of {STAGES_PER_API} stages per API")
    elif call.path == "/usageplans" and len(backend.usage_plans) >= USAGE_PLANS:
        return _limit_exceeded(f"Cannot exceed the limit of {USAGE_PLANS} usage plans per account and region")
    elif call.path == "/apikeys" and call.param("mode") != "import" and len(backend.keys) >= API_KEYS:
        return _limit_exceeded(f"Cannot exceed the limit of {API_KEYS} API keys per account and region")
    return None


def _limit_exceeded(message: str) -> Reply:
    return Reply.json({"message": message}, 429, [("x-amzn-ErrorType", "LimitExceededException"),
                                                  ("Retry-After", "1")])


def _json(call: Call) -> dict[str, Any]:
    try:
        body = call.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


LIMITER = Limiter()
