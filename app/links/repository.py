"""All SQL of opt-out links (migration 0007)."""

from uuid import UUID

from app.db import raw

_EXISTING = "SELECT token, code FROM opt_out_links WHERE account_id = $1 AND channel = $2 AND token = ANY($3::text[])"
# DO NOTHING on either unique key: the triple minted meanwhile by another request (its code is
# read back), or, once in 2^50, a code already taken (minted again).
_MINT = """
INSERT INTO opt_out_links (code, organization_id, account_id, channel, token)
SELECT code, $1, $2, $3, token FROM unnest($4::text[], $5::text[]) AS minted(code, token)
ON CONFLICT DO NOTHING
RETURNING token, code
"""
_TARGET = "SELECT organization_id, account_id, token, channel FROM opt_out_links WHERE code = $1"


async def existing(connection: raw.Connection, account_id: UUID, channel: str, tokens: list[str]) -> dict[str, str]:
    return {token: code for token, code in await connection.fetch(_EXISTING, account_id, channel, tokens)}


async def mint(
    connection: raw.Connection,
    organization_id: UUID,
    account_id: UUID,
    channel: str,
    codes: list[str],
    tokens: list[str],
) -> dict[str, str]:
    """Inserts `codes[i]` for `tokens[i]`; answers those that were inserted."""
    rows = await connection.fetch(_MINT, organization_id, account_id, channel, codes, tokens)
    return {token: code for token, code in rows}


async def target(connection: raw.Connection, code: str) -> tuple[UUID, UUID, str, str] | None:
    row = await connection.fetchrow(_TARGET, code)
    return (row[0], row[1], row[2], row[3]) if row is not None else None
