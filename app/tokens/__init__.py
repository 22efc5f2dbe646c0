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
    # Digits, maybe after a + and with spaces between (most numbers are written so), are told
    # from the rest without _WRITTEN's regex; lengths it wants but this does not ask are refused below.
    digits = text.replace(" ", "")
    first = 1 if text[:1] == "+" else 0
    if not (
        digits[first:].isdigit() and digits.isascii() and text[first : first + 1] != " " and len(text) <= 41 + first
    ):
        if not _WRITTEN.fullmatch(text):
            return None
        digits = _without_separators(digits)
    if digits[0] == "+":
        # "+", then at least three digits, the first not a 0: what _PLUS_DIGITS asks of it.
        if not 4 <= len(digits) <= 18 or digits[1] == "0":
            return None
        return _plus_e164(digits[1:])
    if len(digits) < 3 or not default_country:  # phonenumbers' least viable number, but for two bare digits
        return None
    return _national_e164(digits, default_country)


def _without_separators(text: str) -> str:
    return text.replace("-", "").replace(".", "").replace("(", "").replace(")", "")  # a fraction of re.sub's cost


def _plus_digits_e164(text: str) -> str | None:
    """A number written "+<digits>": the country code, then the national number as for its country."""
    if not _PLUS_DIGITS.fullmatch(text):
        return None
    return _plus_e164(text[1:])


def _plus_e164(digits: str) -> str | None:
    """`digits` (3 to 17, the first not a 0) after a "+"."""
    country_code = _CALLING_CODE_OF_PREFIX.get(digits[:3])
    if country_code is None:
        return None
    plan = _plan_for_calling_code(country_code)
    return _e164(digits[len(plan.code) :], plan) if plan is not None else None


def _national_e164(digits: str, default_country: str) -> str | None:
    """National digits read in the account's country. A number that may hold an international
    prefix (00...) or begin with the country's own code is left to the full parse, which weighs
    those readings."""
    plan = _plan_for_region(default_country)
    if plan is None or digits.startswith(plan.code) or plan.may_be_international(digits):
        return None
    return _e164(digits, plan)


def _e164(national: str, plan: "_Plan") -> str | None:
    """The steps of `phonenumbers.parse` from the national number on: the national prefix
    stripped unless that leaves too little, the lengths, and then `is_possible_number`, which
    judges by the main country of the code."""
    if len(national) < phonenumberutil._MIN_LENGTH_FOR_NSN:
        return None
    stripped = plan.strip_national_prefix(national)
    if len(stripped) in plan.stripped_lengths:
        national = stripped
    if len(national) not in plan.possible_lengths:
        return None
    return plan.e164_prefix + national


class _Plan:
    """What phonenumbers looks up in a country's metadata for every number it parses (patterns it
    compiles, the lengths it tests, the calling code's main country), looked up once. A prefix
    pattern of digits alone matches just where a string starts with them: a startswith then."""

    __slots__ = (
        "code",
        "e164_prefix",
        "international_prefix",
        "international_prefix_digits",
        "national_prefix",
        "national_prefix_digits",
        "transform_rule",
        "is_national_number",
        "stripped_lengths",
        "possible_lengths",
    )

    def __init__(self, metadata: PhoneMetadata, country_code: int) -> None:
        self.code = str(country_code)
        self.e164_prefix = f"+{country_code}"
        self.international_prefix = _compiled(metadata.international_prefix)
        self.international_prefix_digits = _digits_or_none(metadata.international_prefix)
        self.transform_rule = metadata.national_prefix_transform_rule or None
        self.national_prefix = _compiled(metadata.national_prefix_for_parsing)
        self.national_prefix_digits = (
            _digits_or_none(metadata.national_prefix_for_parsing) if self.transform_rule is None else None
        )
        general = _compiled(metadata.general_desc.national_number_pattern if metadata.general_desc else None)
        self.is_national_number = general.fullmatch if general is not None else _never
        main = PhoneMetadata.metadata_for_region_or_calling_code(
            country_code, phonenumberutil.region_code_for_country_code(country_code)
        )
        # _test_number_length looks at the length alone. Past these lengths every number is too
        # long: 41 digits is the most _WRITTEN lets through, and _e164 refuses more than 17.
        lengths = range(64)
        self.stripped_lengths = frozenset(
            n for n in lengths if phonenumberutil._test_number_length("0" * n, metadata) not in _STRIPPED_TOO_FAR
        )
        self.possible_lengths = frozenset(
            n
            for n in lengths
            if phonenumberutil._MIN_LENGTH_FOR_NSN <= n <= phonenumberutil._MAX_LENGTH_FOR_NSN
            and main is not None
            and phonenumberutil._test_number_length("0" * n, main) in _POSSIBLE
        )

    def may_be_international(self, digits: str) -> bool:
        if self.international_prefix_digits is not None:
            return digits.startswith(self.international_prefix_digits)
        return self.international_prefix is not None and self.international_prefix.match(digits) is not None

    def strip_national_prefix(self, number: str) -> str:
        """phonenumberutil._maybe_strip_national_prefix_carrier_code but for the carrier code, of
        a number of two digits or more."""
        if self.national_prefix_digits is not None:
            if not number.startswith(self.national_prefix_digits):
                return number
            stripped = number[len(self.national_prefix_digits) :]
        elif self.national_prefix is None:
            return number
        else:
            match = self.national_prefix.match(number)
            if match is None:
                return number
            if self.transform_rule is None or match.groups()[-1] is None:
                stripped = number[match.end() :]
            else:
                stripped = self.national_prefix.sub(self.transform_rule, number, count=1)
        if not self.is_national_number(stripped) and self.is_national_number(number):
            return number
        return stripped


