"""Export writers: what a spreadsheet would run as a formula is escaped, numbers are not, and
what is written reads back as it was."""

import csv
import io
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.bulk.writing import DelimitedWriter, NdjsonWriter, escape_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("+31612345678", "+31612345678"),  # a well-formed E.164 number stays a number
        ("+3161234567890123", "'+3161234567890123"),  # too long for E.164
        ("+31 6 1234 5678", "'+31 6 1234 5678"),
        ("ann@example.com", "ann@example.com"),
        ("Ann = Bob", "Ann = Bob"),
        ("", ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_escaped(value: str, written: str) -> None:
    assert escape_cell(value) == written


def test_csv_and_tsv_write_a_header_and_rows_that_read_back() -> None:
    for delimiter in (",", "\t"):
        writer = DelimitedWriter(["token", "since", "optedOut", "reason"], delimiter=delimiter)
        at = datetime(2026, 12, 2, 3, 4, 5, tzinfo=UTC)

        data = writer.header() + writer.rows([["+31612345678", at, True, 'said "stop", twice\nthen left']])
        data += writer.rows([["ann@example.com", None, False, "=cmd"]])

        assert list(csv.reader(io.StringIO(data.decode(), newline=""), delimiter=delimiter)) == [
            ["token", "since", "optedOut", "reason"],
            ["+31612345678", "2026-12-02T03:04:05+00:00", "true", 'said "stop", twice\nthen left'],
            ["ann@example.com", "", "false", "'=cmd"],
        ]


def test_ndjson_writes_one_object_a_line() -> None:
    writer = NdjsonWriter(["token", "optedOut"])

    data = writer.header() + writer.rows([["+31612345678", True], ["=x", False]])

    assert [orjson.loads(line) for line in data.splitlines()] == [
        {"token": "+31612345678", "optedOut": True},
        {"token": "=x", "optedOut": False},
    ]


@given(st.lists(st.lists(st.text(), min_size=3, max_size=3), max_size=20))
def test_every_text_reads_back_from_csv_as_written_or_escaped(rows: list[list[str]]) -> None:
    writer = DelimitedWriter(["a", "b", "c"])

    data = writer.header() + writer.rows(rows)

    read = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert read[1:] == [[escape_cell(value) for value in row] for row in rows]
