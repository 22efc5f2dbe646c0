from collections.abc import Sequence
from uuid import UUID

from app import models
from app.accounts.records import AccountSettings
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import Role, TokenType
from app.errors import Duplicate, InvalidInput, NotFound, TooMany, quoted
from app.groups import repository as membership
from app.groups.repository import GroupRepository
from app.ids import encode

MAX_CONTACTS_PER_CALL = 10_000


class GroupService:
    async def get(self, uow: UnitOfWork, actor: Actor, group_id: UUID, *, field: str = "groupId") -> models.Group:
        group = await GroupRepository(uow.session).get(actor.organization_id, group_id)
        if group is None or not actor.can_see_account(group.account_id):
            raise NotFound(f'Group "{encode("Group", group_id)}" does not exist.', field=field)
        return group

    async def get_for_account(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account: models.Account | AccountSettings,
        group_ids: Sequence[UUID],
        *,
        field: str,
    ) -> list[models.Group]:
        """The account's groups with these ids, in the given order; any other id is NotFound."""
        found = {g.id: g for g in await GroupRepository(uow.session).get_many(actor.organization_id, group_ids)}
        groups = []
        for index, group_id in enumerate(group_ids):
            group = found.get(group_id)
            if group is None or group.account_id != account.id:
                raise NotFound(
                    f'Group "{encode("Group", group_id)}" does not exist in this account.', field=f"{field}.{index}"
                )
            groups.append(group)
        return groups

    async def get_in_account(
        self, uow: UnitOfWork, actor: Actor, account: AccountSettings, group_id: UUID, *, field: str
    ) -> models.Group:
        group = await GroupRepository(uow.session).get(actor.organization_id, group_id)
        if group is None or group.account_id != account.id:
            raise NotFound(f'Group "{encode("Group", group_id)}" does not exist in this account.', field=field)
        return group

    async def list_for_account(self, uow: UnitOfWork, actor: Actor, account_id: UUID) -> list[models.Group]:
        account = await account_service.get(uow, actor, account_id)
        return await GroupRepository(uow.session).list_for_account(actor.organization_id, account.id)

    async def member_counts(self, uow: UnitOfWork, actor: Actor, group_ids: Sequence[UUID]) -> dict[UUID, int]:
        return await GroupRepository(uow.session).member_counts(actor.organization_id, group_ids)

    async def groups_of(self, uow: UnitOfWork, actor: Actor, contact_ids: list[UUID]) -> dict[UUID, list[models.Group]]:
        by_contact: dict[UUID, list[models.Group]] = {contact_id: [] for contact_id in contact_ids}
        repository = GroupRepository(uow.session)
        for contact_id, group in await repository.groups_of_contacts(actor.organization_id, contact_ids):
            by_contact[contact_id].append(group)
        return by_contact

    async def create(
        self, uow: UnitOfWork, actor: Actor, *, account_id: UUID, name: str, bypass_opt_out: bool
    ) -> models.Group:
        actor.require(Role.WRITER)
        if bypass_opt_out:
            # Sending to opted-out people is a compliance decision, not an editing one.
            actor.require(Role.ADMIN, what="create a group that bypasses opt-outs")
        account = await account_service.get(uow, actor, account_id)
        clean = name.strip()
        if not clean or len(clean) > 200:
            raise InvalidInput(f"{quoted(name)} is not a valid group name (1 to 200 characters).", field="name")
        repository = GroupRepository(uow.session)
        if await repository.name_taken(actor.organization_id, account.id, clean):
            raise Duplicate(f"This account already has a group named {quoted(clean)}.", field="name")
        return await repository.add(
            models.Group(
                organization_id=actor.organization_id, account_id=account.id, name=clean, bypass_opt_out=bypass_opt_out
            )
        )

    async def set_bypass(self, uow: UnitOfWork, actor: Actor, group_id: UUID, bypass_opt_out: bool) -> models.Group:
        actor.require(Role.ADMIN, what="change whether a group bypasses opt-outs")
        group = await self.get(uow, actor, group_id)
        group.bypass_opt_out = bypass_opt_out
        uow.session.add(group)
        await uow.session.flush()
        return group

    async def add_contacts(
        self, uow: UnitOfWork, actor: Actor, group_id: UUID, contact_ids: Sequence[UUID]
    ) -> models.Group:
        # Imported here: the contact service enrols new contacts in groups through this one.
        from app.contacts.service import contact_service

        actor.require(Role.WRITER)
        if len(contact_ids) > MAX_CONTACTS_PER_CALL:
            raise TooMany(
                f"{len(contact_ids)} contacts in one call; at most {MAX_CONTACTS_PER_CALL} are allowed.",
                field="contactIds",
            )
        group = await self.get(uow, actor, group_id)
        unique_ids = list(dict.fromkeys(contact_ids))
        known = await contact_service.ids_in_account(uow, actor, group.account_id, unique_ids)
        for index, contact_id in enumerate(contact_ids):
            if contact_id not in known:
                raise NotFound(
                    f'Contact "{encode("Contact", contact_id)}" does not exist in this account.',
                    field=f"contactIds.{index}",
                )
        await GroupRepository(uow.session).add_members(actor.organization_id, group.id, unique_ids)
        return group

    async def enrol(self, uow: UnitOfWork, actor: Actor, groups: Sequence[models.Group], contact_id: UUID) -> None:
        """Adds a contact just made to groups already checked (get_for_account)."""
        repository = GroupRepository(uow.session)
        for group in groups:
            await repository.add_members(actor.organization_id, group.id, [contact_id])

    async def enrol_many(
        self,
        uow: UnitOfWork,
        group: models.Group,
        new: Sequence[tuple[UUID, str | None, str | None]],
        existing: Sequence[UUID],
    ) -> None:
        """Adds contacts to a group already checked (get_for_account): `new`, made in this unit
        (id, msisdn, email), by COPY; `existing` by id, unless they are members already."""
        if new:
            await membership.copy_new_members(uow.connection, group.organization_id, group.id, new)
        if existing:
            await membership.add_members_by_id(uow.connection, group.organization_id, group.id, existing)

    async def remove_tokens_from_groups(
        self, uow: UnitOfWork, organization_id: UUID, account_id: UUID, tokens: list[str], token_type: TokenType
    ) -> None:
        """Takes every contact of the account with one of these tokens out of all its groups."""
        await membership.remove_tokens(uow.connection, organization_id, account_id, tokens, token_type)


group_service = GroupService()
