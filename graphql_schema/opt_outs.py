from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Self, TypeAlias

import strawberry

from app import ids as app_ids
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.errors import DomainError
from app.opt_outs.records import EventRecord, Evidence
from app.opt_outs.service import MAX_CHECK_TOKENS, OptOutCommand, TokenStatus, opt_out_service
from graphql_schema import ids
from graphql_schema.bounds import list_argument, list_field
from graphql_schema.context import Info
from graphql_schema.enums import Channel, OptOutAction, OptOutScope, OptOutSource, TokenType
from graphql_schema.errors import UserError
from graphql_schema.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, edges_of


@strawberry.type(description="Whether a token is opted out of a channel in a list.")
class OptOutStatus:
    token: str = strawberry.field(
        description="The normalised token (E.164 or lower-cased e-mail); the input if invalid."
    )
    token_type: TokenType
    channel: Channel
    opted_out: bool
    since: datetime | None = strawberry.field(description="When it was opted out; null when it is not.")
    reason: str | None = strawberry.field(description="The reason given with the opt-out.")
    input: str = strawberry.field(description="The token as it was sent.")
    error: UserError | None = strawberry.field(
        description="Set when the input could not be read as a token of the channel's type; optedOut is then false."
    )

    @classmethod
    def from_status(cls, status: TokenStatus) -> Self:
        return cls(
            token=status.token,
            token_type=status.token_type,
            channel=status.channel,
            opted_out=status.opted_out,
            since=status.since,
            reason=status.reason,
            input=status.input,
            error=UserError.from_domain(status.error) if status.error else None,
        )


@strawberry.type(description="How an opt-out or opt-in was made, where there is something to keep.")
class OptOutEvidence:
    inbound_text: str | None = strawberry.field(description="The reply that triggered it.")
    inbound_message_id: str | None = strawberry.field(description="The gateway's id of that reply.")
    campaign: str | None = strawberry.field(description="The campaign it came from, as the caller named it.")
    link_code: str | None = strawberry.field(description="The opt-out link it was made through.")
    ip_address: str | None = strawberry.field(description="Of the person on the opt-out link's page.")
    user_agent: str | None = strawberry.field(description="Of the person on the opt-out link's page.")
    consent_evidence: str | None = strawberry.field(
        description="For an opt-in that resets an opt-out (imports): the consent it rests on."
    )

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None) -> Self | None:
        evidence = Evidence.from_json(stored)
        return None if evidence is None else cls(**asdict(evidence))


@strawberry.type(description="One change of the append-only opt-out history.")
class OptOutEvent:
    id: strawberry.ID
    cursor: str = strawberry.field(description="Resume the feed (or page history) after this event.")
    account_id: strawberry.ID = strawberry.field(description="The account it was made through.")
    scope: OptOutScope = strawberry.field(description="Which list it was recorded in.")
    token: str
    token_type: TokenType
    channel: Channel
    action: OptOutAction
    source: OptOutSource
    reason: str | None
    occurred_at: datetime
    evidence: OptOutEvidence | None = strawberry.field(
        description="How it was made (the inbound reply, campaign, link), where there is something to keep."
    )

    @classmethod
    def from_model(cls, event: EventRecord) -> Self:
        return cls(
            id=strawberry.ID(app_ids.encode_event(event.id)),
            cursor=event.position.encode(),
            account_id=ids.encode("Account", event.account_id),
            scope=OptOutScope(event.scope),
            token=event.token,
            token_type=TokenType(event.token_type),
            channel=Channel(event.channel),
            action=OptOutAction(event.action),
            source=OptOutSource(event.source),
            reason=event.reason,
            occurred_at=event.occurred_at,
            evidence=OptOutEvidence.from_stored(event.evidence),
        )


@strawberry.type(description="A page of opted-out tokens, by token type, channel and token.")
class OptOutStatusConnection(Connection[OptOutStatus]):
    pass


@strawberry.type(description="A page of a token's history, oldest first.")
class OptOutEventConnection(Connection[OptOutEvent]):
    pass


