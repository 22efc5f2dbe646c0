from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from app import models, tokens
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.contacts.repository import ContactRepository
from app.enums import Role
from app.errors import InvalidInput, TooMany
from app.groups.repository import GroupRepository
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
    async def create(self, session: AsyncSession, actor: Actor, new: NewContact) -> models.Contact:
        actor.require(Role.WRITER)
        account = await account_service.get(session, actor, new.account_id)
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
        groups = await group_service.get_for_account(session, actor, account, new.group_ids, field="groupIds")
        contact = await ContactRepository(session).add(
            models.Contact(
                organization_id=actor.organization_id,
                account_id=account.id,
                msisdn=msisdn,
                email=email,
                first_name=_clean_name(new.first_name, "firstName"),
                last_name=_clean_name(new.last_name, "lastName"),
            )
        )
        group_repository = GroupRepository(session)
        for group in groups:
            await group_repository.add_members(actor.organization_id, group.id, [contact.id])
        return contact

    async def page(
        self, session: AsyncSession, actor: Actor, account_id: UUID, *, first: int | None, after: str | None
    ) -> Page[models.Contact]:
        size = page_size(first)
        after_key = decode_cursor("contacts", after, (timestamp, uuid))
        account = await account_service.get(session, actor, account_id)
        rows = await ContactRepository(session).page(actor.organization_id, account.id, after=after_key, limit=size + 1)
        return build_page(rows, size, lambda c: encode_cursor("contacts", [c.created_at.isoformat(), str(c.id)]))

    async def count(self, session: AsyncSession, actor: Actor, account_id: UUID) -> int:
        account = await account_service.get(session, actor, account_id)
        return await ContactRepository(session).count(actor.organization_id, account.id)

    async def groups_of(
        self, session: AsyncSession, actor: Actor, contact_ids: list[UUID]
    ) -> dict[UUID, list[models.Group]]:
        by_contact: dict[UUID, list[models.Group]] = {contact_id: [] for contact_id in contact_ids}
        for contact_id, group in await GroupRepository(session).groups_of_contacts(actor.organization_id, contact_ids):
            by_contact[contact_id].append(group)
        return by_contact


contact_service = ContactService()
