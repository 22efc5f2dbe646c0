"""Scrubbing a recipient file before a campaign: the same rows out, those opted out of the channel
removed (or flagged in a column of their own), checked a batch at a time."""

import csv
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, TYPE_CHECKING
from uuid import UUID

from app.auth.actor import Actor
from app.bulk.optout_upload import EMAIL_COLUMNS, PHONE_COLUMNS, TOKEN_COLUMNS
from app.bulk.reading import Record, UnreadableFile
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, TokenType
from app.opt_outs.service import opt_out_service

if TYPE_CHECKING:
    from _csv import Writer

BATCH = 5_000
FLAG_COLUMN = "opted_out"


class Mode(StrEnum):
    REMOVE = "remove"
    FLAG = "flag"


@dataclass
class ScrubCounts:
    kept: int = 0
    suppressed: int = 0  # opted out: removed, or flagged "true"
    invalid: int = 0  # no number or address to check: kept, flagged "invalid"


class _Lines:
    """What csv.writer writes to: each line straight into the output, encoded."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, text: str) -> int:
        return self.out.write(text.encode())


class Scrubber:
    def __init__(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account_id: UUID,
        channel: Channel,
        mode: Mode,
        out: IO[bytes],
        *,
        column: str | None = None,
    ) -> None:
        self.uow, self.actor, self.account_id, self.channel, self.mode = uow, actor, account_id, channel, mode
        self.out, self.column_name = out, column
        self.counts = ScrubCounts()
        self._column: int | None = None
        self._writer: Writer | None = None
        self._pending: list[Record] = []

    async def add(self, records: list[Record], delimiter: str) -> None:
        if records and self._writer is None:
            header, *records = records
            self._begin(header, delimiter)
        self._pending += records
        if len(self._pending) >= BATCH:
            await self._flush()

    async def finish(self) -> ScrubCounts:
        if self._writer is None:
            raise UnreadableFile("The file is empty.")
        await self._flush()
        return self.counts

    def _begin(self, header: Record, delimiter: str) -> None:
        self._column = self._token_column([name.strip().lower() for name in header.fields])
        self._writer = csv.writer(_Lines(self.out), delimiter=delimiter, lineterminator="\r\n")
        self._writer.writerow([*header.fields, FLAG_COLUMN] if self.mode is Mode.FLAG else header.fields)

    def _token_column(self, names: list[str]) -> int:
        if self.column_name is not None:
            wanted: tuple[str, ...] = (self.column_name.strip().lower(),)
        else:
            kind = EMAIL_COLUMNS if self.channel.token_type is TokenType.EMAIL else PHONE_COLUMNS
            wanted = (*kind, *TOKEN_COLUMNS)
        found = next((names.index(name) for name in wanted if name in names), None)
        if found is None:
            raise UnreadableFile(
                f"The header names no column to check: name it with column= (one of {', '.join(names[:10])})."
                if self.column_name is None
                else f"The header has no column {self.column_name!r}."
            )
        return found

    async def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch or self._writer is None or self._column is None:
            return
        column = self._column
        values = [record.fields[column] if column < len(record.fields) else "" for record in batch]
        statuses = await opt_out_service.check(self.uow, self.actor, self.account_id, self.channel, values)
        rows = []
        for record, status in zip(batch, statuses, strict=True):
            if status.error is not None:
                self.counts.invalid += 1
                flag = "invalid"
            elif status.opted_out:
                self.counts.suppressed += 1
                if self.mode is Mode.REMOVE:
                    continue
                flag = "true"
            else:
                self.counts.kept += 1
                flag = "false"
            rows.append([*record.fields, flag] if self.mode is Mode.FLAG else record.fields)
        self._writer.writerows(rows)
