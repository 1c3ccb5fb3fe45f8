"""The ``audit_log`` table: append and read, nothing else.

There is deliberately no function that updates or deletes a row: the log is
evidence of what HR did, and a console action that could rewrite it would
make it worthless. Functions take a ``Session`` inside the caller's
transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from mentorflow.audit import AuditRecord
from mentorflow.store.schema import AuditEntry


def record_audit(session: Session, record: AuditRecord) -> AuditEntry:
    """Appends one row; it is written when the caller's transaction commits."""
    entry = AuditEntry(
        at=record.at,
        actor=record.actor,
        action=record.action.value,
        target=record.target,
        detail=record.detail,
        result=record.result.value,
        request_id=record.request_id,
    )
    session.add(entry)
    session.flush()
    return entry


class AuditFilter(BaseModel):
    """What the audit page and its exports narrow the log to."""

    actor: str | None = None
    action: str | None = None
    result: str | None = None
    since: datetime | None = None
    #: Exclusive.
    until: datetime | None = None


def _filtered(query: Select[Any], where: AuditFilter) -> Select[Any]:
    if where.actor:
        query = query.where(func.lower(AuditEntry.actor) == where.actor.strip().lower())
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    if where.result:
        query = query.where(AuditEntry.result == where.result)
    if where.since is not None:
        query = query.where(AuditEntry.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.at < where.until)
    return query


def list_audit(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int | None = 500,
    where: AuditFilter | None = None,
    offset: int = 0,
) -> Sequence[AuditEntry]:
    """Rows newest first, optionally one person's, one action's or since a moment
    (or as ``where`` says), ``limit`` rows from ``offset``."""
    where = where or AuditFilter(actor=actor, action=action, since=since)
    query = _filtered(select(AuditEntry), where)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return session.scalars(query.offset(offset).limit(limit)).all()


def count_audit(session: Session, where: AuditFilter) -> int:
    return session.scalar(_filtered(select(func.count(AuditEntry.id)), where)) or 0


class AuditIsAppendOnly(RuntimeError):
    """Something tried to change or remove an audit row."""


def _refuse_change(*_: object) -> None:
    raise AuditIsAppendOnly("the audit log is append-only: rows are never changed or removed")


def _refuse_bulk(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        m.class_ is AuditEntry for m in state.all_mappers
    ):
        _refuse_change()


# The ORM refuses to change a row, whether loaded (flush) or in bulk
# (``update(AuditEntry)`` / ``delete(AuditEntry)`` through a session).
event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)
event.listen(Session, "do_orm_execute", _refuse_bulk)
