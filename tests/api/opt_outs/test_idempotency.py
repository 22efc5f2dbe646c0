import asyncio
from typing import Any

from app.db.unit_of_work import UnitsOfWork
from app.opt_outs.service import opt_out_service
from tests.support.client import ApiClient
from tests.support.tenants import OPT_OUT, Tenant


async def test_same_key_and_input_returns_the_first_calls_events(tenant: Tenant) -> None:
    account = await tenant.create_account()

    first = await tenant.opt_out(account, "+31612345678", ["SMS"], idempotencyKey="req-1")
    retry = await tenant.opt_out(account, "+31612345678", ["SMS"], idempotencyKey="req-1")

    assert len(first) == 1
    assert retry == first


async def test_retry_of_a_call_that_changed_nothing_returns_nothing(tenant: Tenant) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS"])

    assert await tenant.opt_out(account, "+31612345678", ["SMS"], idempotencyKey="req-2") == []
    assert await tenant.opt_out(account, "+31612345678", ["SMS"], idempotencyKey="req-2") == []


async def test_same_key_with_different_input_is_refused_and_changes_nothing(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS"], idempotencyKey="req-3")

    data = await api.graphql(
        OPT_OUT,
        {"input": {"accountId": account, "token": "+31687654321", "channels": ["SMS"], "idempotencyKey": "req-3"}},
        key=tenant.writer_key,
    )

    assert data["optOut"] == {
        "events": [],
        "errors": [
            {
                "field": "input.idempotencyKey",
                "code": "IDEMPOTENCY_KEY_REUSED",
                "message": 'The idempotency key "req-3" was already used with different parameters.',
            }
        ],
    }
    check = await api.graphql(
        'query($a: ID!) { checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31687654321"]) { optedOut } }',
        {"a": account},
        key=tenant.reader_key,
    )
    assert check["checkOptOuts"] == [{"optedOut": False}]


async def test_same_key_for_opt_in_after_opt_out_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS"], idempotencyKey="req-4")

    data = await api.graphql(
        OPT_OUT.replace("optOut(input", "optIn(input"),
        {"input": {"accountId": account, "token": "+31612345678", "channels": ["SMS"], "idempotencyKey": "req-4"}},
        key=tenant.writer_key,
    )

    assert [e["code"] for e in data["optIn"]["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]


async def test_concurrent_retries_with_one_key_make_one_change(tenant: Tenant) -> None:
    account = await tenant.create_account()

    results = await asyncio.gather(
        *(tenant.opt_out(account, "+31612345678", ["SMS", "VOICE"], idempotencyKey="req-5") for _ in range(8))
    )

    assert all(result == results[0] for result in results)
    assert [e["channel"] for e in results[0]] == ["SMS", "VOICE"]


async def test_keys_of_one_organization_do_not_collide_with_another(tenant: Tenant, other_tenant: Tenant) -> None:
    mine = await tenant.create_account()
    theirs = await other_tenant.create_account()
    await tenant.opt_out(mine, "+31612345678", ["SMS"], idempotencyKey="shared-key")

    events = await other_tenant.opt_out(theirs, "+31687654321", ["SMS"], idempotencyKey="shared-key")

    assert [e["token"] for e in events] == ["+31687654321"]


async def test_keys_are_kept_a_day_then_purged(tenant: Tenant, api: ApiClient, units: UnitsOfWork) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS"], idempotencyKey="day-old")
    await tenant.opt_out(account, "+31612345679", ["SMS"], idempotencyKey="fresh")
    age = (
        "UPDATE idempotency_keys SET created_at = now() - make_interval(hours => $1)"
        " WHERE organization_id = $2 AND key = $3"
    )
    async with units.write() as unit:
        await unit.connection.execute(age, 23, tenant.organization_id, "fresh")
        await unit.connection.execute(age, 25, tenant.organization_id, "day-old")

    async with units.write() as unit:
        await opt_out_service.purge_idempotency_keys(unit)

    reused = await tenant.opt_out(account, "+31600000000", ["SMS"], idempotencyKey="day-old")
    kept = await api.graphql(
        OPT_OUT,
        {"input": {"accountId": account, "token": "+31600000001", "channels": ["SMS"], "idempotencyKey": "fresh"}},
        key=tenant.writer_key,
    )
    assert [e["token"] for e in reused] == ["+31600000000"]
    assert [e["code"] for e in kept["optOut"]["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]


async def opt_out_with_key(api: ApiClient, key: str, account: str, token: str, idempotency_key: str) -> dict[str, Any]:
    variables = {
        "input": {"accountId": account, "token": token, "channels": ["SMS"], "idempotencyKey": idempotency_key}
    }
    return dict((await api.graphql(OPT_OUT, variables, key=key))["optOut"])


async def test_a_key_used_through_one_account_is_unknown_to_a_sibling_account(tenant: Tenant, api: ApiClient) -> None:
    first, second = await tenant.create_account(), await tenant.create_account()
    first_key, second_key = await tenant.key("writer", first), await tenant.key("writer", second)
    in_first = await opt_out_with_key(api, first_key, first, "+31611111111", "order-1")

    in_second = await opt_out_with_key(api, second_key, second, "+31622222222", "order-1")
    retried_in_second = await opt_out_with_key(api, second_key, second, "+31622222222", "order-1")

    assert in_second["errors"] == []
    assert [(e["accountId"], e["token"]) for e in in_second["events"]] == [(second, "+31622222222")]
    assert retried_in_second == in_second
    assert in_first["events"] != in_second["events"]


async def test_a_sibling_account_cannot_replay_or_probe_another_accounts_key(tenant: Tenant, api: ApiClient) -> None:
    first, second = await tenant.create_account(), await tenant.create_account()
    await tenant.opt_out(first, "+31611111111", ["SMS"], idempotencyKey="order-2")
    second_key = await tenant.key("writer", second)

    # The very input of the first account's call, through the second: not a replay of its events.
    same_input = await opt_out_with_key(api, second_key, second, "+31611111111", "order-2")

    assert same_input["errors"] == []
    assert same_input["events"] == []  # the number is already opted out in the shared list
