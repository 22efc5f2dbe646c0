"""The link pages' language pick, masking, and the per-address look-up budget."""

import pytest

from app.enums import TokenType
from app.http.opt_out_pages.masking import masked
from app.http.opt_out_pages.texts import TEXTS, pick_language
from app.http.rate_limit import AddressBudget


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("de", "de"),
        ("de-AT", "de"),
        ("fr;q=0.5, nl;q=0.8", "nl"),
        ("es, pl", "es"),  # equal weights: the first listed
        ("pl;q=0, de", "de"),  # q=0 means "not this one"
        ("xx, en-GB;q=0.1", "en"),
        ("de;q=abc, nl;q=0.3", "nl"),
        ("," * 10_000 + "de", "en"),  # ranges past the first twenty are not read
    ],
)
def test_the_best_offered_language_of_accept_language(header: str | None, language: str) -> None:
    assert pick_language(header) == language


def test_every_language_has_every_text_with_its_placeholders() -> None:
    english = TEXTS["en"]
    for language, texts in TEXTS.items():
        assert set(texts.reasons) == set(english.reasons), language
        assert set(texts.channels) == set(english.channels), language
        for template in (texts.question, texts.done, texts.undone):
            assert "{token}" in template and "{channel}" in template, (language, template)


@pytest.mark.parametrize(
    ("token", "token_type", "shown"),
    [
        ("+31612345678", TokenType.MSISDN, "+316•••••678"),
        ("+4915123456789", TokenType.MSISDN, "+491•••••••789"),
        ("ann.smith@example.com", TokenType.EMAIL, "a•••@example.com"),
        ("a@b.io", TokenType.EMAIL, "a•••@b.io"),
    ],
)
def test_a_token_is_shown_masked(token: str, token_type: TokenType, shown: str) -> None:
    assert masked(token, token_type) == shown


def test_an_address_budget_refills_evenly_and_is_per_address() -> None:
    now = [0.0]
    budget = AddressBudget(60, clock=lambda: now[0])

    assert all(budget.spend("a") is None for _ in range(60))
    assert budget.spend("a") == pytest.approx(1.0)  # one look-up a second comes back
    assert budget.spend("b") is None
    now[0] += 2.0
    assert budget.spend("a") is None and budget.spend("a") is None and budget.spend("a") is not None


def test_a_charge_takes_the_budget_below_zero() -> None:
    budget = AddressBudget(60, clock=lambda: 0.0)
    budget.spend("a")
    budget.charge("a", 100)

    assert budget.spend("a") == pytest.approx(42.0)  # 59 - 100 = -41 tokens: 42 s until one is back


def test_zero_is_unlimited() -> None:
    budget = AddressBudget(0)
    assert all(budget.spend("a", 10) is None for _ in range(1_000))
