from typing import Annotated, Self

import strawberry

from app.consent.topics import UNSET, consent_topic_service
from app.consent.topics import ConsentTopic as TopicRecord
from app.enums import Channel
from app.errors import DomainError
from graphql_schema import ids
from graphql_schema.bounds import list_argument
from graphql_schema.context import Info
from graphql_schema.errors import UserError


@strawberry.type(description="A campaign type an account asks consent for: promotions, product news, reminders...")
class ConsentTopic:
    id: strawberry.ID
    name: str
    channels: list[Channel] = strawberry.field(description="The channels a consent to it covers.")
    valid_for_days: int | None = strawberry.field(
        description="Days a consent to it holds, from when it was given; null: until withdrawn."
    )
    retired: bool = strawberry.field(description="No longer offered; its consents stay on record.")

    @classmethod
    def from_record(cls, topic: TopicRecord) -> Self:
        return cls(
            id=strawberry.ID(ids.encode("ConsentTopic", topic.id)),
            name=topic.name,
            channels=topic.channels,
            valid_for_days=topic.valid_for_days,
            retired=topic.retired,
        )


@strawberry.type(description="The result of a consent topic mutation.")
class ConsentTopicPayload:
    topic: ConsentTopic | None = strawberry.field(description="The topic; null when the call was refused.")
    errors: list[UserError] = strawberry.field(description="Why the call was refused; empty on success.")


@strawberry.type
class ConsentQuery:
    @strawberry.field(description="The account's consent topics: those in use first, then the retired, by name.")
    async def consent_topics(self, info: Info, account_id: strawberry.ID) -> list[ConsentTopic]:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId")
        found = await info.context.read(lambda unit: consent_topic_service.list_for_account(unit, actor, decoded))
        return [ConsentTopic.from_record(topic) for topic in found]


@strawberry.type
class ConsentMutation:
    @strawberry.mutation(
        description="Create a consent topic of an account (admin). Names are unique among topics in use."
    )
    async def create_consent_topic(
        self,
        info: Info,
        account_id: strawberry.ID,
        name: str,
        channels: Annotated[list[Channel], list_argument("The channels it covers.", max_items=len(Channel))],
        valid_for_days: int | None = None,
    ) -> ConsentTopicPayload:
        try:
            actor = info.context.actor
            decoded = ids.decode("Account", account_id, field="accountId")
            topic = await info.context.run(
                lambda unit: consent_topic_service.create(
                    unit, actor, account_id=decoded, name=name, channels=channels, valid_for_days=valid_for_days
                )
            )
        except DomainError as error:
            return ConsentTopicPayload(topic=None, errors=UserError.list_from(error))
        return ConsentTopicPayload(topic=ConsentTopic.from_record(topic), errors=[])

    @strawberry.mutation(
        description="Rename a topic, change how long its consents hold (null: until withdrawn), or retire or "
        "restore it (admin). Omitted arguments stay as they are; a topic is never deleted."
    )
    async def update_consent_topic(
        self,
        info: Info,
        id: strawberry.ID,
        name: str | None = None,
        valid_for_days: strawberry.Maybe[int | None] = None,
        retired: bool | None = None,
    ) -> ConsentTopicPayload:
        try:
            actor = info.context.actor
            decoded = ids.decode("ConsentTopic", id, field="id")
            days = valid_for_days.value if valid_for_days is not None else UNSET
            topic = await info.context.run(
                lambda unit: consent_topic_service.update(
                    unit, actor, decoded, name=name, valid_for_days=days, retired=retired
                )
            )
        except DomainError as error:
            return ConsentTopicPayload(topic=None, errors=UserError.list_from(error))
        return ConsentTopicPayload(topic=ConsentTopic.from_record(topic), errors=[])
