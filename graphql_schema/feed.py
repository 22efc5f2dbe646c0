import time
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from app import metrics
from app.feed.service import MAX_FEED_ACCOUNTS, FeedRequest, feed_service
from graphql_schema import ids
from graphql_schema.bounds import list_argument
from graphql_schema.context import Info
from graphql_schema.direct_delivery import current_channel
from graphql_schema.enums import Channel, TokenType
from graphql_schema.opt_outs import OptOutEvent


@strawberry.type
class FeedSubscription:
    @strawberry.subscription(
        description="Every opt-out and opt-in of this organization as it is committed; for an account key, every "
        "one of the list its account uses, whichever account it was made through. With `after`, first replays "
        "every matching event after that cursor, then continues live; with `fromBeginning`, replays all history "
        "first; otherwise only new events. In order, with no gap and no duplicate at the seam: resume after a "
        "disconnect with the last cursor received."
    )
    async def opt_out_events(
        self,
        info: Info,
        after: str | None = None,
        from_beginning: bool | None = False,
        account_ids: Annotated[
            list[strawberry.ID] | None,
            list_argument(
                "Only the changes of the lists these accounts use (their own, or the organization's).",
                max_items=MAX_FEED_ACCOUNTS,
            ),
        ] = None,
        channels: Annotated[
            list[Channel] | None, list_argument("Only events of these channels.", max_items=len(Channel))
        ] = None,
        token_types: Annotated[
            list[TokenType] | None, list_argument("Only events of these token types.", max_items=len(TokenType))
        ] = None,
    ) -> AsyncGenerator[OptOutEvent, None]:
        context = info.context
        actor = context.actor
        decoded = ids.decode_many("Account", account_ids, field="accountIds") if account_ids is not None else None
        request = FeedRequest(
            after=after,
            from_beginning=bool(from_beginning),
            account_ids=decoded,
            channels=channels,
            token_types=token_types,
        )
        feed_filter, start = await context.read(lambda unit: feed_service.prepare(unit, context.feed, actor, request))
        # Over WebSocket, events go straight to the socket (graphql_schema/direct_delivery.py).
        channel = current_channel.get()
        if channel is not None and not channel.ready():
            channel = None
        metrics.feed_subscribers_changed(+1)
        subscribed = time.time()
        try:
            async for event in feed_service.events(context.feed, context.units.engine, feed_filter, start):
                if (occurred := event.occurred_at.timestamp()) >= subscribed:  # live, not replayed history
                    metrics.feed_delivered(max(0.0, time.time() - occurred))
                if channel is not None and await channel.deliver(event):
                    continue
                channel = None  # the ordinary way from here on, so messages stay in order
                yield OptOutEvent.from_model(event)
        finally:
            metrics.feed_subscribers_changed(-1)
