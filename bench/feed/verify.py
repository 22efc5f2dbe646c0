"""Did every subscriber receive every event meant for it, exactly once and in cursor order?"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from bench.feed.records import Delivery


def position(cursor: str) -> tuple[int, ...]:
    """Cursors are "<transaction>.<event>", ordered as numbers (app/opt_outs/cursor.py)."""
    return tuple(int(part) for part in cursor.split("."))


@dataclass
class Tally:
    expected: int = 0  # (event, subscriber) deliveries that should have arrived
    received: int = 0
    lost: int = 0  # expected, never received
    duplicates: int = 0  # received again after the first time
    out_of_order: int = 0  # a cursor not after the one received before it
    unexpected: int = 0  # a token no write for this subscriber made (another organization's, or unknown)
    wrong_cursor: int = 0  # the cursor differs from the one optOut returned for that token

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def problems(self) -> int:
        return self.lost + self.duplicates + self.out_of_order + self.unexpected + self.wrong_cursor

    def summary(self) -> str:
        return (
            f"{self.received:,} of {self.expected:,} deliveries received; lost {self.lost}, duplicates "
            f"{self.duplicates}, out of order {self.out_of_order}, unexpected {self.unexpected}, "
            f"wrong cursor {self.wrong_cursor}"
        )


def tally(deliveries: Sequence[Delivery], expected: Mapping[str, str], *, check_cursors: bool = True) -> Tally:
    """One subscriber's deliveries against the events it should get: token -> cursor."""
    result = Tally(expected=len(expected), received=len(deliveries))
    seen: set[str] = set()
    last: tuple[int, ...] = ()
    for _, token, cursor in deliveries:
        if token not in expected:
            result.unexpected += 1
            continue
        if token in seen:
            result.duplicates += 1
            continue
        seen.add(token)
        if check_cursors and cursor != expected[token]:
            result.wrong_cursor += 1
        here = position(cursor)
        if here <= last:
            result.out_of_order += 1
        last = max(last, here)
    result.lost = len(expected) - len(seen)
    return result


def latencies(deliveries: Iterable[Delivery], returned: Mapping[str, float]) -> list[float]:
    """Seconds from each write's return to the first receipt of its event, per subscriber."""
    first: dict[str, float] = {}
    for received, token, _ in deliveries:
        if token in returned and token not in first:
            first[token] = received - returned[token]
    return list(first.values())


def percentile(values: Sequence[float], p: float) -> float:
    """As bench/load.py's Run.percentile: the value below which p% of them lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
