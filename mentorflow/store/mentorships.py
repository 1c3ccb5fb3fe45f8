"""The mentorship read model: what the store activities write and the web app
and reports read.

Every write is idempotent, because Temporal may run an activity again after it
committed (a lost completion, a worker restart): unique rows are inserted with
``ON CONFLICT DO NOTHING``, the rest are updates that land on the same values.
Functions take a ``Session`` inside the caller's transaction and never commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from mentorflow import models
from mentorflow.store.inserts import insert_for, inserted
from mentorflow.store.schema import (
    CheckIn,
    CheckInResponse,
    Goal,
    Mentorship,
    MentorshipEventRow,
    Milestone,
    Person,
    SurveyResponse,
)

#: Length of ``mentorship_events.dedupe_key``.
_DEDUPE_KEY_MAX = 400


class MissingRecord(LookupError):
    """A record refers to a mentorship or check-in the store does not hold
    (yet): the record that creates it may still be on its way, so retry."""


# --------------------------------------------------------------------------- helpers


def _utc_iso(moments: dict[str, datetime]) -> dict[str, str]:
    return {key: moment.astimezone(UTC).isoformat() for key, moment in moments.items()}


def _mentorship(session: Session, mentorship_id: str, *, lock: bool = False) -> Mentorship:
    query = select(Mentorship).where(Mentorship.id == mentorship_id)
    if lock:
        # Serialises writers of one mentorship on PostgreSQL (a timed-out
        # attempt may still run next to its retry); SQLite has one writer anyway.
        query = query.with_for_update()
    mentorship = session.scalar(query)
    if mentorship is None:
        raise MissingRecord(f"mentorship {mentorship_id!r} is not recorded")
    return mentorship


# --------------------------------------------------------------------------- writes


def upsert_person(session: Session, participant: models.Participant) -> None:
    """Creates or refreshes the person's contact fields. Directory fields
    (department, manager, title, ...) belong to the HRIS sync and stay as they are."""
    statement = insert_for(session, Person).values(
        employee_id=participant.employee_id,
        email=participant.email,
        name=participant.name,
        timezone=participant.timezone,
        updated_at=datetime.now(UTC),
    )
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[Person.employee_id],
        set_={
            "email": excluded.email,
            "name": excluded.name,
            "timezone": excluded.timezone,
            "updated_at": excluded.updated_at,
        },
        # Unchanged people keep their updated_at (and PostgreSQL skips the write).
        where=or_(
            Person.email != excluded.email,
            Person.name != excluded.name,
            Person.timezone != excluded.timezone,
        ),
    )
    session.execute(statement)


def record_mentorship_started(session: Session, record: models.MentorshipRecord) -> bool:
    upsert_person(session, record.mentor)
    upsert_person(session, record.mentee)
    statement = (
        insert_for(session, Mentorship)
        .values(
            id=record.mentorship_id,
            cohort=record.cohort,
            mentor_id=record.mentor.employee_id,
            mentee_id=record.mentee.employee_id,
            program=record.program.model_dump(mode="json"),
            phase=models.Phase.INTRODUCTION.value,
            paused=False,
            outcome_reason="",
            started_at=record.started_at,
            # The introduction is its first phase: no status write of its own.
            status_at=record.started_at,
        )
        .on_conflict_do_nothing(index_elements=[Mentorship.id])
    )
    return inserted(session, statement)


def event_dedupe_key(event: models.MentorshipEvent) -> str:
    """``mentorship_id|kind|at|actor``: the same step always gets the same key."""
    at = event.at.astimezone(UTC).isoformat()
    key = f"{event.mentorship_id}|{event.kind}|{at}|{event.actor or ''}"
    if len(key) <= _DEDUPE_KEY_MAX:
        return key
    # Only reachable with extreme ids; keep it readable up front, unique at the end.
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: _DEDUPE_KEY_MAX - len(digest) - 1]}#{digest}"


def record_event(session: Session, event: models.MentorshipEvent) -> bool:
    _mentorship(session, event.mentorship_id)
    statement = (
        insert_for(session, MentorshipEventRow)
        .values(
            mentorship_id=event.mentorship_id,
            kind=event.kind,
            at=event.at,
            actor=event.actor,
            detail=to_jsonable_python(event.detail),
            dedupe_key=event_dedupe_key(event),
        )
        .on_conflict_do_nothing(index_elements=[MentorshipEventRow.dedupe_key])
    )
    return inserted(session, statement)


# Goals compare without milestone status: progress arrives with check-in
# answers, and a late retry of the goals record must not reset it.
def _stored_goals(mentorship: Mentorship) -> list[tuple[Any, ...]]:
    return [
        (
            goal.title,
            goal.description,
            goal.agreed_at,
            goal.proposed_by,
            [(m.title, m.target_date) for m in goal.milestones],
        )
        for goal in mentorship.goals
    ]


def _incoming_goals(record: models.GoalsRecord) -> list[tuple[Any, ...]]:
    return [
        (
            goal.title,
            goal.description,
            record.agreed_at,
            record.proposed_by,
            [(m.title, m.target_date) for m in goal.milestones],
        )
        for goal in record.goals
    ]


def record_goals(session: Session, record: models.GoalsRecord) -> bool:
    """Replaces the mentorship's goals and milestones with ``record``'s.

    A proposal is recorded with ``agreed_at`` None; the agreed version replaces it.
    Returns False when the store already holds these goals (a retry), so their
    row ids and the progress recorded since stay put.
    """
    mentorship = _mentorship(session, record.mentorship_id, lock=True)
    if _stored_goals(mentorship) == _incoming_goals(record):
        return False
    # Keep when a milestone was done if it is still the same milestone, done.
    done_before = {
        (goal.position, milestone.position, milestone.title): milestone.done_at
        for goal in mentorship.goals
        for milestone in goal.milestones
        if milestone.done_at is not None
    }
    mentorship.goals.clear()
    # Deletes first: the new rows reuse the (mentorship_id, position) pairs.
    session.flush()
    for g, goal in enumerate(record.goals):
        milestones = []
        for m, milestone in enumerate(goal.milestones):
            done_at = None
            if milestone.status is models.MilestoneStatus.DONE:
                done_at = (
                    done_before.get((g, m, milestone.title))
                    or record.agreed_at
                    or datetime.now(UTC)
                )
            milestones.append(
                Milestone(
                    position=m,
                    title=milestone.title,
                    target_date=milestone.target_date,
                    status=milestone.status.value,
                    done_at=done_at,
                )
            )
        mentorship.goals.append(
            Goal(
                position=g,
                title=goal.title,
                description=goal.description,
                agreed_at=record.agreed_at,
                proposed_by=record.proposed_by,
                milestones=milestones,
            )
        )
    session.flush()
    return True


def record_checkin_opened(session: Session, record: models.CheckInOpened) -> bool:
    _mentorship(session, record.mentorship_id)
    statement = (
        insert_for(session, CheckIn)
        .values(
            mentorship_id=record.mentorship_id,
            number=record.number,
            due_date=record.due_date,
            opens=_utc_iso(record.opens),
            closes=_utc_iso(record.closes),
        )
        .on_conflict_do_nothing(index_elements=[CheckIn.mentorship_id, CheckIn.number])
    )
    return inserted(session, statement)


def _checkin(session: Session, mentorship_id: str, number: int) -> CheckIn:
    checkin = session.scalar(
        select(CheckIn).where(CheckIn.mentorship_id == mentorship_id, CheckIn.number == number)
    )
    if checkin is None:
        raise MissingRecord(f"check-in {number} of mentorship {mentorship_id!r} is not recorded")
    return checkin


def _milestones_to_update(
    session: Session, mentorship_id: str, progress: dict[str, models.MilestoneStatus]
) -> list[tuple[Milestone, models.MilestoneStatus]]:
    """Resolves ``"{goal}.{milestone}"`` keys to rows, all or nothing: an answer
    naming a milestone the pair does not have is refused before anything is written."""
    rows = session.execute(
        select(Goal.position, Milestone)
        .join(Milestone.goal)
        .where(Goal.mentorship_id == mentorship_id)
    ).all()
    by_key = {
        f"{goal_position}.{milestone.position}": milestone for goal_position, milestone in rows
    }
    unknown = sorted(key for key in progress if key not in by_key)
    if unknown:
        known = ", ".join(sorted(by_key)) or "none"
        raise ValueError(
            f"check-in answer for {mentorship_id!r} names unknown milestones {unknown}; "
            f"the pair's milestones are: {known}"
        )
    # A fixed order, so two answers updating the same rows cannot deadlock.
    return [(by_key[key], progress[key]) for key in sorted(progress)]


def record_checkin_answer(session: Session, record: models.CheckInAnswerRecord) -> bool:
    """Records one participant's answer once and applies its milestone progress.

    Progress is applied only by the call that inserted the answer, so a late
    retry cannot undo what a later answer changed.
    """
    answer = record.answer
    checkin = _checkin(session, record.mentorship_id, answer.number)
    updates = _milestones_to_update(session, record.mentorship_id, answer.milestone_progress)
    statement = (
        insert_for(session, CheckInResponse)
        .values(
            checkin_id=checkin.id,
            participant_id=answer.by,
            met=answer.met.value,
            value=answer.value,
            milestone_progress={
                key: status.value for key, status in answer.milestone_progress.items()
            },
            challenges=answer.challenges,
            wins=answer.wins,
            upcoming_decisions=answer.upcoming_decisions,
            introductions=answer.introductions,
            blockers=answer.blockers,
            notes=answer.notes,
            submitted_at=record.submitted_at,
        )
        .on_conflict_do_nothing(
            index_elements=[CheckInResponse.checkin_id, CheckInResponse.participant_id]
        )
    )
    if not inserted(session, statement):
        return False
    for milestone, status in updates:
        milestone.status = status.value
        if status is models.MilestoneStatus.DONE:
            milestone.done_at = milestone.done_at or record.submitted_at
        else:
            milestone.done_at = None
    session.flush()
    return True


def record_checkin_closed(session: Session, record: models.CheckInClosed) -> bool:
    result = session.execute(
        update(CheckIn)
        .where(CheckIn.mentorship_id == record.mentorship_id, CheckIn.number == record.number)
        .values(outcome=record.outcome.value, closed_at=record.closed_at)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise MissingRecord(
            f"check-in {record.number} of mentorship {record.mentorship_id!r} is not recorded"
        )
    return True


def record_survey_answer(session: Session, record: models.SurveyAnswerRecord) -> bool:
    _mentorship(session, record.mentorship_id)
    answer = record.answer
    statement = (
        insert_for(session, SurveyResponse)
        .values(
            mentorship_id=record.mentorship_id,
            kind=answer.kind.value,
            participant_id=answer.by,
            role=record.role.value,
            rating=answer.rating,
            gained=answer.gained,
            would_mentor=answer.would_mentor.value if answer.would_mentor else None,
            answers=answer.model_dump(mode="json"),
            submitted_at=record.submitted_at,
        )
        .on_conflict_do_nothing(
            index_elements=[
                SurveyResponse.mentorship_id,
                SurveyResponse.kind,
                SurveyResponse.participant_id,
            ]
        )
    )
    return inserted(session, statement)


def record_status(session: Session, record: models.StatusRecord) -> bool:
    """Applies phase, pause and outcome; False for a record older than the
    status already applied (a late retry must not roll the mentorship back)."""
    mentorship = _mentorship(session, record.mentorship_id, lock=True)
    if mentorship.status_at is not None and record.at < mentorship.status_at:
        return False
    mentorship.phase = record.phase.value
    mentorship.paused = record.paused
    mentorship.outcome = record.outcome.value if record.outcome else None
    mentorship.outcome_reason = record.reason
    if record.outcome is None:
        mentorship.ended_at = None
    elif mentorship.ended_at is None:
        mentorship.ended_at = record.at
    if record.result is not None:
        mentorship.result = record.result.model_dump(mode="json")
        mentorship.wants_new_mentor = record.result.wants_new_mentor
    mentorship.status_at = record.at
    session.flush()
    return True


# --------------------------------------------------------------------------- reads


def get_mentorship(session: Session, mentorship_id: str) -> Mentorship | None:
    """One mentorship with its people, goals, milestones, check-ins, answers and
    surveys loaded, so it can be used after the session closes."""
    return session.scalar(
        select(Mentorship)
        .where(Mentorship.id == mentorship_id)
        .options(
            joinedload(Mentorship.mentor),
            joinedload(Mentorship.mentee),
            selectinload(Mentorship.goals).selectinload(Goal.milestones),
            selectinload(Mentorship.checkins).selectinload(CheckIn.answers),
            selectinload(Mentorship.surveys),
        )
    )


def list_mentorships(session: Session, cohort: str | None = None) -> Sequence[Mentorship]:
    """Mentorships (of one cohort, or all) with their two people, oldest first."""
    query = select(Mentorship).options(joinedload(Mentorship.mentor), joinedload(Mentorship.mentee))
    if cohort is not None:
        query = query.where(Mentorship.cohort == cohort)
    return session.scalars(query.order_by(Mentorship.started_at, Mentorship.id)).all()


def list_events(session: Session, mentorship_id: str) -> Sequence[MentorshipEventRow]:
    """The audit trail of one mentorship, in the order things happened."""
    return session.scalars(
        select(MentorshipEventRow)
        .where(MentorshipEventRow.mentorship_id == mentorship_id)
        .order_by(MentorshipEventRow.at, MentorshipEventRow.id)
    ).all()
