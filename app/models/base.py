from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, func
from sqlmodel import Field, SQLModel


def created_at_column() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False, server_default=func.now())


class OrgScoped(SQLModel):
    """Every table carries its organization: every statement is scoped by it, and we may shard on it."""

    organization_id: UUID = Field(foreign_key="organizations.id", index=True)
