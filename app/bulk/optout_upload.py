"""An upload of numbers or e-mail addresses straight into an account's opt-out list (source
UPLOAD): a file of one token a line, or a CSV with a phone, email or token column, read record
by record. Tokens go in batches, in the caller's one transaction: all of them or none."""

from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app import tokens
from app.accounts.records import AccountSettings
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.bulk.in_flight import BatchInFlight
from app.bulk.reading import DelimitedReader, Record, UnreadableFile, read_records
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, OptOutSource, TokenType
from app.errors import DomainError, InvalidToken, quoted
from app.opt_outs.service import opt_out_service

BATCH = 5_000  # tokens a statement
MAX_REPORTED_INVALID = 1_000  # lines listed in the report; all are counted
# Header names of the columns tokens are taken from; a file without one is a token a line.
PHONE_COLUMNS = ("phone", "phone_number", "msisdn", "mobile", "number")
EMAIL_COLUMNS = ("email", "e-mail", "email_address")
TOKEN_COLUMNS = ("token",)


@dataclass(frozen=True, slots=True)
class InvalidLine:
    line: int
    value: str
    message: str


@dataclass
class UploadReport:
    opted_out: int = 0  # tokens opted out by the upload
    already_opted_out: int = 0  # on every channel already (a token twice in the file included)
    invalid_count: int = 0
    invalid: list[InvalidLine] = field(default_factory=list)  # the first MAX_REPORTED_INVALID

    def to_json(self) -> dict[str, Any]:
        return {
            "optedOut": self.opted_out,
            "alreadyOptedOut": self.already_opted_out,
            "invalidCount": self.invalid_count,
            "invalid": [{"line": bad.line, "value": bad.value, "message": bad.message} for bad in self.invalid],
        }


class OptOutUpload:
    def __init__(
        self, uow: UnitOfWork, actor: Actor, account: AccountSettings, channels: list[Channel], reason: str | None
    ) -> None:
        self.uow, self.actor, self.account, self.reason = uow, actor, account, reason
        self.channels = {
            token_type: [channel for channel in channels if channel.token_type is token_type]
            for token_type in TokenType
        }
        self.report = UploadReport()
        self._columns: list[int] | None = None  # of the tokens, once the first record has said
        self._pending: dict[TokenType, list[str]] = {token_type: [] for token_type in TokenType}
        self._writes = BatchInFlight(uow.running)

    async def add(self, records: list[Record]) -> None:
        for record in records:
            if self._columns is None:
                self._columns = self._token_columns(record.fields)
                if self._columns:
                    continue  # a header
                self._columns = [0]
            for column in self._columns:
                self._take(record.line, record.fields[column] if column < len(record.fields) else "")
        for token_type, pending in self._pending.items():
            if len(pending) >= BATCH:
                await self._submit(token_type)

    async def finish(self) -> UploadReport:
        for token_type in TokenType:
            await self._submit(token_type)
        await self._writes.drain()
        return self.report

    def _token_columns(self, header: list[str]) -> list[int]:
        """The columns to read, if `header` is a header (names one of the known columns): the
        phone column for phone channels, the e-mail column for EMAIL, else a token column. None
        named: no header, a token a line."""
        names = [name.strip().lower() for name in header]
        if not any(name in names for name in (*PHONE_COLUMNS, *EMAIL_COLUMNS, *TOKEN_COLUMNS)):
            return []
        columns = []
        for token_type, group in ((TokenType.MSISDN, PHONE_COLUMNS), (TokenType.EMAIL, EMAIL_COLUMNS)):
            found = next((names.index(name) for name in group if name in names), None)
            if self.channels[token_type] and found is not None:
                columns.append(found)
        if not columns and TOKEN_COLUMNS[0] in names:
            columns.append(names.index(TOKEN_COLUMNS[0]))
        if not columns:
            wanted = [*(PHONE_COLUMNS if self.channels[TokenType.MSISDN] else ()), *EMAIL_COLUMNS]
            raise UnreadableFile(
                f"The header names no column for the upload's channels: one of {', '.join(wanted[:6])} or token."
            )
        return columns

    def _take(self, line: int, value: str) -> None:
        try:
            token_type = tokens.detect_type(value)
            token = tokens.normalise(value, token_type, self.account.default_country)
            if not self.channels[token_type]:
                kind = "an e-mail address" if token_type is TokenType.EMAIL else "a phone number"
                named = ", ".join(channel.value for channel in self.channels[TokenType(_other(token_type))])
                raise InvalidToken(f"{quoted(value)} is {kind}, and the upload is for {named}.")
        except DomainError as error:
            self.report.invalid_count += 1
            if len(self.report.invalid) < MAX_REPORTED_INVALID:
                self.report.invalid.append(InvalidLine(line, value[:200], error.message))
            return
        self._pending[token_type].append(token)

    async def _submit(self, token_type: TokenType) -> None:
        batch, self._pending[token_type] = self._pending[token_type], []
        if batch:
            await self._writes.submit(self._write(token_type, batch))

    async def _write(self, token_type: TokenType, batch: list[str]) -> None:
        changed = await opt_out_service.opt_out_many(
            self.uow,
            self.actor,
            self.account,
            batch,
            token_type,
            self.channels[token_type],
            source=OptOutSource.UPLOAD,
            reason=self.reason,
        )
        self.report.opted_out += len(changed)
        self.report.already_opted_out += len(batch) - len(changed)


def _other(token_type: TokenType) -> str:
    return (TokenType.MSISDN if token_type is TokenType.EMAIL else TokenType.EMAIL).value


async def upload_opt_outs(
    uow: UnitOfWork,
    actor: Actor,
    account_id: UUID,
    channels: list[Channel],
    reason: str | None,
    reader: DelimitedReader,
    chunks: AsyncIterable[bytes],
) -> UploadReport:
    """The whole upload, in `uow`: from the HTTP route and from the command line alike."""
    account = await account_service.settings(uow, actor, account_id)
    upload = OptOutUpload(uow, actor, account, channels, reason)
    await read_records(reader, chunks, upload.add)
    return await upload.finish()
