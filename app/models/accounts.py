from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Column, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from app.enums import ContactOptOutEffect, OptOutScope
from app.models.base import OrgScoped, created_at_column


class OptOutList(OrgScoped, table=True):
    __tablename__ = "opt_out_lists"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    account_id: UUID | None = Field(default=None)  # None: the organization-level list
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class Account(OrgScoped, table=True):
    __tablename__ = "accounts"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    name: str
    opt_out_scope: str = Field(default=OptOutScope.ORGANIZATION.value)
    default_country: str | None = None
    on_opt_out: str = Field(default=ContactOptOutEffect.KEEP.value)
    send_confirmation: bool = False
    time_zone: str = "UTC"  # IANA; where optOutInsights' days begin
    list_id: UUID = Field(foreign_key="opt_out_lists.id")
    # NULL: the defaults (app/keywords/defaults.py), so better defaults reach every account that kept them.
    opt_out_keywords: list[str] | None = Field(default=None, sa_column=Column(ARRAY(Text)))
    opt_in_keywords: list[str] | None = Field(default=None, sa_column=Column(ARRAY(Text)))
    help_keywords: list[str] | None = Field(default=None, sa_column=Column(ARRAY(Text)))
    help_text: str | None = None
    confirmation_text: str | None = None
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
