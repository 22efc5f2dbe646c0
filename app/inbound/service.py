"""What an inbound message does. A keyword of the account's sets opts the sender out (STOPALL:
of every phone channel, otherwise of SMS), back in, or asks for help; any other reply a
reasonable person reads as "stop messaging me" opts out too (FCC 24-24, app/keywords/phrases.py),
one that is neither clearly that nor clearly not is flagged for review, and ordinary chat
changes nothing. The message, what it did, the opt-out and its confirmation commit together."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from app import models, tokens
from app.accounts.records import AccountSettings
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, OptOutSource, Role, TokenType
from app.errors import InvalidInput, NotFound
from app.ids import encode
from app.inbound.repository import InboundRecord, InboundRepository
from app.keywords.matching import KeywordKind
from app.keywords.phrases import Verdict, classify
from app.keywords.service import HasKeywords, help_text, keyword_sets
from app.opt_outs.records import Evidence
from app.opt_outs.service import OptOutCommand, opt_out_service
from app.pagination import Page, build_page, decode_cursor, encode_cursor, page_size, timestamp, uuid
from app.text import storable

MAX_BODY_LENGTH = 2_000  # ten concatenated SMS segments
MAX_ADDRESS_LENGTH = 64
MAX_MESSAGE_ID_LENGTH = 255
PHONE_CHANNELS = [channel for channel in Channel if channel.token_type is TokenType.MSISDN]

OPT_OUT, OPT_IN, HELP, NONE = "OPT_OUT", "OPT_IN", "HELP", "NONE"


@dataclass(frozen=True)
class InboundSms:
    account_id: UUID
    sender: str
    recipient: str
    body: str
    gateway_message_id: str | None = None
    received_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    action: str
    needs_review: bool
    reason: str | None
    channels: list[Channel]


def decide(account: HasKeywords, body: str) -> Decision:
    keyword = keyword_sets(account).match(body)
    if keyword is not None:
        if keyword.kind is KeywordKind.OPT_OUT:
            return Decision(OPT_OUT, False, keyword.keyword, PHONE_CHANNELS if keyword.every_channel else [Channel.SMS])
        if keyword.kind is KeywordKind.OPT_IN:
            return Decision(OPT_IN, False, keyword.keyword, [Channel.SMS])
        return Decision(HELP, False, keyword.keyword, [])
    phrase = classify(body)
    if phrase.verdict is Verdict.REVOCATION:
        return Decision(OPT_OUT, False, f"A reply read as a revocation ({phrase.rule})", [Channel.SMS])
    if phrase.verdict is Verdict.UNCLEAR:
        return Decision(NONE, True, f"Possibly a revocation ({phrase.rule})", [])
    return Decision(NONE, False, None, [])


class InboundService:
    async def receive(self, uow: UnitOfWork, actor: Actor, sms: InboundSms) -> InboundRecord:
        actor.require(Role.WRITER, what="post inbound messages")
        account, keywords = await account_service.settings_and_keywords(uow, actor, sms.account_id)
        body = storable(sms.body, field="body", max_length=MAX_BODY_LENGTH)
        recipient = storable(sms.recipient, field="to", max_length=MAX_ADDRESS_LENGTH)
        message_id = sms.gateway_message_id
        if message_id is not None:
            storable(message_id, field="messageId", max_length=MAX_MESSAGE_ID_LENGTH)
        raw_sender = storable(sms.sender, field="from", max_length=MAX_ADDRESS_LENGTH)
        sender = tokens.normalise_msisdn(raw_sender, account.default_country, field="from")
        decision = decide(keywords, body)
        record = InboundRecord(
            id=uuid4(),
            account_id=account.id,
            sender=sender,
            recipient=recipient,
            body=body,
            gateway_message_id=message_id,
            action=decision.action,
            needs_review=decision.needs_review,
            reason=decision.reason,
            reply=help_text(keywords) if decision.action == HELP else None,
            received_at=sms.received_at or datetime.now(UTC),
        )
        repository = InboundRepository(uow.connection)
        stored = await repository.add(actor.organization_id, record)
        if stored is None:
            # The gateway sent this message before (a retry): it did what it did then, once.
            again = await repository.by_gateway_id(actor.organization_id, account.id, message_id or "")
            assert again is not None
            return again
        await self._apply(uow, actor.for_message_of(account.id), stored, decision.channels, account)
        return stored

    async def _apply(
        self,
        uow: UnitOfWork,
        actor: Actor,
        message: InboundRecord,
        channels: list[Channel],
        account: AccountSettings | None = None,
    ) -> None:
        if message.action not in (OPT_OUT, OPT_IN):
            return
        command = OptOutCommand(
            account_id=message.account_id,
            token=message.sender,
            channels=channels,
            reason=message.reason,
            source=OptOutSource.KEYWORD,
            evidence=Evidence(inbound_text=message.body, inbound_message_id=message.gateway_message_id),
        )
        change = opt_out_service.opt_out if message.action == OPT_OUT else opt_out_service.opt_in
        await change(uow, actor, command, account=account)

    async def resolve(self, uow: UnitOfWork, actor: Actor, message_id: UUID, *, opt_out: bool) -> models.Account:
        """A person's decision on a message flagged for review: it opts the sender out, or not."""
        actor.require(Role.WRITER, what="review inbound messages")
        repository = InboundRepository(uow.connection)
        message = await repository.get(actor.organization_id, message_id)
        if message is None or not actor.can_see_account(message.account_id):
            raise NotFound(f'Inbound message "{encode("InboundMessage", message_id)}" does not exist.', field="id")
        if not message.needs_review:
            raise InvalidInput(
                f'Inbound message "{encode("InboundMessage", message_id)}" is not waiting for review.', field="id"
            )
        reason = "Reviewed: a revocation" if opt_out else "Reviewed: not a revocation"
        resolved = await repository.resolve(actor.organization_id, message_id, OPT_OUT if opt_out else NONE, reason)
        await self._apply(uow, actor.for_message_of(message.account_id), resolved, [Channel.SMS])
        return await account_service.get(uow, actor, message.account_id)

    async def page(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account_id: UUID,
        *,
        needs_review: bool | None,
        first: int | None,
        after: str | None,
    ) -> Page[InboundRecord]:
        size = page_size(first)
        key = decode_cursor("inbound", after, (timestamp, uuid))
        account = await account_service.settings(uow, actor, account_id)
        rows = await InboundRepository(uow.connection).page(
            actor.organization_id,
            account.id,
            needs_review=needs_review,
            after=(key[0], key[1]) if key else None,
            limit=size + 1,
        )
        return build_page(rows, size, lambda m: encode_cursor("inbound", [m.received_at.isoformat(), str(m.id)]))

    async def batches(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account_id: UUID,
        *,
        needs_review: bool | None,
        since: datetime | None,
        batch: int = 5_000,
    ) -> AsyncIterator[list[InboundRecord]]:
        """The messages of `page`, in its order (newest first), a batch at a time: for exports of
        any size. With `since`, only those received then or later: the first ones, so the read
        stops at the first older one."""
        account = await account_service.settings(uow, actor, account_id)
        repository = InboundRepository(uow.connection)
        after: tuple[datetime, UUID] | None = None
        while True:
            rows = await repository.page(
                actor.organization_id, account.id, needs_review=needs_review, after=after, limit=batch
            )
            recent = rows if since is None else [row for row in rows if row.received_at >= since]
            if recent:
                yield recent
            if len(rows) < batch or len(recent) < len(rows):
                return
            after = (rows[-1].received_at, rows[-1].id)

    async def count(self, uow: UnitOfWork, actor: Actor, account_id: UUID, *, needs_review: bool | None) -> int:
        account = await account_service.settings(uow, actor, account_id)
        return await InboundRepository(uow.connection).count(
            actor.organization_id, account.id, needs_review=needs_review
        )


inbound_service = InboundService()
