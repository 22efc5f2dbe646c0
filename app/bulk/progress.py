"""A progress line for the bulk commands on a terminal: rows, rate and time left. On anything but
a terminal (a pipe, a file, CI) it writes nothing, so output meant for a program stays clean."""

import sys
import time
from typing import TextIO

REDRAW_SECONDS = 0.1


class Progress:
    def __init__(self, total_bytes: int | None, *, stream: TextIO = sys.stderr) -> None:
        self.total_bytes = total_bytes
        self.stream = stream
        self.shown = stream.isatty()
        self.started = time.monotonic()
        self._drawn = 0.0
        self.rows = 0
        self.bytes = 0

    def advance(self, *, rows: int, bytes_read: int) -> None:
        self.rows += rows
        self.bytes += bytes_read
        now = time.monotonic()
        if self.shown and now - self._drawn >= REDRAW_SECONDS:
            self._drawn = now
            self.stream.write("\r" + self.line(now) + "\x1b[K")
            self.stream.flush()

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r" + self.line(time.monotonic()) + "\x1b[K\n")
            self.stream.flush()

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        text = f"{self.rows:,} rows  {self.rows / elapsed:,.0f} rows/s"
        if self.total_bytes:
            share = min(self.bytes / self.total_bytes, 1.0)
            left = elapsed * (1 - share) / share if share else None
            text += f"  {share:.0%}" + (f"  ETA {_duration(left)}" if left is not None else "")
        return text


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
