"""Per-party quotas: one token bucket per party, so one party's load never spends another's share.

A bucket holds ``rate * burst_s`` tokens and refills at ``rate`` per second (monotonic clock); a
request that finds it empty is refused with 429 and told how long to wait. Buckets are per
party, never global: a party that exhausts its quota is refused alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["PartyQuota"]


class PartyQuota:
    """Token buckets of ``rate`` requests per second and ``rate * burst_s`` capacity, per party."""

    def __init__(self, rate: float, burst_s: float, clock_s: Callable[[], float] = time.monotonic) -> None:
        self.rate = float(rate)
        self.capacity = max(1.0, self.rate * float(burst_s))
        self._clock = clock_s
        self._buckets: dict[str, tuple[float, float]] = {}  # party -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, party: str, n: float = 1.0) -> float:
        """Spend ``n`` tokens of ``party``'s bucket: 0.0 if granted, else seconds until they would be."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(party, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            if tokens < n:
                self._buckets[party] = (tokens, now)
                return (n - tokens) / self.rate
            self._buckets[party] = (tokens - n, now)
            return 0.0
