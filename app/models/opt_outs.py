from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, Column, Identity
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from app.models.base import OrgScoped, created_at_column


class OptOutState(OrgScoped, table=True):
    __tablename__ = "opt_out_states"

    list_id: UUID = Field(foreign_key="opt_out_lists.id", primary_key=True)
    channel: str = Field(primary_key=True)
    token: str = Field(primary_key=True)
    token_type: str
    opted_out: bool
    since: datetime
    reason: str | None = None


class OptOutEvent(OrgScoped, table=True):
    __tablename__ = "opt_out_events"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True))
    list_id: UUID = Field(foreign_key="opt_out_lists.id")
    account_id: UUID = Field(foreign_key="accounts.id")
    scope: str
    token: str
    token_type: str
    channel: str
    action: str
    source: str
    reason: str | None = None
    api_key_id: UUID | None = None
    occurred_at: datetime | None = Field(default=None, sa_column=created_at_column())


class IdempotencyKey(OrgScoped, table=True):
    __tablename__ = "idempotency_keys"

    organization_id: UUID = Field(foreign_key="organizations.id", primary_key=True)
    key: str = Field(primary_key=True)
    operation: str
    fingerprint: str
    event_ids: list[int] = Field(default_factory=list, sa_column=Column(ARRAY(BigInteger), nullable=False))
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
