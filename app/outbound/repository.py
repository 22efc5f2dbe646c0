"""All SQL of the outbound messages (migration 0005). A due message is claimed for a lease: the
claim commits at once, so no lock is held while the gateway answers, and no other process sends
the message meanwhile; a process that dies mid-send leaves it to be claimed again once the lease
has run out (at least once)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from app.db import raw

_INSERT = (
    "INSERT INTO outbound_messages (id, organization_id, account_id, recipient, body, kind)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
)
_CLAIM = """
UPDATE outbound_messages AS message
SET next_attempt_at = now() + make_interval(secs => $2), attempts = message.attempts + 1
FROM (
    SELECT id FROM outbound_messages WHERE status = 'PENDING' AND next_attempt_at <= now()
    ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
) AS due
WHERE message.id = due.id
RETURNING message.id, message.organization_id, message.account_id, message.recipient, message.body, message.kind,
          message.attempts
"""
_SENT = "UPDATE outbound_messages SET status = 'SENT', sent_at = now(), last_error = NULL WHERE id = ANY($1::uuid[])"
_RETRY = (
    "UPDATE outbound_messages SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3"
    " WHERE id = $1 AND status = 'PENDING'"
)
_FAILED = "UPDATE outbound_messages SET status = 'FAILED', last_error = $2 WHERE id = $1 AND status = 'PENDING'"
_COUNT = "SELECT count(*) FROM outbound_messages WHERE organization_id = $1 AND account_id = $2"
_PAGE = """
SELECT id, recipient, body, kind, status, attempts, last_error, created_at, sent_at FROM outbound_messages
WHERE organization_id = $1 AND account_id = $2 AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
ORDER BY created_at DESC, id DESC LIMIT $5
"""


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    id: UUID
    organization_id: UUID
    account_id: UUID
    recipient: str
    body: str
    kind: str
    attempt: int


@dataclass(frozen=True, slots=True)
class Sent:
    """One try at sending a claimed message, to be recorded."""

    message: ClaimedMessage
    error: str | None  # None: sent


@dataclass(frozen=True, slots=True)
class OutboundRecord:
    id: UUID
    recipient: str
    body: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class OutboundRepository:
    def __init__(self, connection: raw.Connection) -> None:
        self.connection = connection

    async def add(self, organization_id: UUID, account_id: UUID, recipient: str, body: str, kind: str) -> UUID:
        message_id = uuid4()
        await self.connection.execute(_INSERT, message_id, organization_id, account_id, recipient, body, kind)
        return message_id

    async def claim_due(self, limit: int, lease_seconds: float) -> list[ClaimedMessage]:
        return [ClaimedMessage(*row) for row in await self.connection.fetch(_CLAIM, limit, lease_seconds)]

    async def record(self, outcomes: list[Sent], schedule: Sequence[int]) -> None:
        """Each message sent, or tried again later on `schedule`, or failed for good with its error."""
        for outcome in outcomes:
            message, error = outcome.message, outcome.error
            if error is None:
                continue
            if message.attempt > len(schedule):
                await self.connection.execute(_FAILED, message.id, error)
            else:
                await self.connection.execute(_RETRY, message.id, schedule[message.attempt - 1], error)
        sent = [outcome.message.id for outcome in outcomes if outcome.error is None]
        if sent:
            await self.connection.execute(_SENT, sent)

    async def count(self, organization_id: UUID, account_id: UUID) -> int:
        count: int = await self.connection.fetchval(_COUNT, organization_id, account_id)
        return count

    async def page(
        self, organization_id: UUID, account_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[OutboundRecord]:
        moment, last = after if after is not None else (None, None)
        rows = await self.connection.fetch(_PAGE, organization_id, account_id, moment, last, limit)
        return [OutboundRecord(*row) for row in rows]
