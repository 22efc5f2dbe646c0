"""Normalisation of opt-out tokens: pure functions, no I/O.

MSISDNs become E.164 via `phonenumbers`; national numbers are read in the account's default
country. A number that is *possible* (right length for its country) is accepted even when
today's numbering plan does not call it valid: numbers get reassigned, and suppression must
never be blocked by validation.
"""

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, phonenumberutil

from app.enums import Channel, TokenType
from app.errors import ChannelMismatch, InvalidInput, InvalidToken, quoted

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MAX_EMAIL_LENGTH = 254


def looks_like_email(raw: str) -> bool:
    return "@" in raw


_LOOSE_SEPARATORS = re.compile(r"[\s().\-/]")


def looks_like_msisdn(raw: str) -> bool:
    """6 to 17 digits, with an optional + and the usual separators: a value that may be a phone
    number (normalising it says whether it is one)."""
    digits = _LOOSE_SEPARATORS.sub("", raw.strip()).removeprefix("+")
    return digits.isdigit() and 6 <= len(digits) <= 17


def normalise_msisdn(raw: str, default_country: str | None, *, field: str = "token") -> str:
    try:
        return _normalise_msisdn(raw, default_country)
    except InvalidToken as error:
        raise InvalidToken(error.message, field=field) from None


# Senders check the same numbers again and again; parsing is the costly part of a check.
@lru_cache(maxsize=200_000)
def _normalise_msisdn(raw: str, default_country: str | None) -> str:
    text = raw.strip()
    fast = _fast_e164(text, default_country)
    if fast is not None:
        return fast
    if not text:
        raise InvalidToken("The phone number is empty.")
    try:
        number = phonenumbers.parse(text, default_country)
    except phonenumbers.NumberParseException:
        if default_country is None and not text.startswith("+"):
            raise InvalidToken(
                f"{quoted(raw)} is not in international format (+...) and the account has no defaultCountry."
            ) from None
        raise InvalidToken(f"{quoted(raw)} is not a phone number.") from None
    if not phonenumbers.is_possible_number(number):
        where = f" for country {default_country}" if default_country else ""
        raise InvalidToken(f"{quoted(raw)} is not a possible phone number{where}.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PLUS_DIGITS = re.compile(r"\+[1-9][0-9]{2,16}")
# A number as senders' files hold it: digits with spaces, hyphens, dots or parentheses between
# them, and maybe a + first. Anything else (letters, an extension, a slash) takes the full parse.
_WRITTEN = re.compile(r"\+?[0-9][0-9 .()\-]{1,40}")
_SEPARATORS = re.compile(r"[ .()\-]")
_STRIPPED_TOO_FAR = (
    phonenumberutil.ValidationResult.TOO_SHORT,
    phonenumberutil.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    phonenumberutil.ValidationResult.INVALID_LENGTH,
)
_POSSIBLE = (phonenumberutil.ValidationResult.IS_POSSIBLE, phonenumberutil.ValidationResult.IS_POSSIBLE_LOCAL_ONLY)


def _fast_e164(text: str, default_country: str | None) -> str | None:
    """The E.164 form of a number written as digits and separators, by the very steps
    `phonenumbers.parse` takes for it, without its handling of free text, which costs most of a
    send-time check or an import. None when the full parse must decide (including every error).
    tests/unit/test_tokens.py proves it equal to the full parse for every country."""
    if not _WRITTEN.fullmatch(text):
        return None
    digits = _SEPARATORS.sub("", text) if not text.isdigit() and not _PLUS_DIGITS.fullmatch(text) else text
    if len(digits.lstrip("+")) < 3:  # phonenumbers' least viable number, but for two bare digits
        return None
    if digits.startswith("+"):
        return _plus_digits_e164(digits)
    return _national_e164(digits, default_country) if default_country else None


def _plus_digits_e164(text: str) -> str | None:
    """A number written "+<digits>": the country code, then the national number as for its country."""
    if not _PLUS_DIGITS.fullmatch(text):
        return None
    country_code, national = phonenumberutil._extract_country_code(text[1:])
    if country_code == 0:
        return None
    region = phonenumberutil.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return None
    return _e164(country_code, national, metadata)


def _national_e164(digits: str, default_country: str) -> str | None:
    """National digits read in the account's country. A number that may hold an international
    prefix (00...) or begin with the country's own code is left to the full parse, which weighs
    those readings."""
    metadata = PhoneMetadata.metadata_for_region(default_country)
    if metadata is None or metadata.country_code is None or digits.startswith(str(metadata.country_code)):
        return None
    if metadata.international_prefix and _pattern(metadata.international_prefix).match(digits):
        return None
    return _e164(metadata.country_code, digits, metadata)


def _e164(country_code: int, national: str, metadata: PhoneMetadata) -> str | None:
    """The steps of `phonenumbers.parse` from the national number on: the national prefix
    stripped unless that leaves too little, the lengths, and then `is_possible_number`, which
    judges by the main country of the code."""
    if len(national) < phonenumberutil._MIN_LENGTH_FOR_NSN:
        return None
    _, stripped, _ = phonenumberutil._maybe_strip_national_prefix_carrier_code(national, metadata)
    if phonenumberutil._test_number_length(stripped, metadata) not in _STRIPPED_TOO_FAR:
        national = stripped
    if not phonenumberutil._MIN_LENGTH_FOR_NSN <= len(national) <= phonenumberutil._MAX_LENGTH_FOR_NSN:
        return None
    region = phonenumberutil.region_code_for_country_code(country_code)
    main = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if main is None or phonenumberutil._test_number_length(national, main) not in _POSSIBLE:
        return None
    return f"+{country_code}{national}"


@lru_cache(maxsize=512)
def _pattern(expression: str) -> "re.Pattern[str]":
    return re.compile(expression)


def normalise_email(raw: str, *, field: str = "token") -> str:
    text = raw.strip().lower()
    if len(text) > _MAX_EMAIL_LENGTH or not _EMAIL.match(text):
        raise InvalidToken(f"{quoted(raw)} is not an e-mail address.", field=field)
    return text


def normalise(raw: str, token_type: TokenType, default_country: str | None, *, field: str = "token") -> str:
    if token_type is TokenType.EMAIL:
        return normalise_email(raw, field=field)
    return normalise_msisdn(raw, default_country, field=field)


def detect_type(raw: str) -> TokenType:
    return TokenType.EMAIL if looks_like_email(raw) else TokenType.MSISDN


def require_channels_match(token: str, token_type: TokenType, channels: list[Channel], *, field: str) -> None:
    for channel in channels:
        if channel.token_type is not token_type:
            kind = "an e-mail address" if token_type is TokenType.EMAIL else "a phone number"
            raise ChannelMismatch(f"Channel {channel} does not apply to {kind} ({quoted(token)}).", field=field)


def normalise_country(raw: str, *, field: str) -> str:
    code = raw.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(f"{quoted(raw)} is not an ISO 3166 alpha-2 country code.", field=field)
    return code


def country_of(e164: str) -> str | None:
    """The ISO 3166 country of a normalised number; where a calling code is shared (+1, +7) and
    no country's plan claims the number, the code's main country. None for non-geographic codes."""
    # Calling codes are prefix-free, one to three digits: most belong to one country alone.
    for length in (1, 2, 3):
        regions = phonenumberutil.COUNTRY_CODE_TO_REGION_CODE.get(int(e164[1 : 1 + length]))
        if regions is not None:
            return regions[0] if len(regions) == 1 and regions[0] != _NON_GEOGRAPHIC else _shared_code_country(e164)
    return None


_NON_GEOGRAPHIC = phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY


@lru_cache(maxsize=100_000)
def _shared_code_country(e164: str) -> str | None:
    number = phonenumbers.parse(e164)
    region = phonenumbers.region_code_for_number(number)
    if region is None and number.country_code is not None:
        region = phonenumbers.region_code_for_country_code(number.country_code)
    return None if region in (phonenumbers.UNKNOWN_REGION, _NON_GEOGRAPHIC) else region