def _digits_or_none(expression: str | None) -> str | None:
    return expression if expression is not None and expression.isascii() and expression.isdigit() else None


def _never(number: str) -> None:
    return None


def _compiled(expression: str | None) -> "re.Pattern[str] | None":
    return _pattern(expression) if expression else None


@lru_cache(maxsize=512)
def _pattern(expression: str) -> "re.Pattern[str]":
    return re.compile(expression)


@lru_cache(maxsize=512)
def _plan_for_region(region: str) -> _Plan | None:
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code is None:
        return None
    return _Plan(metadata, metadata.country_code)


@lru_cache(maxsize=512)
def _plan_for_calling_code(country_code: int) -> _Plan | None:
    region = phonenumberutil.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    return _Plan(metadata, country_code) if metadata is not None else None


def _calling_code_of(prefix: str) -> int | None:
    """phonenumberutil._extract_country_code: the first one to three digits that are a code."""
    for length in (1, 2, 3):
        if int(prefix[:length]) in phonenumberutil.COUNTRY_CODE_TO_REGION_CODE:
            return int(prefix[:length])
    return None


_CALLING_CODE_OF_PREFIX = {
    str(prefix): code for prefix in range(100, 1000) if (code := _calling_code_of(str(prefix))) is not None
}


def normalise_email(raw: str, *, field: str = "token") -> str:
    text = _email_or_none(raw)
    if text is None:
        raise InvalidToken(f"{quoted(raw)} is not an e-mail address.", field=field)
    return text


def normalise(raw: str, token_type: TokenType, default_country: str | None, *, field: str = "token") -> str:
    if token_type is TokenType.EMAIL:
        return normalise_email(raw, field=field)
    return normalise_msisdn(raw, default_country, field=field)


def normalise_each(raws: list[str], token_type: TokenType, default_country: str | None) -> list[str | None]:
    """`normalise` of each, None for one that is no token (a bulk check counts them, and needs
    no message). Numbers the fast path reads skip `_normalise_msisdn`'s cache: a file's numbers
    are mostly distinct, and would only push out those senders check again and again."""
    if token_type is TokenType.EMAIL:
        return [_email_or_none(raw) for raw in raws]
    return [_fast_e164(raw.strip(), default_country) or _msisdn_or_none(raw, default_country) for raw in raws]


def _msisdn_or_none(raw: str, default_country: str | None) -> str | None:
    try:
        return _normalise_msisdn(raw, default_country)
    except InvalidToken:
        return None


def _email_or_none(raw: str) -> str | None:
    text = raw.strip().lower()
    return text if len(text) <= _MAX_EMAIL_LENGTH and _EMAIL.match(text) else None


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
