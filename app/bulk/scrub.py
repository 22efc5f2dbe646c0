"""Scrubbing a recipient file before a campaign: the same rows out, those opted out of the channel
removed (or flagged in a column of their own), checked a batch at a time."""

import asyncio
import csv
from collections.abc import AsyncIterable
from dataclasses import dataclass
from enum import StrEnum
from typing import IO
from uuid import UUID

from app import tokens
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.bulk.in_flight import BatchInFlight
from app.bulk.opted_out import OptedOutLookup
from app.bulk.optout_upload import EMAIL_COLUMNS, PHONE_COLUMNS, TOKEN_COLUMNS
from app.bulk.reading import DelimitedReader, Texts, UnreadableFile, fields_of, read_texts
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, TokenType
from app.errors import quoted

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


class Scrubber:
    """A batch's rows are kept as the text they are written as, and their values to check: strings,
    which the garbage collector need not look through, as it would a list of fields per row for as
    long as the batch waits for its check. A row without quotes is never split into its fields:
    its text is what csv.writer would write of them, and its value is cut from it."""

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
        self._delimiter = ","
        self._begun = False
        self._unplaced: list[list[str]] = []  # rows read before the column to check is found
        self._values: list[str] = []
        self._lines: list[str] = []  # as written, without the line break (and in flag mode, the flag)
        self._opted_out: OptedOutLookup | None = None  # made at the first batch, with the account's settings
        self._checks = BatchInFlight(uow.running)  # a batch checked and written while the next is read

    async def add(self, batch: Texts, delimiter: str) -> None:
        texts, unquoted = batch.texts, batch.unquoted
        if texts and not self._begun:
            [header] = fields_of(texts[:1], delimiter, unquoted=unquoted)
            self._begin(header, delimiter)
            texts = texts[1:]
        if self._column is None:
            self._unplaced += fields_of(texts, delimiter, unquoted=unquoted)
            if len(self._unplaced) >= BATCH:
                self._place()
        elif unquoted:
            self._take_texts(texts, self._column)
        else:
            self._take(list(fields_of(texts, delimiter, unquoted=False)), self._column)
        if len(self._values) >= BATCH:
            await self._flush()
        # A file read from disk, or a body already buffered, never waits: the batch in flight
        # takes its next step (a statement sent, or its answer taken) here.
        await asyncio.sleep(0)

    async def finish(self) -> ScrubCounts:
        if not self._begun:
            raise UnreadableFile("The file is empty.")
        if self._unplaced:
            self._place()
        await self._flush()
        await self._checks.drain()
        return self.counts

    def _begin(self, header: list[str], delimiter: str) -> None:
        self._names = [name.strip().lower() for name in header]
        self._column = self._named_column(self._names)
        self._delimiter, self._begun = delimiter, True
        names = [*header, FLAG_COLUMN] if self.mode is Mode.FLAG else header
        self.out.write((_csv_lines([names], delimiter)[0] + "\r\n").encode())

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

    def _place(self) -> None:
        """The column found by what the first rows hold, and the rows read so far taken."""
        rows, self._unplaced = self._unplaced, []
        self._column = self._column_by_content(rows)
        self._take(rows, self._column)

    def _column_by_content(self, rows: list[list[str]]) -> int:
        """The column most of whose first values are tokens of the channel's type."""
        sample = rows[:DETECTION_SAMPLE]
        kind = self.channel.token_type
        scores = [
            sum(_is_token(fields[index], kind) for fields in sample if index < len(fields))
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

    def _take(self, rows: list[list[str]], column: int) -> None:
        values, lines = rows_cut(rows, column, self._delimiter, flagged=self.mode is Mode.FLAG)
        self._values += values
        self._lines += lines

    def _take_texts(self, texts: list[str], column: int) -> None:
        values, lines = texts_cut(texts, column, self._delimiter, flagged=self.mode is Mode.FLAG)
        self._values += values
        self._lines += lines

    async def _flush(self) -> None:
        values, lines, self._values, self._lines = self._values, self._lines, [], []
        if not values:
            return
        if self._opted_out is None:  # no batch in flight yet, on the unit's one connection
            account = await account_service.settings(self.uow, self.actor, self.account_id)
            self._opted_out = OptedOutLookup(self.uow, self.actor, account, self.channel)
        lookup = self._opted_out
        normalised = tokens.normalise_each(values, self.channel.token_type, lookup.account.default_country)
        await self._checks.submit(self._check(lines, normalised, lookup))

    async def _check(self, lines: list[str], normalised: list[str | None], lookup: OptedOutLookup) -> None:
        """The batch's opted-out rows found, counted, and the rest written, while the next is read."""
        opted_out = await lookup.among([token for token in normalised if token is not None])
        invalid, suppressed = normalised.count(None), sum(map(opted_out.__contains__, normalised))
        self.counts.invalid += invalid
        self.counts.suppressed += suppressed
        self.counts.kept += len(lines) - invalid - suppressed
        if self.mode is Mode.REMOVE:
            kept = [line for line, token in zip(lines, normalised, strict=True) if token not in opted_out]
        else:
            kept = [
                line + ("invalid" if token is None else "true" if token in opted_out else "false")
                for line, token in zip(lines, normalised, strict=True)
            ]
        if kept:
            self.out.write(("\r\n".join(kept) + "\r\n").encode())


def rows_cut(rows: list[list[str]], column: int, delimiter: str, *, flagged: bool) -> tuple[list[str], list[str]]:
    """Each row's value to check (empty where a row is short), and its line as written but for
    the flag, which goes after a last field left empty, as csv.writer writes it."""
    values = [fields[column] if column < len(fields) else "" for fields in rows]
    return values, _csv_lines([[*fields, ""] for fields in rows] if flagged else rows, delimiter)


def texts_cut(texts: list[str], column: int, delimiter: str, *, flagged: bool) -> tuple[list[str], list[str]]:
    """`rows_cut` of records without quotes, given as their text, which is what csv.writer writes
    of their fields: each cut only as far as its value (tests/unit/test_scrub_csv.py)."""
    cuts = column + 1
    values = [fields[column] if len(fields := text.split(delimiter, cuts)) > column else "" for text in texts]
    return values, [text + delimiter for text in texts] if flagged else texts


def _csv_lines(rows: list[list[str]], delimiter: str) -> list[str]:
    """Each row as csv.writer writes it, but for the line break. Where no field holds a quote,
    the delimiter or a line break, and no row is one empty field, which csv.writer would quote,
    that is the fields joined: several times cheaper, and how most files are.
    tests/unit/test_scrub_csv.py proves the two equal."""
    if not rows:
        return []
    lines = list(map(delimiter.join, rows))
    joined = "\n".join(lines)
    if (
        '"' not in joined
        and "\r" not in joined
        and joined.count("\n") == len(lines) - 1
        and joined.count(delimiter) == sum(map(len, rows)) - len(rows)
        and [""] not in rows
    ):
        return lines
    written = _Written()
    csv.writer(written, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return written


class _Written(list[str]):
    """What csv.writer writes, a line at a time, without its line breaks."""

    def write(self, line: str) -> None:
        self.append(line[:-2])


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

    async def take(batch: Texts) -> None:
        await scrubber.add(batch, reader.delimiter or ",")

    await read_texts(reader, chunks, take)
    return await scrubber.finish()
