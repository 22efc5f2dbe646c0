"""GET /exports/optouts, /exports/history, /exports/audience, /exports/inbound: the exports of
app/bulk/exports.py as streamed answers. The parameters are read, and the account and groups looked
up, before the answer starts, so bad input is a clean 4xx and not a broken stream."""

from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app.bulk.exports import EXPORTS, FORMATS, Export, export_bytes, writer_for
from app.bulk.params import required_one_of
from app.db.unit_of_work import UnitsOfWork
from app.errors import DomainError
from app.http.callers import caller, unauthenticated
from app.http.errors import error_response


async def _stream(units: UnitsOfWork, export: Export, format_name: str) -> AsyncIterator[bytes]:
    async with units.read() as unit:
        async for chunk in export_bytes(unit, export, writer_for(export, format_name)):
            yield chunk


def route(kind: type[Export]) -> Callable[[Request], Awaitable[Response]]:
    """The route of an export: every export's parameters, errors and answer are handled alike."""

    async def export(request: Request) -> Response:
        actor = await caller(request)
        if actor is None:
            return unauthenticated("API key")
        try:
            name = required_one_of(request.query_params, "format", FORMATS, default="csv")
            chosen = kind(request.query_params, actor)
            async with request.state.units.read() as unit:  # refused before the answer starts, not midway
                await chosen.check(unit)
        except DomainError as error:
            return error_response(None, error.code, error.message, field=error.field)
        headers = {"Content-Disposition": f'attachment; filename="{chosen.name}.{name}"', "Cache-Control": "no-store"}
        return StreamingResponse(
            _stream(request.state.units, chosen, name), media_type=FORMATS[name][0], headers=headers
        )

    return export


export_opt_outs = route(EXPORTS["optouts"])
export_history = route(EXPORTS["history"])
export_audience = route(EXPORTS["audience"])
export_inbound = route(EXPORTS["inbound"])
