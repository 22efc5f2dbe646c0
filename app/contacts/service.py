from dataclasses import dataclass, field
from uuid import UUID

from app import models, tokens
from app.accounts.records import AccountSettings
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.contacts import repository as address_book
from app.contacts.repository import ContactRepository, ContactValues
from app.db.unit_of_work import UnitOfWork
from app.enums import ContactOptOutEffect, Role, TokenType
from app.errors import InvalidInput, TooMany
from app.groups.service import group_service
from app.pagination import Page, build_page, decode_cursor, encode_cursor, page_size, timestamp, uuid

MAX_GROUPS_PER_CONTACT = 100


@dataclass
class NewContact:
    account_id: UUID
    phone_number: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    group_ids: list[UUID] = field(default_factory=list)


def _clean_name(value: str | None, field_name: str) -> str | None:
    if value is None:
        return None
    clean = value.strip()
    if len(clean) > 200:
        raise InvalidInput(f"{field_name} is {len(clean)} characters long; at most 200 are allowed.", field=field_name)
    return clean or None


class ContactService:
    async def create(self, uow: UnitOfWork, actor: Actor, new: NewContact) -> models.Contact:
        actor.require(Role.WRITER)
        account = await account_service.get(uow, actor, new.account_id)
        if not (new.phone_number and new.phone_number.strip()) and not (new.email and new.email.strip()):
            raise InvalidInput("A contact needs a phoneNumber or an email.", field="phoneNumber")
        msisdn = (
            tokens.normalise_msisdn(new.phone_number, account.default_country, field="phoneNumber")
            if new.phone_number and new.phone_number.strip()
            else None
        )
        email = tokens.normalise_email(new.email, field="email") if new.email and new.email.strip() else None
        if len(new.group_ids) > MAX_GROUPS_PER_CONTACT:
            raise TooMany(
                f"{len(new.group_ids):,} groups in one call; at most {MAX_GROUPS_PER_CONTACT} are allowed.",
                field="groupIds",
            )
        groups = await group_service.get_for_account(uow, actor, account, new.group_ids, field="groupIds")
        contact = await ContactRepository(uow.session).add(
            models.Contact(
                organization_id=actor.organization_id,
                account_id=account.id,
                msisdn=msisdn,
                email=email,
                first_name=_clean_name(new.first_name, "firstName"),
                last_name=_clean_name(new.last_name, "lastName"),
            )
        )
        await group_service.enrol(uow, actor, groups, contact.id)
        return contact

    async def page(
        self, uow: UnitOfWork, actor: Actor, account_id: UUID, *, first: int | None, after: str | None
    ) -> Page[models.Contact]:
        size = page_size(first)
        after_key = decode_cursor("contacts", after, (timestamp, uuid))
        account = await account_service.get(uow, actor, account_id)
        rows = await ContactRepository(uow.session).page(
            actor.organization_id, account.id, after=after_key, limit=size + 1
        )
        return build_page(rows, size, lambda c: encode_cursor("contacts", [c.created_at.isoformat(), str(c.id)]))

    async def count(self, uow: UnitOfWork, actor: Actor, account_id: UUID) -> int:
        account = await account_service.get(uow, actor, account_id)
        return await ContactRepository(uow.session).count(actor.organization_id, account.id)

    async def ids_in_account(
        self, uow: UnitOfWork, actor: Actor, account_id: UUID, contact_ids: list[UUID]
    ) -> set[UUID]:
        """Which of these ids are contacts of the account."""
        return await ContactRepository(uow.session).ids_in_account(actor.organization_id, account_id, contact_ids)

    async def matches(
        self, uow: UnitOfWork, account: AccountSettings, pairs: list[tuple[str | None, str | None]]
    ) -> dict[int, tuple[UUID, bool]]:
        """Bulk imports: for each (msisdn, email) pair of normalised tokens with a contact in the
        account, by its index, that contact's id and whether this unit made it. `account` as the
        caller has read it, through the actor, in this unit."""
        return await address_book.matches(uow.connection, account.organization_id, account.id, pairs)

    async def write_many(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account: AccountSettings,
        *,
        new: list[ContactValues],
        changed: list[ContactValues],
        group: models.Group | None,
    ) -> None:
        """Bulk imports: adds `new` contacts and updates `changed` ones (their non-empty values
        replace the stored ones, custom fields merged), all into `group` if one is given (already
        checked: group_service.get_for_account)."""
        actor.require(Role.WRITER)
        if new:
            await address_book.copy_new(uow.connection, account.organization_id, account.id, new)
        if changed:
            await address_book.update_many(uow.connection, account.organization_id, changed)
        if group is not None:
            await group_service.enrol_many(
                uow, group, [(values[0], values[1], values[2]) for values in new], [values[0] for values in changed]
            )

    async def apply_opt_out_effect(
        self, uow: UnitOfWork, account: AccountSettings, tokens: list[str], token_type: TokenType
    ) -> None:
        """What the account's `onOptOut` says an opt-out of these tokens does to its contacts."""
        effect = ContactOptOutEffect(account.on_opt_out)
        organization_id = account.organization_id
        if effect is ContactOptOutEffect.REMOVE_FROM_GROUPS:
            await group_service.remove_tokens_from_groups(uow, organization_id, account.id, tokens, token_type)
        elif effect is ContactOptOutEffect.DELETE_CONTACT:
            await address_book.delete_by_tokens(uow.connection, organization_id, account.id, tokens, token_type)


contact_service = ContactService()
