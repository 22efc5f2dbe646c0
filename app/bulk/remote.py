"""The bulk commands against a running server (`--server URL`): the file streamed to the same
route an integrator calls, with the caller's API key, and the answer (a report, a scrubbed file,
an export) taken as it comes."""

import contextlib
from collections.abc import Iterator
from typing import BinaryIO

import httpx

from app.bulk.progress import Progress
from app.errors import DomainError

CHUNK = 256 * 1024
# An import of millions of rows answers once it has read them all: no read deadline, a connect one.
TIMEOUT = httpx.Timeout(None, connect=30.0)


class ServerError(DomainError):
    """The server refused the call, or could not be reached: its own message, as it said it."""

    code = "SERVER"


def _chunks(file: BinaryIO, progress: Progress) -> Iterator[bytes]:
    while chunk := file.read(CHUNK):
        yield chunk
        progress.advance(rows=chunk.count(b"\n"), bytes_read=len(chunk))


def _refusal(response: httpx.Response) -> ServerError:
    response.read()
    try:
        error = response.json()["error"]
        message = f"{error['message']} (HTTP {response.status_code}" + (
            f", field {error['field']})" if error.get("field") else ")"
        )
    except (ValueError, KeyError, TypeError):
        message = f"the server answered HTTP {response.status_code}: {response.text[:200]}"
    return ServerError(message)


@contextlib.contextmanager
def call(
    server: str,
    key: str,
    method: str,
    path: str,
    params: dict[str, str | list[str]],
    *,
    file: BinaryIO | None = None,
    progress: Progress | None = None,
) -> Iterator[httpx.Response]:
    """The server's answer to one call, open for streaming; a refusal raises ServerError."""
    body = _chunks(file, progress) if file is not None and progress is not None else None
    headers = {"authorization": f"Bearer {key}", "content-type": "text/csv"}
    try:
        with (
            httpx.Client(base_url=server.rstrip("/"), timeout=TIMEOUT) as client,
            client.stream(method, path, params=params, content=body, headers=headers) as response,
        ):
            if response.status_code >= 400:
                raise _refusal(response)
            yield response
    except httpx.HTTPError as error:
        raise ServerError(f"{server} could not be reached or broke off: {error}") from None
