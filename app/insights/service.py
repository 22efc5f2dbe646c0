from datetime import UTC, datetime
from uuid import UUID

from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.errors import InvalidInput, TooMany
from app.insights import repository
from app.insights.records import InsightBucket, InsightDimension, InsightInterval

MAX_BUCKETS = 2_000  # time buckets in one range: 83 days of hours, 5 years of days
MAX_ROWS = 10_000  # buckets with their dimensions: reasons and campaigns are the senders' own texts


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput(
            f'{value.isoformat()} has no UTC offset: give one, as in "2026-12-01T00:00:00+01:00" or "...Z".',
            field=field,
        )
    try:
        within = EARLIEST <= value.astimezone(UTC) <= LATEST
    except OverflowError:  # year 1 with a positive offset: before the first instant Python has
        within = False
    if not within:
        raise InvalidInput(f"{value.isoformat()} is not between 1900 and 9999.", field=field)
    return value


class InsightService:
    async def buckets(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        account_id: UUID,
        start: datetime,
        end: datetime,
        interval: InsightInterval,
        group_by: list[InsightDimension],
    ) -> list[InsightBucket]:
        """Opt-outs and opt-ins of the account's list per bucket of `interval` on the account's
        wall clock, from the bucket holding `start` to the last one beginning before `end`."""
        start, end = _aware(start, "from"), _aware(end, "to")
        if end <= start:
            raise InvalidInput(f"to ({end.isoformat()}) must be after from ({start.isoformat()}).", field="to")
        if (end - start) / interval.shortest > MAX_BUCKETS:
            raise InvalidInput(
                f"From {start.isoformat()} to {end.isoformat()} is more than {MAX_BUCKETS:,} buckets of one "
                f"{interval.value.lower()}: choose a longer interval or a shorter range.",
                field="interval",
            )
        account = await account_service.get(uow, actor, account_id)
        dimensions = list(dict.fromkeys(group_by))
        found = await repository.buckets(
            uow.connection, account.list_id, account.time_zone, start, end, interval, dimensions, MAX_ROWS + 1
        )
        if len(found) > MAX_ROWS:
            raise TooMany(
                f"More than {MAX_ROWS:,} buckets with these dimensions: group by fewer, choose a longer interval or "
                "a shorter range.",
                field="groupBy",
            )
        return found


insight_service = InsightService()
