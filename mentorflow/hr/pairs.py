"""What HR reads about pairs: a cohort's pairs, one pair's page, the at-risk
list across the programs in scope. Reads only: nothing here is audited but
the refusals the fronts record for scope."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorflow.hr.errors import NotFound
from mentorflow.pairs import timeline
from mentorflow.pairs.models import AtRiskList, PairFilter, PairPage, PairRow, PairSort
from mentorflow.store.mentorships import get_mentorship, list_events
from mentorflow.store.pairs import follow_up_of, pair_rows
from mentorflow.store.schema import AtRiskFollowUp, Cohort, Mentorship, OutboxMessage

_EARLIEST = datetime.min.replace(tzinfo=UTC)


def program_of_pair(session: Session, mentorship_id: str) -> str:
    """The program a pair belongs to, for the scope check: ``""`` when there
    is no such pair, so that only an administrator learns it does not exist."""
    program = session.scalar(
        select(Cohort.program_name)
        .select_from(Mentorship)
        .join(Cohort, Cohort.name == Mentorship.cohort)
        .where(Mentorship.id == mentorship_id)
    )
    return program or ""


def program_of_cohort(session: Session, cohort: str) -> str:
    """As ``program_of_pair``, for a cohort."""
    return session.scalar(select(Cohort.program_name).where(Cohort.name == cohort)) or ""


def _sorted(rows: list[PairRow], sort: PairSort) -> list[PairRow]:
    def name(row: PairRow) -> tuple[str, str]:
        return (row.mentee.name.casefold(), row.mentor.name.casefold())

    if sort is PairSort.NAME:
        return sorted(rows, key=name)
    if sort is PairSort.LAST_ANSWER:
        # Longest silent first: a pair that never answered leads.
        return sorted(
            rows,
            key=lambda r: (r.last_answer is not None, r.last_answer.at if r.last_answer else 0),
        )
    # At risk first, those not yet followed up before those followed up,
    # longest streak first; then running before closed, by name.
    return sorted(
        rows,
        key=lambda r: (
            r.at_risk is None,
            not r.needs_follow_up,
            -r.missed_streak,
            r.outcome is not None,
            name(r),
        ),
    )


def _kept(row: PairRow, only: PairFilter) -> bool:
    if only is PairFilter.AT_RISK:
        return row.at_risk is not None
    if only is PairFilter.PAUSED:
        return row.paused and row.outcome is None
    if only is PairFilter.ENDED:
        return row.outcome is not None
    return True


def cohort_pairs(
    session: Session,
    cohort: str,
    only: PairFilter = PairFilter.ALL,
    sort: PairSort = PairSort.AT_RISK,
) -> list[PairRow]:
    if session.get(Cohort, cohort) is None:
        raise NotFound(f"no cohort {cohort!r}")
    rows = [row for row in pair_rows(session, cohort=cohort) if _kept(row, only)]
    return _sorted(rows, sort)


def pair_page(session: Session, mentorship_id: str) -> PairPage:
    mentorship = get_mentorship(session, mentorship_id)
    if mentorship is None:
        raise NotFound(f"no mentorship {mentorship_id!r}")
    (row,) = pair_rows(session, mentorship_id=mentorship_id)
    cohort = session.get(Cohort, mentorship.cohort)
    reads_answers = bool(cohort and (cohort.program or {}).get("hr_reads_answers"))
    names = {
        mentorship.mentor_id: mentorship.mentor.name,
        mentorship.mentee_id: mentorship.mentee.name,
    }
    emails = [
        timeline.email_of(r, names)
        for r in session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.mentorship_id == mentorship_id)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    ]
    follow_ups = [
        follow_up_of(r)
        for r in session.scalars(
            select(AtRiskFollowUp)
            .where(AtRiskFollowUp.mentorship_id == mentorship_id)
            .order_by(AtRiskFollowUp.at, AtRiskFollowUp.id)
        )
    ]
    return PairPage(
        pair=row,
        hr_reads_answers=reads_answers,
        timeline=timeline.build(
            mentorship,
            list_events(session, mentorship_id),
            emails,
            follow_ups,
            reads_answers=reads_answers,
        ),
        emails=emails,
        follow_ups=follow_ups,
    )


def at_risk(session: Session, programs: Collection[str] | None) -> AtRiskList:
    """Every running pair at risk in ``programs`` (None: all): the flags not
    followed up first (longest streak, then oldest flag), then those followed
    up, which stay there until the pair's next streak raises a new flag."""
    rows = [r for r in pair_rows(session, programs=programs, running_only=True) if r.at_risk]
    rows.sort(
        key=lambda r: (
            -r.missed_streak,
            r.at_risk.since if r.at_risk and r.at_risk.since else _EARLIEST,
        )
    )
    return AtRiskList(
        open=[r for r in rows if r.needs_follow_up],
        followed_up=[r for r in rows if not r.needs_follow_up],
    )
