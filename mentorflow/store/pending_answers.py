"""Answers kept for later delivery (``pending_answers``).

An answer that reached the web app is never lost because a worker is down or
the Temporal server is slow: the link page keeps the form as sent, with the
link's claims and the moment it arrived, in the same request; the answer
deliverer (``mentorflow.web.participant.answer_delivery``) sends it to the workflow later,
oldest first, as the very update the page would have sent (the link id is
the update id, so delivering twice acts once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.links import LinkClaims
from mentorflow.store.schema import PendingAnswer

PENDING = "pending"
DELIVERED = "delivered"
REFUSED = "refused"
ERROR_MAX = 2000


@dataclass(frozen=True)
class KeptAnswer:
    id: int
    claims: LinkClaims
    form: dict[str, str]
    received_at: datetime
    status: str
    attempts: int
    last_error: str

    @classmethod
    def of(cls, row: PendingAnswer) -> KeptAnswer:
        claims = LinkClaims(
            purpose=row.purpose,
            workflow_id=row.workflow_id,
            participant_id=row.participant_id,
            ref=row.ref,
            expires_at=row.expires_at,
            jti=row.jti,
        )
        return cls(
            row.id,
            claims,
            dict(row.form),
            row.received_at,
            row.status,
            row.attempts,
            row.last_error,
        )


def keep(session: Session, claims: LinkClaims, form: dict[str, str], received_at: datetime) -> None:
    """Keeps the answer of ``claims``' link. The link is claimed by the caller,
    so a row already there is an earlier answer through it that the workflow
    refused (the link was freed for this one): it is replaced, never dropped."""
    session.add(
        PendingAnswer(
            jti=claims.jti,
            purpose=claims.purpose,
            workflow_id=claims.workflow_id,
            participant_id=claims.participant_id,
            ref=claims.ref,
            expires_at=claims.expires_at,
            form=form,
            received_at=received_at,
            status=PENDING,
            attempts=0,
            last_error="",
        )
    )
    try:
        session.commit()
        return
    except IntegrityError:
        session.rollback()
    session.execute(
        update(PendingAnswer)
        .where(PendingAnswer.jti == claims.jti, PendingAnswer.status != DELIVERED)
        .values(
            form=form,
            received_at=received_at,
            status=PENDING,
            attempts=0,
            last_error="",
            delivered_at=None,
        )
    )
    session.commit()


def is_pending(session: Session, jti: str) -> bool:
    return (
        session.scalar(
            select(PendingAnswer.id).where(
                PendingAnswer.jti == jti, PendingAnswer.status == PENDING
            )
        )
        is not None
    )


def waiting_for(session: Session, workflow_id: str, received_by: datetime) -> int:
    """How many answers for ``workflow_id``, received by ``received_by``, still
    wait for delivery: a workflow asks before it acts on silence."""
    return len(
        session.scalars(
            select(PendingAnswer.id).where(
                PendingAnswer.workflow_id == workflow_id,
                PendingAnswer.status == PENDING,
                PendingAnswer.received_at <= received_by,
            )
        ).all()
    )


def get(sessions: sessionmaker[Session], jti: str) -> KeptAnswer | None:
    with sessions() as session:
        row = session.scalar(select(PendingAnswer).where(PendingAnswer.jti == jti))
        return KeptAnswer.of(row) if row is not None else None


def due(sessions: sessionmaker[Session], limit: int = 100) -> list[KeptAnswer]:
    """Answers still to deliver, in the order they arrived."""
    with sessions() as session:
        rows = session.scalars(
            select(PendingAnswer)
            .where(PendingAnswer.status == PENDING)
            .order_by(PendingAnswer.received_at, PendingAnswer.id)
            .limit(limit)
        )
        return [KeptAnswer.of(row) for row in rows]


def _set(sessions: sessionmaker[Session], answer_id: int, **values: object) -> None:
    with sessions() as session:
        session.execute(
            update(PendingAnswer)
            .where(PendingAnswer.id == answer_id, PendingAnswer.status == PENDING)
            .values(**values)
        )
        session.commit()


def mark_delivered(sessions: sessionmaker[Session], answer_id: int) -> None:
    _set(sessions, answer_id, status=DELIVERED, delivered_at=datetime.now(UTC), last_error="")


def mark_refused(sessions: sessionmaker[Session], answer_id: int, reason: str) -> None:
    _set(sessions, answer_id, status=REFUSED, last_error=reason[:ERROR_MAX])


def mark_attempt(sessions: sessionmaker[Session], answer_id: int, error: str) -> None:
    """Not delivered this time (still unreachable): one more attempt, why."""
    _set(
        sessions,
        answer_id,
        attempts=PendingAnswer.attempts + 1,
        last_error=error[:ERROR_MAX],
    )
