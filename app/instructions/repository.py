"""All SQL of opt-out instructions (migration 0007)."""

from uuid import UUID

from app.db import raw

_SET = """
INSERT INTO opt_out_instructions (organization_id, account_id, country, text) VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, country) DO UPDATE SET text = EXCLUDED.text, updated_at = now()
"""
_CLEAR = "DELETE FROM opt_out_instructions WHERE organization_id = $1 AND account_id = $2 AND country = $3"
_ALL = "SELECT country, text FROM opt_out_instructions WHERE organization_id = $1 AND account_id = $2 ORDER BY country"


async def set_text(
    connection: raw.Connection, organization_id: UUID, account_id: UUID, country: str, text: str
) -> None:
    await connection.execute(_SET, organization_id, account_id, country, text)


async def clear(connection: raw.Connection, organization_id: UUID, account_id: UUID, country: str) -> None:
    await connection.execute(_CLEAR, organization_id, account_id, country)


async def all_of(connection: raw.Connection, organization_id: UUID, account_id: UUID) -> dict[str, str]:
    """country (or DEFAULT_COUNTRY) -> text, in country order."""
    rows = await connection.fetch(_ALL, organization_id, account_id)
    return {country: text for country, text in rows}
