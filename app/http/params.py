"""Query parameters of the plain-HTTP routes that take one of a few values."""

from collections.abc import Iterable

from starlette.requests import Request

from app.errors import InvalidInput, quoted


def one_of(request: Request, name: str, choices: Iterable[str], *, default: str | None = None) -> str | None:
    """The parameter (or `default`), None when neither is there; any other value is refused,
    naming the parameter, the value and what it may be."""
    value = request.query_params.get(name, default)
    allowed = list(choices)
    if value is not None and value not in allowed:
        raise InvalidInput(f"{name} is {quoted(value)}; it must be one of {', '.join(allowed)}.", field=name)
    return value


def required_one_of(request: Request, name: str, choices: Iterable[str], *, default: str | None = None) -> str:
    allowed = list(choices)
    value = one_of(request, name, allowed, default=default)
    if value is None:
        raise InvalidInput(f'{name} is ""; it must be one of {", ".join(allowed)}.', field=name)
    return value


def boolean(request: Request, name: str, *, default: bool = False) -> bool:
    """`true`/`false` (or 1/0, yes/no); absent or empty, the default."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    spelt = value.strip().lower()
    if spelt in ("true", "1", "yes"):
        return True
    if spelt in ("false", "0", "no"):
        return False
    raise InvalidInput(f"{name} is {quoted(value)}; it must be true or false.", field=name)
