from collections.abc import Awaitable, Callable
from typing import Annotated, Self

import strawberry

from app.audiences.service import MAX_GROUPS, AudienceCounts, AudienceQuery, audience_service
from app.audiences.service import AudienceMember as Member
from graphql_schema import ids
from graphql_schema.bounds import list_argument
from graphql_schema.context import Info
from graphql_schema.enums import Channel, Purpose
from graphql_schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Edge, PageInfo, edges_of, once


@strawberry.type(description="A recipient of a campaign: one per token, however many contacts share it.")
class AudienceMember:
    contact_id: strawberry.ID = strawberry.field(description="The first contact (by id) in the groups with this token.")
    token: str = strawberry.field(description="The address to send to: E.164 or e-mail.")
    via_bypass_group: bool = strawberry.field(
        description="True when the token is opted out and is included only because a requested group bypasses opt-outs."
    )

    @classmethod
    def from_member(cls, member: Member) -> Self:
        return cls(
            contact_id=ids.encode("Contact", member.contact_id),
            token=member.token,
            via_bypass_group=member.via_bypass_group,
        )


@strawberry.type(description="A page of an audience, in token order.")
class AudienceConnection:
    # Each part is read only if the query selects it: counting a large audience is the costly part.
    page: strawberry.Private[Callable[[], Awaitable[tuple[list[Edge[AudienceMember]], PageInfo]]]]
    counts: strawberry.Private[Callable[[], Awaitable[AudienceCounts]]]

    @strawberry.field(description="The members of this page, in token order.")
    async def edges(self) -> list[Edge[AudienceMember]]:
        return (await self.page())[0]

    @strawberry.field(description="Paging state.")
    async def page_info(self) -> PageInfo:
        return (await self.page())[1]

    @strawberry.field(description="How many tokens the whole audience holds (counted only when asked for).")
    async def total_count(self) -> int:
        return (await self.counts()).total

    @strawberry.field(description="How many opted-out tokens of the groups were left out.")
    async def suppressed_count(self) -> int:
        return (await self.counts()).suppressed


@strawberry.type
class AudienceQueryType:
    @strawberry.field(
        description="Members of the groups who may receive a message of this purpose on this channel: members with a "
        "token for the channel, deduplicated by token, minus tokens opted out in the account's list, plus members "
        "reached through a requested bypassOptOut group. TRANSACTIONAL is never filtered. "
        f"At most {MAX_GROUPS} groups."
    )
    async def audience(
        self,
        info: Info,
        account_id: strawberry.ID,
        group_ids: Annotated[
            list[strawberry.ID], list_argument("The groups whose members make the audience.", max_items=MAX_GROUPS)
        ],
        channel: Channel,
        purpose: Purpose | None = Purpose.PROMOTIONAL,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> AudienceConnection:
        actor = info.context.actor
        query = AudienceQuery(
            account_id=ids.decode("Account", account_id, field="accountId"),
            group_ids=ids.decode_many("Group", group_ids, field="groupIds"),
            channel=channel,
            purpose=purpose or Purpose.PROMOTIONAL,
        )
        prepared = await info.context.read(
            lambda unit: audience_service.prepare(unit, actor, query, first=first, after=after)
        )

        async def page() -> tuple[list[Edge[AudienceMember]], PageInfo]:
            members = await info.context.read(lambda unit: audience_service.page(unit, prepared))
            return edges_of(members, AudienceMember.from_member)

        return AudienceConnection(
            page=once(page),
            counts=once(lambda: info.context.read(lambda unit: audience_service.counts(unit, prepared))),
        )
