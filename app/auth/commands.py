"""`stoplist key create | list | revoke | rotate`: an operator's hold on the API keys, straight on
the database. A revocation or a rotation's end reaches running servers through the database
(app/auth/key_watch.py): no server needs restarting."""

import argparse
import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from app import ids, models
from app.auth.actor import Actor
from app.auth.repository import ApiKeyRepository
from app.auth.service import MAX_GRACE, ApiKeyService
from app.db.unit_of_work import UnitOfWork
from app.enums import Role
from app.errors import InvalidInput, NotFound, quoted

T = TypeVar("T")
InUnit = Callable[[Callable[[UnitOfWork], Awaitable[T]]], T]
DEFAULT_GRACE = "24h"
_DURATION = re.compile(r"(\d{1,6})([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def add_key_commands(commands: Any) -> None:
    key = commands.add_parser("key", help="API keys").add_subparsers(dest="action", required=True)
    create = key.add_parser("create", help="create another API key")
    create.add_argument("--org", required=True, help="organization id (org_...)")
    create.add_argument("--account", help="limit the key to one account (acc_...)")
    create.add_argument("--role", required=True, choices=["admin", "writer", "reader"])
    create.add_argument("--json", action="store_true", help="print JSON")

    listing = key.add_parser("list", help="an organization's API keys (never their secrets)")
    listing.add_argument("--org", required=True, help="organization id (org_...)")
    listing.add_argument("--account", help="only the keys of this account (acc_...)")
    listing.add_argument("--json", action="store_true", help="print JSON, one object per key")

    revoke = key.add_parser("revoke", help="revoke a key at once, on every running server")
    revoke.add_argument("key_id", metavar="KEY_ID", help="the key's id (key_...), as `key list` shows it")

    rotate = key.add_parser("rotate", help="a new secret for a key; the old one stays valid for --grace")
    rotate.add_argument("key_id", metavar="KEY_ID", help="the key's id (key_...)")
    rotate.add_argument(
        "--grace",
        default=DEFAULT_GRACE,
        help=f"how long the old secret keeps working: 0, or a number and s, m, h or d, at most {MAX_GRACE.days}d",
    )
    rotate.add_argument("--json", action="store_true", help="print JSON")


def run_key_command(args: argparse.Namespace, keys: ApiKeyService, in_unit: InUnit[Any]) -> None:
    if args.action == "create":
        _create(args, keys, in_unit)
    elif args.action == "list":
        _list(args, keys, in_unit)
    elif args.action == "revoke":
        key_id = ids.decode("ApiKey", args.key_id, field="KEY_ID")

        async def revoke(unit: UnitOfWork) -> models.ApiKey:
            return await keys.revoke(unit, await _operator_of(unit, key_id), key_id)

        revoked = in_unit(revoke)
        print(f"API key {args.key_id} ({revoked.key_prefix}...) revoked at {revoked.revoked_at:%Y-%m-%d %H:%M:%S %Z}.")
    elif args.action == "rotate":
        _rotate(args, keys, in_unit)


def parse_grace(text: str) -> timedelta:
    given = text.strip().lower()
    if given == "0":
        return timedelta(0)
    match = _DURATION.fullmatch(given)
    grace = timedelta(**{_UNITS[match[2]]: int(match[1])}) if match else None
    if grace is None or grace > MAX_GRACE:
        raise InvalidInput(
            f"--grace is {quoted(text)}; give 0, or a number and s, m, h or d, at most {MAX_GRACE.days}d.",
            field="grace",
        )
    return grace


def _create(args: argparse.Namespace, keys: ApiKeyService, in_unit: InUnit[Any]) -> None:
    organization_id = ids.decode("Organization", args.org, field="org")
    account_id = ids.decode("Account", args.account, field="account") if args.account else None
    created = in_unit(
        lambda unit: keys.create(unit, organization_id=organization_id, role=args.role, account_id=account_id)
    )
    key_id = ids.encode("ApiKey", created.model.id)
    if args.json:
        _print_json(
            {
                "id": key_id,
                "apiKey": created.key,
                "role": args.role,
                "organizationId": args.org,
                "accountId": args.account,
            }
        )
        return
    scope = f"account {args.account}" if args.account else f"organization {args.org}"
    print(f"{args.role.capitalize()} API key {key_id} for {scope} (shown once, store it now): {created.key}")


def _list(args: argparse.Namespace, keys: ApiKeyService, in_unit: InUnit[Any]) -> None:
    organization_id = ids.decode("Organization", args.org, field="org")
    account_id = ids.decode("Account", args.account, field="account") if args.account else None

    async def listed(unit: UnitOfWork) -> list[models.ApiKey]:
        if not await ApiKeyRepository(unit.session).organization_exists(organization_id):
            raise NotFound(f"Organization {quoted(args.org)} does not exist.", field="org")
        return await keys.list(unit, Actor(organization_id=organization_id, role=Role.ADMIN), account_id)

    found = [_described(model) for model in in_unit(listed)]
    if args.json:
        for key in found:
            _print_json(key)
        return
    columns = ("id", "role", "scope", "prefix", "created", "lastUsed", "state")
    rows = [[str(key[column] or "-") for column in columns] for key in found]
    widths = [max(len(column), *(len(row[i]) for row in rows)) for i, column in enumerate(columns)]
    for row in [list(columns), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _rotate(args: argparse.Namespace, keys: ApiKeyService, in_unit: InUnit[Any]) -> None:
    key_id = ids.decode("ApiKey", args.key_id, field="KEY_ID")
    grace = parse_grace(args.grace)

    async def rotate(unit: UnitOfWork) -> Any:
        return await keys.rotate(unit, await _operator_of(unit, key_id), key_id, grace)

    created, old = in_unit(rotate)
    new_id = ids.encode("ApiKey", created.model.id)
    if args.json:
        _print_json(
            {"id": new_id, "apiKey": created.key, "replaces": args.key_id, "oldExpiresAt": _time(old.expires_at)}
        )
        return
    print(f"New API key {new_id} (shown once, store it now): {created.key}")
    print(f"The old key {args.key_id} stops working at {old.expires_at:%Y-%m-%d %H:%M:%S %Z}.")


async def _operator_of(unit: UnitOfWork, key_id: UUID) -> Actor:
    """The operator acts as an admin of the key's organization: the command names the key alone."""
    organization_id = await ApiKeyRepository(unit.session).organization_of(key_id)
    if organization_id is None:
        raise NotFound(f'API key "{ids.encode("ApiKey", key_id)}" does not exist.', field="KEY_ID")
    return Actor(organization_id=organization_id, role=Role.ADMIN)


def _described(model: models.ApiKey) -> dict[str, Any]:
    if model.revoked_at is not None:
        state = f"revoked {_time(model.revoked_at)}"
    elif model.expires_at is not None:
        state = f"{'expires' if model.expires_at > datetime.now(UTC) else 'expired'} {_time(model.expires_at)}"
    else:
        state = "active"
    return {
        "id": ids.encode("ApiKey", model.id),
        "role": model.role,
        "scope": ids.encode("Account", model.account_id) if model.account_id else "organization",
        "prefix": model.key_prefix,
        "created": _time(model.created_at),
        "lastUsed": _time(model.last_used_at),
        "state": state,
    }


def _time(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _print_json(value: dict[str, Any]) -> None:
    print(json.dumps(value))
