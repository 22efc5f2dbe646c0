"""Writing rows of an export as they are read: CSV, TSV and NDJSON, a batch of rows at a time
(XLSX: app/bulk/xlsx.py). Every writer gives header(), rows(batch) and footer() as bytes.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a formula (and a tab or a
carriage return at the start hides one), so an exported value can carry a command to whoever
opens the file: such cells are escaped with a leading apostrophe, which shows the text as it
is (OWASP's advice). A well-formed E.164 number (+31612345678) is left as it is: it is most of
what these files hold, and no formula."""

import csv
import io
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import orjson

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
E164_CELL = re.compile(r"\+[1-9][0-9]{6,14}")

Cell = str | int | float | bool | datetime | None


class RowWriter(Protocol):
    def header(self) -> bytes: ...
    def rows(self, rows: Sequence[Sequence[Cell]]) -> bytes: ...
    def footer(self) -> bytes: ...


def escape_cell(value: str) -> str:
    if value.startswith(FORMULA_STARTS) and not E164_CELL.fullmatch(value):
        return "'" + value
    return value


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return escape_cell(value) if isinstance(value, str) else str(value)


class DelimitedWriter:
    """CSV (`delimiter=","`) or TSV (`"\\t"`): the header first, then batches of rows, each as bytes."""

    def __init__(self, columns: Sequence[str], *, delimiter: str = ",") -> None:
        self.columns = list(columns)
        self.delimiter = delimiter
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")

    def header(self) -> bytes:
        return self._flush([[escape_cell(column) for column in self.columns]])

    def rows(self, rows: Sequence[Sequence[Cell]]) -> bytes:
        return self._flush([[_text(value) for value in row] for row in rows])

    def footer(self) -> bytes:
        return b""

    def _flush(self, rows: list[list[str]]) -> bytes:
        self._writer.writerows(rows)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode()


class NdjsonWriter:
    """One JSON object a line, named by the columns; no header, and nothing to escape."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)

    def header(self) -> bytes:
        return b""

    def rows(self, rows: Sequence[Sequence[Any]]) -> bytes:
        columns = self.columns
        return b"".join(orjson.dumps(dict(zip(columns, row, strict=True))) + b"\n" for row in rows)

    def footer(self) -> bytes:
        return b""
