"""The streamed exports (http-contract.md; routes in app/http/exports.py, `stoplist export` in
app/bulk/run.py), each row for row what its GraphQL query's pages give, in their order and with
their fields:

- GET /exports/optouts?accountId=&tokenType=&channel=: the opted-out tokens of the list the account
  uses (`optOuts`; an organization key may leave accountId out: the organization's list);
- GET /exports/history?accountId=&since=: the opt-out and opt-in events the live feed gives the key
  for the account, oldest first (`optOutEvents`; without accountId, an organization key's: all of
  the organization's), with the evidence flattened into columns;
- GET /exports/audience?accountId=&groupId=...&channel=&purpose=: the audience (`audience`);
- GET /exports/inbound?accountId=&since=&needsReview=: the inbound messages, newest first
  (`inboundMessages`).

A key of any role; `format` csv (the default), tsv, ndjson or xlsx. Parameters are checked and the
account (and groups) looked up before the answer starts, so bad input is a clean 4xx and not a
broken stream. Then the header goes out at once and a batch of rows at a time follows: memory
stays flat whatever the size. The audience's CSV and TSV rows are written by PostgreSQL (COPY, see
`Export.copied`), the same bytes as the row writer's, three times sooner at a million rows."""

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import ClassVar, TypeVar
from uuid import UUID

from app import ids
from app.accounts.service import account_service
from app.audiences.service import AudienceQuery, PreparedAudience, audience_service
from app.auth.actor import Actor
from app.bulk import xlsx
from app.bulk.params import Params, one_of, required_one_of
from app.bulk.writing import Cell, DelimitedWriter, NdjsonWriter, RowWriter
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, Purpose, TokenType
from app.errors import InvalidInput, quoted
from app.feed.repository import FeedFilter
from app.feed.service import feed_service
from app.inbound.repository import InboundRecord
from app.inbound.service import inbound_service
from app.opt_outs.records import EventRecord, Evidence
from app.opt_outs.service import opt_out_service

Rows = list[list[Cell]]
# Media type, and the writer for the columns and the sheet's name.
FORMATS: dict[str, tuple[str, Callable[[list[str], str], RowWriter]]] = {
    "csv": ("text/csv; charset=utf-8", lambda columns, _: DelimitedWriter(columns)),
    "tsv": ("text/tab-separated-values; charset=utf-8", lambda columns, _: DelimitedWriter(columns, delimiter="\t")),
    "ndjson": ("application/x-ndjson", lambda columns, _: NdjsonWriter(columns)),
    "xlsx": (xlsx.MEDIA_TYPE, lambda columns, name: xlsx.XlsxWriter(columns, sheet_name=name)),
}
Choice = TypeVar("Choice", bound=StrEnum)


def _account_id(params: Params) -> UUID | None:
    given = params.get("accountId")
    return ids.decode("Account", given, field="accountId") if given is not None else None


def _required_account_id(params: Params) -> UUID:
    account_id = _account_id(params)
    if account_id is None:
        raise InvalidInput("accountId is missing; name the account to export.", field="accountId")
    return account_id


def _choice(params: Params, name: str, choices: type[Choice]) -> Choice | None:
    given = one_of(params, name, choices)
    return choices(given) if given else None


def _since(params: Params) -> datetime | None:
    given = params.get("since")
    if given is None:
        return None
    try:
        moment = datetime.fromisoformat(given)
        # No zone: UTC. In UTC, so the database takes it: a moment that would be outside years
        # 1 to 9999 there (0001-01-01T00:00+01:00) is refused here, not midway through the answer.
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"since is {quoted(given)}; it must be an ISO 8601 date and time, such as 2026-12-01T00:00:00Z.",
            field="since",
        ) from None


class Export(ABC):
    """One export: its parameters are read when it is made (raising DomainError), `check` looks up
    what they name before the answer starts, and `batches` then reads the rows."""

    name: ClassVar[str]  # of the file and of the sheet
    columns: ClassVar[list[str]]

    def __init__(self, params: Params, actor: Actor) -> None:
        self.actor = actor

    @abstractmethod
    async def check(self, unit: UnitOfWork) -> None: ...

    @abstractmethod
    def batches(self, unit: UnitOfWork) -> AsyncIterator[Rows]: ...

    def copied(self, unit: UnitOfWork, delimiter: str) -> AsyncIterator[bytes] | None:
        """`batches`' rows as CSV or TSV lines written by PostgreSQL (escaped, "\\n" at their ends),
        where the export can have them so; else None."""
        return None


class OptOutExport(Export):
    name = "optouts"
    columns = ["token", "tokenType", "channel", "since", "reason"]

    def __init__(self, params: Params, actor: Actor) -> None:
        super().__init__(params, actor)
        self.account_id = _account_id(params)
        self.token_type = _choice(params, "tokenType", TokenType)
        self.channel = _choice(params, "channel", Channel)

    async def check(self, unit: UnitOfWork) -> None:
        if self.account_id is not None:
            await account_service.settings(unit, self.actor, self.account_id)

    async def batches(self, unit: UnitOfWork) -> AsyncIterator[Rows]:
        batches = opt_out_service.opted_out_batches(
            unit, self.actor, account_id=self.account_id, token_type=self.token_type, channel=self.channel
        )
        async for batch in batches:
            yield [[s.token, s.token_type.value, s.channel.value, s.since, s.reason] for s in batch]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return "".join([head, *map(str.capitalize, rest)])


