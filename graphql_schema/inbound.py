from datetime import datetime
from typing import Annotated, Self

import strawberry

from app.errors import DomainError
from app.inbound.repository import InboundRecord
from app.inbound.service import inbound_service
from graphql_schema import ids
from graphql_schema.accounts import Account, AccountPayload
from graphql_schema.context import Info
from graphql_schema.errors import UserError
from graphql_schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, edges_of


@strawberry.type(description="A message a gateway posted to POST /inbound/sms, and what it triggered.")
class InboundMessage:
    id: strawberry.ID
    from_: str = strawberry.field(name="from", description="The sender, E.164.")
    to: str = strawberry.field(description="The number it was sent to, as the gateway gave it.")
    body: str
    action: str = strawberry.field(description="OPT_OUT, OPT_IN, HELP or NONE: what it did.")
    needs_review: bool = strawberry.field(
        description="Neither clearly a revocation nor clearly not: a person decides (resolveInboundMessage)."
    )
    reason: str | None = strawberry.field(description="The keyword or phrase rule that decided.")
    reply: str | None = strawberry.field(description="What was answered (the help text).")
    message_id: str | None = strawberry.field(description="The gateway's id of the message.")
    received_at: datetime

    @classmethod
    def from_record(cls, message: InboundRecord) -> Self:
        return cls(
            id=ids.encode("InboundMessage", message.id),
            from_=message.sender,
            to=message.recipient,
            body=message.body,
            action=message.action,
            needs_review=message.needs_review,
            reason=message.reason,
            reply=message.reply,
            message_id=message.gateway_message_id,
            received_at=message.received_at,
        )


@strawberry.type(description="A page of inbound messages, newest first.")
class InboundMessageConnection(Connection[InboundMessage]):
    pass


@strawberry.type
class InboundQuery:
    @strawberry.field(description="The incoming report: every inbound message and what it triggered, newest first.")
    async def inbound_messages(
        self,
        info: Info,
        account_id: strawberry.ID,
        needs_review: Annotated[
            bool | None, strawberry.argument(description="Only those waiting for review (true), or only the others.")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> InboundMessageConnection:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId")
        page = await info.context.read(
            lambda unit: inbound_service.page(unit, actor, decoded, needs_review=needs_review, first=first, after=after)
        )
        edges, page_info = edges_of(page, InboundMessage.from_record)
        return InboundMessageConnection(
            edges=edges,
            page_info=page_info,
            count_total=lambda: info.context.read(
                lambda unit: inbound_service.count(unit, actor, decoded, needs_review=needs_review)
            ),
        )


@strawberry.type
class InboundMutation:
    @strawberry.mutation(
        description="Decide a message waiting for review (writer): optOut true opts its sender out of SMS, false "
        "leaves everything as it is. Either way it no longer waits."
    )
    async def resolve_inbound_message(self, info: Info, id: strawberry.ID, opt_out: bool) -> AccountPayload:
        try:
            actor = info.context.actor
            decoded = ids.decode("InboundMessage", id, field="id")
            account = await info.context.run(
                lambda unit: inbound_service.resolve(unit, actor, decoded, opt_out=opt_out)
            )
        except DomainError as error:
            return AccountPayload(account=None, errors=UserError.list_from(error))
        return AccountPayload(account=Account.from_model(account), errors=[])
