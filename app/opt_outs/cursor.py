"""The position of an event in the history: (writing transaction id, event id), written
"<xact>.<id>". Events are read in this order, and only those of transactions older than the
oldest one still running, so no event can later appear before a position already read
(migrations/versions/2026_11_24_0002_commit_safe_event_cursor.py)."""

from dataclasses import dataclass
from typing import Self

from app.errors import InvalidCursor

_MAX_DIGITS = 20


@dataclass(frozen=True, order=True, slots=True)
class EventPosition:
    xact_id: int
    id: int

    def encode(self) -> str:
        return f"{self.xact_id}.{self.id}"

    @classmethod
    def decode(cls, cursor: str, *, field: str) -> Self:
        xact, _, event = cursor.partition(".")
        if xact.isdigit() and event.isdigit() and len(xact) <= _MAX_DIGITS and len(event) <= _MAX_DIGITS:
            return cls(int(xact), int(event))
        raise InvalidCursor(f'"{cursor}" is not an event cursor.', field=field)


START = EventPosition(0, 0)
