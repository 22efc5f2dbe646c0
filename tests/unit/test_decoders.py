"""Every decoder of client input refuses what it did not encode, with the domain error a client
reads, never an exception that would surface as an internal error."""

import base64
import json
from datetime import UTC, datetime
from uuid import UUID

import pytest

from app import ids
from app.enums import Channel, TokenType
from app.errors import InvalidCursor, InvalidId, quoted
from app.opt_outs.cursor import EventPosition
from app.pagination import decode_cursor, encode_cursor, one_of, text, timestamp, uuid

ID = UUID("0123456789abcdef0123456789abcdef")


def crafted(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode()


def test_an_id_decodes_only_in_the_form_it_is_written() -> None:
    assert ids.decode("Account", ids.encode("Account", ID), field="id") == ID


@pytest.mark.parametrize(
    "value",
    [
        "acc_0123456789ABCDEF0123456789ABCDEF",  # upper case
        "acc_" + "\uff10" * 32,  # full-width digits, which int(..., 16) reads
        "acc_" + "²" * 32,
        "acc_{0123456789abcdef0123456789abcd}",
        "acc_0123456789abcdef0123456789abcde\x00",
        "grp_0123456789abcdef0123456789abcdef",  # another kind
        "acc_0123456789abcdef0123456789abcdef0",
        "",
    ],
)
def test_an_id_in_any_other_form_is_invalid(value: str) -> None:
    with pytest.raises(InvalidId) as refused:
        ids.decode("Account", value, field="accountId")
    assert refused.value.field == "accountId"
    assert refused.value.message == f"{quoted(value)} is not a valid Account id."


def test_an_event_cursor_round_trips_up_to_the_columns_limits() -> None:
    largest = EventPosition(2**64 - 1, 2**63 - 1)
    assert EventPosition.decode(largest.encode(), field="after") == largest


@pytest.mark.parametrize(
    "cursor",
    [
        "².1",
        "1.²",
        "١.٢",  # Arabic-Indic digits
        "18446744073709551616.1",  # past xid8
        "1.9223372036854775808",  # past bigint
        "99999999999999999999.99999999999999999999",
        "1.2.3",
        "-1.2",
        "1.",
        ".1",
        " 1.2",
        "1\x00.2",
        "",
    ],
)
def test_a_crafted_event_cursor_is_invalid(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        EventPosition.decode(cursor, field="after")
    assert refused.value.field == "after"


def test_a_list_cursor_round_trips() -> None:
    moment = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    cursor = encode_cursor("contacts", [moment.isoformat(), str(ID)])
    assert decode_cursor("contacts", cursor, (timestamp, uuid)) == (moment, ID)


@pytest.mark.parametrize(
    "cursor",
    [
        crafted("contacts", "2020-13-45T00:00:00+00:00", str(ID)),  # no such date
        crafted("contacts", "2020-01-01T00:00:00", str(ID)),  # no time zone
        crafted("contacts", "9999-12-31T23:59:59-14:00", str(ID)),  # past the year 9999 in UTC
        crafted("contacts", "2020-01-01T00:00:00+00:00", "not-a-uuid"),
        crafted("contacts", 1, 2),
        crafted("contacts", "2020-01-01T00:00:00+00:00"),  # a part missing
        crafted("optouts", "2020-01-01T00:00:00+00:00", str(ID)),  # another list's
        crafted("contacts", "2020-01-01T00:00:00+00:00\u0000", str(ID)),
        base64.urlsafe_b64encode(b'{"contacts": 1}').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "not base64 at all!",
        "é" * 10,
        "A" * 5_000,
    ],
)
def test_a_crafted_list_cursor_is_invalid(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor("contacts", cursor, (timestamp, uuid))
    assert refused.value.message == f"{quoted(cursor)} is not a cursor of this list."


@pytest.mark.parametrize(
    "cursor", [crafted("optouts", "NOPE", "SMS", "+31611111111"), crafted("optouts", "MSISDN", "FAX", "+31611111111")]
)
def test_a_list_cursor_holds_only_the_values_its_list_has(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor("optouts", cursor, (one_of(TokenType), one_of(Channel), text))


@pytest.mark.parametrize("part", [1, None, ["x"], "a\x00b"])
def test_a_text_part_is_a_string_without_nul(part: object) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor("audience", crafted("audience", part), (text,))


def test_quoted_values_are_escaped_and_cut() -> None:
    assert quoted("+31612345678") == '"+31612345678"'
    assert quoted("a\x00b\n") == '"a\\u0000b\\u000a"'
    assert quoted("x" * 150) == '"' + "x" * 100 + '..." (150 characters)'
