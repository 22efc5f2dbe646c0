from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, TokenType
from app.errors import TooMany
from app.feed.hub import FeedHub, subscribe
from app.feed.repository import FeedFilter, read_committed_after
from app.opt_outs.cursor import START, EventPosition
from app.opt_outs.records import EventRecord

MAX_FEED_ACCOUNTS = 100


@dataclass(frozen=True)
class FeedRequest:
    after: str | None = None
    from_beginning: bool = False
    account_ids: list[UUID] | None = None
    channels: list[Channel] | None = None
    token_types: list[TokenType] | None = None


class FeedService:
    async def prepare(
        self, uow: UnitOfWork, hub: FeedHub, actor: Actor, request: FeedRequest
    ) -> tuple[FeedFilter, EventPosition]:
        """The filter a subscription reads with, and where it starts. A key sees only its own
        organization's events. An account's subscriber (an account key, or `accountIds`) hears
        every change of the list the account uses, whichever account it was made through: on
        the organization list, a sibling's opt-out suppresses this account's sends too. The list
        is the account's when the subscription starts."""
        start = (
            EventPosition.decode(request.after, field="after")
            if request.after is not None
            else START
            if request.from_beginning
            else hub.position
        )
        account_ids = list(dict.fromkeys(request.account_ids)) if request.account_ids is not None else None
        if account_ids is not None and len(account_ids) > MAX_FEED_ACCOUNTS:
            raise TooMany(
                f"{len(account_ids):,} accounts in one filter; at most {MAX_FEED_ACCOUNTS} are allowed.",
                field="accountIds",
            )
        fields = (
            {account_id: f"accountIds.{index}" for index, account_id in enumerate(account_ids)}
            if account_ids is not None
            else None
        )
        feed_filter = FeedFilter(
            organization_id=actor.organization_id,
            list_ids=await self._list_ids(uow, actor, fields),
            channels=[c.value for c in request.channels] if request.channels is not None else None,
            token_types=[t.value for t in request.token_types] if request.token_types is not None else None,
        )
        return feed_filter, start

    async def _list_ids(self, uow: UnitOfWork, actor: Actor, accounts: dict[UUID, str] | None) -> list[UUID] | None:
        """The lists whose events an account's subscriber hears (`accounts`: each with the field
        naming it); None, every list of the organization."""
        lists = [
            (await account_service.settings(uow, actor, account_id, field=field)).list_id
            for account_id, field in (accounts or {}).items()
        ]
        if actor.account_id is not None:
            lists = [(await account_service.settings(uow, actor, actor.account_id)).list_id]
        return list(dict.fromkeys(lists)) if accounts is not None or actor.account_id is not None else None

    async def history_filter(
        self, uow: UnitOfWork, actor: Actor, *, account_id: UUID | None, since: datetime | None
    ) -> FeedFilter:
        """What an export of the history reads: the events the feed gives this key for the
        account (every one of the organization, for an organization key naming none)."""
        accounts = {account_id: "accountId"} if account_id is not None else None
        list_ids = await self._list_ids(uow, actor, accounts)
        return FeedFilter(organization_id=actor.organization_id, list_ids=list_ids, occurred_since=since)

    async def history_batches(
        self, uow: UnitOfWork, feed_filter: FeedFilter, *, batch: int = 5_000
    ) -> AsyncIterator[list[EventRecord]]:
        """Every event of the filter committed when the export began, in the feed's order, a batch
        at a time (app/feed/repository.py: read_committed_after)."""
        position = START
        while True:
            events = await read_committed_after(uow.connection, feed_filter, position, batch)
            if events:
                yield events
            if len(events) < batch:
                return
            position = events[-1].position

    def events(
        self, hub: FeedHub, engine: AsyncEngine, feed_filter: FeedFilter, start: EventPosition
    ) -> AsyncIterator[EventRecord]:
        return subscribe(hub, engine, feed_filter, start)


feed_service = FeedService()
