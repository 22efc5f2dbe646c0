"""API keys over GraphQL, for admin keys: list, create, revoke and rotate. A secret is returned
once, when it is made; what is shown afterwards is its prefix."""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Self

import strawberry

from app import models
from app.auth.service import MAX_GRACE, CreatedKey
from app.db.unit_of_work import UnitOfWork
from app.errors import DomainError, InvalidInput
from graphql_schema import ids
from graphql_schema.context import Info
from graphql_schema.errors import UserError


@strawberry.type(description="An API key, without its secret.")
class ApiKey:
    id: strawberry.ID
    role: str = strawberry.field(description="admin, writer or reader.")
    account_id: strawberry.ID | None = strawberry.field(description="The one account it is limited to, if any.")
    prefix: str = strawberry.field(description="The secret's first characters, to tell keys apart.")
    created_at: datetime
    last_used_at: datetime | None = strawberry.field(description="Written in batches: up to a minute late.")
    revoked_at: datetime | None
    expires_at: datetime | None = strawberry.field(description="Set by a rotation: the old key stops then.")

    @classmethod
    def of(cls, model: models.ApiKey) -> Self:
        assert model.created_at is not None  # set by the database when the key was stored
        return cls(
            id=ids.encode("ApiKey", model.id),
            role=model.role,
            account_id=ids.encode("Account", model.account_id) if model.account_id else None,
            prefix=model.key_prefix,
            created_at=model.created_at,
            last_used_at=model.last_used_at,
            revoked_at=model.revoked_at,
            expires_at=model.expires_at,
        )


@strawberry.type(description="The result of an API key mutation.")
class ApiKeyPayload:
    api_key: ApiKey | None
    secret: str | None = strawberry.field(description="The new key (sl_...), only when it is made: shown this once.")
    errors: list[UserError]

    @classmethod
    def made(cls, created: CreatedKey) -> Self:
        return cls(api_key=ApiKey.of(created.model), secret=created.key, errors=[])

    @classmethod
    def refused(cls, error: DomainError) -> Self:
        return cls(api_key=None, secret=None, errors=UserError.list_from(error))


@strawberry.type
class ApiKeyQuery:
    @strawberry.field(
        description="The organization's API keys (admin keys), or those of one account; an account's key sees its own."
    )
    async def api_keys(self, info: Info, account_id: strawberry.ID | None = None) -> list[ApiKey]:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId") if account_id is not None else None
        models_ = await info.context.read(lambda unit: info.context.api_keys.list(unit, actor, decoded))
        return [ApiKey.of(model) for model in models_]


@strawberry.type
class ApiKeyMutation:
    @strawberry.mutation(
        description="A new API key (admin keys), never of more power than the caller's: the secret is returned once."
    )
    async def create_api_key(self, info: Info, role: str, account_id: strawberry.ID | None = None) -> ApiKeyPayload:
        try:
            actor = info.context.actor
            decoded = ids.decode("Account", account_id, field="accountId") if account_id is not None else None
            created = await info.context.run(
                lambda unit: info.context.api_keys.create_as(unit, actor, role=role, account_id=decoded)
            )
        except DomainError as error:
            return ApiKeyPayload.refused(error)
        return ApiKeyPayload.made(created)

    @strawberry.mutation(description="Revoke an API key at once, on every server process and open WebSocket.")
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> ApiKeyPayload:
        async def revoke(unit: UnitOfWork) -> ApiKeyPayload:
            key_id = ids.decode("ApiKey", id, field="id")
            return ApiKeyPayload(
                api_key=ApiKey.of(await info.context.api_keys.revoke(unit, info.context.actor, key_id)),
                secret=None,
                errors=[],
            )

        return await _refusing(info, revoke)

    @strawberry.mutation(
        description=f"A new secret for a key; the old one stays valid for graceHours (0 to {MAX_GRACE.days * 24}). "
        "The payload is the new key."
    )
    async def rotate_api_key(self, info: Info, id: strawberry.ID, grace_hours: int = 24) -> ApiKeyPayload:
        async def rotate(unit: UnitOfWork) -> ApiKeyPayload:
            key_id = ids.decode("ApiKey", id, field="id")
            if not 0 <= grace_hours <= MAX_GRACE.days * 24:
                raise InvalidInput(
                    f"graceHours is {grace_hours}; it must be between 0 and {MAX_GRACE.days * 24}.", field="graceHours"
                )
            created, _ = await info.context.api_keys.rotate(
                unit, info.context.actor, key_id, timedelta(hours=grace_hours)
            )
            return ApiKeyPayload.made(created)

        return await _refusing(info, rotate)


async def _refusing(info: Info, work: Callable[[UnitOfWork], Awaitable[ApiKeyPayload]]) -> ApiKeyPayload:
    try:
        return await info.context.run(work)
    except DomainError as error:
        return ApiKeyPayload.refused(error)
