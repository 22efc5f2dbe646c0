from datetime import datetime
from typing import Annotated, Self

import strawberry

from app.enums import Channel, OptOutSource
from app.insights import records
from app.insights.service import MAX_BUCKETS, MAX_ROWS, insight_service
from graphql_schema import ids
from graphql_schema.bounds import list_argument
from graphql_schema.context import Info

InsightInterval = strawberry.enum(
    records.InsightInterval,
    description="How long a bucket is, on the account's wall clock (Account.timeZone); weeks begin on Monday.",
)
InsightDimension = strawberry.enum(
    records.InsightDimension,
    description="What buckets are split by: CAMPAIGN is the campaign an opt-out's evidence names.",
)


@strawberry.type(description="Opt-outs and opt-ins of one time bucket (and of one value of each dimension asked for).")
class InsightBucket:
    start: datetime = strawberry.field(
        description="When the bucket begins: midnight, an hour... in the account's zone."
    )
    channel: Channel | None = strawberry.field(description="Set when grouped by CHANNEL; likewise the others.")
    source: OptOutSource | None
    reason: str | None = strawberry.field(description="Grouped by REASON: the events' reason, null where none.")
    campaign: str | None = strawberry.field(description="Grouped by CAMPAIGN: null for events naming none.")
    opt_outs: int
    opt_ins: int

    @classmethod
    def from_record(cls, bucket: records.InsightBucket) -> Self:
        return cls(
            start=bucket.start,
            channel=bucket.channel,
            source=bucket.source,
            reason=bucket.reason,
            campaign=bucket.campaign,
            opt_outs=bucket.opt_outs,
            opt_ins=bucket.opt_ins,
        )


@strawberry.type
class InsightQuery:
    @strawberry.field(
        description="Opt-out and opt-in counts of the account's list per time bucket, from the bucket holding "
        "`from` to the last one beginning before `to` (both with a UTC offset), in the account's time zone. "
        f"Without groupBy every bucket is listed, empty ones with zeros (at most {MAX_BUCKETS:,}); with it, "
        f"the buckets with events, by time, then each dimension (at most {MAX_ROWS:,})."
    )
    async def opt_out_insights(
        self,
        info: Info,
        account_id: strawberry.ID,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        interval: records.InsightInterval | None = records.InsightInterval.DAY,
        group_by: Annotated[
            list[records.InsightDimension] | None,
            list_argument("Split each bucket by these.", max_items=len(records.InsightDimension)),
        ] = [],  # noqa: B006 (the contract's default; never changed)
    ) -> list[InsightBucket]:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId")
        found = await info.context.read(
            lambda unit: insight_service.buckets(
                unit,
                actor,
                account_id=decoded,
                start=from_,
                end=to,
                interval=interval or records.InsightInterval.DAY,
                group_by=group_by or [],
            )
        )
        return [InsightBucket.from_record(bucket) for bucket in found]
