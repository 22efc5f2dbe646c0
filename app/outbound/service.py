from datetime import datetime
from uuid import UUID

from app.accounts.records import AccountSettings
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.keywords.service import confirmation_text
from app.outbound.repository import OutboundRecord, OutboundRepository
from app.pagination import Page, build_page, decode_cursor, encode_cursor, page_size, timestamp, uuid

CONFIRMATION = "CONFIRMATION"


class OutboundService:
    async def queue_confirmation(self, uow: UnitOfWork, account: AccountSettings, recipient: str) -> None:
        """One confirmation SMS for an opt-out, in the opt-out's own transaction: it goes out if
        and only if the opt-out commits. It is never checked against opt-outs: it confirms one."""
        await OutboundRepository(uow.connection).add(
            account.organization_id, account.id, recipient, confirmation_text(account.confirmation_text), CONFIRMATION
        )
        uow.outbox_written()

    async def page(
        self, uow: UnitOfWork, actor: Actor, account_id: UUID, *, first: int | None, after: str | None
    ) -> Page[OutboundRecord]:
        size = page_size(first)
        key = decode_cursor("outbound", after, (timestamp, uuid))
        account = await account_service.settings(uow, actor, account_id)
        after_key: tuple[datetime, UUID] | None = (key[0], key[1]) if key else None
        rows = await OutboundRepository(uow.connection).page(
            actor.organization_id, account.id, after=after_key, limit=size + 1
        )
        return build_page(rows, size, lambda m: encode_cursor("outbound", [m.created_at.isoformat(), str(m.id)]))

    async def count(self, uow: UnitOfWork, actor: Actor, account_id: UUID) -> int:
        account = await account_service.settings(uow, actor, account_id)
        return await OutboundRepository(uow.connection).count(actor.organization_id, account.id)


outbound_service = OutboundService()
