"""Opaque public ids: a type prefix and the hex of the UUID. One module encodes and decodes them,
so a malformed id, an id of another type and a foreign id all answer the same way."""

from uuid import UUID

from app.errors import InvalidId

PREFIXES = {"Organization": "org", "Account": "acc", "Contact": "con", "Group": "grp", "ApiKey": "key"}


def encode(kind: str, value: UUID) -> str:
    return f"{PREFIXES[kind]}_{value.hex}"


def decode(kind: str, value: str, *, field: str) -> UUID:
    prefix, _, rest = value.partition("_")
    if prefix == PREFIXES[kind] and len(rest) == 32:
        try:
            return UUID(hex=rest)
        except ValueError:
            pass
    raise InvalidId(f'"{value}" is not a valid {kind} id.', field=field)
