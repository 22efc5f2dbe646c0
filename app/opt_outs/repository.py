"""All SQL of opt-out state and history. The write path is one statement: the state upsert
and the event insert together, so a change and its history row can never drift apart."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import BigInteger, Text

from app.opt_outs.records import EventRecord
from app.enums import TokenType

_EVENT_COLUMNS = (
    "id, organization_id, list_id, account_id, scope, token, token_type, channel, action, source, reason,"
    " api_key_id, occurred_at"
)
_INSERT_EVENTS = f"""
INSERT INTO opt_out_events (organization_id, list_id, account_id, scope, token, token_type, channel, action,
                            source, reason, api_key_id)
SELECT :organization_id, :list_id, :account_id, :scope, :token, :token_type, changed.channel, :action,
       :source, :reason, :api_key_id
FROM changed ORDER BY changed.channel
RETURNING {_EVENT_COLUMNS}
"""

OPT_OUT = text(
    """
WITH changed AS (
    INSERT INTO opt_out_states AS state (organization_id, list_id, channel, token, token_type, opted_out, since, reason)
    SELECT :organization_id, :list_id, channel, :token, :token_type, true, now(), :reason
    FROM unnest(:channels) AS channel
    ON CONFLICT (list_id, channel, token)
    DO UPDATE SET opted_out = true, since = excluded.since, reason = excluded.reason
    WHERE NOT state.opted_out
    RETURNING state.channel
)"""
    + _INSERT_EVENTS
).bindparams(bindparam("channels", type_=ARRAY(Text)))

# Opting in a token that is not opted out changes nothing, so it only ever updates.
OPT_IN = text(
    """
WITH changed AS (
    UPDATE opt_out_states AS state SET opted_out = false, since = now(), reason = :reason
    WHERE state.list_id = :list_id AND state.token = :token AND state.channel = ANY(:channels) AND state.opted_out
    RETURNING state.channel
)"""
    + _INSERT_EVENTS
).bindparams(bindparam("channels", type_=ARRAY(Text)))

CHECK = text(
    """
