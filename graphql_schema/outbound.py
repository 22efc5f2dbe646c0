from datetime import datetime
from typing import Annotated, Self

import strawberry

from app.outbound.repository import OutboundRecord
from app.outbound.service import outbound_service
from graphql_schema import ids
from graphql_schema.context import Info
from graphql_schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, edges_of


@strawberry.type(description="A message Stoplist sends (an opt-out confirmation) and how its sending went.")
class OutboundMessage:
    id: strawberry.ID
    to: str = strawberry.field(description="E.164.")
    body: str
    kind: str = strawberry.field(description="CONFIRMATION.")
    status: str = strawberry.field(description="PENDING (queued or being retried), SENT, or FAILED after every try.")
    created_at: datetime
    attempts: int = strawberry.field(description="How many times it was handed to the sender.")
    last_error: str | None = strawberry.field(description="Why the last try failed.")
    sent_at: datetime | None

    @classmethod
    def from_record(cls, message: OutboundRecord) -> Self:
        return cls(
            id=ids.encode("OutboundMessage", message.id),
            to=message.recipient,
            body=message.body,
            kind=message.kind,
            status=message.status,
            created_at=message.created_at,
            attempts=message.attempts,
            last_error=message.last_error,
            sent_at=message.sent_at,
        )


@strawberry.type(description="A page of outbound messages, newest first.")
class OutboundMessageConnection(Connection[OutboundMessage]):
    pass


@strawberry.type
class OutboundQuery:
    @strawberry.field(description="The messages Stoplist sent or is sending for an account, newest first.")
    async def outbound_messages(
        self,
        info: Info,
        account_id: strawberry.ID,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> OutboundMessageConnection:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId")
        page = await info.context.read(
            lambda unit: outbound_service.page(unit, actor, decoded, first=first, after=after)
        )
        edges, page_info = edges_of(page, OutboundMessage.from_record)
        return OutboundMessageConnection(
            edges=edges,
            page_info=page_info,
            count_total=lambda: info.context.read(lambda unit: outbound_service.count(unit, actor, decoded)),
        )
