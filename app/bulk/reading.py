"""Reading an uploaded file as it streams in: its encoding and delimiter (detected, or given), its
records with their line numbers, and every way it can be unreadable, reported by line.

The reader is pushed bytes (`feed`) and answers the records complete so far, so a file of any
size is read in constant memory, whether it comes from an HTTP body or from disk. A record ends
at a line break outside quotes: a quoted field may hold the delimiter, doubled quotes and line
breaks (RFC 4180). A record longer than `MAX_RECORD_LENGTH` is refused as soon as it is, not
once it has been read whole, and so is a NUL character (PostgreSQL text cannot hold one)."""

import codecs
import csv
import re
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from functools import partial
from typing import NamedTuple

from app.errors import InvalidInput, quoted

MAX_RECORD_LENGTH = 64 * 1024  # characters of one record: far above any row of contacts
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = {"utf-8": "utf-8", "utf-16": "utf-16", "latin-1": "latin-1"}
# Enough of the start of a file to tell UTF-8 from Latin-1 and to see UTF-16 without a BOM.
_SNIFF_BYTES = 64 * 1024
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BYTE_BREAK = re.compile(rb"\r\n|\r|\n")


class UnreadableFile(InvalidInput):
    """The file cannot be read as a whole: nothing of it is taken."""


class Record(NamedTuple):
    line: int  # where it starts, from 1
    fields: list[str]


class Texts(NamedTuple):
    """Records as their text, without the line break: a chunk's worth."""

    texts: list[str]
    starts: list[int]  # the line each starts on
    unquoted: bool  # no quote in any: each is its fields joined by the delimiter


_NO_TEXTS = Texts([], [], True)

# What Record(line, fields) does, without the Python frame of NamedTuple's __new__: every row is one.
_record = partial(tuple.__new__, Record)


def _detect_encoding(start: bytes) -> str:
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # UTF-16 text of Latin letters without a BOM: every other byte is zero.
    sample = start[:1024]
    if len(sample) >= 4:
        if sample[1::2].count(0) > len(sample) // 4 and not sample[0::2].count(0):
            return "utf-16-le"
        if sample[0::2].count(0) > len(sample) // 4 and not sample[1::2].count(0):
            return "utf-16-be"
    try:
        start.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(start) - 3:  # not merely a character cut at the sample's end
            return "latin-1"
    return "utf-8"


def _encoding(given: str | None) -> str | None:
    if given is None:
        return None
    name = given.strip().lower().replace("_", "-")
    if name in ("utf8", "utf-8-sig"):
        name = "utf-8"
    if name in ("latin1", "iso-8859-1", "cp1252", "windows-1252"):
        name = "latin-1"
    if name not in ENCODINGS:
        raise InvalidInput(f"{quoted(given)} is not an encoding we read: utf-8, utf-16 or latin-1.", field="encoding")
    return "utf-8-sig" if name == "utf-8" else ENCODINGS[name]


def _delimiter(given: str | None) -> str | None:
    if given is None:
        return None
    named = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}.get(given.strip().lower(), given)
    if named not in DELIMITERS:
        raise InvalidInput(
            f"{quoted(given)} is not a delimiter we read: comma, semicolon, tab or pipe.", field="delimiter"
        )
    return named


