"""HR's operations on an evergreen program's matching rounds: run one now,
read them, and decide on a round's proposal (approve with overrides, or
re-run), the way a cohort's proposal is decided."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from mentorflow.audit import AuditAction
from mentorflow.cohorts.models import ReviewDecision
from mentorflow.cohorts.review import CohortReview, read_review
from mentorflow.cohorts.round_start import open_round
from mentorflow.cohorts.rounds import RoundOpened, RoundSnapshot, round_workflow_id
from mentorflow.cohorts.states import RoundStatus, RoundTrigger
from mentorflow.hr import workflow_calls
from mentorflow.hr.audited import Actor, audited
from mentorflow.hr.errors import NotFound, Refused
from mentorflow.models import ActionReceipt
from mentorflow.store import cohorts, rounds
from mentorflow.store.rounds import RoundRefused


class RoundReview(BaseModel):
    """Where a round's workflow is, and its proposal as the store keeps it."""

    snapshot: RoundSnapshot
    review: CohortReview


class RoundSummary(BaseModel):
    """One round as the store records it."""

    number: int
    status: RoundStatus
    trigger: RoundTrigger
    requested_by: str
    waiting_mentees: int
    mentors_with_room: int
    pairs: int
    auto_approved: bool
    note: str
    run_id: int | None
    opened_at: datetime
    closed_at: datetime | None


def _missing(cohort: str, number: int) -> str:
    return f"no round {number} of {cohort!r}"


async def run_round(
    sessions: sessionmaker[Session], client: Client, task_queue: str, cohort: str, *, actor: Actor
) -> RoundOpened:
    """Opens the intake's next round now, over everyone waiting; refused
    while the last round is still open or when ``cohort`` is no evergreen
    intake."""
    async with audited(sessions, actor, AuditAction.RUN_ROUND, f"cohort:{cohort}"):
        with sessions() as session:
            if cohorts.get_cohort(session, cohort) is None:
                raise NotFound(f"no cohort {cohort!r}: launch it first")
        try:
            return await open_round(
                client, sessions, task_queue, cohort, RoundTrigger.HR, actor.who
            )
        except RoundRefused as exc:
            raise Refused(str(exc)) from exc


def list_rounds(sessions: sessionmaker[Session], cohort: str) -> list[RoundSummary]:
    """The intake's rounds, newest first."""
    with sessions() as session:
        if cohorts.get_cohort(session, cohort) is None:
            raise NotFound(f"no cohort {cohort!r}")
        return [
            RoundSummary(
                number=row.number,
                status=RoundStatus(row.status),
                trigger=RoundTrigger(row.trigger),
                requested_by=row.requested_by,
                waiting_mentees=row.waiting_mentees,
                mentors_with_room=row.mentors_with_room,
                pairs=row.pairs,
                auto_approved=row.auto_approved,
                note=row.note,
                run_id=row.run_id,
                opened_at=row.opened_at,
                closed_at=row.closed_at,
            )
            for row in rounds.list_rounds(session, cohort)
        ]


async def round_status(client: Client, cohort: str, number: int) -> RoundSnapshot:
    return await workflow_calls.query(
        client,
        round_workflow_id(cohort, number),
        "status",
        RoundSnapshot,
        missing=_missing(cohort, number),
    )


async def round_review(
    sessions: sessionmaker[Session], client: Client, cohort: str, number: int
) -> RoundReview:
    snapshot = await round_status(client, cohort, number)
    with sessions() as session:
        review = read_review(session, cohort, number)
    return RoundReview(snapshot=snapshot, review=review)


async def review_round(
    sessions: sessionmaker[Session],
    client: Client,
    cohort: str,
    number: int,
    decision: ReviewDecision,
    *,
    actor: Actor,
) -> ActionReceipt:
    """Approves the round's proposal with HR's overrides, or re-runs it."""
    action = AuditAction.RERUN if decision.rerun else AuditAction.APPROVE
    overrides = decision.overrides
    detail = {
        "drop": [f"{p.mentor_id}:{p.mentee_id}" for p in overrides.drop],
        "force": [f"{p.mentor_id}:{p.mentee_id}" for p in overrides.force],
    }
    target = round_workflow_id(cohort, number)
    async with audited(sessions, actor, action, target, **detail):
        return await workflow_calls.update(
            client,
            target,
            "review",
            decision.model_copy(update={"by": actor.who}),
            missing=_missing(cohort, number),
        )
