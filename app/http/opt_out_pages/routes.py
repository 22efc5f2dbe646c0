"""GET and POST /o/{code}: the page of an opt-out link (http-contract.md).

GET shows what the link opts out and a confirm button, and changes nothing: mail scanners and
link previews fetch every link they see. POST opts out (also the RFC 8058 one-click POST, body
`List-Unsubscribe=One-Click`), with the reason picked, the IP address and the user agent as
evidence; its page offers to undo, which opts back in. Pages need no JavaScript, and every one
is sent with a strict Content-Security-Policy, no caching and no referrer. Look-ups are
budgeted per client address, and a code that fits nothing costs more than one that fits."""

from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from app.db.unit_of_work import UnitsOfWork
from app.http.opt_out_pages.masking import masked
from app.http.opt_out_pages.texts import REASONS, TEXTS, Texts, pick_language, stored_reason
from app.http.rate_limit import AddressBudget
from app.links.opt_out_by_link import LinkState, Visitor, link_opt_out_service

MAX_FORM_BYTES = 16 * 1024  # a reason and an action; anything longer is not our form
MAX_FORM_FIELDS = 10
MISS_COST = 10  # a code that fits nothing: an address may try few of them
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Vary": "Accept-Language, Accept",
}
_templates = Environment(loader=PackageLoader("app.http.opt_out_pages", "templates"), autoescape=True)
_STYLE = resources.files("app.http.opt_out_pages").joinpath("templates/page.css").read_bytes()


class FormError(Exception):
    pass


Work = Callable[[UnitsOfWork, str], Awaitable[LinkState | None]]  # what a request does with its code


class OptOutPages:
    def __init__(self, lookups_per_minute: int) -> None:
        self.budget = AddressBudget(lookups_per_minute)

    async def page(self, request: Request) -> Response:
        return await self._answer(request, _read)

    async def confirm(self, request: Request) -> Response:
        try:
            action, reason = _form(await _body(request), request.headers.get("content-type", ""))
        except FormError:
            return _message(request, 400, "bad_request")
        visitor = Visitor(request.client.host if request.client else None, request.headers.get("user-agent"))
        if action == "undo":
            return await self._answer(request, lambda units, code: _undo(units, code, visitor), undone=True)
        return await self._answer(request, lambda units, code: _opt_out(units, code, reason, visitor))

    async def _answer(self, request: Request, work: Work, *, undone: bool = False) -> Response:
        address = request.client.host if request.client else "unknown"
        wait = self.budget.spend(address)
        if wait is not None:
            response = _message(request, 429, "too_many")
            response.headers["Retry-After"] = str(max(1, round(wait)))
            return response
        state = await work(request.state.units, request.path_params["code"])
        if state is None:
            self.budget.charge(address, MISS_COST - 1)
            return _message(request, 404, "not_found")
        return _state_page(request, state, undone=undone)


async def not_a_code(request: Request) -> Response:
    """Any other path under /o/ (a code with a slash, none at all): the same 404 page."""
    return _message(request, 404, "not_found")


async def style(request: Request) -> Response:
    return Response(_STYLE, media_type="text/css", headers={"Cache-Control": "public, max-age=86400"})


async def _read(units: UnitsOfWork, code: str) -> LinkState | None:
    async with units.read() as unit:
        return await link_opt_out_service.state(unit, code)


async def _opt_out(units: UnitsOfWork, code: str, reason: str | None, visitor: Visitor) -> LinkState | None:
    async with units.write() as unit:
        return await link_opt_out_service.opt_out(unit, code, reason, visitor)


async def _undo(units: UnitsOfWork, code: str, visitor: Visitor) -> LinkState | None:
    async with units.write() as unit:
        return await link_opt_out_service.undo(unit, code, visitor)


async def _body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormError("too long")
    return body


def _form(body: bytes, content_type: str) -> tuple[str, str | None]:
    """(action, reason) of the page's form. Any other POST, the one-click one of RFC 8058
    included (form-encoded or multipart), is a confirmation without a reason."""
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return "opt_out", None
    try:
        fields = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise FormError("unreadable") from None
    action = fields.get("action", ["opt_out"])[0]
    reason = fields.get("reason", [""])[0]
    if action not in ("opt_out", "undo") or (reason and reason not in REASONS):
        raise FormError("not our form")
    return action, stored_reason(reason) if reason else None


def _texts(request: Request) -> tuple[str, Texts]:
    language = pick_language(request.headers.get("accept-language"))
    return language, TEXTS[language]


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _html(language: str, template: str, status: int, **values: Any) -> HTMLResponse:
    body = _templates.get_template(template).render(lang=language, **values)
    return HTMLResponse(body, status_code=status, headers={**HEADERS, "Content-Language": language})


def _message(request: Request, status: int, name: str) -> Response:
    language, t = _texts(request)
    if _wants_json(request):
        return JSONResponse({"error": getattr(t, f"{name}_title")}, status_code=status, headers=HEADERS)
    heading, message = getattr(t, f"{name}_title"), getattr(t, name)
    return _html(language, "message.html", status, heading=heading, message=message)


def _state_page(request: Request, state: LinkState, *, undone: bool) -> Response:
    language, t = _texts(request)
    target = state.target
    shown = {"token": masked(target.token, target.channel.token_type), "channel": t.channels[target.channel]}
    if _wants_json(request):
        body = {"token": shown["token"], "channel": target.channel.value, "optedOut": state.opted_out}
        return JSONResponse(body, headers=HEADERS)
    if state.opted_out:
        message = t.done.format(**shown)
        return _html(language, "done.html", 200, heading=t.done_title, message=message, undoable=state.undoable, t=t)
    if undone:
        return _html(language, "message.html", 200, heading=t.undone_title, message=t.undone.format(**shown))
    return _html(language, "confirm.html", 200, heading=t.title, question=t.question.format(**shown), t=t)
