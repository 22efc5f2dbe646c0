"""GraphiQL, the page GET /graphql answers a browser, with its assets served from the package so
it works offline (static/README.md lists the vendored versions)."""

from pathlib import Path, PurePosixPath

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

_HERE = Path(__file__).parent

# Every script and stylesheet is a file under static/. GraphiQL's CSS embeds its fonts and icons
# as data: URLs, and its dialogs insert a <style> element (react-remove-scroll): hence inline
# styles, never inline scripts. 'self' in connect-src also allows ws: and wss: to this host
# (CSP Level 3, "match-self"): the subscriptions' WebSocket.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "cache-control": "no-cache",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}
_PAGE = (_HERE / "graphiql.html").read_bytes()
# Not left to the mimetypes module: its answer for .js depends on the system's mime.types.
_CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def graphiql_page() -> Response:
    return Response(_PAGE, media_type="text/html", headers=_PAGE_HEADERS)


class GraphiQLAssets(StaticFiles):
    """Vendored files sit in directories named with their version, so refreshing them changes
    their URLs and browsers may keep them for a year; our own files beside them change with
    Stoplist, so browsers revalidate them (ETag, Last-Modified)."""

    def __init__(self) -> None:
        super().__init__(directory=_HERE / "static")

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        content_type = _CONTENT_TYPES.get(PurePosixPath(path).suffix)
        if response.status_code == 200 and content_type:
            response.headers["content-type"] = content_type
        if response.status_code in (200, 304):
            vendored = "/" in path
            response.headers["cache-control"] = "public, max-age=31536000, immutable" if vendored else "no-cache"
            response.headers["x-content-type-options"] = "nosniff"
        return response
