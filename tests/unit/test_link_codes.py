"""Opt-out link codes: enough possibilities, none twice in practice, and read back strictly."""

import math

import pytest

from app.links.codes import ALPHABET, LENGTH, POSSIBILITIES, is_code, new_code


def test_a_code_has_at_least_2_to_the_47_possibilities() -> None:
    assert math.log2(POSSIBILITIES) >= 47
    assert len(set(ALPHABET)) == len(ALPHABET) == 32


def test_codes_are_of_the_alphabet_and_length_and_differ() -> None:
    codes = [new_code() for _ in range(10_000)]

    assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in codes)
    assert len(set(codes)) == len(codes)
    # Every character position uses the whole alphabet: no position is fixed or biased to a few.
    assert all(len({code[position] for code in codes}) == 32 for position in range(LENGTH))
    assert all(is_code(code) for code in codes)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "0123456789a", "012345678", "ABCDEFGHJK", "abcdefghil", "abcdefghj\x00", "abcdefghj/", "ａbcdefghjk"],
)
def test_anything_else_is_no_code(text: str) -> None:
    assert not is_code(text)