@strawberry.input(description="An opt-out or opt-in of one token on one or more channels.")
class OptOutInput:
    account_id: strawberry.ID = strawberry.field(description="The account it is made through; its list records it.")
    token: str = strawberry.field(
        description="A phone number (international, or national in the account's defaultCountry) or an e-mail address."
    )
    channels: list[Channel] = list_field(
        "SMS, WHATSAPP, VOICE, RCS for numbers; EMAIL for e-mails.", max_items=len(Channel)
    )
    reason: str | None = strawberry.field(default=None, description="Free text, at most 1,000 characters.")
    source: OptOutSource | None = strawberry.field(default=OptOutSource.API, description="How it reached Stoplist.")
    campaign: str | None = strawberry.field(
        default=None, description="The campaign it came from, kept as evidence; at most 200 characters."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Makes retries safe: the same key with the same input returns the first call's events for at "
        "least 24 hours; the same key with a different input is refused. Keys belong to the account the call is "
        "made through: other accounts never see them. At most 255 characters.",
    )

    def to_command(self) -> OptOutCommand:
        return OptOutCommand(
            account_id=ids.decode("Account", self.account_id, field="input.accountId"),
            token=self.token,
            channels=list(self.channels),
            reason=self.reason,
            source=self.source or OptOutSource.API,
            idempotency_key=self.idempotency_key,
            evidence=Evidence(campaign=self.campaign),
        )


@strawberry.type(description="The result of optOut / optIn.")
class OptOutPayload:
    events: list[OptOutEvent] = strawberry.field(
        description="The changes made, one per channel whose state changed; empty when nothing changed."
    )
    errors: list[UserError] = strawberry.field(description="Why the call was refused; empty on success.")


@strawberry.type
class OptOutQuery:
    @strawberry.field(
        description=f"Send-time check of up to {MAX_CHECK_TOKENS:,} tokens on a channel, against the account's list. "
        "One answer per token, in order; invalid tokens carry an error instead of failing the call."
    )
    async def check_opt_outs(
        self,
        info: Info,
        account_id: strawberry.ID,
        channel: Channel,
        tokens: Annotated[
            list[str], list_argument("Phone numbers or e-mail addresses, as sent.", max_items=MAX_CHECK_TOKENS)
        ],
    ) -> list[OptOutStatus]:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId")
        statuses = await info.context.read(lambda unit: opt_out_service.check(unit, actor, decoded, channel, tokens))
        return [OptOutStatus.from_status(status) for status in statuses]

    @strawberry.field(
        description="The opted-out tokens of the list an account uses; without accountId, the organization list "
        "(an account key: its account's list)."
    )
    async def opt_outs(
        self,
        info: Info,
        account_id: strawberry.ID | None = None,
        token_type: TokenType | None = None,
        channel: Channel | None = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> OptOutStatusConnection:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId") if account_id is not None else None
        page = await info.context.read(
            lambda unit: opt_out_service.opted_out_page(
                unit, actor, account_id=decoded, token_type=token_type, channel=channel, first=first, after=after
            )
        )
        edges, page_info = edges_of(page, OptOutStatus.from_status)
        return OptOutStatusConnection(
            edges=edges,
            page_info=page_info,
            count_total=lambda: info.context.read(
                lambda unit: opt_out_service.count_opted_out(
                    unit, actor, account_id=decoded, token_type=token_type, channel=channel
                )
            ),
        )

    @strawberry.field(description="Every opt-out and opt-in of a token in the account's list, oldest first.")
    async def opt_out_history(
        self,
        info: Info,
        account_id: strawberry.ID,
        token: str,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> OptOutEventConnection:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId")
        page = await info.context.read(
            lambda unit: opt_out_service.history_page(
                unit, actor, account_id=decoded, token=token, first=first, after=after
            )
        )
        edges, page_info = edges_of(page, OptOutEvent.from_model)
        return OptOutEventConnection(
            edges=edges,
            page_info=page_info,
            count_total=lambda: info.context.read(
                lambda unit: opt_out_service.count_history(unit, actor, account_id=decoded, token=token)
            ),
        )


@strawberry.type
class OptOutMutation:
    @strawberry.mutation(
        description="Opt a token out of one or more channels (writer). Durable when it returns. "
        "A channel already opted out changes nothing and returns no event."
    )
    async def opt_out(self, info: Info, input: OptOutInput) -> OptOutPayload:
        return await _change(info, input, opt_out_service.opt_out)

    @strawberry.mutation(
        description="Opt a token back in on one or more channels (writer). A channel not opted out changes nothing."
    )
    async def opt_in(self, info: Info, input: OptOutInput) -> OptOutPayload:
        return await _change(info, input, opt_out_service.opt_in)


ChangeMethod: TypeAlias = Callable[[UnitOfWork, Actor, OptOutCommand], Awaitable[list[EventRecord]]]


async def _change(info: Info, input: OptOutInput, change: ChangeMethod) -> OptOutPayload:
    try:
        actor = info.context.actor
        command = input.to_command()
        events = await info.context.run(lambda unit: change(unit, actor, command))
    except DomainError as error:
        return OptOutPayload(events=[], errors=UserError.list_from(error))
    return OptOutPayload(events=[OptOutEvent.from_model(event) for event in events], errors=[])
