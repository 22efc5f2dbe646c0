"""GET /exports/optouts: every opted-out token of the list an account uses, streamed as it is read
(http-contract.md), in the order and with the fields of the GraphQL `optOuts`. A key of any role;
`accountId` (an organization key may leave it out: the organization's list), `tokenType`,
`channel`, and `format` csv (the default), tsv or ndjson. The header goes out at once, then a
batch of rows at a time: memory stays flat whatever the size."""

from collections.abc import AsyncIterator
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app import ids
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.bulk.writing import DelimitedWriter, NdjsonWriter
from app.db.unit_of_work import UnitsOfWork
from app.enums import Channel, TokenType
from app.errors import DomainError
from app.http.callers import caller, unauthenticated
from app.http.errors import error_response
from app.http.params import one_of, required_one_of
from app.opt_outs.service import opt_out_service

OPT_OUT_COLUMNS = ["token", "tokenType", "channel", "since", "reason"]
FORMATS = {
    "csv": ("text/csv; charset=utf-8", ","),
    "tsv": ("text/tab-separated-values; charset=utf-8", "\t"),
    "ndjson": ("application/x-ndjson", None),
}


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
        return unauthenticated("API key")
    try:
        given = request.query_params.get("accountId")
        account_id = ids.decode("Account", given, field="accountId") if given is not None else None
        given_type = one_of(request, "tokenType", TokenType)
        token_type = TokenType(given_type) if given_type else None
        given_channel = one_of(request, "channel", Channel)
        channel = Channel(given_channel) if given_channel else None
        name = required_one_of(request, "format", FORMATS, default="csv")
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
