from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.enums import Channel, OptOutSource


class InsightInterval(StrEnum):
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"  # from Monday (ISO weeks)
    MONTH = "MONTH"

    @property
    def shortest(self) -> timedelta:
        """The least a bucket lasts (a month: 28 days; a day in the spring's DST change: 23 hours)."""
        return {
            InsightInterval.HOUR: timedelta(hours=1),
            InsightInterval.DAY: timedelta(hours=23),
            InsightInterval.WEEK: timedelta(days=7) - timedelta(hours=1),
            InsightInterval.MONTH: timedelta(days=28),
        }[self]


class InsightDimension(StrEnum):
    CHANNEL = "CHANNEL"
    SOURCE = "SOURCE"
    REASON = "REASON"
    CAMPAIGN = "CAMPAIGN"  # the campaign an opt-out's evidence names (inbound replies, links)


@dataclass(frozen=True, slots=True)
class InsightBucket:
    start: datetime
    channel: Channel | None
    source: OptOutSource | None
    reason: str | None
    campaign: str | None
    opt_outs: int
    opt_ins: int
