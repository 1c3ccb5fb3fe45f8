"""The matching rounds of an evergreen program's intake: numbered one after
the other, one open at a time (the pool is everyone waiting, so two rounds
at once would offer the same people twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorflow.cohorts.states import OPEN_ROUND, RoundStatus, RoundTrigger
from mentorflow.store.schema import MatchingRound


class RoundRefused(ValueError):
    """No round can open now; the message says why, for HR."""


def latest_round(session: Session, cohort: str) -> MatchingRound | None:
    return session.scalar(
        select(MatchingRound)
        .where(MatchingRound.cohort == cohort)
        .order_by(MatchingRound.number.desc())
        .limit(1)
    )


def get_round(session: Session, cohort: str, number: int) -> MatchingRound | None:
    return session.scalar(
        select(MatchingRound).where(MatchingRound.cohort == cohort, MatchingRound.number == number)
    )


def list_rounds(session: Session, cohort: str) -> list[MatchingRound]:
    return list(
        session.scalars(
            select(MatchingRound)
            .where(MatchingRound.cohort == cohort)
            .order_by(MatchingRound.number.desc())
        )
    )


def open_round(
    session: Session, cohort: str, trigger: RoundTrigger, requested_by: str, now: datetime
) -> MatchingRound:
    """Numbers and records the next round; ``RoundRefused`` while the last
    one is still open. Two callers racing for the same number meet the
    unique (cohort, number) constraint: one of them fails and retries."""
    last = latest_round(session, cohort)
    if last is not None and RoundStatus(last.status) in OPEN_ROUND:
        raise RoundRefused(
            f"round {last.number} of {cohort} is still {last.status}; "
            "it must be approved (or find nobody) before the next one"
        )
    row = MatchingRound(
        cohort=cohort,
        number=(last.number + 1) if last else 1,
        status=RoundStatus.MATCHING.value,
        trigger=trigger.value,
        requested_by=requested_by,
        waiting_mentees=0,
        mentors_with_room=0,
        pairs=0,
        auto_approved=False,
        note="",
        opened_at=now,
    )
    session.add(row)
    session.flush()
    return row


def withdraw_round(session: Session, cohort: str, number: int) -> None:
    """Removes a round whose workflow could not be started, so the number is
    free again."""
    row = get_round(session, cohort, number)
    if row is not None and row.run_id is None:
        session.delete(row)
        session.flush()


def update_round(
    session: Session,
    cohort: str,
    number: int,
    *,
    status: RoundStatus,
    at: datetime,
    run_id: int | None = None,
    waiting_mentees: int | None = None,
    mentors_with_room: int | None = None,
    pairs: int | None = None,
    auto_approved: bool | None = None,
    note: str | None = None,
) -> MatchingRound:
    row = get_round(session, cohort, number)
    if row is None:
        raise LookupError(f"no round {number} of {cohort}")
    row.status = status.value
    for name, value in (
        ("run_id", run_id),
        ("waiting_mentees", waiting_mentees),
        ("mentors_with_room", mentors_with_room),
        ("pairs", pairs),
        ("auto_approved", auto_approved),
        ("note", note),
    ):
        if value is not None:
            setattr(row, name, value)
    if status in (RoundStatus.STARTING, RoundStatus.EMPTY) and row.decided_at is None:
        row.decided_at = at
    if status in (RoundStatus.DONE, RoundStatus.EMPTY) and row.closed_at is None:
        row.closed_at = at
    session.flush()
    return row
