from datetime import datetime
from uuid import UUID, uuid4

from sqlmodel import Field

from app.models.base import OrgScoped, created_at_column


class Group(OrgScoped, table=True):
    __tablename__ = "groups"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_id: UUID = Field(foreign_key="accounts.id")
    name: str
    bypass_opt_out: bool = False
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
