from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.opt_outs.cursor import EventPosition


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One row of the opt-out history, as read back: a plain record, cheap to build on the hot path."""

    id: int
    organization_id: UUID
    list_id: UUID
    account_id: UUID
    scope: str
    token: str
    token_type: str
    channel: str
    action: str
    source: str
    reason: str | None
    api_key_id: UUID | None
    occurred_at: datetime
    xact_id: int

    @property
    def position(self) -> EventPosition:
        return EventPosition(self.xact_id, self.id)
