"""POST /imports/optouts: a file of numbers or e-mail addresses into an account's opt-out list
(http-contract.md). A writer key, `accountId`, one `channel` or more, an optional `reason`,
and, when they are not to be detected, `encoding` and `delimiter`. The body streams through in
one transaction: a file that cannot be read, or a client gone midway, leaves nothing of it."""

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from app import ids
from app.auth.actor import Actor
from app.bulk.optout_upload import UploadReport, upload_opt_outs
from app.bulk.reading import DelimitedReader
from app.enums import Channel
from app.errors import DomainError, InvalidInput, quoted
from app.http.callers import caller, unauthenticated
from app.http.errors import error_response


def _channels(request: Request) -> list[Channel]:
    given = request.query_params.getlist("channel")
    if not given:
        raise InvalidInput("Name one channel or more: ?channel=SMS&channel=WHATSAPP.", field="channel")
    try:
        return [Channel(value) for value in given]
    except ValueError:
        bad = next(value for value in given if value not in Channel.__members__)
        names = ", ".join(Channel)
        raise InvalidInput(f"{quoted(bad)} is not a channel: {names}.", field="channel") from None


async def _upload(request: Request, actor: Actor) -> UploadReport:
    account_id = ids.decode("Account", request.query_params.get("accountId", ""), field="accountId")
    channels = _channels(request)
    params = request.query_params
    reader = DelimitedReader(encoding=params.get("encoding"), delimiter=params.get("delimiter"))
    async with request.state.units.write() as unit:
        return await upload_opt_outs(
            unit, actor, account_id, channels, params.get("reason") or None, reader, request.stream()
        )


async def import_opt_outs(request: Request) -> Response:
    actor = await caller(request)
    if actor is None:
        return unauthenticated()
    try:
        report = await _upload(request, actor)
    except DomainError as error:
        return error_response(None, error.code, error.message, field=error.field)
    except ClientDisconnect:
        return Response(status_code=400)  # rolled back; nobody reads this
    return JSONResponse(report.to_json())
