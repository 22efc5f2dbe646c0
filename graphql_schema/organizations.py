from typing import Self

import strawberry

from app import models
from app.accounts.service import account_service
from app.organizations.service import organization_service
from graphql_schema import ids
from graphql_schema.accounts import Account
from graphql_schema.context import Info


@strawberry.type(description="The tenant the API key belongs to.")
class Organization:
    id: strawberry.ID
    name: str

    @strawberry.field(description="Its accounts (only the key's own account, for an account-scoped key).")
    async def accounts(self, info: Info) -> list[Account]:
        actor = info.context.actor
        accounts = await info.context.read(lambda unit: account_service.list_visible(unit, actor))
        return [Account.from_model(account) for account in accounts]

    @classmethod
    def from_model(cls, organization: models.Organization) -> Self:
        return cls(id=ids.encode("Organization", organization.id), name=organization.name)


@strawberry.type
class OrganizationQuery:
    @strawberry.field(description="The organization of the calling API key.")
    async def organization(self, info: Info) -> Organization:
        actor = info.context.actor
        return Organization.from_model(await info.context.read(lambda unit: organization_service.get(unit, actor)))
