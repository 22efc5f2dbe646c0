"""All SQL of opt-out state and history, over plain asyncpg connections (app/db/raw.py): these
are the hot paths. The write path is one statement: the state upsert and the event insert
together, so a change and its history row can never drift apart."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from app.db import raw
from app.enums import Channel, OptOutAction, TokenType
from app.opt_outs.cursor import EventPosition
from app.opt_outs.records import EventRecord

EVENT_COLUMNS = (
    "id, organization_id, list_id, account_id, scope, token, token_type, channel, action, source, reason,"
    " api_key_id, occurred_at, xact_id, evidence"
)
# Parameters of both changes: $1 organization, $2 list, $3 account, $4 scope, $5 token,
# $6 token type, $7 channels, $8 action, $9 source, $10 reason, $11 API key, $12 evidence.
_INSERT_EVENTS = f"""
INSERT INTO opt_out_events (organization_id, list_id, account_id, scope, token, token_type, channel, action,
                            source, reason, api_key_id, evidence)
SELECT $1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::text, changed.channel, $8::text, $9::text, $10::text,
       $11::uuid, $12::jsonb
FROM changed ORDER BY changed.channel
RETURNING {EVENT_COLUMNS}
"""
_OPT_OUT = (
    """
WITH changed AS (
    INSERT INTO opt_out_states AS state (organization_id, list_id, channel, token, token_type, opted_out, since, reason)
    SELECT $1::uuid, $2::uuid, channel, $5::text, $6::text, true, now(), $10::text FROM unnest($7::text[]) AS channel
    ON CONFLICT (list_id, channel, token)
    DO UPDATE SET opted_out = true, since = excluded.since, reason = excluded.reason
    WHERE NOT state.opted_out
    RETURNING state.channel
)"""
    + _INSERT_EVENTS
)
# Opting in a token that is not opted out changes nothing, so it only ever updates.
_OPT_IN = (
    """
WITH changed AS (
    UPDATE opt_out_states AS state SET opted_out = false, since = now(), reason = $10::text
    WHERE state.list_id = $2::uuid AND state.token = $5::text AND state.channel = ANY($7::text[]) AND state.opted_out
    RETURNING state.channel
)"""
    + _INSERT_EVENTS
)
_CHANGES = {OptOutAction.OPT_OUT: _OPT_OUT, OptOutAction.OPT_IN: _OPT_IN}
# Many distinct tokens of one type at once (uploads): $5 is their array, each on every channel.
_OPT_OUT_MANY_CHANGE = """
WITH changed AS (
    INSERT INTO opt_out_states AS state (organization_id, list_id, channel, token, token_type, opted_out, since, reason)
    SELECT $1::uuid, $2::uuid, channel, token, $6::text, true, now(), $10::text
    FROM unnest($5::text[]) AS token CROSS JOIN unnest($7::text[]) AS channel
    ON CONFLICT (list_id, channel, token)
    DO UPDATE SET opted_out = true, since = excluded.since, reason = excluded.reason
    WHERE NOT state.opted_out
    RETURNING state.token, state.channel
)
INSERT INTO opt_out_events (organization_id, list_id, account_id, scope, token, token_type, channel, action,
                            source, reason, api_key_id, evidence)
SELECT $1::uuid, $2::uuid, $3::uuid, $4::text, changed.token, $6::text, changed.channel, $8::text, $9::text,
       $10::text, $11::uuid, $12::jsonb
