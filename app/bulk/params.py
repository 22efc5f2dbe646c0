"""The parameters of the bulk routes, as the query string (or the command line) gives them: one
of a few values, a boolean. Errors name the parameter and the value."""

from collections.abc import Iterable
from typing import Protocol

from app.errors import InvalidInput, quoted


class Params(Protocol):
    """A query string's parameters (starlette's QueryParams is one), a name given once or more."""

    def get(self, key: str, /) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


class GivenParams:
    """Parameters given as a mapping (the command line's): a list for a name given more than once."""

    def __init__(self, given: dict[str, str | list[str]]) -> None:
        self._given = given

    def get(self, key: str, /) -> str | None:
        value = self._given.get(key)
        if isinstance(value, list):
            return value[-1] if value else None  # the last, as a query string's
        return value

    def getlist(self, key: str) -> list[str]:
        value = self._given.get(key)
        return list(value) if isinstance(value, list) else ([] if value is None else [value])


def one_of(params: Params, name: str, choices: Iterable[str], *, default: str | None = None) -> str | None:
    """The parameter (or `default`), None when neither is there; any other value is refused,
    naming the parameter, the value and what it may be."""
    value = params.get(name)
    value = default if value is None else value
    allowed = list(choices)
    if value is not None and value not in allowed:
        raise InvalidInput(f"{name} is {quoted(value)}; it must be one of {', '.join(allowed)}.", field=name)
    return value


def required_one_of(params: Params, name: str, choices: Iterable[str], *, default: str | None = None) -> str:
    allowed = list(choices)
    value = one_of(params, name, allowed, default=default)
    if value is None:
        raise InvalidInput(f'{name} is ""; it must be one of {", ".join(allowed)}.', field=name)
    return value


def boolean(params: Params, name: str, *, default: bool = False) -> bool:
    """`true`/`false` (or 1/0, yes/no); absent or empty, the default."""
    value = params.get(name)
    if value is None or value == "":
        return default
    spelt = value.strip().lower()
    if spelt in ("true", "1", "yes"):
        return True
    if spelt in ("false", "0", "no"):
        return False
    raise InvalidInput(f"{name} is {quoted(value)}; it must be true or false.", field=name)
