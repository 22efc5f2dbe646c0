from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar
from uuid import UUID

from app import models, tokens
from app.accounts import repository
from app.accounts.records import AccountKeywords, AccountSettings
from app.accounts.repository import AccountRepository
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import ContactOptOutEffect, OptOutScope, Role
from app.errors import InvalidInput, NotFound, quoted
from app.ids import encode

_UNSET = object()


@dataclass
class AccountChanges:
    opt_out_scope: OptOutScope | None = None
    default_country: str | None | object = _UNSET  # None clears it
    on_opt_out: ContactOptOutEffect | None = None
    send_confirmation: bool | None = None
    time_zone: str | None = None


def _clean_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > 200:
        raise InvalidInput(f"{quoted(name)} is not a valid account name (1 to 200 characters).", field="name")
    return clean


async def _time_zone(uow: UnitOfWork, name: str) -> str:
    """An IANA time zone name as PostgreSQL, which cuts the insights' buckets in it, knows it."""
    if len(name) <= 64 and "\x00" not in name:
        if await uow.connection.fetchval("SELECT name FROM pg_timezone_names WHERE name = $1", name) is not None:
            return name
    raise InvalidInput(
        f'{quoted(name)} is not a time zone: give an IANA name such as "Europe/Amsterdam" or "UTC".',
        field="timeZone",
    )


def _not_found(account_id: UUID, field: str) -> NotFound:
    return NotFound(f'Account "{encode("Account", account_id)}" does not exist.', field=field)


Found = TypeVar("Found")


async def _visible(
    actor: Actor, account_id: UUID, field: str, read: Callable[[UUID, UUID], Awaitable[Found | None]]
) -> Found:
    """`read(organization, account)` if this key may see the account; a foreign account is not
    read, and answers exactly as a missing one."""
    found = await read(actor.organization_id, account_id) if actor.can_see_account(account_id) else None
    if found is None:
        raise _not_found(account_id, field)
    return found


class AccountService:
    async def get(self, uow: UnitOfWork, actor: Actor, account_id: UUID, *, field: str = "accountId") -> models.Account:
        """The account if this key may see it; a foreign account answers exactly as a missing one."""
        return await _visible(actor, account_id, field, AccountRepository(uow.session).get)

    async def settings(
        self, uow: UnitOfWork, actor: Actor, account_id: UUID, *, field: str = "accountId"
    ) -> AccountSettings:
        """`get` for the hot paths, over the plain driver; the same rule, the same answers."""
        return await _visible(actor, account_id, field, partial(repository.settings, uow.connection))

    async def settings_and_keywords(
        self, uow: UnitOfWork, actor: Actor, account_id: UUID, *, field: str = "accountId"
    ) -> tuple[AccountSettings, AccountKeywords]:
        """`settings` with the keyword settings, in one statement: for an inbound message."""
        return await _visible(actor, account_id, field, partial(repository.settings_and_keywords, uow.connection))

    async def settings_of_many(
        self, uow: UnitOfWork, actor: Actor, account_ids: list[UUID]
    ) -> dict[UUID, AccountSettings]:
        """The settings of those of these accounts the key may see, by id; others are left out."""
        visible = [account_id for account_id in dict.fromkeys(account_ids) if actor.can_see_account(account_id)]
        found = await repository.settings_of_many(uow.connection, actor.organization_id, visible)
        return {settings.id: settings for settings in found}

    async def organization_list(self, uow: UnitOfWork, actor: Actor) -> UUID:
        """The list an organization key reads by default: the organization's own."""
        return await repository.organization_list(uow.connection, actor.organization_id)

    async def exists(self, uow: UnitOfWork, organization_id: UUID, account_id: UUID) -> bool:
        """For the operator's command line, which has no key: is this an account of the organization?"""
        return await AccountRepository(uow.session).get(organization_id, account_id) is not None

    async def find(self, uow: UnitOfWork, actor: Actor, account_id: UUID) -> models.Account | None:
        if not actor.can_see_account(account_id):
            return None
        return await AccountRepository(uow.session).get(actor.organization_id, account_id)

    async def list_visible(self, uow: UnitOfWork, actor: Actor) -> list[models.Account]:
        return await AccountRepository(uow.session).list_all(actor.organization_id, only=actor.account_id)

    async def create(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        name: str,
        opt_out_scope: OptOutScope = OptOutScope.ORGANIZATION,
        default_country: str | None = None,
        time_zone: str = "UTC",
    ) -> models.Account:
        actor.require(Role.ADMIN, what="create accounts")
        actor.require_organization_key(what="create accounts")
        clean_name = _clean_name(name)
        country = tokens.normalise_country(default_country, field="defaultCountry") if default_country else None
        zone = await _time_zone(uow, time_zone)
        repository = AccountRepository(uow.session)
        account = models.Account(
            organization_id=actor.organization_id,
            name=clean_name,
            opt_out_scope=opt_out_scope.value,
            default_country=country,
            time_zone=zone,
            list_id=await repository.organization_list_id(actor.organization_id),
        )
        if opt_out_scope is OptOutScope.ACCOUNT:
            account.list_id = await repository.add_list(
                models.OptOutList(organization_id=actor.organization_id, account_id=account.id)
            )
        return await repository.add(account)

    async def update(self, uow: UnitOfWork, actor: Actor, account_id: UUID, changes: AccountChanges) -> models.Account:
        actor.require(Role.ADMIN, what="change account settings")
        account = await self.get(uow, actor, account_id, field="id")
        if changes.opt_out_scope is not None and changes.opt_out_scope.value != account.opt_out_scope:
            # An account key switching its isolated account onto the organization list could read
            # every other account's opt-outs there, and switch back unseen.
            actor.require_organization_key(what="change an account's optOutScope")
        repository = AccountRepository(uow.session)
        if changes.default_country is not _UNSET:
            country = changes.default_country
            account.default_country = (
                tokens.normalise_country(country, field="defaultCountry")
                if isinstance(country, str) and country
                else None
            )
        if changes.on_opt_out is not None:
            account.on_opt_out = changes.on_opt_out.value
        if changes.send_confirmation is not None:
            account.send_confirmation = changes.send_confirmation
        if changes.time_zone is not None:
            account.time_zone = await _time_zone(uow, changes.time_zone)
        if changes.opt_out_scope is not None and changes.opt_out_scope.value != account.opt_out_scope:
            account.opt_out_scope = changes.opt_out_scope.value
            if changes.opt_out_scope is OptOutScope.ACCOUNT:
                # Switching back and forth reuses the account's own list: its opt-outs are kept for ever.
                own = await repository.own_list_id(actor.organization_id, account.id)
                account.list_id = own or await repository.add_list(
                    models.OptOutList(organization_id=actor.organization_id, account_id=account.id)
                )
            else:
                account.list_id = await repository.organization_list_id(actor.organization_id)
        uow.session.add(account)
        await uow.session.flush()
        return account


account_service = AccountService()
