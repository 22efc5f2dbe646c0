"""API keys over GraphQL: admin keys list, create, revoke and rotate them; a key never makes one
of more power than itself, an account's key reaches only its account's keys, and a revoked key
stops at once, open WebSocket connections included."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.client import ApiClient
from tests.support.feed import subscribed
from tests.support.tenants import Tenant

FIELDS = "id role accountId prefix createdAt lastUsedAt revokedAt expiresAt"
API_KEYS = f"query($accountId: ID) {{ apiKeys(accountId: $accountId) {{ {FIELDS} }} }}"
PAYLOAD = f"apiKey {{ {FIELDS} }} secret errors {{ code field message }}"
CREATE = (
    f"mutation($role: String!, $accountId: ID) {{ createApiKey(role: $role, accountId: $accountId) {{ {PAYLOAD} }} }}"
)
REVOKE = f"mutation($id: ID!) {{ revokeApiKey(id: $id) {{ {PAYLOAD} }} }}"
ROTATE = f"mutation($id: ID!, $hours: Int) {{ rotateApiKey(id: $id, graceHours: $hours) {{ {PAYLOAD} }} }}"
WHO = "{ organization { id } }"


async def create(api: ApiClient, key: str, role: str, account: str | None = None) -> dict[str, Any]:
    return dict((await api.graphql(CREATE, {"role": role, "accountId": account}, key=key))["createApiKey"])


async def listed(api: ApiClient, key: str, account: str | None = None) -> list[dict[str, Any]]:
    return list((await api.graphql(API_KEYS, {"accountId": account}, key=key))["apiKeys"])


async def works(api: ApiClient, key: str) -> bool:
    return (await api.post(WHO, None, key)).status_code == 200


async def test_a_created_key_works_and_is_listed_without_its_secret(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    made = await create(api, tenant.admin_key, "writer", account)
    keys = await listed(api, tenant.admin_key)

    assert made["errors"] == [] and made["secret"].startswith("sl_")
    assert await works(api, made["secret"])
    assert made["apiKey"] in keys
    assert made["apiKey"]["role"] == "writer" and made["apiKey"]["accountId"] == account
    assert made["apiKey"]["prefix"] == made["secret"][:10]
    assert len(keys) == 4  # the tenant's admin, writer and reader keys, and this one
    assert not any(made["secret"][10:] in str(key) for key in keys)


async def test_an_account_key_never_makes_a_key_of_more_power_than_its_own(tenant: Tenant, api: ApiClient) -> None:
    own, sibling = await tenant.create_account(), await tenant.create_account()
    account_admin = await tenant.key("admin", own)

    organization_wide = await create(api, account_admin, "reader")
    for_sibling = await create(api, account_admin, "reader", sibling)
    for_own = await create(api, account_admin, "reader", own)

    assert organization_wide["apiKey"] is None and organization_wide["errors"] == [
        {
            "code": "FORBIDDEN",
            "field": "accountId",
            "message": "An account-scoped API key can only create keys of its own account: give its accountId.",
        }
    ]
    assert for_sibling["errors"] == [
        {"code": "NOT_FOUND", "field": "accountId", "message": f'Account "{sibling}" does not exist.'}
    ]
    assert for_own["errors"] == [] and for_own["apiKey"]["accountId"] == own


async def test_an_account_key_sees_and_revokes_only_its_accounts_keys(tenant: Tenant, api: ApiClient) -> None:
    own, sibling = await tenant.create_account(), await tenant.create_account()
    account_admin = await tenant.key("admin", own)
    sibling_key = (await create(api, tenant.admin_key, "reader", sibling))["apiKey"]["id"]
    organization_key = (await create(api, tenant.admin_key, "reader"))["apiKey"]["id"]

    seen = await listed(api, account_admin)
    asked_for_sibling = await api.errors(API_KEYS, {"accountId": sibling}, key=account_admin)
    revoked = [
        (await api.graphql(REVOKE, {"id": key}, key=account_admin))["revokeApiKey"]
        for key in (sibling_key, organization_key)
    ]

    assert {key["accountId"] for key in seen} == {own}
    assert asked_for_sibling[0]["code"] == "NOT_FOUND"
    assert [payload["errors"][0]["code"] for payload in revoked] == ["NOT_FOUND", "NOT_FOUND"]
    assert {
        key["revokedAt"] for key in await listed(api, tenant.admin_key) if key["id"] in (sibling_key, organization_key)
    } == {None}


async def test_another_organizations_admin_reaches_none_of_the_keys(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient
) -> None:
    ours = (await create(api, tenant.admin_key, "reader"))["apiKey"]["id"]

    theirs = await listed(api, other_tenant.admin_key)
    revoked = (await api.graphql(REVOKE, {"id": ours}, key=other_tenant.admin_key))["revokeApiKey"]
    rotated = (await api.graphql(ROTATE, {"id": ours}, key=other_tenant.admin_key))["rotateApiKey"]

    assert ours not in {key["id"] for key in theirs}
    assert revoked["errors"] == [{"code": "NOT_FOUND", "field": "id", "message": f'API key "{ours}" does not exist.'}]
    assert rotated["errors"][0]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("role", ["writer", "reader"])
async def test_only_admin_keys_manage_keys(tenant: Tenant, api: ApiClient, role: str) -> None:
    key = tenant.writer_key if role == "writer" else tenant.reader_key

    listing = await api.errors(API_KEYS, key=key)
    creating = await create(api, key, "reader")

    assert listing[0]["code"] == "FORBIDDEN"
    assert creating["errors"] == [
        {"code": "FORBIDDEN", "field": None, "message": f"This API key's role ({role}) cannot manage API keys."}
    ]


async def test_a_revoked_key_is_refused_at_once(tenant: Tenant, api: ApiClient) -> None:
    made = await create(api, tenant.admin_key, "reader")
    assert await works(api, made["secret"])  # resolved, and so cached by the server

    revoked = (await api.graphql(REVOKE, {"id": made["apiKey"]["id"]}, key=tenant.admin_key))["revokeApiKey"]
    again = (await api.graphql(REVOKE, {"id": made["apiKey"]["id"]}, key=tenant.admin_key))["revokeApiKey"]

    assert revoked["errors"] == [] and revoked["apiKey"]["revokedAt"] is not None
    assert again["apiKey"]["revokedAt"] == revoked["apiKey"]["revokedAt"]  # revoked once
    assert not await works(api, made["secret"])


async def test_a_revoked_keys_open_websocket_is_closed_with_4403(
    tenant: Tenant, api: ApiClient, server_url: str
) -> None:
    made = await create(api, tenant.admin_key, "reader")

    async with subscribed(server_url, made["secret"]) as feed:
        await api.graphql(REVOKE, {"id": made["apiKey"]["id"]}, key=tenant.admin_key)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(feed.next_data(), 5)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_rotated_key_keeps_its_old_secret_for_the_grace_period(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    old = await create(api, tenant.admin_key, "writer", account)
    instant = await create(api, tenant.admin_key, "writer", account)

    rotated = (await api.graphql(ROTATE, {"id": old["apiKey"]["id"], "hours": 2}, key=tenant.admin_key))["rotateApiKey"]
    at_once = (await api.graphql(ROTATE, {"id": instant["apiKey"]["id"], "hours": 0}, key=tenant.admin_key))[
        "rotateApiKey"
    ]
    too_long = (await api.graphql(ROTATE, {"id": old["apiKey"]["id"], "hours": 10_000}, key=tenant.admin_key))[
        "rotateApiKey"
    ]

    assert (
        rotated["errors"] == [] and rotated["apiKey"]["role"] == "writer" and rotated["apiKey"]["accountId"] == account
    )
    assert await works(api, rotated["secret"]) and await works(api, old["secret"])
    assert await works(api, at_once["secret"]) and not await works(api, instant["secret"])
    expires = {key["id"]: key["expiresAt"] for key in await listed(api, tenant.admin_key)}
    left = datetime.fromisoformat(expires[old["apiKey"]["id"]]) - datetime.now(UTC)
    assert 7_000 < left.total_seconds() <= 7_200
    assert expires[rotated["apiKey"]["id"]] is None
    assert too_long["errors"] == [
        {"code": "INVALID", "field": "graceHours", "message": "graceHours is 10000; it must be between 0 and 2160."}
    ]


async def test_a_keys_last_use_is_recorded(tenant: Tenant, api: ApiClient) -> None:
    made = await create(api, tenant.admin_key, "reader")
    assert made["apiKey"]["lastUsedAt"] is None
    before = datetime.now(UTC)

    assert await works(api, made["secret"])
    for _ in range(50):  # written in batches, a fifth of a second apart here
        key = next(key for key in await listed(api, tenant.admin_key) if key["id"] == made["apiKey"]["id"])
        if key["lastUsedAt"] is not None:
            break
        await asyncio.sleep(0.1)

    assert key["lastUsedAt"] is not None
    assert before <= datetime.fromisoformat(key["lastUsedAt"]) <= datetime.now(UTC)
