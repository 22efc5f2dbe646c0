"""A budget of requests per client address, refilled evenly (a token bucket): what keeps one
address from trying codes until one fits. In memory, per process: with N processes an address
gets N budgets, still far too few to enumerate 2^50 codes."""

import time
from collections import OrderedDict
from collections.abc import Callable

# Enough for every address of a busy minute; the least recently seen is forgotten first.
MAX_ADDRESSES = 100_000


class AddressBudget:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute  # 0: unlimited
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # address -> (tokens, at)

    def spend(self, address: str, cost: float = 1.0) -> float | None:
        """None when `address` may go on (the cost is taken), else the seconds until it may."""
        if self.per_minute <= 0:
            return None
        now = self._clock()
        tokens, at = self._buckets.pop(address, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - at) * self.per_minute / 60)
        allowed = tokens >= cost
        self._buckets[address] = (tokens - cost if allowed else tokens, now)
        if len(self._buckets) > MAX_ADDRESSES:
            self._buckets.popitem(last=False)
        return None if allowed else (cost - tokens) * 60 / self.per_minute

    def charge(self, address: str, cost: float) -> None:
        """Takes more from an address that has gone on, possibly below zero (a miss costs more)."""
        if self.per_minute <= 0:
            return
        tokens, at = self._buckets.pop(address, (float(self.per_minute), self._clock()))
        self._buckets[address] = (tokens - cost, at)
