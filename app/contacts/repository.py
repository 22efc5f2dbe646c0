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


# Each (number, address) pair's existing contact in the account, if any: one with the number
# (the first by id, the order of the account's token index), else one with the address;
# `created_now` when it was made in this very transaction (its created_at is the transaction's
# now()), which for an import means by an earlier row of the same file. The probes name the
# account and the token only, in the order of the account's token index, so that they take it:
# given the organization, or asked for the oldest, the planner, going by statistics of a table
# this very import is filling, may walk the organization's (or the account's) index instead,
# reading every contact written so far for each row. The organization is checked on what they find.
_MATCHES = """
SELECT pair.position, found.id, found.created_at = now() AS created_now
FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS pair(msisdn, email, position)
JOIN LATERAL (
    (SELECT c.id, c.created_at, c.organization_id FROM contacts AS c
     WHERE c.account_id = $2 AND c.msisdn = pair.msisdn ORDER BY c.id LIMIT 1)
    UNION ALL
    (SELECT c.id, c.created_at, c.organization_id FROM contacts AS c
     WHERE c.account_id = $2 AND c.email = pair.email ORDER BY c.id LIMIT 1)
    LIMIT 1
) AS found ON true
WHERE found.organization_id = $1
"""
_CONTACT_COLUMNS = (
    "id",
    "organization_id",
    "account_id",
    "msisdn",
    "email",
    "first_name",
    "last_name",
    "custom_fields",
)
# What a file gives replaces what the contact had; what it leaves empty is kept.
_UPDATE_MANY = """
UPDATE contacts AS c SET
    msisdn = coalesce(given.msisdn, c.msisdn), email = coalesce(given.email, c.email),
    first_name = coalesce(given.first_name, c.first_name), last_name = coalesce(given.last_name, c.last_name),
    custom_fields = c.custom_fields || given.custom_fields::jsonb
FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
    AS given(id, msisdn, email, first_name, last_name, custom_fields)
WHERE c.organization_id = $1 AND c.id = given.id
"""

# One row of contacts as written in bulk: id, msisdn, email, first_name, last_name, custom fields (JSON text).
ContactValues = tuple[UUID, str | None, str | None, str | None, str | None, str]


async def matches(
    connection: raw.Connection, organization_id: UUID, account_id: UUID, pairs: Sequence[tuple[str | None, str | None]]
) -> dict[int, tuple[UUID, bool]]:
    """For each (msisdn, email) pair with an existing contact, by its index: that contact's id,
    and whether it was made in this transaction."""
    rows = await connection.fetch(
        _MATCHES, organization_id, account_id, [msisdn for msisdn, _ in pairs], [email for _, email in pairs]
    )
    return {row["position"] - 1: (row["id"], row["created_now"]) for row in rows}


async def copy_new(
    connection: raw.Connection, organization_id: UUID, account_id: UUID, contacts: Sequence[ContactValues]
) -> None:
    """New contacts by COPY: the fastest way in, at millions of rows."""
    await connection.copy_records_to_table(
        "contacts",
        records=[(values[0], organization_id, account_id, *values[1:]) for values in contacts],
        columns=_CONTACT_COLUMNS,
    )


async def update_many(connection: raw.Connection, organization_id: UUID, contacts: Sequence[ContactValues]) -> None:
    columns = list(zip(*contacts, strict=True))
    await connection.execute(_UPDATE_MANY, organization_id, *(list(column) for column in columns))


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
