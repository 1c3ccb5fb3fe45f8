"""Idempotent inserts on both backends: ``INSERT … ON CONFLICT DO NOTHING``
and whether the row was new, so a retried activity records a thing once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, table: type[Any]) -> Any:
    """The dialect's INSERT, which knows ``ON CONFLICT``; both backends have it."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the store supports SQLite and PostgreSQL, not {dialect}")


def inserted(session: Session, statement: Insert) -> bool:
    """Runs an ``ON CONFLICT DO NOTHING`` insert; False if the row was there.

    Asks for the new row back instead of trusting ``rowcount``, which drivers
    report differently for ORM-enabled inserts."""
    returned = session.execute(statement.returning(*statement.table.primary_key.columns))
    return returned.first() is not None
