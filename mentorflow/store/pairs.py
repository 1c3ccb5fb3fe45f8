"""The pairs list and the at-risk list, read in a fixed number of queries
whatever the number of pairs (the mentorships with their people, their
check-ins, their answers, their follow-ups): never a query per pair."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from mentorflow.pairs.models import AtRiskFlag, FollowUp, LastAnswer, PairRow, PersonRef
from mentorflow.pairs.streaks import fold
from mentorflow.store.schema import (
    AtRiskFollowUp,
    CheckIn,
    CheckInResponse,
    Cohort,
    Mentorship,
    Person,
)

#: How many ratings and outcomes a row carries.
TREND = 6
RECENT = 5
_MISSED = ("missed", "not_met")


def _person(person: Person) -> PersonRef:
    return PersonRef(employee_id=person.employee_id, name=person.name, email=person.email)


def follow_up_of(row: AtRiskFollowUp) -> FollowUp:
    return FollowUp(flag_checkin=row.flag_checkin, by=row.by, at=row.at, note=row.note)


def _mentorships(session: Session, query: Select[tuple[Mentorship]]) -> Sequence[Mentorship]:
    return session.scalars(
        query.options(joinedload(Mentorship.mentor), joinedload(Mentorship.mentee))
    ).all()


def pair_rows(
    session: Session,
    *,
    cohort: str | None = None,
    programs: Collection[str] | None = None,
    mentorship_id: str | None = None,
    running_only: bool = False,
) -> list[PairRow]:
    """The pairs of a cohort, of some programs (None: all) or one pair, as rows."""
    chosen = select(Mentorship.id).outerjoin(Cohort, Cohort.name == Mentorship.cohort)
    if cohort is not None:
        chosen = chosen.where(Mentorship.cohort == cohort)
    if programs is not None:
        chosen = chosen.where(Cohort.program_name.in_(list(programs)))
    if mentorship_id is not None:
        chosen = chosen.where(Mentorship.id == mentorship_id)
    if running_only:
        chosen = chosen.where(Mentorship.outcome.is_(None))
    ids = chosen.scalar_subquery()

    mentorships = _mentorships(session, select(Mentorship).where(Mentorship.id.in_(ids)))
    program_of = dict(
        session.execute(
            select(Mentorship.id, Cohort.program_name)
            .outerjoin(Cohort, Cohort.name == Mentorship.cohort)
            .where(Mentorship.id.in_(ids))
        ).all()
    )
    closed: dict[str, list[tuple[int, str, datetime | None]]] = defaultdict(list)
    for m_id, number, outcome, closed_at in session.execute(
        select(CheckIn.mentorship_id, CheckIn.number, CheckIn.outcome, CheckIn.closed_at)
        .where(CheckIn.mentorship_id.in_(ids), CheckIn.outcome.is_not(None))
        .order_by(CheckIn.mentorship_id, CheckIn.number)
    ):
        closed[m_id].append((number, outcome, closed_at))
    answers: dict[str, list[tuple[int, str, str, int | None, datetime]]] = defaultdict(list)
    for m_id, number, by, met, value, at in session.execute(
        select(
            CheckIn.mentorship_id,
            CheckIn.number,
            CheckInResponse.participant_id,
            CheckInResponse.met,
            CheckInResponse.value,
            CheckInResponse.submitted_at,
        )
        .join(CheckIn, CheckIn.id == CheckInResponse.checkin_id)
        .where(CheckIn.mentorship_id.in_(ids))
        .order_by(CheckIn.mentorship_id, CheckIn.number, CheckInResponse.submitted_at)
    ):
        answers[m_id].append((number, by, met, value, at))
    follow_ups: dict[str, list[AtRiskFollowUp]] = defaultdict(list)
    for row in session.scalars(
        select(AtRiskFollowUp)
        .where(AtRiskFollowUp.mentorship_id.in_(ids))
        .order_by(AtRiskFollowUp.at, AtRiskFollowUp.id)
    ):
        follow_ups[row.mentorship_id].append(row)
    return [
        _row(m, program_of.get(m.id) or "", closed[m.id], answers[m.id], follow_ups[m.id])
        for m in mentorships
    ]


def _row(
    m: Mentorship,
    program: str,
    closed: list[tuple[int, str, datetime | None]],
    answers: list[tuple[int, str, str, int | None, datetime]],
    follow_ups: list[AtRiskFollowUp],
) -> PairRow:
    threshold = int((m.program or {}).get("at_risk_streak") or 2)
    streak = fold(closed, threshold)
    flag = None
    if streak.flag_checkin is not None and m.outcome is None:
        done = [f for f in follow_ups if f.flag_checkin == streak.flag_checkin]
        flag = AtRiskFlag(
            streak=streak.missed,
            flag_checkin=streak.flag_checkin,
            since=streak.flag_since,
            followed_up=follow_up_of(done[-1]) if done else None,
        )
    names = {m.mentor_id: m.mentor.name, m.mentee_id: m.mentee.name}
    last = max(answers, key=lambda a: a[4], default=None)
    ratings: dict[int, list[int]] = defaultdict(list)
    for number, _, _, value, _ in answers:
        if value is not None:
            ratings[number].append(value)
    trend = [round(sum(v) / len(v)) for _, v in sorted(ratings.items())][-TREND:]
    return PairRow(
        id=m.id,
        cohort=m.cohort,
        program=program,
        mentor=_person(m.mentor),
        mentee=_person(m.mentee),
        phase=m.phase,
        paused=m.paused,
        outcome=m.outcome,
        checkins_held=sum(1 for _, o, _ in closed if o == "held"),
        checkins_missed=sum(1 for _, o, _ in closed if o in _MISSED),
        missed_streak=streak.missed,
        last_answer=LastAnswer(
            number=last[0], at=last[4], by=names.get(last[1], last[1]), met=last[2]
        )
        if last
        else None,
        value_trend=trend,
        recent_outcomes=[o for _, o, _ in closed][-RECENT:],
        at_risk=flag,
    )
