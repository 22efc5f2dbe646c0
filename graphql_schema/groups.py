from typing import Annotated, Self
from uuid import UUID

import strawberry

from app import models
from app.errors import DomainError
from app.groups.service import MAX_CONTACTS_PER_CALL, group_service
from graphql_schema import ids
from graphql_schema.bounds import list_argument
from graphql_schema.context import Info
from graphql_schema.errors import UserError


@strawberry.type(description="A named set of contacts of an account.")
class Group:
    id: strawberry.ID
    name: str
    bypass_opt_out: bool = strawberry.field(
        description="Members receive messages sent to this group even when opted out (e.g. staff, service notices)."
    )
    model_id: strawberry.Private[UUID]

    @strawberry.field(description="How many contacts are in the group.")
    async def member_count(self, info: Info) -> int:
        return await info.context.loaders.member_count.load(self.model_id)

    @classmethod
    def from_model(cls, group: models.Group) -> Self:
        return cls(
            id=ids.encode("Group", group.id), name=group.name, bypass_opt_out=group.bypass_opt_out, model_id=group.id
        )


@strawberry.type(description="The result of a group mutation.")
class GroupPayload:
    group: Group | None = strawberry.field(description="The group; null when the call was refused.")
    errors: list[UserError] = strawberry.field(description="Why the call was refused; empty on success.")

    @classmethod
    def refused(cls, error: DomainError) -> Self:
        return cls(group=None, errors=UserError.list_from(error))


@strawberry.type
class GroupQuery:
    @strawberry.field(description="The groups of an account, by name.")
    async def groups(self, info: Info, account_id: strawberry.ID) -> list[Group]:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId")
        groups = await info.context.read(lambda unit: group_service.list_for_account(unit, actor, decoded))
        return [Group.from_model(group) for group in groups]


@strawberry.type
class GroupMutation:
    @strawberry.mutation(description="Create a group (writer; admin when it bypasses opt-outs).")
    async def create_group(
        self, info: Info, account_id: strawberry.ID, name: str, bypass_opt_out: bool | None = False
    ) -> GroupPayload:
        try:
            actor = info.context.actor
            decoded = ids.decode("Account", account_id, field="accountId")
            group = await info.context.run(
                lambda unit: group_service.create(
                    unit, actor, account_id=decoded, name=name, bypass_opt_out=bool(bypass_opt_out)
                )
            )
        except DomainError as error:
            return GroupPayload.refused(error)
        return GroupPayload(group=Group.from_model(group), errors=[])

    @strawberry.mutation(description="Set whether a group's members receive messages even when opted out (admin).")
    async def set_group_bypass(self, info: Info, group_id: strawberry.ID, bypass_opt_out: bool) -> GroupPayload:
        try:
            actor = info.context.actor
            decoded = ids.decode("Group", group_id, field="groupId")
            group = await info.context.run(lambda unit: group_service.set_bypass(unit, actor, decoded, bypass_opt_out))
        except DomainError as error:
            return GroupPayload.refused(error)
        return GroupPayload(group=Group.from_model(group), errors=[])

    @strawberry.mutation(
        description=f"Add contacts of the group's account to it (writer); at most {MAX_CONTACTS_PER_CALL:,} a call. "
        "Contacts already in the group stay as they are."
    )
    async def add_contacts_to_group(
        self,
        info: Info,
        group_id: strawberry.ID,
        contact_ids: Annotated[
            list[strawberry.ID], list_argument("Contacts of the group's account.", max_items=MAX_CONTACTS_PER_CALL)
        ],
    ) -> GroupPayload:
        try:
            actor = info.context.actor
            decoded_group = ids.decode("Group", group_id, field="groupId")
            decoded_contacts = ids.decode_many("Contact", contact_ids, field="contactIds")
            group = await info.context.run(
                lambda unit: group_service.add_contacts(unit, actor, decoded_group, decoded_contacts)
            )
        except DomainError as error:
            return GroupPayload.refused(error)
        return GroupPayload(group=Group.from_model(group), errors=[])
