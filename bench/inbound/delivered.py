"""What reached the receiver, of one kind (webhooks, confirmations or the baseline's relayed
messages), against the tokens that should have: every STOP's one webhook and one confirmation,
each exactly once; and when each first arrived."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bench.inbound.receiver import Arrival


@dataclass
class Delivered:
    expected: int
    first: dict[str, float] = field(default_factory=dict)  # token -> first arrival (time.monotonic)
    resent: int = 0  # arrived again with the same id (a redelivery: at least once allows it)
    doubled: int = 0  # arrived again with another id (queued twice: never allowed)
    unexpected: int = 0  # a token no STOP of this measurement sent

    @property
    def lost(self) -> int:
        return self.expected - len(self.first)

    @property
    def problems(self) -> int:
        return self.lost + self.doubled + self.unexpected

    @property
    def span(self) -> float:
        """Seconds from the first arrival to the last first arrival."""
        return max(self.first.values()) - min(self.first.values()) if len(self.first) > 1 else 0.0

    @property
    def per_second(self) -> float:
        return len(self.first) / self.span if self.span > 0 else 0.0

    def latencies(self, returned: Mapping[str, float]) -> list[float]:
        """Seconds from each token's write returning to its first arrival."""
        return [at - returned[token] for token, at in self.first.items() if token in returned]

    def summary(self, name: str) -> str:
        return (
            f"{name}: {len(self.first):,} of {self.expected:,} arrived; lost {self.lost}, sent again with the same id "
            f"{self.resent}, with another id {self.doubled}, unexpected {self.unexpected}"
        )


def delivered(arrivals: Iterable[Arrival], kind: str, expected: Iterable[str]) -> Delivered:
    wanted = set(expected)
    result = Delivered(expected=len(wanted))
    ids: dict[str, str] = {}
    for at, what, token, sender_id in arrivals:
        if what != kind:
            continue
        if token not in wanted:
            result.unexpected += 1
        elif token not in result.first:
            result.first[token] = at
            ids[token] = sender_id
        elif ids[token] == sender_id:
            result.resent += 1
        else:
            result.doubled += 1
    return result
