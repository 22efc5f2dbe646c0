"""POST /inbound/sms: a gateway posts each inbound SMS (http-contract.md).

A writer key authenticates it, as a Bearer header or as the password of HTTP Basic auth (many
gateways cannot set headers, but take credentials in the webhook URL: https://x:KEY@host/...).
The body is JSON `{"accountId", "from", "to", "body", "messageId"?, "receivedAt"?}`, or the
form-encoded `From`, `To`, `Body`, `MessageSid` common gateways post, with `accountId` in the
query string. The answer says what the message did: `{"action", "reply", "needsReview"}`."""

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app import ids
from app.errors import DomainError, InvalidInput, quoted
from app.http.callers import caller, unauthenticated
from app.http.errors import error_response
from app.inbound.service import InboundSms, inbound_service

FORM_FIELDS = {"From": "from", "To": "to", "Body": "body", "MessageSid": "messageId"}
MAX_FORM_FIELDS = 50


def _fields(request: Request, body: bytes) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            fields = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidInput("The body is not valid JSON.") from None
        if not isinstance(fields, dict):
            raise InvalidInput("The body must be a JSON object.")
        return fields
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FORM_FIELDS)
        except (UnicodeDecodeError, ValueError):
            raise InvalidInput("The form body could not be read.") from None
        fields = {ours: values[0] for theirs, ours in FORM_FIELDS.items() if (values := form.get(theirs))}
        fields["accountId"] = request.query_params.get("accountId")
        return fields
    raise InvalidInput("Send JSON (application/json) or a form (application/x-www-form-urlencoded).")


def _text(fields: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = fields.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"{name} is required, as a string.", field=name)
    return value


def parse(request: Request, body: bytes) -> InboundSms:
    fields = _fields(request, body)
    account = _text(fields, "accountId")
    received = _text(fields, "receivedAt", required=False)
    received_at = None
    if received is not None:
        try:
            received_at = datetime.fromisoformat(received)
        except ValueError:
            raise InvalidInput(f"receivedAt is {quoted(received)}, not an ISO 8601 time.", field="receivedAt") from None
        if received_at.tzinfo is None:
            raise InvalidInput("receivedAt needs a time zone (Z or +hh:mm).", field="receivedAt")
    return InboundSms(
        account_id=ids.decode("Account", account or "", field="accountId"),
        sender=_text(fields, "from") or "",
        recipient=_text(fields, "to") or "",
        body=_text(fields, "body") or "",
        gateway_message_id=_text(fields, "messageId", required=False),
        received_at=received_at,
    )


async def inbound_sms(request: Request) -> Response:
    actor = await caller(request)
    if actor is None:
        return unauthenticated()
    try:
        sms = parse(request, await request.body())
        async with request.state.units.write() as unit:
            message = await inbound_service.receive(unit, actor, sms)
    except DomainError as error:
        return error_response(None, error.code, error.message, field=error.field)
    return JSONResponse({"action": message.action, "reply": message.reply, "needsReview": message.needs_review})
