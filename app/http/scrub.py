"""POST /scrub: a recipient file in, the same file out without its opted-out rows (`mode=remove`,
the default) or with a column saying which they are (`mode=flag`) (http-contract.md). A key of
any role, `accountId`, `channel`, and `column` when the header's phone or e-mail column is not
to be found by its name; `encoding` and `delimiter` as for uploads. The counts go in the headers
X-Stoplist-Kept, X-Stoplist-Suppressed and X-Stoplist-Invalid, so the file is scrubbed whole
before it is sent: into a temporary file past a few megabytes, so memory stays flat."""

import tempfile
from collections.abc import AsyncIterator
from typing import IO

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse

from app import ids
from app.auth.actor import Actor
from app.bulk.params import required_one_of
from app.bulk.reading import DelimitedReader
from app.bulk.scrub import SPOOL_IN_MEMORY_BYTES, Mode, ScrubCounts, scrub_file
from app.enums import Channel
from app.errors import DomainError
from app.http.callers import caller, unauthenticated
from app.http.errors import error_response

CHUNK = 64 * 1024


async def _scrub(request: Request, actor: Actor, out: IO[bytes]) -> ScrubCounts:
    account_id = ids.decode("Account", request.query_params.get("accountId", ""), field="accountId")
    channel = Channel(required_one_of(request.query_params, "channel", Channel))
    mode = Mode(required_one_of(request.query_params, "mode", Mode, default=Mode.REMOVE))
    params = request.query_params
    reader = DelimitedReader(encoding=params.get("encoding"), delimiter=params.get("delimiter"))
    async with request.state.units.read() as unit:
        return await scrub_file(
            unit, actor, account_id, channel, mode, out, reader, request.stream(), column=params.get("column")
        )


async def _chunks(out: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk
    finally:
        out.close()


async def scrub(request: Request) -> Response:
    actor = await caller(request)
    if actor is None:
        return unauthenticated("API key")
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)
    try:
        counts = await _scrub(request, actor, out)
    except DomainError as error:
        out.close()
        return error_response(None, error.code, error.message, field=error.field)
    except ClientDisconnect:
        out.close()
        return Response(status_code=400)
    headers = {
        "X-Stoplist-Kept": str(counts.kept),
        "X-Stoplist-Suppressed": str(counts.suppressed),
        "X-Stoplist-Invalid": str(counts.invalid),
    }
    return StreamingResponse(_chunks(out), media_type="text/csv; charset=utf-8", headers=headers)
