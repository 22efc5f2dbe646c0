from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import models
from app.db import raw
from app.db.arrays import in_ids
from app.enums import TokenType

# Memberships carry the contact's tokens (the audience walks them in token order).
_ADD_MEMBERS = text(
    "INSERT INTO group_members (organization_id, group_id, contact_id, msisdn, email)"
    " SELECT :organization_id, :group_id, contact.id, contact.msisdn, contact.email FROM contacts AS contact"
    " WHERE contact.organization_id = :organization_id AND contact.id = ANY(:contact_ids)"
    " ON CONFLICT DO NOTHING"
).bindparams(bindparam("contact_ids", type_=ARRAY(PG_UUID(as_uuid=True))))


# Memberships carry copies of their contact's tokens, so the account's memberships with a token
# are found by those copies (indexed per group) within the account's groups.
_REMOVE_TOKENS = {
    column: "DELETE FROM group_members AS member USING groups AS owner"
    f" WHERE member.organization_id = $1 AND member.{column} = ANY($3::text[]) AND owner.id = member.group_id"
    " AND owner.organization_id = $1 AND owner.account_id = $2"
    for column in ("msisdn", "email")
}


async def remove_tokens(
    connection: raw.Connection, organization_id: UUID, account_id: UUID, tokens: list[str], token_type: TokenType
) -> None:
    column = "email" if token_type is TokenType.EMAIL else "msisdn"
    await connection.execute(_REMOVE_TOKENS[column], organization_id, account_id, tokens)


_ADD_MEMBERS_BY_ID = (
    "INSERT INTO group_members (organization_id, group_id, contact_id, msisdn, email)"
    " SELECT $1, $2, contact.id, contact.msisdn, contact.email FROM contacts AS contact"
    " WHERE contact.organization_id = $1 AND contact.id = ANY($3::uuid[])"
    " ON CONFLICT DO NOTHING"
)


async def copy_new_members(
    connection: raw.Connection,
    organization_id: UUID,
    group_id: UUID,
    members: Sequence[tuple[UUID, str | None, str | None]],
) -> None:
    """Contacts just made, with their tokens, into a group by COPY (bulk imports)."""
    await connection.copy_records_to_table(
        "group_members",
        records=[(organization_id, group_id, *member) for member in members],
        columns=("organization_id", "group_id", "contact_id", "msisdn", "email"),
    )


async def add_members_by_id(
    connection: raw.Connection, organization_id: UUID, group_id: UUID, contact_ids: Sequence[UUID]
) -> None:
    await connection.execute(_ADD_MEMBERS_BY_ID, organization_id, group_id, list(contact_ids))


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organization_id: UUID, group_id: UUID) -> models.Group | None:
        result = await self.session.execute(
            select(models.Group).where(
                col(models.Group.organization_id) == organization_id, col(models.Group.id) == group_id
            )
        )
        return result.scalar_one_or_none()

    async def get_many(self, organization_id: UUID, group_ids: Sequence[UUID]) -> list[models.Group]:
        result = await self.session.execute(
            select(models.Group).where(
                col(models.Group.organization_id) == organization_id,
                in_ids(col(models.Group.id), group_ids),
            )
        )
        return list(result.scalars())

    async def name_taken(self, organization_id: UUID, account_id: UUID, name: str) -> bool:
        result = await self.session.execute(
            select(col(models.Group.id)).where(
                col(models.Group.organization_id) == organization_id,
                col(models.Group.account_id) == account_id,
                col(models.Group.name) == name,
            )
        )
        return result.first() is not None

    async def add(self, group: models.Group) -> models.Group:
        self.session.add(group)
        await self.session.flush()
        return group

    async def list_for_account(self, organization_id: UUID, account_id: UUID) -> list[models.Group]:
        result = await self.session.execute(
            select(models.Group)
            .where(col(models.Group.organization_id) == organization_id, col(models.Group.account_id) == account_id)
            .order_by(col(models.Group.name))
        )
        return list(result.scalars())

    async def member_counts(self, organization_id: UUID, group_ids: Sequence[UUID]) -> dict[UUID, int]:
        member = models.GroupMember
        result = await self.session.execute(
            select(col(member.group_id), func.count())
            .where(col(member.organization_id) == organization_id, in_ids(col(member.group_id), group_ids))
            .group_by(col(member.group_id))
        )
        return {group_id: count for group_id, count in result.tuples()}

    async def add_members(self, organization_id: UUID, group_id: UUID, contact_ids: Sequence[UUID]) -> None:
        if not contact_ids:
            return
        await self.session.execute(
            _ADD_MEMBERS, {"organization_id": organization_id, "group_id": group_id, "contact_ids": list(contact_ids)}
        )

    async def groups_of_contacts(
        self, organization_id: UUID, contact_ids: Sequence[UUID]
    ) -> list[tuple[UUID, models.Group]]:
        member = models.GroupMember
        result = await self.session.execute(
            select(col(member.contact_id), models.Group)
            .join(models.Group, col(models.Group.id) == col(member.group_id))
            .where(col(member.organization_id) == organization_id, in_ids(col(member.contact_id), contact_ids))
            .order_by(col(models.Group.name))
        )
        return [(contact_id, group) for contact_id, group in result.tuples()]
