"""All SQL of inbound messages (migration 0005)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.db import raw

_COLUMNS = (
    "id, account_id, sender, recipient, body, gateway_message_id, action, needs_review, reason, reply, received_at"
)
_INSERT = f"""
INSERT INTO inbound_messages (id, organization_id, account_id, sender, recipient, body, gateway_message_id, action,
                              needs_review, reason, reply, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (account_id, gateway_message_id) WHERE gateway_message_id IS NOT NULL DO NOTHING
RETURNING {_COLUMNS}
"""
_BY_GATEWAY_ID = f"""
SELECT {_COLUMNS} FROM inbound_messages WHERE organization_id = $1 AND account_id = $2 AND gateway_message_id = $3
"""
_BY_ID = f"SELECT {_COLUMNS} FROM inbound_messages WHERE organization_id = $1 AND id = $2"
_RESOLVE = (
    "UPDATE inbound_messages SET action = $3, needs_review = false, reason = $4"
    f" WHERE organization_id = $1 AND id = $2 RETURNING {_COLUMNS}"
)
_PAGE = f"""
SELECT {_COLUMNS} FROM inbound_messages
WHERE organization_id = $1 AND account_id = $2 AND ($3::boolean IS NULL OR needs_review = $3)
  AND ($4::timestamptz IS NULL OR (received_at, id) < ($4, $5::uuid))
ORDER BY received_at DESC, id DESC LIMIT $6
"""
_COUNT = (
    "SELECT count(*) FROM inbound_messages"
    " WHERE organization_id = $1 AND account_id = $2 AND ($3::boolean IS NULL OR needs_review = $3)"
)


@dataclass(frozen=True, slots=True)
class InboundRecord:
    id: UUID
    account_id: UUID
    sender: str
    recipient: str
    body: str
    gateway_message_id: str | None
    action: str
    needs_review: bool
    reason: str | None
    reply: str | None
    received_at: datetime


class InboundRepository:
    def __init__(self, connection: raw.Connection) -> None:
        self.connection = connection

    async def add(self, organization_id: UUID, message: InboundRecord) -> InboundRecord | None:
        """The message as stored; None when the gateway sent this message id before (then nothing is stored)."""
        row = await self.connection.fetchrow(
            _INSERT,
            message.id,
            organization_id,
            message.account_id,
            message.sender,
            message.recipient,
            message.body,
            message.gateway_message_id,
            message.action,
            message.needs_review,
            message.reason,
            message.reply,
            message.received_at,
        )
        return InboundRecord(*row) if row is not None else None

    async def by_gateway_id(self, organization_id: UUID, account_id: UUID, gateway_id: str) -> InboundRecord | None:
        row = await self.connection.fetchrow(_BY_GATEWAY_ID, organization_id, account_id, gateway_id)
        return InboundRecord(*row) if row is not None else None

    async def get(self, organization_id: UUID, message_id: UUID) -> InboundRecord | None:
        row = await self.connection.fetchrow(_BY_ID, organization_id, message_id)
        return InboundRecord(*row) if row is not None else None

    async def resolve(self, organization_id: UUID, message_id: UUID, action: str, reason: str) -> InboundRecord:
        return InboundRecord(*await self.connection.fetchrow(_RESOLVE, organization_id, message_id, action, reason))

    async def page(
        self,
        organization_id: UUID,
        account_id: UUID,
        *,
        needs_review: bool | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[InboundRecord]:
        moment, last = after if after is not None else (None, None)
        rows = await self.connection.fetch(_PAGE, organization_id, account_id, needs_review, moment, last, limit)
        return [InboundRecord(*row) for row in rows]

    async def count(self, organization_id: UUID, account_id: UUID, *, needs_review: bool | None) -> int:
        count: int = await self.connection.fetchval(_COUNT, organization_id, account_id, needs_review)
        return count
