"""Which of a scrub's tokens are opted out, the cheaper of two ways.

A batch's tokens are looked up in the account's list, an index probe each in PostgreSQL, while
the file is small beside the list. Once the file has held as many rows as the list holds
opt-outs on the channel, all of those are read at once into a set, and the rest of the file is
looked up in it: reading a token costs PostgreSQL less than probing one, so neither way costs
much more than the other would have. Whether that point is reached is counted as the file grows
(at 5,000 rows, 10,000, 20,000, ...), each count no longer than the rows seen so far. A list of
more than `SET_LIMIT` such opt-outs is always probed: its set would take too much memory.

The set is the list as its read found it, as each probe is the list at its own moment: an
opt-out after the read is honoured by the send-time check, as one after a probe would be."""

from collections.abc import Container

from app.accounts.records import AccountSettings
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel
from app.opt_outs.service import opt_out_service

SET_LIMIT = 500_000  # tokens held at most, some 50 MB
FIRST_COUNT_AT = 5_000  # rows: below it, a file is probed whatever the list


class OptedOutLookup:
    def __init__(self, uow: UnitOfWork, actor: Actor, account: AccountSettings, channel: Channel) -> None:
        self.uow, self.actor, self.account, self.channel = uow, actor, account, channel
        self._rows = 0
        self._count_at: float = FIRST_COUNT_AT
        self._all: set[str] | None = None

    @property
    def read_whole(self) -> bool:
        """Whether the list has been read into a set (tests tell the two ways apart by it)."""
        return self._all is not None

    async def among(self, tokens: list[str]) -> Container[str]:
        """What holds those of `tokens` that are opted out, and none of the others: a set of them,
        or of every opted-out token of the list."""
        self._rows += len(tokens)
        if self._all is None and self._rows >= self._count_at:
            await self._count()
        if self._all is not None:
            return self._all
        return await opt_out_service.opted_out_tokens(self.uow, self.actor, self.account, self.channel, tokens)

    async def _count(self) -> None:
        at_most = min(self._rows, SET_LIMIT)
        listed = await opt_out_service.count_opted_out_up_to(
            self.uow, self.actor, self.account, self.channel, at_most=at_most + 1
        )
        if listed <= at_most:
            self._all = await opt_out_service.all_opted_out_tokens(self.uow, self.actor, self.account, self.channel)
        self._count_at = self._rows * 2 if self._rows < SET_LIMIT else float("inf")
