"""Public ids for GraphQL: thin wrappers over app.ids, so every adapter encodes alike."""

from uuid import UUID

import strawberry

from app import ids


def encode(kind: str, value: UUID) -> strawberry.ID:
    return strawberry.ID(ids.encode(kind, value))


def decode(kind: str, value: str, *, field: str) -> UUID:
    return ids.decode(kind, value, field=field)


def decode_many(kind: str, values: list[strawberry.ID], *, field: str) -> list[UUID]:
    return [ids.decode(kind, value, field=f"{field}.{index}") for index, value in enumerate(values)]
