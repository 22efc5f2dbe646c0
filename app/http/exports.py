"""GET /exports/optouts: every opted-out token of the list an account uses, streamed as it is read
(http-contract.md), in the order and with the fields of the GraphQL `optOuts`. A key of any role;
`accountId` (an organization key may leave it out: the organization's list), `tokenType`,
`channel`, and `format` csv (the default), tsv or ndjson. The header goes out at once, then a
batch of rows at a time: memory stays flat whatever the size."""

from collections.abc import AsyncIterator
from enum import Enum
from typing import TypeVar
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app import ids
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.bulk.writing import DelimitedWriter, NdjsonWriter
from app.db.unit_of_work import UnitsOfWork
from app.enums import Channel, TokenType
from app.errors import DomainError, InvalidInput, quoted
from app.http.callers import caller, unauthenticated
from app.http.errors import error_response
from app.opt_outs.service import opt_out_service

OPT_OUT_COLUMNS = ["token", "tokenType", "channel", "since", "reason"]
FORMATS = {
    "csv": ("text/csv; charset=utf-8", ","),
    "tsv": ("text/tab-separated-values; charset=utf-8", "\t"),
    "ndjson": ("application/x-ndjson", None),
}
Choice = TypeVar("Choice", bound=Enum)


def _optional(request: Request, name: str, choices: type[Choice]) -> Choice | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return choices(value)
    except ValueError:
        names = ", ".join(str(choice.value) for choice in choices)
        raise InvalidInput(f"{name} is {quoted(value)}; it must be one of {names}.", field=name) from None


def _format(request: Request) -> str:
    name = request.query_params.get("format", "csv")
    if name not in FORMATS:
        raise InvalidInput(f"format is {quoted(name)}; it must be one of {', '.join(FORMATS)}.", field="format")
    return name


async def _rows(
    units: UnitsOfWork,
    actor: Actor,
    account_id: UUID | None,
    token_type: TokenType | None,
    channel: Channel | None,
    writer: DelimitedWriter | NdjsonWriter,
) -> AsyncIterator[bytes]:
    yield writer.header()
    async with units.read() as unit:
        batches = opt_out_service.opted_out_batches(
            unit, actor, account_id=account_id, token_type=token_type, channel=channel
        )
        async for batch in batches:
            yield writer.rows([[s.token, s.token_type.value, s.channel.value, s.since, s.reason] for s in batch])


async def export_opt_outs(request: Request) -> Response:
    actor = await caller(request)
    if actor is None:
        return unauthenticated()
    try:
        given = request.query_params.get("accountId")
        account_id = ids.decode("Account", given, field="accountId") if given is not None else None
        token_type = _optional(request, "tokenType", TokenType)
        channel = _optional(request, "channel", Channel)
        name = _format(request)
        if account_id is not None:  # refused before the answer starts, not midway through it
            async with request.state.units.read() as unit:
                await account_service.settings(unit, actor, account_id)
    except DomainError as error:
        return error_response(None, error.code, error.message, field=error.field)
    media_type, delimiter = FORMATS[name]
    writer = (
        NdjsonWriter(OPT_OUT_COLUMNS) if delimiter is None else DelimitedWriter(OPT_OUT_COLUMNS, delimiter=delimiter)
    )
    body = _rows(request.state.units, actor, account_id, token_type, channel, writer)
    headers = {"Content-Disposition": f'attachment; filename="optouts.{name}"', "Cache-Control": "no-store"}
    return StreamingResponse(body, media_type=media_type, headers=headers)
