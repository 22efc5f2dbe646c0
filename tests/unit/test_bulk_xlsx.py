"""The streaming XLSX writer: a workbook openpyxl reads back cell for cell, written as it goes (the
first bytes at once, each batch's as it is written), ZIP64 sheet entries that need no seeking back,
further sheets past a sheet's last row, and text that XML and spreadsheets take as it is."""

import io
import struct
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest

from app.bulk.xlsx import MAX_CELL_LENGTH, XlsxWriter, column_letters, xml_text


def read(data: bytes) -> list[tuple[str, list[list[object]]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [(sheet.title, [[cell.value for cell in row] for row in sheet.iter_rows()]) for sheet in workbook.worksheets]


def test_cells_read_back_typed_and_formulas_stay_text() -> None:
    writer = XlsxWriter(["token", "count", "optedOut", "since", "reason"], sheet_name="optouts")
    at = datetime(2026, 12, 2, 3, 4, 5, tzinfo=UTC)

    data = writer.header()
    data += writer.rows([["+31612345678", 3, True, at, "=HYPERLINK(1)"], ["ann@example.com", 1.5, False, None, "-1"]])
    data += writer.footer()

    assert read(data) == [
        (
            "optouts",
            [
                ["token", "count", "optedOut", "since", "reason"],
                ["+31612345678", 3, True, "2026-12-02T03:04:05+00:00", "'=HYPERLINK(1)"],
                ["ann@example.com", 1.5, False, None, "'-1"],
            ],
        )
    ]


def test_bytes_go_out_as_they_are_written() -> None:
    writer = XlsxWriter(["token", "reason"])

    first = writer.header()
    batches = [
        writer.rows([[f"+3161{n:07d}", f"reason {n * 7919 % 1000003}"] for n in range(start, start + 5_000)])
        for start in range(0, 50_000, 5_000)
    ]
    last = writer.footer()

    # The package's fixed parts and the sheet's local header at once; then each batch's share, and
    # at the end no more than the compressor held back.
    assert first.startswith(b"PK\x03\x04") and b"[Content_Types].xml" in first
    assert all(batches[1:]) and len(last) < 64 * 1024 < sum(map(len, batches)) // 4
    data = first + b"".join(batches) + last
    assert len(read(data)[0][1]) == 50_001


def test_the_sheet_is_a_zip64_entry_with_its_sizes_after_its_data() -> None:
    writer = XlsxWriter(["token"])
    data = writer.header() + writer.rows([["+31612345678"]]) + writer.footer()

    archive = zipfile.ZipFile(io.BytesIO(data))
    sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    (flags,) = struct.unpack_from("<H", data, sheet.header_offset + 6)
    name_length, extra_length = struct.unpack_from("<HH", data, sheet.header_offset + 26)
    extra = data[sheet.header_offset + 30 + name_length : sheet.header_offset + 30 + name_length + extra_length]
    assert flags & 0x08  # a data descriptor: nothing is seeked back to
    assert extra[:2] == b"\x01\x00"  # the ZIP64 extra field
    assert archive.testzip() is None
    assert archive.namelist()[0] == "[Content_Types].xml"


def test_a_full_sheet_goes_on_in_another_with_the_header() -> None:
    writer = XlsxWriter(["n"], sheet_name="audience", max_rows=3)

    data = writer.header() + writer.rows([[1], [2], [3]]) + writer.rows([[4], [5]]) + writer.footer()

    assert read(data) == [
        ("audience", [["n"], [1], [2]]),
        ("audience 2", [["n"], [3], [4]]),
        ("audience 3", [["n"], [5]]),
    ]


@pytest.mark.parametrize(
    ("value", "xml"),
    [
        ("a & b < c > d", "a &amp; b &lt; c &gt; d"),
        ("bell\x07 nul\x00 esc\x1b \ufffe", "bell nul esc "),
        ("line\r\nnext\ttab", "line&#13;\nnext\ttab"),
        ("_x0041_ is A to Excel", "_x005F_x0041_ is A to Excel"),
        ("=1+2", "'=1+2"),
        ("+31612345678", "+31612345678"),
        ("😀 ünïcode", "😀 ünïcode"),
    ],
)
def test_text_is_what_xml_and_spreadsheets_take_as_it_is(value: str, xml: str) -> None:
    assert xml_text(value) == xml


def test_a_cell_is_cut_at_excels_limit() -> None:
    assert len(xml_text("x" * 40_000)) == MAX_CELL_LENGTH


def test_column_letters() -> None:
    assert [column_letters(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
