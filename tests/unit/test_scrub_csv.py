"""The scrub's rows as text: exactly what csv.writer writes, whether the fields are joined (none
needs quoting) or written by csv.writer itself."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from app.bulk.reading import fields_of
from app.bulk.scrub import _csv_lines, rows_cut, texts_cut

PLAIN = st.text(alphabet="ab1+é -_.", max_size=6)
SPECIAL = st.text(alphabet="ab\"\r\n,;\t|\\' \x85\u2028", max_size=4)
FIELD = st.one_of(PLAIN, PLAIN, SPECIAL, st.text(max_size=4))
ROWS = st.lists(st.lists(FIELD, max_size=5), max_size=8)
DELIMITERS = st.sampled_from([",", ";", "\t", "|"])


def written_by_csv(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@given(ROWS, DELIMITERS)
def test_rows_are_the_lines_csv_writer_writes(rows: list[list[str]], delimiter: str) -> None:
    assert "".join(line + "\r\n" for line in _csv_lines(rows, delimiter)) == written_by_csv(rows, delimiter)


@given(st.lists(st.lists(FIELD, min_size=1, max_size=5), max_size=8), DELIMITERS, st.sampled_from(["true", "false"]))
def test_a_flag_after_a_last_field_left_empty_is_what_csv_writer_writes_with_the_flag(
    rows: list[list[str]], delimiter: str, flag: str
) -> None:
    # A record has a field at least: a line with nothing on it is none.
    lines = _csv_lines([[*fields, ""] for fields in rows], delimiter)

    assert "".join(line + flag + "\r\n" for line in lines) == written_by_csv(
        [[*fields, flag] for fields in rows], delimiter
    )


# What a record without quotes may hold: no line break, and something besides spaces.
UNQUOTED_TEXT = st.text(alphabet="ab1+é -_.,;\t|", min_size=1, max_size=30).filter(str.strip)


@given(st.lists(UNQUOTED_TEXT, max_size=8), DELIMITERS, st.integers(0, 4), st.booleans())
def test_a_record_without_quotes_is_cut_as_its_fields_would_be(
    texts: list[str], delimiter: str, column: int, flagged: bool
) -> None:
    rows = list(fields_of(texts, delimiter, unquoted=False))  # csv.reader's reading

    assert texts_cut(texts, column, delimiter, flagged=flagged) == rows_cut(rows, column, delimiter, flagged=flagged)


def test_what_needs_quoting_is_quoted() -> None:
    rows = [["Ann", "+31611111111"], ["Cleo", "C;3"], [""], ['say "hi"', "two\nlines"]]

    assert _csv_lines(rows, ";") == ["Ann;+31611111111", 'Cleo;"C;3"', '""', '"say ""hi""";"two\nlines"']
    assert _csv_lines(rows[:1], ";") == ["Ann;+31611111111"]
