"""The audience queries, over plain asyncpg connections (a hot path: app/db/raw.py).

A page merges one ordered index scan per requested group over (group_id, token, contact_id),
each read at most a window of rows past the cursor; takes the first contact per token; and
keeps a token unless it is opted out in the list and no requested bypass group holds it. So a
page costs about groups x page size index entries, however large, small or sparse the groups
are. Tokens come from group_members, which carries copies of its contact's tokens."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from app import ids
from app.bulk.writing import E164_CELL, FORMULA_STARTS
from app.db import raw

TOKEN_COLUMNS = {"MSISDN": "msisdn", "EMAIL": "email"}


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


def _scan(column: str, *, organization: str, groups: str, bounds: str, window: str) -> str:
    """Each requested group's members in token order, within the bounds: one index scan a group."""
    return f"""
    SELECT requested.group_id, member.token, member.contact_id
    FROM unnest({groups}::uuid[]) AS requested (group_id)
    CROSS JOIN LATERAL (
        SELECT member.{column} AS token, member.contact_id FROM group_members AS member
        WHERE member.group_id = requested.group_id AND member.organization_id = {organization} AND {bounds}
        ORDER BY member.{column}, member.contact_id {window}
    ) AS member"""


def _reachable(column: str, *, list_id: str, channel: str, bypass: str, limit: str = "") -> str:
    """The candidates not opted out in the list, and those a requested bypass group holds."""
    # The probes are LATERAL ... LIMIT 1 so PostgreSQL cannot turn them into hashes of the
    # whole opt-out list (as EXISTS became): a page costs a page of probes.
    return f"""
    SELECT candidate.token, candidate.contact_id, state.opted_out IS NOT NULL AS via_bypass
    FROM candidate
    LEFT JOIN LATERAL (
        SELECT true AS opted_out FROM opt_out_states AS state
        WHERE state.list_id = {list_id} AND state.channel = {channel} AND state.token = candidate.token
          AND state.opted_out
        LIMIT 1
    ) AS state ON true
    LEFT JOIN LATERAL (
        SELECT true AS reachable FROM group_members AS member
        WHERE state.opted_out AND member.group_id = ANY({bypass}::uuid[]) AND member.{column} = candidate.token
        LIMIT 1
    ) AS bypass ON true
    WHERE state.opted_out IS NULL OR bypass.reachable
    ORDER BY candidate.token {limit}"""


def _page_statement(column: str, filtered: bool) -> str:
    # Parameters: $1 list, $2 channel, $3 organization, $4 bypass groups, $5 after (exclusive),
    # $6 from (inclusive), $7 window per group, $8 limit, $9 groups.
    # Every group that filled its window was read up to its last token; below the lowest such
    # token the merge is complete. That token is the boundary, returned as a last, marked row.
    scan = _scan(
        column,
        organization="$3",
        groups="$9",
        bounds=f"member.{column} > $5 AND member.{column} >= $6",
        window="LIMIT $7",
    )
    merge = f"""
WITH merged AS ({scan}
),
boundary AS (
    SELECT min(last) AS token
    FROM (SELECT max(token) AS last FROM merged GROUP BY group_id HAVING count(*) = $7) AS full_group
),
candidate AS (
    SELECT DISTINCT ON (token) token, contact_id FROM merged
    WHERE (SELECT token FROM boundary) IS NULL OR token < (SELECT token FROM boundary)
    ORDER BY token, contact_id
)"""
    if not filtered:
        return f"""{merge},
page AS (SELECT token, contact_id, false AS via_bypass FROM candidate ORDER BY token LIMIT $8),
-- Gives the filter's parameters, unused here, their types: both statements take the same ones.
typed AS (SELECT $1::uuid, $2::text, $4::uuid[])
SELECT token, contact_id, via_bypass, false AS is_boundary FROM page
UNION ALL SELECT token, NULL, NULL, true FROM boundary"""
    return f"""{merge},
page AS ({_reachable(column, list_id="$1", channel="$2", bypass="$4", limit="LIMIT $8")}
)
SELECT token, contact_id, via_bypass, false AS is_boundary FROM page
UNION ALL SELECT token, NULL, NULL, true FROM boundary"""


