"""Opt-out link codes: short enough for an SMS (NO-S.MS/123456 is CM.com's), unguessable, and
strict to read back.

A code is 10 characters of Crockford's base 32 in lower case (no i, l, o or u, so none is
misread): 32^10 = 2^50 possibilities, above the 2^47 asked for, from the operating system's
CSPRNG. Reading one back accepts only that form, so a crafted code never reaches SQL."""

import re
import secrets

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
LENGTH = 10
POSSIBILITIES = len(ALPHABET) ** LENGTH
_CODE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


_BITS = 5 * LENGTH


def new_code() -> str:
    # 50 random bits, five to a character: a batch of links mints hundreds at once.
    value = secrets.randbits(_BITS)
    return "".join(ALPHABET[(value >> shift) & 31] for shift in range(0, _BITS, 5))


def is_code(text: str) -> bool:
    return _CODE.fullmatch(text) is not None
