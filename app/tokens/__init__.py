"""Normalisation of opt-out tokens: pure functions, no I/O.

MSISDNs become E.164 via `phonenumbers`; national numbers are read in the account's default
country. A number that is *possible* (right length for its country) is accepted even when
today's numbering plan does not call it valid: numbers get reassigned, and suppression must
never be blocked by validation.
"""

import re
from functools import lru_cache

import phonenumbers

from app.enums import Channel, TokenType
from app.errors import ChannelMismatch, InvalidToken

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MAX_EMAIL_LENGTH = 254


def looks_like_email(raw: str) -> bool:
    return "@" in raw


def normalise_msisdn(raw: str, default_country: str | None, *, field: str = "token") -> str:
    try:
        return _normalise_msisdn(raw, default_country)
    except InvalidToken as error:
        raise InvalidToken(error.message, field=field) from None


# Senders check the same numbers again and again; parsing is the costly part of a check.
@lru_cache(maxsize=200_000)
def _normalise_msisdn(raw: str, default_country: str | None) -> str:
    text = raw.strip()
    if not text:
        raise InvalidToken("The phone number is empty.")
    try:
        number = phonenumbers.parse(text, default_country)
    except phonenumbers.NumberParseException:
        if default_country is None and not text.startswith("+"):
            raise InvalidToken(
                f'"{raw}" is not in international format (+...) and the account has no defaultCountry.'
            ) from None
        raise InvalidToken(f'"{raw}" is not a phone number.') from None
    if not phonenumbers.is_possible_number(number):
        where = f" for country {default_country}" if default_country else ""
        raise InvalidToken(f'"{raw}" is not a possible phone number{where}.')
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str, *, field: str = "token") -> str:
    text = raw.strip().lower()
    if len(text) > _MAX_EMAIL_LENGTH or not _EMAIL.match(text):
        raise InvalidToken(f'"{raw}" is not an e-mail address.', field=field)
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
            raise ChannelMismatch(f'Channel {channel} does not apply to {kind} ("{token}").', field=field)


def normalise_country(raw: str, *, field: str) -> str:
    from app.errors import InvalidInput

    code = raw.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(f'"{raw}" is not an ISO 3166 alpha-2 country code.', field=field)
    return code
