"""Appending the opt-out instruction to a promotional SMS, and what it costs in parts."""

import pytest

from app.keywords import defaults
from app.messages.prepare import BodyPreparation, Prepared, has_stop_clause, prepare
from app.messages.segments import Encoding

KEYWORDS = list(defaults.OPT_OUT)


@pytest.mark.parametrize(
    "body",
    [
        "Sale today! Reply STOP to 3010",
        "STOP? SMS STOP naar 3010",
        "Angebot: 20 % Rabatt. STOPP an 1234",
        "Soldes ! ARRÊT au 36000",
        "Soldes ! ARRET au 36000",
        "Offer ends soon. Text OPT OUT to 555",
        "Offer ends soon. Text OPT-OUT to 555",
        "Deals (UNSUBSCRIBE: 555)",
    ],
)
def test_a_body_with_a_stop_clause_in_any_opt_out_keyword_is_left_alone(body: str) -> None:
    assert has_stop_clause(body, KEYWORDS)
    assert prepare(body, "STOP to 3010", KEYWORDS).appended is False


@pytest.mark.parametrize(
    "body",
    [
        "Don't stop the deals!",  # the word, but no instruction: not in capitals
        "Nonstop deals all weekend",
        "STOPWATCH sale: 20% off",  # a keyword inside a longer word
        "",
    ],
)
def test_a_body_without_one_gets_the_instruction(body: str) -> None:
    assert not has_stop_clause(body, KEYWORDS)
    assert prepare(body, "STOP to 3010", KEYWORDS).appended is True


def test_the_account_keywords_are_the_ones_looked_for() -> None:
    assert has_stop_clause("Reply HALT to 3010", ["HALT"])
    assert not has_stop_clause("Reply STOP to 3010", ["HALT"])
    assert not has_stop_clause("Reply STOP to 3010", [])


def test_appending_reports_the_parts_before_and_after() -> None:
    body = "a" * 150

    prepared = prepare(body, "STOP to 3010", KEYWORDS)

    assert prepared == Prepared(body + " STOP to 3010", True, Encoding.GSM_7, 1, 2, False)


def test_a_body_ending_in_whitespace_gets_no_extra_space() -> None:
    assert prepare("Sale!\n", "STOP to 3010", KEYWORDS).body == "Sale!\nSTOP to 3010"


def test_appending_says_when_it_switched_the_encoding() -> None:
    prepared = prepare("a" * 100, "Stuur STOP naar 3010 – gratis", KEYWORDS)  # the dash is not GSM-7

    assert (prepared.encoding, prepared.encoding_switched) == (Encoding.UCS_2, True)
    assert (prepared.segments_before, prepared.segments_after) == (1, 2)


def test_a_body_already_ucs2_is_not_said_to_switch() -> None:
    prepared = prepare("Zażółć 🙂", "STOP to 3010", KEYWORDS)

    assert (prepared.encoding, prepared.encoding_switched) == (Encoding.UCS_2, False)


def test_instructions_counted_alike_give_what_counting_each_gives() -> None:
    body = "Sale! " + "x" * 140
    links = [f"Opt out: https://s.example/o/{code}" for code in ("0123456789", "zyxwvtsrqp", "abcdefghjk")]
    alike = BodyPreparation(body, ["STOP"])

    counted_once = [alike.with_instruction(link, alike="Opt out: {link}") for link in links]

    assert counted_once == [prepare(body, link, ["STOP"]) for link in links]
    assert [prepared.body for prepared in counted_once] == [f"{body} {link}" for link in links]
