"""How many SMS parts a text takes, and in which encoding (3GPP TS 23.038 and 23.040).

A text of only GSM 03.38 characters goes as GSM-7: 160 septets in one part, 153 a part when
concatenated (the user data header takes seven). The extension table's characters (`^{}\\[~]|€`
and form feed) are an escape and a character: two septets each, and never split across parts.
Anything else goes as UCS-2, counted in UTF-16 code units, so a character beyond the Basic
Multilingual Plane (an emoji) counts two: 70 in one part, 67 a part concatenated, and a
surrogate pair is never split either. This is how handsets and gateways (CM.com's counter
among them) count."""

from dataclasses import dataclass
from enum import Enum

_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
_GSM = _GSM_BASIC | _GSM_EXTENSION


class Encoding(Enum):
    GSM_7 = "GSM-7"
    UCS_2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class Measure:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int  # 0 for an empty text: there is nothing to send


_SINGLE = {Encoding.GSM_7: 160, Encoding.UCS_2: 70}
_CONCATENATED = {Encoding.GSM_7: 153, Encoding.UCS_2: 67}


def encoding_of(text: str) -> Encoding:
    return Encoding.GSM_7 if _GSM.issuperset(text) else Encoding.UCS_2


def measure(text: str) -> Measure:
    encoding = encoding_of(text)
    if encoding is Encoding.GSM_7:
        doubled = sum(1 for character in text if character in _GSM_EXTENSION) if _has_any(text, _GSM_EXTENSION) else 0
    else:
        doubled = sum(1 for character in text if character > "\uffff") if _beyond_bmp(text) else 0
    units = len(text) + doubled
    return Measure(encoding, units, _segments(text, encoding, units, doubled))


def _has_any(text: str, characters: frozenset[str]) -> bool:
    return not characters.isdisjoint(text)


def _beyond_bmp(text: str) -> bool:
    return not text.isascii() and max(text) > "\uffff"


def _segments(text: str, encoding: Encoding, units: int, doubled: int) -> int:
    if units == 0:
        return 0
    if units <= _SINGLE[encoding]:
        return 1
    size = _CONCATENATED[encoding]
    if doubled == 0:
        return -(-units // size)
    # A two-unit character that does not fit in what is left of a part starts the next one.
    wide = _GSM_EXTENSION if encoding is Encoding.GSM_7 else None
    parts, room = 1, size
    for character in text:
        width = 2 if (character in wide if wide is not None else character > "\uffff") else 1
        if width > room:
            parts, room = parts + 1, size
        room -= width
    return parts