def detect_delimiter(header: str) -> str:
    """The candidate found most often outside quotes in the header; a comma for a single column."""
    outside = re.sub(r'"[^"]*"', "", header)
    counts = {candidate: outside.count(candidate) for candidate in DELIMITERS}
    best = max(DELIMITERS, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


class DelimitedReader:
    """Push bytes in with `feed`, end with `close`; each answers the records it completed."""

    def __init__(self, *, encoding: str | None = None, delimiter: str | None = None) -> None:
        self.encoding = _encoding(encoding)
        self.delimiter = _delimiter(delimiter)
        self._decoder: codecs.IncrementalDecoder | None = None
        self._start = b""  # bytes held until the encoding is known
        self._text = ""  # decoded, not yet a whole record
        self._line = 1  # of the next record's first line
        self._bytes_seen = 0
        self.records = 0

    def feed(self, chunk: bytes) -> list[Record]:
        return self._as_records(self.feed_texts(chunk))

    def close(self) -> list[Record]:
        return self._as_records(self.close_texts())

    def feed_texts(self, chunk: bytes) -> "Texts":
        """The records `chunk` completed, as their text: for a reader that needs no fields of most
        of them, or none it did not know the place of (the scrub)."""
        self._bytes_seen += len(chunk)
        if self._decoder is None:
            self._start += chunk
            if len(self._start) < _SNIFF_BYTES:
                return _NO_TEXTS
            chunk, self._start = self._start, b""
            self._begin(chunk)
        return self._texts(self._decode(chunk, final=False), final=False)

    def close_texts(self) -> "Texts":
        if self._decoder is None:
            chunk, self._start = self._start, b""
            if not chunk:
                raise UnreadableFile("The file is empty.")
            self._begin(chunk)
            text = self._decode(chunk, final=True)
        else:
            text = self._decode(b"", final=True)
        found = self._texts(text, final=True)
        if self.records == 0:
            raise UnreadableFile("The file is empty.")
        return found

    def _begin(self, start: bytes) -> None:
        self.encoding = self.encoding or _detect_encoding(start)
        self._decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")

    def _decode(self, chunk: bytes, *, final: bool) -> str:
        assert self._decoder is not None
        try:
            return self._decoder.decode(chunk, final=final)
        except UnicodeDecodeError as error:
            before = error.object[: error.start]
            line = self._line + len(_LINE_BREAK.findall(self._text)) + len(_BYTE_BREAK.findall(before))
            name = str(self.encoding).removesuffix("-sig").upper()
            raise UnreadableFile(
                f"The file is not {name}: near line {line} there is the byte 0x{error.object[error.start]:02x}. "
                "Give its encoding (utf-8, utf-16 or latin-1).",
                field="encoding",
            ) from None

    def _texts(self, text: str, *, final: bool) -> "Texts":
        pending = self._text + text
        if "\x00" in pending:
            line = self._line + len(_LINE_BREAK.findall(pending[: pending.index("\x00")]))
            raise UnreadableFile(f"Line {line} holds a NUL character, which no field may hold.")
        complete: list[str] = []
        starts: list[int] = []
        line, position = self._line, 0
        unquoted = '"' not in pending
        if unquoted:  # every line break ends a record, found all at once
            position = _whole_lines_end(pending, final=final)
            lines = _split_lines(pending[:position])
            if lines and max(map(len, lines)) <= MAX_RECORD_LENGTH and all(map(str.strip, lines)):
                complete, starts = lines, list(range(line, line + len(lines)))  # as most chunks are
            else:
                for offset, record in enumerate(lines):
                    self._keep(record, line + offset, complete, starts)
            line += len(lines)
        while (end := _record_end(pending, position)) is not None:
            record = _FINAL_BREAK.sub("", pending[position:end])
            self._keep(record, line, complete, starts)
            line += len(_LINE_BREAK.findall(pending, position, end))
            position = end
        rest = pending[position:]
        if final and rest:
            if rest.count('"') % 2:
                raise UnreadableFile(f"Line {line} opens a quoted field that is never closed.")
            self._keep(_FINAL_BREAK.sub("", rest), line, complete, starts)
            rest = ""
        if len(rest) > MAX_RECORD_LENGTH:
            raise UnreadableFile(f"Line {line} is longer than {MAX_RECORD_LENGTH:,} characters.")
        self._text, self._line = rest, line
        if not complete:
            return _NO_TEXTS
        if self.delimiter is None:
            self.delimiter = detect_delimiter(complete[0])
        self.records += len(complete)
        return Texts(complete, starts, unquoted)

    def _as_records(self, texts: "Texts") -> list[Record]:
        # No delimiter yet only while no record is complete.
        fields = fields_of(texts.texts, self.delimiter or ",", unquoted=texts.unquoted)
        return list(map(_record, zip(texts.starts, fields, strict=True)))

    @staticmethod
    def _keep(record: str, line: int, complete: list[str], starts: list[int]) -> None:
        if len(record) > MAX_RECORD_LENGTH:
            raise UnreadableFile(f"Line {line} is longer than {MAX_RECORD_LENGTH:,} characters.")
        if record.strip():  # blank lines are no records
            complete.append(record)
            starts.append(line)


def fields_of(texts: list[str], delimiter: str, *, unquoted: bool) -> Iterable[list[str]]:
    """The fields of each record, as csv.reader reads them."""
    if unquoted:  # csv.reader's reading of a line without quotes, for half its cost
        return [text.split(delimiter) for text in texts]
    return csv.reader(texts, delimiter=delimiter, strict=False)


async def read_texts(
    reader: "DelimitedReader", chunks: AsyncIterable[bytes], take: Callable[[Texts], Awaitable[None]]
) -> None:
    """`read_records`, the records as their text."""
    async for chunk in chunks:
        await take(reader.feed_texts(chunk))
    await take(reader.close_texts())


async def read_records(
    reader: "DelimitedReader", chunks: AsyncIterable[bytes], take: Callable[[list[Record]], Awaitable[None]]
) -> None:
    """Every record of a streamed file, handed to `take` as each chunk completes some."""
    async for chunk in chunks:
        await take(reader.feed(chunk))
    await take(reader.close())


_FINAL_BREAK = re.compile(r"(?:\r\n|\r|\n)\Z")


def _split_lines(text: str) -> list[str]:
    """The lines of `text`, which ends with a line break: cut by str.split when one kind of
    line break is used throughout (as files do), a few times faster than the regex."""
    if "\r" not in text:
        lines = text.split("\n")
    elif "\n" not in text:
        lines = text.split("\r")
    elif text.count("\r\n") == text.count("\r") == text.count("\n"):
        lines = text.split("\r\n")
    else:
        lines = _LINE_BREAK.split(text)
    lines.pop()  # what follows the last line break: nothing
    return lines


def _whole_lines_end(text: str, *, final: bool) -> int:
    """The end of the last line break of `text` (0 if none): a "\r" at its very end may be cut
    from its "\n", and waits for what follows unless the text is all there is."""
    cut = max(text.rfind("\n"), text.rfind("\r"))
    if 0 <= cut == len(text) - 1 and text[cut] == "\r" and not final:
        cut = max(text.rfind("\n", 0, cut), text.rfind("\r", 0, cut))
    return cut + 1


def _record_end(text: str, position: int) -> int | None:
    """Where the record that starts at `position` ends (after its line break), if it does: at the
    first line break after an even number of quotes."""
    quotes, counted_to = 0, position
    for match in _LINE_BREAK.finditer(text, position):
        quotes += text.count('"', counted_to, match.start())
        counted_to = match.end()
        if quotes % 2 == 0:
            if match.group() == "\r" and match.end() == len(text):
                return None  # a "\r\n" may be cut between two chunks: wait for what follows
            return match.end()
    return None
