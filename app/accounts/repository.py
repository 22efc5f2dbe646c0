from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import models
from app.accounts.records import AccountKeywords, AccountSettings
from app.db import raw

# Built once: every request resolves an account, so its statement is not rebuilt each time.
_GET = select(models.Account).where(
    col(models.Account.organization_id) == bindparam("organization_id"),
    col(models.Account.id) == bindparam("account_id"),
)


_SETTINGS_COLUMNS = (
    "id, organization_id, list_id, opt_out_scope, default_country, on_opt_out, send_confirmation, confirmation_text"
)
_SETTINGS = f"SELECT {_SETTINGS_COLUMNS} FROM accounts WHERE organization_id = $1 AND id = $2"
_SETTINGS_OF_MANY = f"SELECT {_SETTINGS_COLUMNS} FROM accounts WHERE organization_id = $1 AND id = ANY($2::uuid[])"
_SETTINGS_AND_KEYWORDS = (
    f"SELECT {_SETTINGS_COLUMNS}, opt_out_keywords, opt_in_keywords, help_keywords, help_text"
    " FROM accounts WHERE organization_id = $1 AND id = $2"
)
_ORGANIZATION_LIST = "SELECT id FROM opt_out_lists WHERE organization_id = $1 AND account_id IS NULL"


async def settings(connection: raw.Connection, organization_id: UUID, account_id: UUID) -> AccountSettings | None:
    row = await connection.fetchrow(_SETTINGS, organization_id, account_id)
    return AccountSettings(*row) if row is not None else None


async def settings_and_keywords(
    connection: raw.Connection, organization_id: UUID, account_id: UUID
) -> tuple[AccountSettings, AccountKeywords] | None:
    row = await connection.fetchrow(_SETTINGS_AND_KEYWORDS, organization_id, account_id)
    if row is None:
        return None
    values = tuple(row)
    return AccountSettings(*values[:-4]), AccountKeywords(*values[-4:])


async def settings_of_many(
    connection: raw.Connection, organization_id: UUID, account_ids: list[UUID]
) -> list[AccountSettings]:
    return [AccountSettings(*row) for row in await connection.fetch(_SETTINGS_OF_MANY, organization_id, account_ids)]


async def organization_list(connection: raw.Connection, organization_id: UUID) -> UUID:
    list_id: UUID = await connection.fetchval(_ORGANIZATION_LIST, organization_id)
    return list_id


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organization_id: UUID, account_id: UUID) -> models.Account | None:
        result = await self.session.execute(_GET, {"organization_id": organization_id, "account_id": account_id})
        return result.scalar_one_or_none()

    async def list_all(self, organization_id: UUID, only: UUID | None = None) -> list[models.Account]:
        statement = select(models.Account).where(col(models.Account.organization_id) == organization_id)
        if only is not None:
            statement = statement.where(col(models.Account.id) == only)
        result = await self.session.execute(statement.order_by(col(models.Account.created_at), col(models.Account.id)))
        return list(result.scalars())

    async def add(self, account: models.Account) -> models.Account:
        self.session.add(account)
        await self.session.flush()
        return account

    async def organization_list_id(self, organization_id: UUID) -> UUID:
        result = await self.session.execute(
            select(col(models.OptOutList.id)).where(
                col(models.OptOutList.organization_id) == organization_id,
                col(models.OptOutList.account_id).is_(None),
            )
        )
        return result.scalar_one()

    async def own_list_id(self, organization_id: UUID, account_id: UUID) -> UUID | None:
        result = await self.session.execute(
            select(col(models.OptOutList.id)).where(
                col(models.OptOutList.organization_id) == organization_id,
                col(models.OptOutList.account_id) == account_id,
            )
        )
        return result.scalar_one_or_none()

    async def add_list(self, opt_out_list: models.OptOutList) -> UUID:
        self.session.add(opt_out_list)
        await self.session.flush()
        return opt_out_list.id
