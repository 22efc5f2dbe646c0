"""The HTTP side, run in bench/load.py's child process as the baseline is: one request, its body
streamed from a row file in chunks (chunked transfer encoding, as a client uploading a file it
reads does), its answer read to the end."""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    seconds: float  # from sending the request to the answer's last byte
    first_byte: float  # seconds to the answer's first byte of body
    lines: int  # line breaks in the body
    headers: dict[str, str]
    body: bytes = b""  # kept only when asked for
    bytes_read: int = 0


CUT_OFF = 0  # the status of an answer given up on: see `request`'s `limit`


class _Late(Exception):
    pass


def _chunks(path: Path, deadline: float) -> Iterator[bytes]:
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            if time.perf_counter() > deadline:
                raise _Late
            yield chunk


def request(
    method: str, url: str, key: str, upload: Path | None = None, *, keep: bool = False, limit: float | None = None
) -> Answer:
    """The answer's body goes to /dev/null unless `keep`; a body that is not a 200's is kept anyway.
    Past `limit` seconds of sending, or of waiting for the answer, the request is given up (the
    connection closed, so the server rolls its work back) and answered with status `CUT_OFF`."""
    headers = {"Authorization": f"Bearer {key}"}
    if upload is not None:
        headers["Content-Type"] = "text/csv"
    kept: list[bytes] = []
    lines = size = 0
    with httpx.Client(timeout=httpx.Timeout(None, read=limit, write=limit)) as client, open("/dev/null", "wb") as sink:
        started = time.perf_counter()
        first = 0.0
        content = _chunks(upload, started + (limit or float("inf"))) if upload is not None else None
        try:
            with client.stream(method, url, content=content, headers=headers) as response:
                for chunk in response.iter_raw():
                    if not first:
                        first = time.perf_counter() - started
                    lines += chunk.count(b"\n")
                    size += len(chunk)
                    if keep or response.status_code != 200:
                        kept.append(chunk)
                    else:
                        sink.write(chunk)
        except (_Late, httpx.TimeoutException):
            seconds = time.perf_counter() - started
            return Answer(CUT_OFF, seconds, seconds, 0, {})
        seconds = time.perf_counter() - started
    return Answer(response.status_code, seconds, first or seconds, lines, dict(response.headers), b"".join(kept), size)
