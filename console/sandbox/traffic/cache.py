"""The stage cache as API Gateway keeps it: one entry per cache key, filled by a miss, gone after its TTL.

A cache key is the method, the resource path and the cache key parameters (path parameters, query
strings, headers). The simulated clients ask for an endpoint's keys with Zipf-like popularity (the
k-th most asked key in proportion to 1/k^0.8, as catalogue and search traffic is): a request for a
key whose entry is live is a hit; any other request is a miss that fills the entry for the TTL.
A flush empties every entry, and a new cluster starts empty, so after either the hit ratio climbs
back as the distinct keys are asked for again — the popular ones within seconds, the long tail
over the TTL — rather than along a straight line.

The key space is sized so that, in the long run, the share of hits is the stage profile's
cache_hit_ratio (which the seeded history draws from): with a total rate λ and key k asked with
probability p_k, key k is live a share x/(1+x) of the time (x = λ p_k TTL: the hits its entry
serves before it expires, per miss). A cache that was already serving when the traffic began
starts in that steady state, each entry live with that share and of a uniform age.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass, field

SKEW = 0.8  # the Zipf exponent of the keys' popularity
MAX_KEYS = 20_000


def steady_hit_ratio(keys: int, per_ttl: float) -> float:
    """The long-run hit ratio of `keys` Zipf-popular keys asked `per_ttl` times per TTL in all."""
    weights = [1 / (k + 1) ** SKEW for k in range(keys)]
    total = sum(weights)
    return sum(w / total * _live(per_ttl * w / total) for w in weights)


def key_count(hit_ratio: float, per_ttl: float) -> int:
    """The number of keys whose steady hit ratio is `hit_ratio` (the most that still reach it, at
    least 1; MAX_KEYS when even that many hit more often)."""
    if hit_ratio <= 0 or steady_hit_ratio(1, per_ttl) <= hit_ratio:
        return 1
    low, high = 1, MAX_KEYS  # steady_hit_ratio falls as keys are added
    while low < high:
        middle = (low + high + 1) // 2
        if steady_hit_ratio(middle, per_ttl) >= hit_ratio:
            low = middle
        else:
            high = middle - 1
    return low


def _live(x: float) -> float:
    return x / (1 + x)


@dataclass
class EndpointCache:
    """One method's entries: key index -> the epoch second its entry was filled."""

    keys: int
    per_ttl: float  # requests per TTL, for the warm start
    cumulative: list[float] = field(init=False)
    filled: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cumulative = list(itertools.accumulate(1 / (k + 1) ** SKEW for k in range(self.keys)))

    def warm(self, rng: random.Random, at: float, ttl: float, emptied: float) -> None:
        """Entries as a cache serving for long would hold at `at` (none filled before `emptied`)."""
        total = self.cumulative[-1]
        for k in range(self.keys):
            share = (1 / (k + 1) ** SKEW) / total
            if rng.random() < _live(self.per_ttl * share):
                filled = at - rng.random() * ttl
                if filled >= emptied:
                    self.filled[k] = filled

    def ask(self, rng: random.Random, at: float, ttl: float, emptied: float) -> tuple[int, float | None]:
        """(the key asked for, when its live entry was filled — None on a miss, which fills it)."""
        key = bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])
        filled = self.filled.get(key)
        if filled is not None and filled >= emptied and at < filled + ttl:
            return key, filled
        self.filled[key] = at
        return key, None


def stale_key(key: int, share: float) -> bool:
    """Whether an entry held a stale answer before a change (the same keys every time: a fixed share)."""
    return (key * 2_654_435_761) % 1000 < share * 1000


def emptied_at(ready_at: float | None, flushed_at: float | None) -> float:
    """When the cache last held nothing: its cluster became available, or it was flushed."""
    return max(-math.inf if ready_at is None else ready_at, -math.inf if flushed_at is None else flushed_at)
