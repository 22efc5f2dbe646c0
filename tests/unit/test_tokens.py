import random

import phonenumbers
import pytest
from phonenumbers import phonenumberutil

from app import tokens
from app.enums import Channel, TokenType
from app.errors import ChannelMismatch, InvalidToken


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+31 6 1234 5678", None, "+31612345678"),
        ("0612345678", "NL", "+31612345678"),
        ("06-12345678", "NL", "+31612345678"),
        ("+310612345678", None, "+31612345678"),  # a national prefix written after the country code
        ("030 1234567", "DE", "+49301234567"),
        ("(555) 123-4567", "US", "+15551234567"),  # possible, not valid today: still an opt-out
        ("0044 20 7946 0958", "NL", "+442079460958"),  # international dialling prefix of the account's country
        ("+44 (0)20 7946 0958", None, "+442079460958"),
    ],
)
def test_msisdn_is_normalised_to_e164(raw: str, country: str | None, expected: str) -> None:
    assert tokens.normalise_msisdn(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "country", "message"),
    [
        ("", "NL", "The phone number is empty."),
        ("12", "NL", '"12" is not a possible phone number for country NL.'),
        ("hello", "NL", '"hello" is not a phone number.'),
        (
            "0612345678",
            None,
            '"0612345678" is not in international format (+...) and the account has no defaultCountry.',
        ),
        ("+31 6 1234 5678 9012 3456", None, '"+31 6 1234 5678 9012 3456" is not a possible phone number.'),
    ],
)
def test_msisdn_that_cannot_be_normalised_is_refused_naming_it(raw: str, country: str | None, message: str) -> None:
    with pytest.raises(InvalidToken) as refused:
        tokens.normalise_msisdn(raw, country, field="input.token")

    assert (refused.value.message, refused.value.field) == (message, "input.token")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" Jane.Doe@Example.COM ", "jane.doe@example.com"), ("a+tag@sub.example.org", "a+tag@sub.example.org")],
)
def test_email_is_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    assert tokens.normalise_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "jane", "jane@", "@example.com", "jane@example", "a b@example.com", "a@b@c.com"])
def test_malformed_email_is_refused(raw: str) -> None:
    with pytest.raises(InvalidToken):
        tokens.normalise_email(raw)


def test_token_type_is_detected_from_the_shape() -> None:
    assert (tokens.detect_type("a@example.com"), tokens.detect_type("+31612345678")) == (
        TokenType.EMAIL,
        TokenType.MSISDN,
    )


def test_channels_must_match_the_token_type() -> None:
    tokens.require_channels_match("+31612345678", TokenType.MSISDN, [Channel.SMS, Channel.RCS], field="channels")
    with pytest.raises(ChannelMismatch):
        tokens.require_channels_match(
            "a@example.com", TokenType.EMAIL, [Channel.EMAIL, Channel.VOICE], field="channels"
        )


def _full_parse(raw: str, country: str | None = None) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_the_plus_digits_shortcut_equals_the_full_parse_for_every_country_code() -> None:
    import random

    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    from app.tokens import _plus_digits_e164

    rng = random.Random(20261124)
    samples = 0
    for country_code in COUNTRY_CODE_TO_REGION_CODE:
        for _ in range(300):
            # Leading 0, 1, 8 and 9 are the usual national and trunk prefixes: over-sample them.
            first = rng.choice("0018923456789")
            rest = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 14)))
            raw = f"+{country_code}{first}{rest}"
            fast = _plus_digits_e164(raw)
            if fast is not None:
                samples += 1
                assert fast == _full_parse(raw), raw
    assert samples > 10_000


def _written(rng: random.Random, digits: str) -> str:
    """Digits as a file may hold them: separators here and there."""
    out = digits[0]
    for digit in digits[1:]:
        out += rng.choice(["", "", "", " ", "-", ".", " (", ") "]) + digit
    return out


def test_the_written_number_shortcut_equals_the_full_parse_for_every_country() -> None:
    import random

    import phonenumbers

    from app.tokens import _fast_e164

    rng = random.Random(20261202)
    national = plus = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        code = str(phonenumbers.country_code_for_region(region))
        for _ in range(200):
            # National and trunk prefixes, the international prefix and the country's own code
            # are where the readings differ: over-sample them.
            first = rng.choice(["0", "0", "00", "1", "8", "9", code, "011", ""])
            digits = first + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 13)))
            raw = rng.choice([digits, _written(rng, digits)])
            fast = _fast_e164(raw, region)
            if fast is not None:
                national += 1
                assert fast == _full_parse(raw, region), (raw, region)
            international = "+" + code + _written(rng, digits.lstrip("+"))
            fast = _fast_e164(international, region)
            if fast is not None:
                plus += 1
                assert fast == _full_parse(international, region), (international, region)
    assert national > 5_000 and plus > 10_000


def test_numbers_as_senders_write_them_take_the_shortcut() -> None:
    from app.tokens import _fast_e164

    written = ["0612345678", "06 1234 5678", "06-12345678", "+31 6 12345678", "+31 (0)6 1234 5678", "06.12.34.56.78"]
    assert [_fast_e164(number, "NL") for number in written] == ["+31612345678"] * len(written)
    assert _fast_e164("0031612345678", "NL") is None  # an international prefix: the full parse decides
    assert _fast_e164("06 1234 5678 ext 12", "NL") is None


@pytest.mark.parametrize(
    ("number", "country"),
    [
        ("+31612345678", "NL"),
        ("+4915123456789", "DE"),
        ("+447700900123", "GB"),
        ("+12025550123", "US"),
        ("+14165550123", "CA"),  # +1 is shared: the number's plan decides
        ("+77011234567", "KZ"),  # and +7
        ("+79161234567", "RU"),
        ("+3548001234", "IS"),  # a three-digit code
        ("+80012345678", None),  # non-geographic (freephone)
    ],
)
def test_the_country_of_a_number(number: str, country: str | None) -> None:
    assert tokens.country_of(number) == country


def test_the_country_of_a_number_is_what_phonenumbers_says_for_every_calling_code() -> None:
    for code, regions in phonenumberutil.COUNTRY_CODE_TO_REGION_CODE.items():
        example = phonenumbers.example_number_for_non_geo_entity(code) if regions[0] == "001" else None
        for region in regions:
            number = example or phonenumbers.example_number(region)
            if number is None:
                continue
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            expected = phonenumbers.region_code_for_number(number)
            assert tokens.country_of(e164) == (None if expected in (None, "001") else expected), e164


def test_normalise_each_is_normalise_with_none_for_what_it_refuses() -> None:
    raws = ["+31612345678", " 06 1234 5678 ", "0031612345678", "(555) 123-4567", "12", "hello", "", "+999 123"]
    emails = [" Jane.Doe@Example.COM ", "jane@", "a b@example.com"]

    def normalised(raw: str, token_type: TokenType, country: str | None) -> str | None:
        try:
            return tokens.normalise(raw, token_type, country)
        except InvalidToken:
            return None

    for country in ("NL", "US", None):
        assert tokens.normalise_each(raws, TokenType.MSISDN, country) == [
            normalised(raw, TokenType.MSISDN, country) for raw in raws
        ]
    assert tokens.normalise_each(emails, TokenType.EMAIL, "NL") == ["jane.doe@example.com", None, None]
