"""The insights' SQL. The buckets are cut on the account's wall clock (`AT TIME ZONE`), so a day
is the account's day; the events are read through opt_out_events_list_time, by list and time."""

from datetime import datetime
from uuid import UUID

from app.db import raw
from app.enums import Channel, OptOutSource
from app.insights.records import InsightBucket, InsightDimension, InsightInterval

# The column of each dimension: a fixed text, never the client's.
_COLUMNS = {
    InsightDimension.CHANNEL: "channel",
    InsightDimension.SOURCE: "source",
    InsightDimension.REASON: "reason",
    InsightDimension.CAMPAIGN: "evidence->>'campaign'",
}
# $1 list, $2 time zone, $3 from, $4 to, $5 unit ('hour', 'day', ...), $6 row limit.
_COUNTED = """
SELECT date_trunc($5::text, occurred_at AT TIME ZONE $2::text) AS local{columns},
       count(*) FILTER (WHERE action = 'OPT_OUT') AS opt_outs,
       count(*) FILTER (WHERE action = 'OPT_IN') AS opt_ins
FROM opt_out_events
WHERE list_id = $1::uuid AND occurred_at >= $3::timestamptz AND occurred_at < $4::timestamptz
GROUP BY 1{groups}
"""
# Without dimensions every bucket of the range is a row, the empty ones with zeros.
_EVERY_BUCKET = f"""
WITH counted AS ({_COUNTED.format(columns="", groups="")}),
series AS (
    SELECT local
    FROM generate_series(date_trunc($5::text, $3::timestamptz AT TIME ZONE $2::text),
                         $4::timestamptz AT TIME ZONE $2::text, ('1 ' || $5::text)::interval) AS local
    WHERE local AT TIME ZONE $2::text < $4::timestamptz
      -- not an hour the clock skips when summer time begins: it would repeat the next one's start
      AND (local AT TIME ZONE $2::text) AT TIME ZONE $2::text = local
)
SELECT series.local AT TIME ZONE $2::text AS start, coalesce(opt_outs, 0) AS opt_outs,
       coalesce(opt_ins, 0) AS opt_ins
FROM series LEFT JOIN counted USING (local)
ORDER BY series.local
LIMIT $6::int
"""


async def buckets(
    connection: raw.Connection,
    list_id: UUID,
    time_zone: str,
    start: datetime,
    end: datetime,
    interval: InsightInterval,
    dimensions: list[InsightDimension],
    limit: int,
) -> list[InsightBucket]:
    arguments = (list_id, time_zone, start, end, interval.value.lower(), limit)
    if not dimensions:
        rows = await connection.fetch(_EVERY_BUCKET, *arguments)
        return [InsightBucket(row["start"], None, None, None, None, row["opt_outs"], row["opt_ins"]) for row in rows]
    columns = [_COLUMNS[d] for d in dimensions]
    named = "".join(f", {column} AS {d.value.lower()}" for d, column in zip(dimensions, columns, strict=True))
    groups = "".join(f", {n}" for n in range(2, len(columns) + 2))  # the dimensions' places in _COUNTED
    order = "".join(f", {d.value.lower()} NULLS FIRST" for d in dimensions)
    statement = f"""
SELECT local AT TIME ZONE $2::text AS start, counted.*
FROM ({_COUNTED.format(columns=named, groups=groups)}) AS counted
ORDER BY local{order}
LIMIT $6::int
"""
    rows = await connection.fetch(statement, *arguments)
    return [
        InsightBucket(
            start=row["start"],
            channel=Channel(row["channel"]) if InsightDimension.CHANNEL in dimensions else None,
            source=OptOutSource(row["source"]) if InsightDimension.SOURCE in dimensions else None,
            reason=row["reason"] if InsightDimension.REASON in dimensions else None,
            campaign=row["campaign"] if InsightDimension.CAMPAIGN in dimensions else None,
            opt_outs=row["opt_outs"],
            opt_ins=row["opt_ins"],
        )
        for row in rows
    ]
