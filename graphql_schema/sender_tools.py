"""Sender tools: opt-out instructions, messages made ready to send, opt-out links and the
List-Unsubscribe headers of an e-mail."""

from typing import Annotated, Self

import strawberry

from app import models
from app.accounts.service import account_service
from app.db.unit_of_work import UnitOfWork
from app.errors import DomainError
from app.instructions.service import DEFAULT_COUNTRY, LINK, MAX_TEXT_LENGTH, instruction_service
from app.links.service import link_service, url
from app.messages.prepare import Prepared
from app.messages.service import MAX_BODY_LENGTH, MAX_RECIPIENTS, PreparedFor, message_service
from graphql_schema import ids
from graphql_schema.accounts import Account, AccountPayload
from graphql_schema.bounds import list_argument, text_argument
from graphql_schema.context import Info
from graphql_schema.enums import Channel
from graphql_schema.errors import UserError

SENDER = (
    "The sender the message goes from: a number can take replies, so the country's instruction is used; "
    "an alphanumeric sender ID cannot, so the recipient's opt-out link is."
)
ONE_CLICK = "List-Unsubscribe=One-Click"
Body = Annotated[str, text_argument("The message as written.", max_length=MAX_BODY_LENGTH)]


@strawberry.type(description="A promotional SMS made ready to send, and what it costs in parts.")
class PreparedMessage:
    body: str = strawberry.field(description="The body to send.")
    appended: bool = strawberry.field(description="False when the body already had a STOP clause.")
    encoding: str = strawberry.field(description="GSM-7 or UCS-2, of the body to send.")
    segments_before: int = strawberry.field(description="SMS parts of the body as given.")
    segments_after: int = strawberry.field(description="SMS parts of the body to send.")
    encoding_switched: bool = strawberry.field(
        description="True when appending the instruction turned a GSM-7 body into UCS-2."
    )

    @classmethod
    def from_prepared(cls, prepared: Prepared) -> Self:
        return cls(
            body=prepared.body,
            appended=prepared.appended,
            encoding=prepared.encoding.value,
            segments_before=prepared.segments_before,
            segments_after=prepared.segments_after,
            encoding_switched=prepared.encoding_switched,
        )


@strawberry.type(description="One recipient of prepareMessages: its message, or why there is none.")
class PreparedMessageResult:
    to: str = strawberry.field(description="The number as it was sent.")
    message: PreparedMessage | None
    error: UserError | None = strawberry.field(description="Set when the number could not be read.")

    @classmethod
    def from_result(cls, result: PreparedFor) -> Self:
        return cls(
            to=result.to,
            message=PreparedMessage.from_prepared(result.message) if result.message else None,
            error=UserError.from_domain(result.error) if result.error else None,
        )


@strawberry.type(description="A short opt-out link of one token and channel; the same every time it is asked for.")
class OptOutLink:
    code: str
    url: str


@strawberry.type(description="Header values for an e-mail's one-click unsubscribe (RFC 8058).")
class UnsubscribeHeaders:
    list_unsubscribe: str = strawberry.field(description="The List-Unsubscribe value: <https://…/o/CODE>.")
    list_unsubscribe_post: str = strawberry.field(description="The List-Unsubscribe-Post value.")


@strawberry.type
class SenderToolsQuery:
    # Queries that may mint a link (get or create: the same code every time) run in a write unit.
    @strawberry.field(
        description="The text to append to a promotional SMS to this number: its country's instruction, else the "
        "account's default, else the recipient's opt-out link. " + SENDER
    )
    async def opt_out_instruction(
        self, info: Info, account_id: strawberry.ID, phone_number: str, sender: str | None = None
    ) -> str:
        actor, base = info.context.actor, info.context.links_base
        account = ids.decode("Account", account_id, field="accountId")
        return await info.context.run(
            lambda unit: message_service.instruction(unit, actor, account, phone_number, sender=sender, links_base=base)
        )

    @strawberry.field(
        description="The body with the recipient's opt-out instruction appended, unless it already has a STOP "
        "clause (an opt-out keyword of the account, in capitals), and its SMS parts before and after. " + SENDER
    )
    async def prepare_message(
        self, info: Info, account_id: strawberry.ID, to: str, body: Body, sender: str | None = None
    ) -> PreparedMessage:
        actor, base = info.context.actor, info.context.links_base
        account = ids.decode("Account", account_id, field="accountId")
        prepared = await info.context.run(
            lambda unit: message_service.prepare_one(unit, actor, account, to, body, sender=sender, links_base=base)
        )
        return PreparedMessage.from_prepared(prepared)

    @strawberry.field(
        description="prepareMessage for many recipients in one call, in the order given, each with its own link "
        "where it needs one; a number that cannot be read is reported in its place."
    )
    async def prepare_messages(
        self,
        info: Info,
        account_id: strawberry.ID,
        body: Body,
        to: Annotated[list[str], list_argument("Phone numbers.", max_items=MAX_RECIPIENTS)],
        sender: str | None = None,
    ) -> list[PreparedMessageResult]:
        actor, base = info.context.actor, info.context.links_base
        account = ids.decode("Account", account_id, field="accountId")
        results = await info.context.run(
            lambda unit: message_service.prepare_many(unit, actor, account, body, to, sender=sender, links_base=base)
        )
        return [PreparedMessageResult.from_result(result) for result in results]

    @strawberry.field(description="The opt-out link of a token on a channel, minted when first asked for.")
    async def opt_out_link(self, info: Info, account_id: strawberry.ID, token: str, channel: Channel) -> OptOutLink:
        actor, base = info.context.actor, info.context.links_base
        account = ids.decode("Account", account_id, field="accountId")
        code = await info.context.run(lambda unit: link_service.code_for(unit, actor, account, token, channel))
        return OptOutLink(code=code, url=url(base, code))

    @strawberry.field(
        description="The List-Unsubscribe and List-Unsubscribe-Post values for an e-mail to this address: "
        "a mail client's one-click unsubscribe POSTs to its EMAIL opt-out link (RFC 8058)."
    )
    async def unsubscribe_headers(self, info: Info, account_id: strawberry.ID, email: str) -> UnsubscribeHeaders:
        actor, base = info.context.actor, info.context.links_base
        account = ids.decode("Account", account_id, field="accountId")
        code = await info.context.run(
            lambda unit: link_service.code_for(unit, actor, account, email, Channel.EMAIL, field="email")
        )
        return UnsubscribeHeaders(list_unsubscribe=f"<{url(base, code)}>", list_unsubscribe_post=ONE_CLICK)


@strawberry.type
class SenderToolsMutation:
    @strawberry.mutation(
        description="Set the opt-out instruction appended to promotional SMS to numbers of a country (ISO 3166 "
        f'alpha-2), or with country "{DEFAULT_COUNTRY}" the account\'s default for countries without one (admin). '
        f"{LINK} in the text stands for the recipient's opt-out link. An empty text removes it. At most "
        f"{MAX_TEXT_LENGTH} characters."
    )
    async def set_opt_out_instruction(
        self, info: Info, account_id: strawberry.ID, country: str, text: str
    ) -> AccountPayload:
        try:
            actor = info.context.actor
            decoded = ids.decode("Account", account_id, field="accountId")

            async def work(unit: UnitOfWork) -> models.Account:
                await instruction_service.set(unit, actor, decoded, country, text)
                return await account_service.get(unit, actor, decoded)

            account = await info.context.run(work)
        except DomainError as error:
            return AccountPayload(account=None, errors=UserError.list_from(error))
        return AccountPayload(account=Account.from_model(account), errors=[])
