"""What a string must be to be stored: PostgreSQL text cannot hold a NUL character, and every
field has a length it is bounded by. One rule for every adapter: the GraphQL layer
(graphql_schema/input_checks.py) and the plain HTTP routes refuse alike."""

from app.errors import InvalidInput, quoted


def text_problem(value: str, *, field: str, max_length: int) -> InvalidInput | None:
    if len(value) > max_length:
        return InvalidInput(
            f"{field} is {len(value):,} characters long; at most {max_length:,} are allowed.", field=field
        )
    if "\x00" in value:
        return InvalidInput(f"{field} contains a NUL character, which cannot be stored: {quoted(value)}.", field=field)
    return None


def storable(value: str, *, field: str, max_length: int) -> str:
    problem = text_problem(value, field=field, max_length=max_length)
    if problem is not None:
        raise problem
    return value
