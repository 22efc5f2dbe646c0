"""The audience queries. The page query walks the account's contacts in token order through
(account_id, token, id), keeps those in a requested group, takes the first contact per token,
and drops opted-out tokens unless a requested bypass group holds that token: so one page costs
about one page of index reads, however large the audience."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import TextClause

TOKEN_COLUMNS = {"MSISDN": "msisdn", "EMAIL": "email"}


def _arrays(statement: str, *names: str) -> TextClause:
    return text(statement).bindparams(*(bindparam(name, type_=ARRAY(PG_UUID(as_uuid=True))) for name in names))


def _page_statement(column: str, filtered: bool) -> TextClause:
    candidates = f"""
SELECT DISTINCT ON (contact.{column}) contact.{column} AS token, contact.id AS contact_id
FROM contacts AS contact
WHERE contact.organization_id = :organization_id AND contact.account_id = :account_id
  AND contact.{column} IS NOT NULL AND contact.{column} > :after
  AND EXISTS (SELECT 1 FROM group_members AS member
              WHERE member.contact_id = contact.id AND member.group_id = ANY(:group_ids))
ORDER BY contact.{column}, contact.id"""
    if not filtered:
        return _arrays(
            f"SELECT token, contact_id, false AS via_bypass FROM ({candidates}) AS candidate ORDER BY token LIMIT :limit",
            "group_ids",
        )
    # Each candidate probes its own state row and, only when opted out, the bypass groups. Written
    # as LATERAL ... LIMIT 1 so PostgreSQL cannot turn the probes into hashes of the whole
    # opt-out list (EXISTS became hashed subplans: a page cost grew with the list, not the page).
    return _arrays(
        f"""
SELECT candidate.token, candidate.contact_id, state.opted_out IS NOT NULL AS via_bypass
FROM ({candidates}) AS candidate
LEFT JOIN LATERAL (
    SELECT true AS opted_out FROM opt_out_states AS state
    WHERE state.list_id = :list_id AND state.channel = :channel AND state.token = candidate.token AND state.opted_out
    LIMIT 1
) AS state ON true
LEFT JOIN LATERAL (
    SELECT true AS reachable FROM contacts AS other JOIN group_members AS member ON member.contact_id = other.id
    WHERE state.opted_out AND other.organization_id = :organization_id AND other.account_id = :account_id
      AND other.{column} = candidate.token AND member.group_id = ANY(:bypass_group_ids)
    LIMIT 1
) AS bypass ON true
WHERE state.opted_out IS NULL OR bypass.reachable
ORDER BY candidate.token LIMIT :limit""",
        "group_ids",
        "bypass_group_ids",
    )


def _count_statement(column: str) -> TextClause:
    return _arrays(
        f"""
WITH member_tokens AS (
    SELECT contact.{column} AS token, bool_or(member.group_id = ANY(:bypass_group_ids)) AS bypass
    FROM group_members AS member JOIN contacts AS contact ON contact.id = member.contact_id
    WHERE member.organization_id = :organization_id AND member.group_id = ANY(:group_ids)
      AND contact.account_id = :account_id AND contact.{column} IS NOT NULL
    GROUP BY contact.{column}
)
SELECT count(*) FILTER (WHERE state.token IS NULL OR member_tokens.bypass) AS total,
       count(*) FILTER (WHERE state.token IS NOT NULL AND NOT member_tokens.bypass) AS suppressed
FROM member_tokens
LEFT JOIN opt_out_states AS state
       ON state.list_id = :list_id AND state.channel = :channel AND state.token = member_tokens.token
      AND state.opted_out AND :filtered""",
        "group_ids",
        "bypass_group_ids",
    )


_PAGES = {(token_type, filtered): _page_statement(column, filtered)
          for token_type, column in TOKEN_COLUMNS.items() for filtered in (True, False)}
_COUNTS = {token_type: _count_statement(column) for token_type, column in TOKEN_COLUMNS.items()}


@dataclass(frozen=True)
class AudienceScope:
    """Everything an audience query is scoped by, resolved and checked by the service."""

    organization_id: UUID
    account_id: UUID
    list_id: UUID
    token_type: str
    channel: str
    group_ids: list[UUID]
    bypass_group_ids: list[UUID]
    filtered: bool

    def params(self) -> dict[str, Any]:
        return {
            "organization_id": self.organization_id,
            "account_id": self.account_id,
            "list_id": self.list_id,
            "channel": self.channel,
            "group_ids": self.group_ids,
            "bypass_group_ids": self.bypass_group_ids,
            "filtered": self.filtered,
        }


class AudienceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(self, scope: AudienceScope, *, after: str, limit: int) -> list[Any]:
        statement = _PAGES[(scope.token_type, scope.filtered)]
        result = await self.session.execute(statement, {**scope.params(), "after": after, "limit": limit})
        return list(result)

    async def counts(self, scope: AudienceScope) -> tuple[int, int]:
        row = (await self.session.execute(_COUNTS[scope.token_type], scope.params())).one()
        return int(row.total), int(row.suppressed)
