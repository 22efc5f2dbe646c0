from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Self
from uuid import UUID

from app.opt_outs.cursor import EventPosition


@dataclass(frozen=True, slots=True)
class Evidence:
    """How an opt-out or opt-in was made, where there is something to keep (migration 0004)."""

    inbound_text: str | None = None  # the reply that triggered it
    inbound_message_id: str | None = None
    campaign: str | None = None
    link_code: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    consent_evidence: str | None = None  # for an opt-in that resets an opt-out (imports)

    def to_json(self) -> dict[str, str] | None:
        kept = {name: value for name, value in asdict(self).items() if value is not None}
        return kept or None

    @classmethod
    def from_json(cls, stored: dict[str, Any] | None) -> Self | None:
        return cls(**{name: stored[name] for name in cls.__slots__ if name in stored}) if stored else None


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
    evidence: dict[str, Any] | None = None  # Evidence.to_json(), as stored

    @property
    def position(self) -> EventPosition:
        return EventPosition(self.xact_id, self.id)
