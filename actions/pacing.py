"""Operations AWS allows far less often than the control-plane budget: UpdateUsagePlan, one call per
20 s per account.

The journal already records every call the console made, in every process (the TUI and runbook
commands alike), so it is what tells how long ago the last one was: no second record is kept. A call
whose answer never came (outcome unknown, or still being sent) counts, since it may have reached AWS. A
plan that must wait says so when it is shown; applying it waits out the rest before sending.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Callable

from actions.plan import Target
from console.journal.store import APPLIED, FAILED, UNKNOWN, Journal

PER_ACCOUNT = {"UpdateUsagePlan": 20.0}  # operation -> seconds between calls, per account (AWS quota)


def wait_for(journal: Journal, target: Target, operation: str, now: datetime | None = None) -> float:
    """Seconds until `operation` may be sent for `target`'s account without breaking its quota."""
    interval = PER_ACCOUNT.get(operation)
    if not interval:
        return 0.0
    now = now or datetime.now(timezone.utc)
    recent = [datetime.fromisoformat(e["time"]) for e in journal.entries(now - timedelta(seconds=interval))
              if e.get("call") == f"apigateway {operation}" and e.get("outcome") in (APPLIED, FAILED, UNKNOWN)
              and e["plan"]["target"]["account"] == target.account
              and e["plan"]["target"].get("endpoint") == target.endpoint]
    if not recent:
        return 0.0
    return max(0.0, interval - (now - max(recent)).total_seconds())


def hold(journal: Journal, target: Target, operation: str, sleep: Callable[[float], None] = time.sleep) -> float:
    """Wait until `operation` may be sent; returns the seconds waited."""
    waited = wait_for(journal, target, operation)
    if waited:
        sleep(waited)
    return waited


def warning(operation: str, wait: float) -> str | None:
    """What a plan says when its call must wait (None when it need not)."""
    interval = PER_ACCOUNT.get(operation)
    if not interval or wait <= 0:
        return None
    return (f"{operation} allows one call per {interval:g} s per account and this console made one "
            f"{interval - wait:.0f} s ago: applying waits about {wait:.0f} s before sending")
