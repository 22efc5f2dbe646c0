"""Reading an uploaded file as it streams in: encodings, delimiters, quoting across chunks, line
numbers, and every way a file is refused."""

import codecs
import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.bulk.reading import MAX_RECORD_LENGTH, DelimitedReader, Record, UnreadableFile
from app.errors import InvalidInput

CONTACTS = "phone;email;first_name\n+31612345678;ann@example.com;Änne\n0687654321;;Zoë\n"


def read(data: bytes, *, chunk: int = 7, **options: str) -> tuple[list[Record], DelimitedReader]:
    reader = DelimitedReader(**options)
    records: list[Record] = []
    for start in range(0, len(data), chunk):
        records += reader.feed(data[start : start + chunk])
    records += reader.close()
    return records, reader


def rows(data: bytes, **options: str) -> list[list[str]]:
    return [record.fields for record in read(data, **options)[0]]


EXPECTED = [["phone", "email", "first_name"], ["+31612345678", "ann@example.com", "Änne"], ["0687654321", "", "Zoë"]]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CONTACTS.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + CONTACTS.encode("utf-8"), "utf-8-sig"),
        (CONTACTS.encode("utf-16"), "utf-16"),  # with its BOM
        (CONTACTS.encode("utf-16-le"), "utf-16-le"),
        (CONTACTS.encode("utf-16-be"), "utf-16-be"),
        (CONTACTS.encode("latin-1"), "latin-1"),
    ],
)
def test_the_encoding_is_detected(data: bytes, encoding: str) -> None:
    records, reader = read(data)

    assert [record.fields for record in records] == EXPECTED
    assert reader.encoding == encoding


def test_an_encoding_can_be_given_and_a_wrong_one_is_reported_with_its_line() -> None:
    assert rows(CONTACTS.encode("latin-1"), encoding="latin1") == EXPECTED
    data = ("phone\n" + "+31612345678\n" * 10 + "Zoë\n").encode("latin-1")

    with pytest.raises(UnreadableFile) as refused:
        read(data, encoding="utf-8")

    assert "near line 12" in refused.value.message and "0xeb" in refused.value.message
    with pytest.raises(InvalidInput) as unknown:
        DelimitedReader(encoding="ebcdic")
    assert unknown.value.field == "encoding"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_detected_from_the_header(delimiter: str) -> None:
    data = CONTACTS.replace(";", delimiter).encode()

    assert rows(data) == EXPECTED
    assert rows(data, delimiter={"\t": "tab", ",": "comma"}.get(delimiter, delimiter)) == EXPECTED


def test_quoted_fields_hold_delimiters_quotes_and_line_breaks_even_across_chunks() -> None:
    data = b'phone,note\r\n+31612345678,"one, ""two""\r\nthree"\r\n\r\n+31687654321,plain\r\n'

    for chunk in (1, 2, 3, 5, 64):
        records, _ = read(data, chunk=chunk)
        assert records == [
            Record(1, ["phone", "note"]),
            Record(2, ["+31612345678", 'one, "two"\r\nthree']),
            Record(5, ["+31687654321", "plain"]),  # a blank line is no record, but a line
        ], chunk


@pytest.mark.parametrize("chunk", [1, 999, 65_536, 1_000_000])
def test_a_file_read_in_chunks_of_any_size_reads_alike(chunk: int) -> None:
    # Past the first 64 KiB, held to tell the encoding, records come as the chunks do.
    data = ("phone,email\r\n" + "".join(f"+316{i:08d},u{i}@example.com\r\n" for i in range(5_000))).encode()

    records, _ = read(data, chunk=chunk)

    assert len(records) == 5_001 and records[-1] == Record(5_001, ["+31600004999", "u4999@example.com"])
    assert [record.line for record in records] == list(range(1, 5_002))


def test_a_last_line_without_a_line_break_is_read() -> None:
    assert rows(b"phone\r+31612345678\r+31687654321") == [["phone"], ["+31612345678"], ["+31687654321"]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n  \n", "The file is empty."),
        (b'phone\n"+31612345678\n', "Line 2 opens a quoted field that is never closed."),
        (b"phone\n+3161234\x005678\n", "Line 2 holds a NUL character, which no field may hold."),
        (
            b"phone\n" + b"9" * (MAX_RECORD_LENGTH + 1) + b"\n",
            f"Line 2 is longer than {MAX_RECORD_LENGTH:,} characters.",
        ),
    ],
)
def test_an_unreadable_file_is_refused_naming_the_line(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile) as refused:
        read(data)

    assert refused.value.message == message


def test_a_line_of_a_megabyte_is_refused_before_it_is_read_whole() -> None:
    reader = DelimitedReader()
    reader.feed(b"phone\n")
    with pytest.raises(UnreadableFile):
        for _ in range(1024):  # a megabyte in all, fed a kilobyte at a time
            reader.feed(b"9" * 1024)
            assert len(reader._text) <= MAX_RECORD_LENGTH + 1024


@given(
    st.lists(
        st.lists(
            st.text(alphabet=st.characters(blacklist_characters="\x00", codec="utf-8"), max_size=20),
            min_size=2,
            max_size=4,
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from([",", ";", "\t"]),
    st.integers(min_value=1, max_value=50),
)
def test_what_the_csv_module_writes_reads_back_whole(table: list[list[str]], delimiter: str, chunk: int) -> None:
    table = [row for row in table if any(field.strip() for field in row)]
    written = io.StringIO()
    csv.writer(written, delimiter=delimiter, quoting=csv.QUOTE_ALL).writerows(table)
    if not table:
        return

    assert rows(written.getvalue().encode(), delimiter={"\t": "tab"}.get(delimiter, delimiter)) == table


@given(
    st.text(alphabet=st.characters(blacklist_characters='\x00"\ufeff', codec="utf-8"), max_size=200),
    st.sampled_from([",", ";", "\t", "|"]),
    st.integers(min_value=1, max_value=50),
)
def test_a_file_without_quotes_reads_as_the_csv_module_reads_its_every_line(
    text: str, delimiter: str, chunk: int
) -> None:
    # Such a file's lines are cut by str.split, not the csv module: the same fields, line by line.
    expected = [
        (number, next(csv.reader([line], delimiter=delimiter)))
        for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1)
        if line.strip()
    ]
    if not expected:
        return

    records, _ = read(text.encode(), chunk=chunk, delimiter={"\t": "tab"}.get(delimiter, delimiter))

    assert [(record.line, record.fields) for record in records] == expected