# The evidence flattened, under the names GraphQL gives its fields.
EVIDENCE = {_camel(field.name): field.name for field in fields(Evidence)}


class HistoryExport(Export):
    name = "history"
    columns = [
        *["id", "accountId", "scope", "token", "tokenType", "channel", "action", "source", "reason", "occurredAt"],
        *EVIDENCE,
    ]
    _filter: FeedFilter

    def __init__(self, params: Params, actor: Actor) -> None:
        super().__init__(params, actor)
        self.account_id = _account_id(params)
        self.since = _since(params)

    async def check(self, unit: UnitOfWork) -> None:
        self._filter = await feed_service.history_filter(unit, self.actor, account_id=self.account_id, since=self.since)

    async def batches(self, unit: UnitOfWork) -> AsyncIterator[Rows]:
        async for events in feed_service.history_batches(unit, self._filter):
            yield [_event_row(event) for event in events]


def _event_row(event: EventRecord) -> list[Cell]:
    evidence = event.evidence or {}
    return [
        ids.encode_event(event.id),
        ids.encode("Account", event.account_id),
        event.scope,
        event.token,
        event.token_type,
        event.channel,
        event.action,
        event.source,
        event.reason,
        event.occurred_at,
        *[evidence.get(name) for name in EVIDENCE.values()],
    ]


class AudienceExport(Export):
    """`topicId` is not taken: the GraphQL `audience` has no topics yet."""

    name = "audience"
    columns = ["contactId", "token", "viaBypassGroup"]
    _prepared: PreparedAudience

    def __init__(self, params: Params, actor: Actor) -> None:
        super().__init__(params, actor)
        account_id = _required_account_id(params)
        groups = params.getlist("groupId")
        channel = required_one_of(params, "channel", Channel)
        self.query = AudienceQuery(
            account_id=account_id,
            group_ids=[ids.decode("Group", group, field=f"groupId.{index}") for index, group in enumerate(groups)],
            channel=Channel(channel),
            purpose=_choice(params, "purpose", Purpose) or Purpose.PROMOTIONAL,
        )

    async def check(self, unit: UnitOfWork) -> None:
        self._prepared = await audience_service.prepare(
            unit, self.actor, self.query, first=None, after=None, field="groupId"
        )

    async def batches(self, unit: UnitOfWork) -> AsyncIterator[Rows]:
        async for members in audience_service.batches(unit, self._prepared):
            yield [[ids.encode("Contact", m.contact_id), m.token, m.via_bypass_group] for m in members]

    def copied(self, unit: UnitOfWork, delimiter: str) -> AsyncIterator[bytes]:
        # A million members come three times sooner so than formatted row by row in Python.
        return audience_service.copied(unit, self._prepared, delimiter=delimiter)


class InboundExport(Export):
    name = "inbound"
    columns = ["id", "from", "to", "body", "action", "needsReview", "reason", "reply", "messageId", "receivedAt"]

    def __init__(self, params: Params, actor: Actor) -> None:
        super().__init__(params, actor)
        self.account_id = _required_account_id(params)
        self.since = _since(params)
        needs_review = one_of(params, "needsReview", ["true", "false"])
        self.needs_review = None if needs_review is None else needs_review == "true"

    async def check(self, unit: UnitOfWork) -> None:
        await account_service.settings(unit, self.actor, self.account_id)

    async def batches(self, unit: UnitOfWork) -> AsyncIterator[Rows]:
        batches = inbound_service.batches(
            unit, self.actor, self.account_id, needs_review=self.needs_review, since=self.since
        )
        async for messages in batches:
            yield [_message_row(message) for message in messages]


def _message_row(message: InboundRecord) -> list[Cell]:
    return [
        ids.encode("InboundMessage", message.id),
        message.sender,
        message.recipient,
        message.body,
        message.action,
        message.needs_review,
        message.reason,
        message.reply,
        message.gateway_message_id,
        message.received_at,
    ]


async def export_bytes(
    unit: UnitOfWork, export: Export, writer: RowWriter, *, on_rows: Callable[[int], None] | None = None
) -> AsyncIterator[bytes]:
    """The export's file, a batch at a time: the header at once, then the rows as they are read."""
    yield writer.header()
    copied = export.copied(unit, writer.delimiter) if isinstance(writer, DelimitedWriter) else None
    if copied is not None:
        async for lines in copied:
            if on_rows is not None:
                on_rows(lines.count(b"\n"))
            # No value of such an export holds a line break, so each is a line's end: as the writer's.
            yield lines.replace(b"\n", b"\r\n")
        return
    async for rows in export.batches(unit):
        written = writer.rows(rows)
        if on_rows is not None:
            on_rows(len(rows))
        if written:  # an XLSX batch may still sit in the compressor
            yield written
    yield writer.footer()


EXPORTS: dict[str, type[Export]] = {
    kind.name: kind for kind in (OptOutExport, HistoryExport, AudienceExport, InboundExport)
}


def writer_for(export: Export, format_name: str) -> RowWriter:
    return FORMATS[format_name][1](export.columns, export.name)
