from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import models
from app.db import raw
from app.db.arrays import in_ids
from app.enums import TokenType

_DELETE_BY_TOKENS = {
    column: f"DELETE FROM contacts WHERE organization_id = $1 AND account_id = $2 AND {column} = ANY($3::text[])"
    for column in ("msisdn", "email")
}


async def delete_by_tokens(
    connection: raw.Connection, organization_id: UUID, account_id: UUID, tokens: list[str], token_type: TokenType
) -> None:
    column = "email" if token_type is TokenType.EMAIL else "msisdn"
    await connection.execute(_DELETE_BY_TOKENS[column], organization_id, account_id, tokens)


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, contact: models.Contact) -> models.Contact:
        self.session.add(contact)
        await self.session.flush()
        return contact

    async def ids_in_account(self, organization_id: UUID, account_id: UUID, contact_ids: Sequence[UUID]) -> set[UUID]:
        result = await self.session.execute(
            select(col(models.Contact.id)).where(
                col(models.Contact.organization_id) == organization_id,
                col(models.Contact.account_id) == account_id,
                in_ids(col(models.Contact.id), contact_ids),
            )
        )
        return set(result.scalars())

    async def page(
        self, organization_id: UUID, account_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[models.Contact]:
        contact = models.Contact
        statement = select(contact).where(
            col(contact.organization_id) == organization_id, col(contact.account_id) == account_id
        )
        if after is not None:
            statement = statement.where(tuple_(col(contact.created_at), col(contact.id)) > tuple_(*after))
        statement = statement.order_by(col(contact.created_at), col(contact.id)).limit(limit)
        return list((await self.session.execute(statement)).scalars())

    async def count(self, organization_id: UUID, account_id: UUID) -> int:
        contact = models.Contact
        result = await self.session.execute(
            select(func.count()).where(
                col(contact.organization_id) == organization_id, col(contact.account_id) == account_id
            )
        )
        return int(result.scalar_one())