def _whole_statement(column: str, filtered: bool) -> str:
    """Every member after a token as the pages give them, in one statement for COPY: the merge
    with no window, so no boundary. Each row as an export writes it: the contact's public id, the
    token escaped as app/bulk/writing.py escapes a cell, and whether a bypass group let it in."""
    # Parameters: $1 organization, $2 groups, $3 after (exclusive); filtered, also $4 list,
    # $5 channel, $6 bypass groups. Unfiltered takes no more, so none is left without a type.
    scan = _scan(column, organization="$1", groups="$2", bounds=f"member.{column} > $3", window="")
    members = (
        _reachable(column, list_id="$4", channel="$5", bypass="$6")
        if filtered
        else "SELECT token, contact_id, false AS via_bypass FROM candidate ORDER BY token"
    )
    return f"""
WITH candidate AS (
    SELECT DISTINCT ON (token) token, contact_id FROM ({scan}
    ) AS merged
    ORDER BY token, contact_id
),
members AS ({members}
)
SELECT '{ids.PREFIXES["Contact"]}_' || replace(contact_id::text, '-', ''),
       CASE WHEN left(token, 1) IN ({_FORMULA_STARTS}) AND token !~ '^{E164_CELL.pattern}$'
            THEN '''' || token ELSE token END,
       CASE WHEN via_bypass THEN 'true' ELSE 'false' END
FROM members ORDER BY token"""


def _count_statement(column: str) -> str:
    # Parameters: $1 list, $2 channel, $3 organization, $4 groups, $5 bypass groups, $6 filtered.
    return f"""
WITH member_tokens AS (
    SELECT member.{column} AS token, bool_or(member.group_id = ANY($5::uuid[])) AS bypass
    FROM group_members AS member
    WHERE member.organization_id = $3 AND member.group_id = ANY($4::uuid[]) AND member.{column} IS NOT NULL
    GROUP BY member.{column}
)
SELECT count(*) FILTER (WHERE state.token IS NULL OR member_tokens.bypass) AS total,
       count(*) FILTER (WHERE state.token IS NOT NULL AND NOT member_tokens.bypass) AS suppressed
FROM member_tokens
LEFT JOIN opt_out_states AS state
       ON state.list_id = $1 AND state.channel = $2 AND state.token = member_tokens.token
      AND state.opted_out AND $6::boolean"""


# The first characters app/bulk/writing.py escapes, as SQL: control characters by chr().
_FORMULA_STARTS = ", ".join(f"'{c}'" if c.isprintable() else f"chr({ord(c)})" for c in FORMULA_STARTS)

_PAGES = {
    (token_type, filtered): _page_statement(column, filtered)
    for token_type, column in TOKEN_COLUMNS.items()
    for filtered in (True, False)
}
_WHOLE = {
    (token_type, filtered): _whole_statement(column, filtered)
    for token_type, column in TOKEN_COLUMNS.items()
    for filtered in (True, False)
}
_COUNTS = {token_type: _count_statement(column) for token_type, column in TOKEN_COLUMNS.items()}


class AudienceRepository:
    def __init__(self, connection: raw.Connection) -> None:
        self.connection = connection

    async def page(self, scope: AudienceScope, *, after: str, limit: int) -> list[asyncpg.Record]:
        """The first `limit` members after the token `after`, in token order."""
        statement = _PAGES[(scope.token_type, scope.filtered)]
        # Room for the opted-out tokens a window holds; rounds continue from the boundary.
        window = limit + limit // 4 + 16
        members: list[asyncpg.Record] = []
        start = ""
        while True:
            rows = await self.connection.fetch(
                statement,
                scope.list_id,
                scope.channel,
                scope.organization_id,
                scope.bypass_group_ids,
                after,
                start,
                window,
                limit - len(members),
                scope.group_ids,
            )
            boundary = next(row["token"] for row in rows if row["is_boundary"])
            members += sorted((row for row in rows if not row["is_boundary"]), key=lambda row: row["token"])
            if len(members) >= limit or boundary is None:
                return members[:limit]
            if boundary == start:
                window *= 2  # a group holds a whole window of one token: read further at once
            start = boundary

    async def copy_whole(
        self, scope: AudienceScope, *, after: str, output: Callable[[bytes], Awaitable[None]], delimiter: str
    ) -> None:
        """Every member after the token `after`, in token order, as CSV rows (no header) given to
        `output` a chunk at a time: PostgreSQL writes them, and `output` is awaited before it goes on."""
        arguments: list[object] = [scope.organization_id, scope.group_ids, after]
        if scope.filtered:
            arguments += [scope.list_id, scope.channel, scope.bypass_group_ids]
        await self.connection.copy_from_query(
            _WHOLE[(scope.token_type, scope.filtered)], *arguments, output=output, format="csv", delimiter=delimiter
        )

    async def counts(self, scope: AudienceScope) -> tuple[int, int]:
        row = await self.connection.fetchrow(
            _COUNTS[scope.token_type],
            scope.list_id,
            scope.channel,
            scope.organization_id,
            scope.group_ids,
            scope.bypass_group_ids,
            scope.filtered,
        )
        return int(row["total"]), int(row["suppressed"])
