"""Who calls a plain-HTTP route: the API key of a Bearer header, or the password of HTTP Basic
auth (many gateways cannot set headers, but take credentials in the webhook URL:
https://x:KEY@host/...)."""

import base64
import binascii

from starlette.requests import Request
from starlette.responses import Response

from app.auth import keys
from app.auth.actor import Actor
from app.http.errors import error_response


def credentials(authorization: str | None) -> str | None:
    """The API key of a Bearer header, or the password of a Basic one."""
    token = keys.bearer_token(authorization)
    if token is not None or not authorization:
        return token
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2] or None


async def caller(request: Request) -> Actor | None:
    token = credentials(request.headers.get("authorization"))
    return await request.state.api_keys.resolve(request.state.units, token) if token else None


def unauthenticated(wanted: str = "writer API key") -> Response:
    """The 401 of a route; `wanted` says what key it takes."""
    return error_response(401, "UNAUTHENTICATED", f"A valid {wanted} is required (Bearer, or Basic password).")
