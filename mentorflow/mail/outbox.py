"""The ``email_outbox`` table: one row per idempotency key, one message ever.

The email activity claims the row before it renders or sends anything; a retry
(or a second workflow asking for the same email) finds the row and, once it is
``sent``, returns without sending again.

Having the row is not the right to send it: every sender (activity attempt,
web process) must then win ``begin_send``, one conditional ``UPDATE`` from
``pending`` to ``sending`` whose row count says who won, atomic on SQLite and
PostgreSQL and across processes. Exactly one racer sends; the others wait
for its outcome (``outcome``) and return its receipt. A claim older than
``STALE_CLAIM`` is taken over, so a sender that died mid-send delays its
message but does not block it forever.

These functions are synchronous (SQLAlchemy sessions); callers run them in a
worker thread.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.store.schema import OutboxMessage

#: Column limits of ``email_outbox`` (kept short so a long SMTP reply fits).
SUBJECT_MAX = 400
ERROR_MAX = 2000

#: A send claim this old belongs to a sender that died: far longer than one
#: SMTP conversation (its timeout is 30 s by default) ever takes.
STALE_CLAIM = timedelta(minutes=5)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxConflict(ValueError):
    """An idempotency key already used for a different email."""


@dataclass(frozen=True)
class OutboxEntry:
    idempotency_key: str
    message_id: str
    mentorship_id: str | None
    template: str
    to_address: str
    subject: str
    status: OutboxStatus
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: OutboxMessage) -> OutboxEntry:
        return cls(
            idempotency_key=row.idempotency_key,
            message_id=row.message_id,
            mentorship_id=row.mentorship_id,
            template=row.template,
            to_address=row.to_address,
            subject=row.subject,
            status=OutboxStatus(row.status),
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _row(session: Session, key: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


def claim(
    sessions: sessionmaker[Session],
    *,
    idempotency_key: str,
    message_id: str,
    mentorship_id: str | None,
    template: str,
    to_address: str,
    request: dict[str, Any] | None = None,
) -> OutboxEntry:
    """Insert the row for ``idempotency_key`` as pending, or return the existing one.

    Two racing callers both end up with the same row: the loser of the unique
    constraint rolls back and reads the winner's. A key reused for another
    template or recipient is a caller bug and raises ``OutboxConflict``.
    """
    with sessions() as session:
        row = _row(session, idempotency_key)
        if row is None:
            row = OutboxMessage(
                idempotency_key=idempotency_key,
                message_id=message_id,
                mentorship_id=mentorship_id,
                template=template,
                to_address=to_address,
                subject="",
                status=OutboxStatus.PENDING.value,
                attempts=0,
                last_error="",
                created_at=_now(),
                request=request,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                row = _row(session, idempotency_key)
                if row is None:  # the unique violation was on message_id, not the key
                    raise
        if row.template != template or row.to_address.lower() != to_address.lower():
            raise OutboxConflict(
                f"idempotency key {idempotency_key!r} was already used for {row.template!r} "
                f"to {row.to_address}; refusing to send {template!r} to {to_address} under it"
            )
        return OutboxEntry.of(row)


def begin_send(
    sessions: sessionmaker[Session],
    key: str,
    sender: str,
    *,
    stale_after: timedelta = STALE_CLAIM,
) -> bool:
    """Claims the right to send ``key`` now; True for exactly one caller.

    One conditional UPDATE: the row moves from ``pending`` or ``failed`` (a
    failed message may be asked for again, as before claims existed), or
    from a ``sending`` claim older than ``stale_after``, to ``sending`` by
    ``sender``; the database serialises racing updates of one row, so the
    row count tells the winner. Everyone else must not send."""
    now = _now()
    with sessions() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.idempotency_key == key,
                or_(
                    OutboxMessage.status.in_(
                        (OutboxStatus.PENDING.value, OutboxStatus.FAILED.value)
                    ),
                    (OutboxMessage.status == OutboxStatus.SENDING.value)
                    & (OutboxMessage.claimed_at < now - stale_after),
                ),
            )
            .values(status=OutboxStatus.SENDING.value, claimed_by=sender[:200], claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return bool(getattr(result, "rowcount", 0) == 1)


def release(sessions: sessionmaker[Session], key: str, sender: str) -> None:
    """``sender`` stops without an outcome (cancelled, or an unexpected error):
    its claim goes back to pending at once instead of waiting to go stale.
    A claim that already has an outcome, or is someone else's, is untouched."""
    with sessions() as session:
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.idempotency_key == key,
                OutboxMessage.status == OutboxStatus.SENDING.value,
                OutboxMessage.claimed_by == sender[:200],
            )
            .values(status=OutboxStatus.PENDING.value)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def outcome(
    sessions: sessionmaker[Session], key: str, *, within: float = 30.0, poll: float = 0.1
) -> OutboxEntry:
    """The row once no one is sending it (sent, failed or back to pending),
    or as it stands after ``within`` seconds: what a caller that lost
    ``begin_send`` returns instead of sending."""
    deadline = time.monotonic() + within
    while True:
        entry = get(sessions, key)
        if entry is None:
            raise LookupError(f"no outbox row for idempotency key {key!r}")
        if entry.status is not OutboxStatus.SENDING or time.monotonic() >= deadline:
            return entry
        time.sleep(poll)


def _update(
    sessions: sessionmaker[Session],
    key: str,
    *,
    status: OutboxStatus,
    subject: str | None,
    error: str,
    count_attempt: bool = True,
) -> OutboxEntry:
    with sessions() as session:
        row = _row(session, key)
        if row is None:
            raise LookupError(f"no outbox row for idempotency key {key!r}")
        row.status = status.value
        if subject is not None:
            row.subject = subject[:SUBJECT_MAX]
        if count_attempt:
            row.attempts += 1
        row.last_error = error[:ERROR_MAX]
        if status is OutboxStatus.SENT:
            row.sent_at = _now()
        session.commit()
        return OutboxEntry.of(row)


def mark_sent(sessions: sessionmaker[Session], key: str, subject: str) -> OutboxEntry:
    return _update(sessions, key, status=OutboxStatus.SENT, subject=subject, error="")


def mark_deferred(
    sessions: sessionmaker[Session], key: str, subject: str | None, error: str
) -> OutboxEntry:
    """A transient failure: still pending, one more attempt, why it failed."""
    return _update(sessions, key, status=OutboxStatus.PENDING, subject=subject, error=error)


def mark_failed(
    sessions: sessionmaker[Session],
    key: str,
    subject: str | None,
    error: str,
    *,
    attempted: bool = True,
) -> OutboxEntry:
    """A permanent failure: the message will not be sent under this key as is.
    ``attempted=False`` when it failed before reaching the SMTP server."""
    return _update(
        sessions,
        key,
        status=OutboxStatus.FAILED,
        subject=subject,
        error=error,
        count_attempt=attempted,
    )


def sender_id(role: str) -> str:
    """Who claims a send: this host and process, and a fresh id for the try."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def get(sessions: sessionmaker[Session], key: str) -> OutboxEntry | None:
    with sessions() as session:
        row = _row(session, key)
        return OutboxEntry.of(row) if row is not None else None


def for_mentorship(sessions: sessionmaker[Session], mentorship_id: str) -> list[OutboxEntry]:
    """Every email of one mentorship, oldest first (for the HR dashboard)."""
    with sessions() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.mentorship_id == mentorship_id)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
        return [OutboxEntry.of(row) for row in rows]
