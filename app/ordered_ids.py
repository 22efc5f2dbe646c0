"""Row ids in the order they are made (the layout of UUIDv7, RFC 9562), for rows written in bulk
in one transaction: they share their created_at (the transaction's start), so the id is what
keeps an imported file's order in every listing ordered by (created_at, id)."""

import secrets
import time
from uuid import UUID

_RANDOM_BITS = 62  # of the 122 free bits: below the milliseconds and the 12-bit sub-millisecond part
_last = 0


def ordered_uuids(count: int) -> list[UUID]:
    """`count` ids, each greater than any made before in this process."""
    global _last
    now = time.time_ns() // 1_000_000 << (12 + _RANDOM_BITS)
    first = max(_last + 1, now | secrets.randbits(_RANDOM_BITS - 2))  # room to count up within the millisecond
    _last = first + count - 1
    return [_uuid7(value) for value in range(first, first + count)]


def _uuid7(value: int) -> UUID:
    """122 bits of `value` laid out as a version-7 UUID, keeping its order."""
    high = value >> _RANDOM_BITS  # 48 bits of milliseconds, then 12 more
    low = value & ((1 << _RANDOM_BITS) - 1)
    return UUID(int=(high >> 12) << 80 | 0x7 << 76 | (high & 0xFFF) << 64 | 0b10 << 62 | low)
