"""The ``audit_log`` table: append and read, nothing else.

There is deliberately no function that updates or deletes a row: the log is
evidence of what HR did, and a console action that could rewrite it would
make it worthless. Functions take a ``Session`` inside the caller's
transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def list_audit(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int | None = 500,
) -> Sequence[AuditEntry]:
    """Rows newest first, optionally one person's, one action's or since a moment."""
    query = select(AuditEntry)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return session.scalars(query).all()
