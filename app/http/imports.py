"""POST /imports/optouts: a file of numbers or e-mail addresses into an account's opt-out list;
POST /imports/contacts: a CSV of contacts into an account's address book (http-contract.md).
A writer key, `accountId`, and, when they are not to be detected, `encoding` and `delimiter`.
The body streams through in one transaction: a file that cannot be read, or a client gone
midway, leaves nothing of it, and the error says so."""

from collections.abc import Awaitable, Callable
from uuid import UUID

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from app import ids
from app.auth.actor import Actor
from app.bulk.contact_import import ImportOptions, ImportReport, import_contacts
from app.bulk.optout_upload import UploadReport, upload_opt_outs
from app.bulk.params import boolean
from app.bulk.reading import DelimitedReader, UnreadableFile
from app.enums import Channel
from app.errors import DomainError, InvalidInput, quoted
from app.http.callers import caller, unauthenticated
from app.http.errors import error_response

NOTHING_TAKEN = "Nothing of the file was taken."


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


def _reader(request: Request) -> DelimitedReader:
    return DelimitedReader(
        encoding=request.query_params.get("encoding"), delimiter=request.query_params.get("delimiter")
    )


def _account_id(request: Request) -> UUID:
    return ids.decode("Account", request.query_params.get("accountId", ""), field="accountId")


async def _upload(request: Request, actor: Actor) -> UploadReport:
    account_id = _account_id(request)
    channels = _channels(request)
    reader = _reader(request)
    async with request.state.units.write() as unit:
        return await upload_opt_outs(
            unit, actor, account_id, channels, request.query_params.get("reason") or None, reader, request.stream()
        )


async def _import(request: Request, actor: Actor) -> ImportReport:
    params = request.query_params
    account_id = _account_id(request)
    group = params.get("groupId")
    options = ImportOptions(
        group_id=ids.decode("Group", group, field="groupId") if group else None,
        reset_opt_outs=boolean(params, "resetOptOuts"),
        consent_evidence=params.get("consentEvidence") or None,
        dry_run=boolean(params, "dryRun"),
    )
    reader = _reader(request)
    async with request.state.units.write() as unit:
        return await import_contacts(unit, actor, account_id, options, reader, request.stream())


async def _answer(
    request: Request, run: Callable[[Request, Actor], Awaitable[UploadReport | ImportReport]]
) -> Response:
    actor = await caller(request)
    if actor is None:
        return unauthenticated()
    try:
        report = await run(request, actor)
    except UnreadableFile as error:
        return error_response(None, error.code, f"{error.message} {NOTHING_TAKEN}", field=error.field)
    except DomainError as error:
        return error_response(None, error.code, error.message, field=error.field)
    except ClientDisconnect:
        return Response(status_code=400)  # rolled back; nobody reads this
    return JSONResponse(report.to_json())


async def import_opt_outs(request: Request) -> Response:
    return await _answer(request, _upload)


async def import_contacts_route(request: Request) -> Response:
    return await _answer(request, _import)
