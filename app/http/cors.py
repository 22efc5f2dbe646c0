"""CORS for browser dashboards on other origins (STOPLIST_CORS_ORIGINS, none by default):
Starlette's middleware, preflights included. API keys travel in the Authorization header, which a
page must be allowed to send; credentials (cookies, HTTP auth the browser keeps) are allowed for
origins named one by one, never for "*", where any site could make a visitor's browser use them."""

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

ALLOWED_HEADERS = ["authorization", "content-type", "x-request-id", "idempotency-key"]
# What a page may read of an answer besides the simple headers: the request id, and the scrub's counts.
EXPOSED_HEADERS = ["x-request-id", "x-stoplist-kept", "x-stoplist-suppressed", "x-stoplist-invalid"]
PREFLIGHT_CACHE_SECONDS = 600


def cors(origins: list[str]) -> list[Middleware]:
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            allow_credentials="*" not in origins,
            max_age=PREFLIGHT_CACHE_SECONDS,
        )
    ]
