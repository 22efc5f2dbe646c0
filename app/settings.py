import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from yarl import URL


def _seconds(value: Any) -> Any:
    """A schedule is written as the contract says, comma-separated ("5,30,300"); JSON works too."""
    if isinstance(value, str):
        text = value.strip().strip("[]")
        return [int(part) for part in text.split(",") if part.strip()]
    return value


Schedule = Annotated[list[int], NoDecode, BeforeValidator(_seconds)]


def _http_url(value: str | None) -> str | None:
    """An http:// or https:// URL with a host, in its encoded form, as it is sent."""
    if value is None:
        return None
    shown = re.sub(r"//[^/@]*@", "//***@", value)  # a password in the URL stays out of the error
    try:
        url = URL(value)
    except ValueError as error:
        raise ValueError(f"{shown!r} is not a URL: {error}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{shown!r} is not an http:// or https:// URL with a host")
    return str(url)


HttpUrl = Annotated[str | None, AfterValidator(_http_url)]


_ORIGIN = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\])(:\d{1,5})?")


def _origins(value: Any) -> Any:
    """Browser origins, comma-separated: "*", or scheme://host[:port] each, as a browser sends them."""
    if not isinstance(value, str):
        return value
    origins = [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
    for origin in origins:
        if origin != "*" and not re.fullmatch(
            r"https?://[A-Za-z0-9.-]+(:\d{1,5})?|https?://\[[0-9a-fA-F:.]+\](:\d{1,5})?", origin
        ):
            raise ValueError(f"{origin!r} is not an origin: give scheme://host[:port] (no path), or *")
    return origins


Origins = Annotated[list[str], NoDecode, BeforeValidator(_origins)]
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # `stoplist serve`'s own default host and port


class Settings(BaseSettings):
    """Configuration from the environment; names as in http-contract.md."""

    # No input in errors: a bad DATABASE_URL or pepper must not print its secret; messages name what is safe.
    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore", hide_input_in_errors=True)

    DATABASE_URL: str | None = None  # None -> the embedded PostgreSQL in STOPLIST_DATA_DIR
    STOPLIST_DATA_DIR: Path = Path(".stoplist")
    # The base of opt-out links (http-contract.md); `stoplist serve` sets http://HOST:PORT when unset.
    STOPLIST_PUBLIC_URL: HttpUrl = None
    # Mixed into every API key hash, so a stolen database alone cannot confirm guessed keys.
    STOPLIST_API_KEY_PEPPER: SecretStr = SecretStr("")
    STOPLIST_DB_POOL_SIZE: int = 20
    STOPLIST_DB_APPLICATION_NAME: str = "stoplist"  # how this instance shows in pg_stat_activity
    STOPLIST_MAX_QUERY_DEPTH: int = 10
    STOPLIST_MAX_ALIASES: int = 30
    STOPLIST_MAX_TOKENS: int = 2_000
    STOPLIST_MAX_BODY_BYTES: int = 4 * 1024 * 1024  # also the largest WebSocket message
    # The largest file an import, upload or scrub takes (UPLOAD_PATHS in app/main.py).
    STOPLIST_MAX_UPLOAD_BYTES: int = 1024 * 1024 * 1024
    # A slow client (slowloris) holds a connection for as long as it is let: each phase of a
    # request is bounded. Headers: from the connection's start, or a request's first byte, to
    # the end of its headers; body: from the end of the headers to the end of the body.
    STOPLIST_HTTP_HEADER_TIMEOUT_SECONDS: float = 10.0
    STOPLIST_HTTP_BODY_TIMEOUT_SECONDS: float = 30.0
    STOPLIST_HTTP_KEEP_ALIVE_SECONDS: int = 5  # an idle kept-alive connection; uvicorn takes whole seconds
    # Each `stoplist serve` process runs the background work too (app/workers/); false when it
    # runs apart, in `stoplist worker` processes.
    STOPLIST_SERVE_RUNS_WORKERS: bool = True
    # Where outbound SMS (opt-out confirmations) are POSTed as JSON; unset: a sender that only logs.
    STOPLIST_SMS_GATEWAY_URL: HttpUrl = None
    # Seconds before each new try of an outbound message that failed; after the last, it is FAILED.
    STOPLIST_OUTBOUND_RETRY_SCHEDULE: Schedule = [10, 60, 300, 1800, 7200]
    # How long a worker holds an outbox row it claimed (a message or delivery being sent): if its
    # process dies, another sends the row once this has run out. Longer than any one send.
    STOPLIST_OUTBOX_LEASE_SECONDS: float = 60.0
    # Webhooks: private, loopback and link-local destinations are refused unless this is set.
    STOPLIST_WEBHOOK_ALLOW_PRIVATE: bool = False
    # Seconds before each new try of a failed delivery: about three days in all, then FAILED.
    STOPLIST_WEBHOOK_RETRY_SCHEDULE: Schedule = [5, 30, 300, 1800, 7200, 21600, 86400, 172800]
    # An endpoint failing without a break for this long is disabled (its deliveries wait, kept).
    STOPLIST_WEBHOOK_DISABLE_AFTER_SECONDS: float = 5 * 86400
    # After rotateWebhookSecret the old secret still signs, beside the new one, for this long.
    STOPLIST_WEBHOOK_ROTATION_GRACE_SECONDS: float = 86400
    STOPLIST_WEBHOOK_TIMEOUT_SECONDS: float = 10.0  # one delivery, connection to answer
    # Opt-out link look-ups a client address may make a minute (one that fits no code costs ten);
    # per process. 0: unlimited.
    STOPLIST_LINK_LOOKUPS_PER_MINUTE: int = 60
    STOPLIST_LOG_LEVEL: str = "INFO"
    # Browser pages on these origins may call the API (CORS); none by default.
    STOPLIST_CORS_ORIGINS: Origins = []
    # Off: no metrics are recorded and GET /metrics answers 404 (bench/overhead measures the cost).
    STOPLIST_METRICS: bool = True
    STOPLIST_METRICS_TOKEN: SecretStr = SecretStr("")  # when set, GET /metrics needs it as a Bearer token
    STOPLIST_LOG_FORMAT: Literal["text", "json"] = "text"  # json: one object per line, for log shippers
    # A full garbage collection this often keeps memory flat (app/memory.py); 0 turns it off.
    STOPLIST_GC_INTERVAL_SECONDS: float = 10.0
    STOPLIST_WS_KEEP_ALIVE_SECONDS: float = 15.0
    STOPLIST_WS_MAX_SUBSCRIPTIONS: int = 20
    # A WebSocket that has not sent connection_init by then is closed (4408), on both protocols.
    STOPLIST_WS_INIT_TIMEOUT_SECONDS: float = 10.0
    # Off: feed messages are a few hundred bytes, and compressing each one for each subscriber
    # cost more server CPU than the rest of a delivery's transport (bench/feed).
    STOPLIST_WS_PER_MESSAGE_DEFLATE: bool = False
    STOPLIST_FEED_RING_SIZE: int = 10_000  # recent events each process keeps for its subscribers
    STOPLIST_FEED_POLL_SECONDS: float = 0.1  # the feed's poll when no wake-up comes
    # Each process re-reads the API keys it holds this often, in case a revocation's NOTIFY was lost.
    STOPLIST_KEY_CHECK_SECONDS: float = 5.0
    STOPLIST_KEY_USAGE_SECONDS: float = 30.0  # keys' last-used times are written this often

    @property
    def metrics_token(self) -> str | None:
        return self.STOPLIST_METRICS_TOKEN.get_secret_value() or None

    @property
    def public_url(self) -> str:
        return (self.STOPLIST_PUBLIC_URL or DEFAULT_PUBLIC_URL).rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
