"""Reading the history as a feed, in (xact_id, id) order and only below the commit-safe
watermark: events of transactions older than the oldest one still running (app/opt_outs/cursor.py).
Each read also returns the high water: the last final event of the whole table at that
snapshot, so a reader knows it has considered everything up to there, matching or not."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from app.db import raw
from app.opt_outs.cursor import START, EventPosition
from app.opt_outs.records import EventRecord
from app.opt_outs.repository import EVENT_COLUMNS

_WATERMARK = "pg_snapshot_xmin(pg_current_snapshot())"
_HIGH_WATER = (
    f"SELECT xact_id, id FROM opt_out_events WHERE xact_id < {_WATERMARK} ORDER BY xact_id DESC, id DESC LIMIT 1"
)


@dataclass(frozen=True)
class FeedFilter:
    organization_id: UUID | None  # None: every organization (the process-wide poller)
    list_ids: Sequence[UUID] | None = None  # the opt-out lists whose changes are wanted
    channels: Sequence[str] | None = None
    token_types: Sequence[str] | None = None
    occurred_since: datetime | None = None  # only events that occurred then or later (exports)

    def matches(self, event: EventRecord) -> bool:
        return (
            (self.organization_id is None or event.organization_id == self.organization_id)
            and (self.list_ids is None or event.list_id in self.list_ids)
            and (self.channels is None or event.channel in self.channels)
            and (self.token_types is None or event.token_type in self.token_types)
            and (self.occurred_since is None or event.occurred_at >= self.occurred_since)
        )


@dataclass(frozen=True)
class FeedBatch:
    events: list[EventRecord]
    high_water: EventPosition  # every final event up to here was considered


def _conditions(feed_filter: FeedFilter) -> tuple[list[str], list[Any]]:
    """The filter's conditions after the position $1, $2 (the limit is $3), and their parameters."""
    conditions = ["(xact_id, id) > ($1::xid8, $2::bigint)"]
    params: list[Any] = []
    for column, operator, value, cast in (
        ("organization_id", "=", feed_filter.organization_id, "uuid"),
        ("list_id", "= ANY", feed_filter.list_ids, "uuid[]"),
        ("channel", "= ANY", feed_filter.channels, "text[]"),
        ("token_type", "= ANY", feed_filter.token_types, "text[]"),
        ("occurred_at", ">=", feed_filter.occurred_since, "timestamptz"),
    ):
        if value is None:
            continue
        params.append(list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value)
        conditions.append(f"{column} {operator} (${len(params) + 3}::{cast})")
    return conditions, params


def _statement(feed_filter: FeedFilter) -> tuple[str, list[Any]]:
    conditions, params = _conditions(feed_filter)
    conditions.append(f"xact_id < {_WATERMARK}")
    # One statement, so one snapshot (and one round trip) for the batch and the high water: a
    # row per event, each with the high water; a single row of nulls but the high water if none.
    statement = (
        f"WITH batch AS (SELECT {EVENT_COLUMNS} FROM opt_out_events WHERE {' AND '.join(conditions)}"
        f" ORDER BY xact_id, id LIMIT $3), high AS ({_HIGH_WATER})"
        " SELECT high.xact_id, high.id, batch.* FROM (VALUES (0)) AS one"
        " LEFT JOIN high ON true LEFT JOIN batch ON true ORDER BY batch.xact_id, batch.id"
    )
    return statement, params


async def read_committed_after(
    connection: raw.Connection, feed_filter: FeedFilter, after: EventPosition, limit: int
) -> list[EventRecord]:
    """The next events in feed order, every committed one and not only those below the watermark
    (exports): an export has no later in which to deliver an event held back behind a long
    transaction still running (an import anywhere), so it would leave it out. Read a batch at a
    time, this gives every event committed before the first read, each once and in order; of
    those committed meanwhile, some."""
    conditions, params = _conditions(feed_filter)
    statement = (
        f"SELECT {EVENT_COLUMNS} FROM opt_out_events WHERE {' AND '.join(conditions)} ORDER BY xact_id, id LIMIT $3"
    )
    return [EventRecord(*row) for row in await connection.fetch(statement, after.xact_id, after.id, limit, *params)]


async def read_after(
    connection: raw.Connection, feed_filter: FeedFilter, after: EventPosition, limit: int
) -> FeedBatch:
    statement, params = _statement(feed_filter)
    rows = await connection.fetch(statement, after.xact_id, after.id, limit, *params)
    first = rows[0]
    events = [EventRecord(*row[2:]) for row in rows] if first[2] is not None else []
    high_water = EventPosition(first[0], first[1]) if first[0] is not None else START
    if events and len(events) == limit:
        high_water = events[-1].position  # more may follow: only this far is known complete
    return FeedBatch(events=events, high_water=max(high_water, after))
