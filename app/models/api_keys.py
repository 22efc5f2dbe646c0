from datetime import datetime
from uuid import UUID, uuid4

from sqlmodel import Field

from app.models.base import OrgScoped, created_at_column


class ApiKey(OrgScoped, table=True):
    __tablename__ = "api_keys"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_id: UUID | None = Field(default=None, foreign_key="accounts.id")
    role: str
    key_hash: bytes = Field(unique=True)
    key_prefix: str
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    revoked_at: datetime | None = None
    expires_at: datetime | None = None  # a key replaced by a rotation: valid until then
    last_used_at: datetime | None = None  # written in batches (app/auth/key_watch.py), so up to a minute late
