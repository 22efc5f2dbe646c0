"""Writing an export as an XLSX workbook while it is read, with the standard library only.

The workbook is a ZIP written to a buffer that is drained after each batch, so each batch's
compressed bytes go out at once and memory stays flat. Nothing can be seeked back to, so every
entry carries its sizes in a data descriptor after its data, and the sheets are ZIP64 entries
(`force_zip64`: a sheet of millions of rows passes 4 GiB, and an entry's size cannot be fixed up
afterwards). Cells are inline strings (`t="inlineStr"`), so there is no shared-strings table to
hold. A sheet holds at most 1,048,576 rows (Excel's limit): a larger export goes on in further
sheets, each with the header row.

[Content_Types].xml maps every `.xml` part to a worksheet and overrides the workbook and styles,
so it is right however many sheets follow and can come first (where tools sniffing the format
look); the workbook, which lists the sheets, is written last.

Text is XML-escaped, characters XML 1.0 cannot hold are dropped, `_xHHHH_` (which Excel reads as
an escaped character) is itself escaped, and a cell is cut at 32,767 characters (Excel's limit).
Cells a spreadsheet would run as formulas are escaped as in CSV (`escape_cell`). Numbers and
booleans are written as such; datetimes as ISO 8601 text, as in CSV (a date cell would need a
time zone Excel does not have)."""

import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import IO
from xml.sax.saxutils import escape

from app.bulk.writing import Cell, escape_cell

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_048_576
MAX_CELL_LENGTH = 32_767

# Not XML 1.0 characters (https://www.w3.org/TR/xml/#charsets): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE_LIKE = re.compile("(_x[0-9A-Fa-f]{4}_)")
# A parser reads a literal CR as LF: written as a reference, it stays a CR.
_ENTITIES = {"\r": "&#13;"}
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x")
_SPACE = (" ", "\t", "\n")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = (
    _DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/workbook.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _DECLARATION + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
# Style 1 is the header row's bold.
_STYLES = (
    _DECLARATION + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# The header row stays in view (frozen) while scrolling.
_SHEET_START = (
    _DECLARATION + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
_SHEET_END = "</sheetData></worksheet>"


def column_letters(index: int) -> str:
    """A, B, ..., Z, AA, ... for the 0-based column `index`."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def xml_text(value: str) -> str:
    """The text of a cell as XML: formulas escaped, cut to Excel's limit, what XML cannot hold dropped."""
    value = escape_cell(value)
    if len(value) > MAX_CELL_LENGTH or _SPECIAL.search(value):  # rare: most cells are written as they are
        value = _NOT_XML.sub("", value)[:MAX_CELL_LENGTH]
        value = escape(_ESCAPE_LIKE.sub(r"_x005F\1", value), _ENTITIES)
    return value


class _Drain:
    """The ZIP's file: written to, drained after each batch, never seeked (so zipfile streams)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data: bytes, /) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class XlsxWriter:
    """The interface of DelimitedWriter: header() at once, rows(batch) as read, then footer()."""

    def __init__(self, columns: Sequence[str], *, sheet_name: str = "export", max_rows: int = MAX_ROWS) -> None:
        self.columns = list(columns)
        self._sheet_name = sheet_name
        self._max_rows = max_rows  # rows of a sheet, its header row included
        self._refs = [column_letters(index) for index in range(len(self.columns))]
        self._drain = _Drain()
        # Level 1: most of level 6's ratio on text this repetitive, at a fraction of the CPU.
        self._zip = zipfile.ZipFile(self._drain, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheets = 0
        self._sheet: IO[bytes] | None = None
        self._row = 0  # the last row number written in the current sheet

    def header(self) -> bytes:
        self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self._zip.writestr("_rels/.rels", _ROOT_RELS)
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._open_sheet()
        return self._drain.take()

    def rows(self, rows: Sequence[Sequence[Cell]]) -> bytes:
        parts: list[str] = []
        for row in rows:
            if self._row >= self._max_rows:
                self._write(parts)
                parts = []
                self._close_sheet()
                self._open_sheet()
            self._row += 1
            parts.append(self._row_xml(self._row, row))
        self._write(parts)
        return self._drain.take()

    def footer(self) -> bytes:
        self._close_sheet()
        sheets = range(1, self._sheets + 1)
        names = "".join(
            f'<sheet name="{self._title(number)}" sheetId="{number}" r:id="rId{number}"/>' for number in sheets
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>{names}</sheets></workbook>',
        )
        links = "".join(
            f'<Relationship Id="rId{number}" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet{number}.xml"/>'
            for number in sheets
        )
        styles = f'<Relationship Id="rId{self._sheets + 1}" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{links}{styles}</Relationships>',
        )
        self._zip.close()
        return self._drain.take()

    def _title(self, number: int) -> str:
        # Sheet names: at most 31 characters, none of []:*?/\ (the caller's names are plain words).
        return escape(self._sheet_name[:25] if number == 1 else f"{self._sheet_name[:25]} {number}")

    def _open_sheet(self) -> None:
        self._sheets += 1
        self._sheet = self._zip.open(f"xl/worksheets/sheet{self._sheets}.xml", "w", force_zip64=True)
        cells = "".join(
            f'<c r="{ref}1" s="1" t="inlineStr"><is><t>{xml_text(column)}</t></is></c>'
            for ref, column in zip(self._refs, self.columns, strict=True)
        )
        self._row = 1
        self._sheet.write(f'{_SHEET_START}<row r="1">{cells}</row>'.encode())

    def _close_sheet(self) -> None:
        assert self._sheet is not None
        self._sheet.write(_SHEET_END.encode())
        self._sheet.close()
        self._sheet = None

    def _write(self, parts: list[str]) -> None:
        if parts:
            assert self._sheet is not None
            self._sheet.write("".join(parts).encode())

    def _row_xml(self, number: int, row: Sequence[Cell]) -> str:
        cells = []
        for ref, value in zip(self._refs, row, strict=True):
            if value is None:
                continue
            if type(value) is not str:
                if isinstance(value, bool):
                    cells.append(f'<c r="{ref}{number}" t="b"><v>{int(value)}</v></c>')
                    continue
                if isinstance(value, int | float) and value == value and abs(value) != float("inf"):
                    cells.append(f'<c r="{ref}{number}"><v>{value!r}</v></c>')
                    continue
                value = value.isoformat() if isinstance(value, datetime) else str(value)
            text = xml_text(value)
            space = ' xml:space="preserve"' if text.startswith(_SPACE) or text.endswith(_SPACE) else ""
            cells.append(f'<c r="{ref}{number}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
        return f'<row r="{number}">{"".join(cells)}</row>'
