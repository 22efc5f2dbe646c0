"""The position of an event in the history: (writing transaction id, event id), written
"<xact>.<id>". Events are read in this order, and only those of transactions older than the
oldest one still running, so no event can later appear before a position already read
(migrations/versions/2026_11_24_0002_commit_safe_event_cursor.py)."""

import re
from dataclasses import dataclass
from typing import Self

from app.errors import InvalidCursor, quoted

# ASCII digits only ("²".isdigit() is true), and no more than the columns hold: xact_id is an
# xid8 (unsigned 64-bit), id a bigint.
_CURSOR = re.compile(r"([0-9]{1,20})\.([0-9]{1,19})")
_MAX_XACT_ID = 2**64 - 1
_MAX_ID = 2**63 - 1


@dataclass(frozen=True, order=True, slots=True)
class EventPosition:
    xact_id: int
    id: int

    def encode(self) -> str:
        return f"{self.xact_id}.{self.id}"

    @classmethod
    def decode(cls, cursor: str, *, field: str) -> Self:
        match = _CURSOR.fullmatch(cursor)
        if match is not None:
            xact_id, event_id = int(match[1]), int(match[2])
            if xact_id <= _MAX_XACT_ID and event_id <= _MAX_ID:
                return cls(xact_id, event_id)
        raise InvalidCursor(f"{quoted(cursor)} is not an event cursor.", field=field)


START = EventPosition(0, 0)
