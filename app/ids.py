"""Opaque public ids: a type prefix and the hex of the UUID. One module encodes and decodes them,
so a malformed id, an id of another type and a foreign id all answer the same way."""

import re
from uuid import UUID

from app.errors import InvalidId, quoted

PREFIXES = {
    "Organization": "org",
    "Account": "acc",
    "Contact": "con",
    "Group": "grp",
    "ApiKey": "key",
    "InboundMessage": "inb",
    "OutboundMessage": "out",
    "WebhookEndpoint": "whk",
    "ConsentTopic": "top",
}


def encode(kind: str, value: UUID) -> str:
    return f"{PREFIXES[kind]}_{value.hex}"


# Exactly the form `encode` writes: UUID() alone would also take upper case, braces, dashes and
# non-ASCII digits ("\uff10" is a hex digit to int()), so one id could be spelled many ways.
_HEX = re.compile(r"[0-9a-f]{32}")


def decode(kind: str, value: str, *, field: str) -> UUID:
    prefix, _, rest = value.partition("_")
    if prefix == PREFIXES[kind] and _HEX.fullmatch(rest):
        return UUID(hex=rest)
    raise InvalidId(f"{quoted(value)} is not a valid {kind} id.", field=field)


def encode_event(event_id: int) -> str:
    """Events are numbered (the history's identity), not UUIDs."""
    return f"evt_{event_id}"
