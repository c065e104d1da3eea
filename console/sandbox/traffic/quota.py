"""Usage-plan quotas for the traffic generator, kept where GetUsage reads them: `STATE.usage`.

Each tick reads a key's room in its current quota period from `STATE` once (so an UpdateUsage
grant counts at once), counts the tick's admitted requests locally, and adds them back per UTC day
at the end of the tick, under the state's lock. Periods and room are computed as GetUsage reports
them: a UTC DAY, a WEEK from Monday, a MONTH from its first day; the room is the quota limit plus
what UpdateUsage granted in the period, minus what the period used.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from functools import cache

from console.sandbox import ACCOUNT_ID
from console.sandbox.state import STATE
from console.sandbox.traffic.estate import Plan

_EPOCH = date(1970, 1, 1)


class Quotas:
    """Requests counted against usage plans, per API key."""

    def __init__(self, account: str = ACCOUNT_ID) -> None:
        self.account = account
        self._room: dict[tuple[str, str, str, str], int] = {}  # (region, plan, key, period start) -> left
        self._added: Counter[tuple[str, str, str, str]] = Counter()  # (region, plan, key, day) -> new

    def admit(self, region: str, plan: Plan, key_id: str, at: float) -> bool:
        """Count a request at epoch second `at`, unless the key's quota for the period is spent."""
        day = _day(int(at // 86_400))
        if plan.quota is not None:
            slot = (region, plan.id, key_id, _period_start(plan.period, day))
            room = self._room.get(slot)
            if room is None:
                room = _room(self.account, region, plan, key_id, slot[3])
            if room <= 0:
                self._room[slot] = room
                return False
            self._room[slot] = room - 1
        self._added[(region, plan.id, key_id, day)] += 1
        return True

    def commit(self) -> None:
        """Add the tick's requests to `STATE.usage` and forget the tick's reads."""
        with STATE.lock:
            for (region, plan_id, key_id, day), count in self._added.items():
                days = STATE.usage[(self.account, region, plan_id, key_id)]
                days[day] = days.get(day, 0) + count
        self._room.clear()
        self._added.clear()


def _room(account: str, region: str, plan: Plan, key_id: str, start: str) -> int:
    """Requests left in the key's quota period starting on `start`."""
    key = (account, region, plan.id, key_id)
    with STATE.lock:
        used = STATE.usage.get(key, {})
        granted = STATE.usage_grants.get(key, {})
        return (plan.quota + sum(n for day, n in granted.items() if day >= start)
                - sum(n for day, n in used.items() if day >= start))


@cache
def _day(index: int) -> str:
    """Days since the epoch as "YYYY-MM-DD"."""
    return (_EPOCH + timedelta(days=index)).isoformat()


@cache
def _period_start(period: str, day: str) -> str:
    """The first day of the quota period that `day` falls in."""
    today = date.fromisoformat(day)
    if period == "WEEK":
        return (today - timedelta(days=today.weekday())).isoformat()
    if period == "MONTH":
        return today.replace(day=1).isoformat()
    return day
