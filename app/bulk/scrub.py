"""Scrubbing a recipient file before a campaign: the same rows out, those opted out of the channel
removed (or flagged in a column of their own), checked a batch at a time."""

import csv
from collections.abc import AsyncIterable
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, TYPE_CHECKING
from uuid import UUID

from app import tokens
from app.auth.actor import Actor
from app.bulk.optout_upload import EMAIL_COLUMNS, PHONE_COLUMNS, TOKEN_COLUMNS
from app.bulk.reading import DelimitedReader, Record, UnreadableFile, read_records
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, TokenType
from app.errors import quoted
from app.opt_outs.service import opt_out_service

if TYPE_CHECKING:
    from _csv import Writer

BATCH = 5_000
FLAG_COLUMN = "opted_out"
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024  # a scrubbed file held before it is sent; past it, on disk
DETECTION_SAMPLE = 100  # rows looked at to find the column to check, when no name says


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
        self._names: list[str] = []
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
        self._names = [name.strip().lower() for name in header.fields]
        self._column = self._named_column(self._names)
        self._writer = csv.writer(_Lines(self.out), delimiter=delimiter, lineterminator="\r\n")
        self._writer.writerow([*header.fields, FLAG_COLUMN] if self.mode is Mode.FLAG else header.fields)

    def _named_column(self, names: list[str]) -> int | None:
        """The column to check by its name: the one given, else a phone or e-mail column by its
        usual names; None when none is named so (then it is found by what it holds)."""
        if self.column_name is not None:
            wanted = self.column_name.strip().lower()
            if wanted not in names:
                raise UnreadableFile(f"The header has no column {quoted(self.column_name)}.", field="column")
            return names.index(wanted)
        kind = EMAIL_COLUMNS if self.channel.token_type is TokenType.EMAIL else PHONE_COLUMNS
        return next((names.index(name) for name in (*kind, *TOKEN_COLUMNS) if name in names), None)

    def _column_by_content(self, batch: list[Record]) -> int:
        """The column most of whose first values are tokens of the channel's type."""
        sample = batch[:DETECTION_SAMPLE]
        kind = self.channel.token_type
        scores = [
            sum(_is_token(record.fields[index], kind) for record in sample if index < len(record.fields))
            for index in range(len(self._names))
        ]
        best = max(range(len(scores)), key=scores.__getitem__, default=None)
        if best is None or scores[best] * 2 <= len(sample):
            what = "e-mail addresses" if kind is TokenType.EMAIL else "phone numbers"
            raise UnreadableFile(
                f"No column is named as one to check, and none holds {what}: name it with column= "
                f"(one of {', '.join(self._names[:10])})."
            )
        return best

    async def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch or self._writer is None:
            return
        if self._column is None:
            self._column = self._column_by_content(batch)
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


def _is_token(value: str, kind: TokenType) -> bool:
    """Whether a value looks like a token of this kind (the check itself normalises and judges it)."""
    return tokens.looks_like_email(value) if kind is TokenType.EMAIL else tokens.looks_like_msisdn(value)


async def scrub_file(
    uow: UnitOfWork,
    actor: Actor,
    account_id: UUID,
    channel: Channel,
    mode: Mode,
    out: IO[bytes],
    reader: DelimitedReader,
    chunks: AsyncIterable[bytes],
    *,
    column: str | None = None,
) -> ScrubCounts:
    """The whole scrub, the rows written to `out`: from the HTTP route and the command line alike."""
    scrubber = Scrubber(uow, actor, account_id, channel, mode, out, column=column)

    async def take(records: list[Record]) -> None:
        await scrubber.add(records, reader.delimiter or ",")

    await read_records(reader, chunks, take)
    return await scrubber.finish()