FROM changed ORDER BY changed.token, changed.channel
"""
# The events, or only their tokens: when no webhook endpoint will get the events, PostgreSQL
# need not send them, nor Python read them.
_OPT_OUT_MANY = {
    True: f"{_OPT_OUT_MANY_CHANGE}RETURNING {EVENT_COLUMNS}",
    False: f"{_OPT_OUT_MANY_CHANGE}RETURNING token, channel",
}

# Opting back in every opted-out channel of many tokens of either type at once (an import that
# resets opt-outs): $1 organization, $2 list, $3 account, $4 scope, $5 the tokens, $6 source,
# $7 API key, $8 evidence; the type of each event is its state's.
_OPT_IN_MANY = f"""
WITH changed AS (
    UPDATE opt_out_states AS state SET opted_out = false, since = now(), reason = NULL
    WHERE state.list_id = $2::uuid AND state.token = ANY($5::text[]) AND state.opted_out
    RETURNING state.token, state.token_type, state.channel
)
INSERT INTO opt_out_events (organization_id, list_id, account_id, scope, token, token_type, channel, action,
                            source, reason, api_key_id, evidence)
SELECT $1::uuid, $2::uuid, $3::uuid, $4::text, changed.token, changed.token_type, changed.channel, 'OPT_IN',
       $6::text, NULL, $7::uuid, $8::jsonb
