from typing import Annotated, Self

import strawberry

from app import models
from app.contacts.service import MAX_GROUPS_PER_CONTACT, NewContact, contact_service
from app.errors import DomainError
from graphql_schema import ids
from graphql_schema.bounds import list_argument
from graphql_schema.context import Info
from graphql_schema.errors import UserError
from graphql_schema.groups import Group
from graphql_schema.opt_outs import OptOutStatus
from graphql_schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, edges_of


@strawberry.type(description="A value of a contact beyond its tokens and names, e.g. a column of an import.")
class CustomField:
    name: str
    value: str


@strawberry.type(description="An entry of an account's address book.")
class Contact:
    id: strawberry.ID
    phone_number: str | None = strawberry.field(description="E.164.")
    email: str | None = strawberry.field(description="Lower-cased.")
    first_name: str | None
    last_name: str | None
    model: strawberry.Private[models.Contact]

    @strawberry.field(description="Its custom fields, by name (an import keeps its extra columns here).")
    def custom_fields(self) -> list[CustomField]:
        return [CustomField(name=name, value=str(value)) for name, value in sorted(self.model.custom_fields.items())]

    @strawberry.field(description="Groups this contact belongs to.")
    async def groups(self, info: Info) -> list[Group]:
        groups = await info.context.loaders.groups_by_contact.load(self.model.id)
        return [Group.from_model(group) for group in groups]

    @strawberry.field(description="One status per channel the contact has a token for, from its account's list.")
    async def opt_out_status(self, info: Info) -> list[OptOutStatus]:
        statuses = await info.context.loaders.statuses_by_contact.load(self.model)
        return [OptOutStatus.from_status(status) for status in statuses]

    @classmethod
    def from_model(cls, contact: models.Contact) -> Self:
        return cls(
            id=ids.encode("Contact", contact.id),
            phone_number=contact.msisdn,
            email=contact.email,
            first_name=contact.first_name,
            last_name=contact.last_name,
            model=contact,
        )


@strawberry.type(description="A page of contacts, oldest first.")
class ContactConnection(Connection[Contact]):
    pass


@strawberry.type(description="The result of a contact mutation.")
class ContactPayload:
    contact: Contact | None = strawberry.field(description="The contact; null when the call was refused.")
    errors: list[UserError] = strawberry.field(description="Why the call was refused; empty on success.")


@strawberry.type
class ContactQuery:
    @strawberry.field(description="The contacts of an account, oldest first.")
    async def contacts(
        self,
        info: Info,
        account_id: strawberry.ID,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> ContactConnection:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId")
        page = await info.context.read(
            lambda unit: contact_service.page(unit, actor, decoded, first=first, after=after)
        )
        edges, page_info = edges_of(page, Contact.from_model)
        return ContactConnection(
            edges=edges,
            page_info=page_info,
            count_total=lambda: info.context.read(lambda unit: contact_service.count(unit, actor, decoded)),
        )


@strawberry.type
class ContactMutation:
    @strawberry.mutation(description="Add a contact with a phone number and/or an e-mail address (writer).")
    async def create_contact(
        self,
        info: Info,
        account_id: strawberry.ID,
        phone_number: Annotated[
            str | None,
            strawberry.argument(description="International (+...) or national in the account's defaultCountry."),
        ] = None,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        group_ids: Annotated[
            list[strawberry.ID] | None,
            list_argument("Groups of the account to add the contact to.", max_items=MAX_GROUPS_PER_CONTACT),
        ] = None,
    ) -> ContactPayload:
        try:
            actor = info.context.actor
            new = NewContact(
                account_id=ids.decode("Account", account_id, field="accountId"),
                phone_number=phone_number,
                email=email,
                first_name=first_name,
                last_name=last_name,
                group_ids=ids.decode_many("Group", group_ids or [], field="groupIds"),
            )
            contact = await info.context.run(lambda unit: contact_service.create(unit, actor, new))
        except DomainError as error:
            return ContactPayload(contact=None, errors=UserError.list_from(error))
        return ContactPayload(contact=Contact.from_model(contact), errors=[])