SELECT token, since, reason FROM opt_out_states
WHERE list_id = :list_id AND channel = :channel AND token = ANY(:tokens) AND opted_out
"""
).bindparams(bindparam("tokens", type_=ARRAY(Text)))

EVENTS_BY_ID = text(
    f"SELECT {_EVENT_COLUMNS} FROM opt_out_events WHERE organization_id = :organization_id AND id = ANY(:ids) ORDER BY id"
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))


class OptOutRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def change(self, statement: Any, params: dict[str, Any]) -> list[EventRecord]:
        result = await self.session.execute(statement, params)
        return sorted((EventRecord(**row) for row in result.mappings()), key=lambda e: e.id)

    async def events_by_id(self, organization_id: UUID, ids: Sequence[int]) -> list[EventRecord]:
        result = await self.session.execute(EVENTS_BY_ID, {"organization_id": organization_id, "ids": list(ids)})
        return [EventRecord(**row) for row in result.mappings()]

    async def claim_idempotency_key(
        self, organization_id: UUID, key: str, operation: str, fingerprint: str
    ) -> tuple[str, str, list[int]] | None:
        """None when the key is new (now claimed by this transaction), else what was stored for it.

        A concurrent claim of the same key waits here until the first transaction ends."""
        claimed = await self.session.execute(
            text(
                "INSERT INTO idempotency_keys (organization_id, key, operation, fingerprint) "
                "VALUES (:organization_id, :key, :operation, :fingerprint) ON CONFLICT DO NOTHING RETURNING key"
            ),
            {"organization_id": organization_id, "key": key, "operation": operation, "fingerprint": fingerprint},
        )
        if claimed.first() is not None:
            return None
        row = (
            await self.session.execute(
                text(
                    "SELECT operation, fingerprint, event_ids FROM idempotency_keys "
                    "WHERE organization_id = :organization_id AND key = :key"
                ),
                {"organization_id": organization_id, "key": key},
            )
        ).one()
        return row.operation, row.fingerprint, list(row.event_ids)

    async def record_idempotent_result(self, organization_id: UUID, key: str, event_ids: list[int]) -> None:
        await self.session.execute(
            text(
                "UPDATE idempotency_keys SET event_ids = :event_ids WHERE organization_id = :organization_id AND key = :key"
            ).bindparams(bindparam("event_ids", type_=ARRAY(BigInteger))),
            {"organization_id": organization_id, "key": key, "event_ids": event_ids},
        )

    async def purge_idempotency_keys(self, older_than_hours: int) -> int:
        result = await self.session.execute(
            text("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => :hours)"),
            {"hours": older_than_hours},
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def opted_out(self, list_id: UUID, channel: str, tokens: Sequence[str]) -> dict[str, Any]:
        result = await self.session.execute(CHECK, {"list_id": list_id, "channel": channel, "tokens": list(tokens)})
        return {row.token: row for row in result}

    async def states_for_tokens(self, organization_id: UUID, list_id: UUID, tokens: Sequence[str]) -> list[Any]:
        result = await self.session.execute(
            text(
                "SELECT token, channel, opted_out, since, reason FROM opt_out_states "
                "WHERE organization_id = :organization_id AND list_id = :list_id AND token = ANY(:tokens)"
            ).bindparams(bindparam("tokens", type_=ARRAY(Text))),
            {"organization_id": organization_id, "list_id": list_id, "tokens": list(tokens)},
        )
        return list(result)

    async def opted_out_page(
        self,
        list_id: UUID,
        *,
        token_type: str | None,
        channel: str | None,
        after: tuple[str, str, str] | None,
        limit: int,
    ) -> list[Any]:
        conditions, params = self._opted_out_filter(list_id, token_type, channel)
        if after is not None:
            conditions.append("(token_type, channel, token) > (:after_type, :after_channel, :after_token)")
            params.update(after_type=after[0], after_channel=after[1], after_token=after[2])
        params["limit"] = limit
        result = await self.session.execute(
            text(
                "SELECT token, token_type, channel, since, reason FROM opt_out_states WHERE "
                + " AND ".join(conditions)
                + " ORDER BY token_type, channel, token LIMIT :limit"
            ),
            params,
        )
        return list(result)

    async def count_opted_out(self, list_id: UUID, *, token_type: str | None, channel: str | None) -> int:
        conditions, params = self._opted_out_filter(list_id, token_type, channel)
        result = await self.session.execute(
            text("SELECT count(*) FROM opt_out_states WHERE " + " AND ".join(conditions)), params
        )
        return int(result.scalar_one())

    @staticmethod
    def _opted_out_filter(list_id: UUID, token_type: str | None, channel: str | None) -> tuple[list[str], dict[str, Any]]:
        conditions = ["list_id = :list_id", "opted_out"]
        params: dict[str, Any] = {"list_id": list_id}
        if token_type is not None:
            conditions.append("token_type = :token_type")
            params["token_type"] = token_type
        if channel is not None:
            conditions.append("channel = :channel")
            params["channel"] = channel
        return conditions, params

    async def history_page(self, list_id: UUID, token: str, *, after: int | None, limit: int) -> list[EventRecord]:
        result = await self.session.execute(
            text(
                f"SELECT {_EVENT_COLUMNS} FROM opt_out_events WHERE list_id = :list_id AND token = :token "
                "AND id > :after ORDER BY id LIMIT :limit"
            ),
            {"list_id": list_id, "token": token, "after": after or 0, "limit": limit},
        )
        return [EventRecord(**row) for row in result.mappings()]

    async def count_history(self, list_id: UUID, token: str) -> int:
        result = await self.session.execute(
            text("SELECT count(*) FROM opt_out_events WHERE list_id = :list_id AND token = :token"),
            {"list_id": list_id, "token": token},
        )
        return int(result.scalar_one())

    async def apply_contact_effect(
        self, organization_id: UUID, account_id: UUID, token: str, token_type: TokenType, effect: str
    ) -> None:
        column = "email" if token_type is TokenType.EMAIL else "msisdn"
        params = {"organization_id": organization_id, "account_id": account_id, "token": token}
        if effect == "REMOVE_FROM_GROUPS":
            await self.session.execute(
                text(
                    "DELETE FROM group_members AS member USING contacts AS contact "
                    "WHERE member.contact_id = contact.id AND member.organization_id = :organization_id "
                    f"AND contact.organization_id = :organization_id AND contact.account_id = :account_id "
                    f"AND contact.{column} = :token"
                ),
                params,
            )
        elif effect == "DELETE_CONTACT":
            await self.session.execute(
                text(
                    "DELETE FROM contacts WHERE organization_id = :organization_id AND account_id = :account_id "
                    f"AND {column} = :token"
                ),
                params,
            )
