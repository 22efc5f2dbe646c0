"""The plain-HTTP routes' errors: `{"error": {"code", "message", "field"?}}` with a 4xx status
(http-contract.md), the status following the code."""

import orjson
from starlette.responses import Response

_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "TOO_MANY": 400}


def error_body(code: str, message: str, *, field: str | None = None, request_id: str | None = None) -> bytes:
    error = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    if request_id is not None:  # an internal error's: the id its traceback is logged with
        error["requestId"] = request_id
    return orjson.dumps({"error": error})


def error_response(status: int | None, code: str, message: str, *, field: str | None = None) -> Response:
    status = status or _STATUS.get(code, 400)
    headers = {"www-authenticate": 'Bearer, Basic realm="stoplist"'} if status == 401 else None
    return Response(
        error_body(code, message, field=field), status_code=status, media_type="application/json", headers=headers
    )