FROM changed ORDER BY changed.token, changed.channel
RETURNING {EVENT_COLUMNS}
"""
# Which of these tokens are opted out of any channel of their type: $2 numbers, $3 addresses.
_OPTED_OUT_ANYWHERE = f"""
SELECT DISTINCT token FROM opt_out_states
WHERE list_id = $1 AND opted_out AND (
    (channel = ANY(ARRAY{[c.value for c in Channel if c.token_type is TokenType.MSISDN]}::text[])
     AND token = ANY($2::text[]))
    OR (channel = 'EMAIL' AND token = ANY($3::text[]))
)
"""

_CHECK = """
SELECT token, since, reason FROM opt_out_states
WHERE list_id = $1 AND channel = $2 AND token = ANY($3::text[]) AND opted_out
"""
# A scrub's: the tokens alone, from the index of opted-out states (token_type named so it is taken).
_OPTED_OUT_TOKENS = """
SELECT token FROM opt_out_states
WHERE list_id = $1 AND token_type = $2 AND channel = $3 AND token = ANY($4::text[]) AND opted_out
"""
_ALL_OPTED_OUT_TOKENS = """
SELECT coalesce(array_agg(token), '{}') FROM opt_out_states
WHERE list_id = $1 AND token_type = $2 AND channel = $3 AND opted_out
"""
_COUNT_OPTED_OUT = """
SELECT count(*) FROM (
    SELECT FROM opt_out_states WHERE list_id = $1 AND token_type = $2 AND channel = $3 AND opted_out LIMIT $4
) AS counted
"""
_EVENTS_BY_ID = (
    f"SELECT {EVENT_COLUMNS} FROM opt_out_events WHERE organization_id = $1 AND id = ANY($2::bigint[]) ORDER BY id"
)
_HISTORY = (
    f"SELECT {EVENT_COLUMNS} FROM opt_out_events WHERE list_id = $1 AND token = $2"
    " AND (xact_id, id) > ($3::xid8, $4::bigint) ORDER BY xact_id, id LIMIT $5"
)
_LATEST = (
    f"SELECT {EVENT_COLUMNS} FROM opt_out_events WHERE list_id = $1 AND token = $2 AND channel = $3"
    " ORDER BY xact_id DESC, id DESC LIMIT 1"
)
_COUNT_HISTORY = "SELECT count(*) FROM opt_out_events WHERE list_id = $1 AND token = $2"
_STATES_FOR_TOKENS = (
    "SELECT token, channel, opted_out, since, reason FROM opt_out_states"
    " WHERE organization_id = $1 AND list_id = $2 AND token = ANY($3::text[])"
)
# Keys are the account's a call is made through: another account of the organization never
# sees one (migrations/versions/2026_12_01_0003_idempotency_keys_per_account.py).
_CLAIM_KEY = (
    "INSERT INTO idempotency_keys (organization_id, account_id, key, operation, fingerprint)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING key"
)
_STORED_KEY = (
    "SELECT operation, fingerprint, event_ids FROM idempotency_keys"
    " WHERE organization_id = $1 AND account_id = $2 AND key = $3"
)
_RECORD_KEY = "UPDATE idempotency_keys SET event_ids = $4 WHERE organization_id = $1 AND account_id = $2 AND key = $3"
_PURGE_KEYS = "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)"


class OptOutRepository:
    def __init__(self, connection: raw.Connection) -> None:
        self.connection = connection

    async def change(
        self,
        action: OptOutAction,
        *,
        organization_id: UUID,
        list_id: UUID,
        account_id: UUID,
        scope: str,
        token: str,
        token_type: str,
        channels: list[str],
        source: str,
        reason: str | None,
        api_key_id: UUID | None,
        evidence: dict[str, str] | None,
    ) -> list[EventRecord]:
        rows = await self.connection.fetch(
            _CHANGES[action],
            organization_id,
            list_id,
            account_id,
            scope,
            token,
            token_type,
            channels,
            action.value,
            source,
            reason,
            api_key_id,
            orjson.dumps(evidence).decode() if evidence else None,
        )
        return sorted((EventRecord(*row) for row in rows), key=lambda e: e.id)

    async def opt_out_many(self, **change: Any) -> list[EventRecord]:
        """Opts distinct tokens out of every channel in one statement: the events of what changed.
        The change is named as by `_opt_out_many`."""
        return [EventRecord(*row) for row in await self._opt_out_many(_OPT_OUT_MANY[True], **change)]

    async def opt_out_many_tokens(self, **change: Any) -> list[tuple[str, str]]:
        """As `opt_out_many`, but only the token and channel of each event: for when no endpoint
        will get them."""
        return [(row[0], row[1]) for row in await self._opt_out_many(_OPT_OUT_MANY[False], **change)]

    async def _opt_out_many(
        self,
        statement: str,
        *,
        organization_id: UUID,
        list_id: UUID,
        account_id: UUID,
        scope: str,
        tokens: list[str],
        token_type: str,
        channels: list[str],
        source: str,
        reason: str | None,
        api_key_id: UUID | None,
    ) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.connection.fetch(
            statement,
            organization_id,
            list_id,
            account_id,
            scope,
            tokens,
            token_type,
            channels,
            OptOutAction.OPT_OUT.value,
            source,
            reason,
            api_key_id,
            None,
        )
        return rows

    async def opt_in_many(
        self,
        *,
        organization_id: UUID,
        list_id: UUID,
        account_id: UUID,
        scope: str,
        tokens: list[str],
        source: str,
        api_key_id: UUID | None,
        evidence: dict[str, str] | None,
    ) -> list[EventRecord]:
        """Opts distinct tokens back into every channel they are opted out of, in one statement."""
        rows = await self.connection.fetch(
            _OPT_IN_MANY,
            organization_id,
            list_id,
            account_id,
            scope,
            tokens,
            source,
            api_key_id,
            orjson.dumps(evidence).decode() if evidence else None,
        )
        return [EventRecord(*row) for row in rows]

    async def opted_out_anywhere(self, list_id: UUID, msisdns: list[str], emails: list[str]) -> set[str]:
        return {row["token"] for row in await self.connection.fetch(_OPTED_OUT_ANYWHERE, list_id, msisdns, emails)}

    async def events_by_id(self, organization_id: UUID, ids: Sequence[int]) -> list[EventRecord]:
        return [EventRecord(*row) for row in await self.connection.fetch(_EVENTS_BY_ID, organization_id, list(ids))]

    async def claim_idempotency_key(
        self, organization_id: UUID, account_id: UUID, key: str, operation: str, fingerprint: str
    ) -> tuple[str, str, list[int]] | None:
        """None when the key is new (now claimed by this transaction), else what was stored for it.

        A concurrent claim of the same key waits here until the first transaction ends."""
        claimed = await self.connection.fetchval(_CLAIM_KEY, organization_id, account_id, key, operation, fingerprint)
        if claimed is not None:
            return None
        row = await self.connection.fetchrow(_STORED_KEY, organization_id, account_id, key)
        return row["operation"], row["fingerprint"], list(row["event_ids"])

    async def record_idempotent_result(
        self, organization_id: UUID, account_id: UUID, key: str, event_ids: list[int]
    ) -> None:
        await self.connection.execute(_RECORD_KEY, organization_id, account_id, key, event_ids)

    async def purge_idempotency_keys(self, older_than_hours: int) -> int:
        status = await self.connection.execute(_PURGE_KEYS, older_than_hours)
        return int(status.split()[-1])

    async def opted_out(self, list_id: UUID, channel: str, tokens: Sequence[str]) -> dict[str, asyncpg.Record]:
        return {row["token"]: row for row in await self.connection.fetch(_CHECK, list_id, channel, list(tokens))}

    async def opted_out_tokens(self, list_id: UUID, token_type: str, channel: str, tokens: Sequence[str]) -> set[str]:
        rows = await self.connection.fetch(_OPTED_OUT_TOKENS, list_id, token_type, channel, list(tokens))
        return {row[0] for row in rows}

    async def all_opted_out_tokens(self, list_id: UUID, token_type: str, channel: str) -> set[str]:
        """In one array: decoded by asyncpg as a whole, where rows would be one object each."""
        return set(await self.connection.fetchval(_ALL_OPTED_OUT_TOKENS, list_id, token_type, channel))

    async def count_opted_out_up_to(self, list_id: UUID, token_type: str, channel: str, *, at_most: int) -> int:
        return int(await self.connection.fetchval(_COUNT_OPTED_OUT, list_id, token_type, channel, at_most))

    async def latest_event(self, list_id: UUID, token: str, channel: str) -> EventRecord | None:
        row = await self.connection.fetchrow(_LATEST, list_id, token, channel)
        return EventRecord(*row) if row is not None else None

    async def states_for_tokens(
        self, organization_id: UUID, list_id: UUID, tokens: Sequence[str]
    ) -> list[asyncpg.Record]:
        return list(await self.connection.fetch(_STATES_FOR_TOKENS, organization_id, list_id, list(tokens)))

    async def opted_out_page(
        self,
        list_id: UUID,
        *,
        token_type: str | None,
        channel: str | None,
        after: tuple[str, str, str] | None,
        limit: int,
    ) -> list[asyncpg.Record]:
        conditions, params = self._opted_out_filter(list_id, token_type, channel)
        if after is not None:
            n = len(params)
            conditions.append(f"(token_type, channel, token) > (${n + 1}, ${n + 2}, ${n + 3})")
            params += list(after)
        params.append(limit)
        statement = (
            "SELECT token, token_type, channel, since, reason FROM opt_out_states WHERE "
            + " AND ".join(conditions)
            + f" ORDER BY token_type, channel, token LIMIT ${len(params)}"
        )
        return list(await self.connection.fetch(statement, *params))

    async def count_opted_out(self, list_id: UUID, *, token_type: str | None, channel: str | None) -> int:
        conditions, params = self._opted_out_filter(list_id, token_type, channel)
        count: int = await self.connection.fetchval(
            "SELECT count(*) FROM opt_out_states WHERE " + " AND ".join(conditions), *params
        )
        return count

    @staticmethod
    def _opted_out_filter(list_id: UUID, token_type: str | None, channel: str | None) -> tuple[list[str], list[Any]]:
        conditions: list[str] = ["list_id = $1", "opted_out"]
        params: list[Any] = [list_id]
        for column, value in (("token_type", token_type), ("channel", channel)):
            if value is not None:
                params.append(value)
                conditions.append(f"{column} = ${len(params)}")
        return conditions, params

    async def history_page(self, list_id: UUID, token: str, *, after: EventPosition, limit: int) -> list[EventRecord]:
        rows = await self.connection.fetch(_HISTORY, list_id, token, after.xact_id, after.id, limit)
        return [EventRecord(*row) for row in rows]

    async def count_history(self, list_id: UUID, token: str) -> int:
        count: int = await self.connection.fetchval(_COUNT_HISTORY, list_id, token)
        return count
