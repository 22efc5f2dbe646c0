"""A list of ids as one array parameter (`= ANY(:ids)`), not one parameter per id (`IN`): the
statement is the same whatever the list's length, so it is prepared once, and no list reaches
asyncpg's limit of 32,767 parameters."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.sql.elements import ColumnElement

_UUIDS = ARRAY(PG_UUID(as_uuid=True))


def in_ids(column: Any, ids: Sequence[UUID]) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = column == any_(bindparam(None, value=list(ids), type_=_UUIDS))
    return condition
