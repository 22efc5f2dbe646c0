from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from app.models.base import OrgScoped, created_at_column


class Contact(OrgScoped, table=True):
    __tablename__ = "contacts"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_id: UUID = Field(foreign_key="accounts.id", index=True)
    msisdn: str | None = Field(default=None, max_length=17)  # E.164
    email: str | None = None  # lower-cased
    first_name: str | None = None
    last_name: str | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class GroupMember(OrgScoped, table=True):
    __tablename__ = "group_members"

    contact_id: UUID = Field(foreign_key="contacts.id", primary_key=True)
    group_id: UUID = Field(foreign_key="groups.id", primary_key=True)
    msisdn: str | None = None  # copies of the contact's tokens, kept in step by a trigger
    email: str | None = None
