"""Engagement over time: per week since a cohort's first pair started, the
check-ins sent, answered and held, the mean value rating, and the pairs at
risk at the week's end (their last check-ins missed or not met, as many in a
row as the program's ``at_risk_streak``). Two queries for the whole cohort."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorflow.models import CheckInOutcome
from mentorflow.store.schema import CheckIn, CheckInResponse, Mentorship

#: Outcomes that lengthen a pair's streak towards "at risk".
UNMET = {CheckInOutcome.MISSED.value, CheckInOutcome.NOT_MET.value}
DEFAULT_STREAK = 2


class Week(BaseModel):
    #: 1 is the week the first pair started.
    number: int
    starts: date
    sent: int
    #: Check-ins at least one of the pair answered.
    answered: int
    held: int
    mean_value: float | None
    at_risk: int


class Engagement(BaseModel):
    cohort: str
    weeks: list[Week]


def cohort_engagement(session: Session, cohort: str, today: date) -> Engagement:
    pairs = session.execute(
        select(Mentorship.id, Mentorship.started_at, Mentorship.ended_at, Mentorship.program).where(
            Mentorship.cohort == cohort
        )
    ).all()
    if not pairs:
        return Engagement(cohort=cohort, weeks=[])
    first = min(p.started_at for p in pairs).date()
    answered = (
        select(
            CheckInResponse.checkin_id,
            func.count(CheckInResponse.id).label("answers"),
            func.coalesce(func.sum(CheckInResponse.value), 0).label("value_total"),
            func.count(CheckInResponse.value).label("values"),
        )
        .group_by(CheckInResponse.checkin_id)
        .subquery()
    )
    checkins = session.execute(
        select(
            CheckIn.mentorship_id,
            CheckIn.number,
            CheckIn.due_date,
            CheckIn.outcome,
            func.coalesce(answered.c.answers, 0),
            func.coalesce(answered.c.value_total, 0),
            func.coalesce(answered.c["values"], 0),
        )
        .join(Mentorship, CheckIn.mentorship_id == Mentorship.id)
        .outerjoin(answered, answered.c.checkin_id == CheckIn.id)
        .where(Mentorship.cohort == cohort)
        .order_by(CheckIn.mentorship_id, CheckIn.number)
    ).all()
    last_day = max([today, *(c.due_date for c in checkins)])
    weeks = (last_day - first).days // 7 + 1
    sent, got, held, value_total, values = ([0] * weeks for _ in range(5))
    by_pair: defaultdict[str, list[tuple[date, str | None]]] = defaultdict(list)
    for pair, _number, due, outcome, answers, total, counted in checkins:
        week = max(0, (due - first).days // 7)
        sent[week] += 1
        got[week] += answers > 0
        held[week] += outcome == CheckInOutcome.HELD.value
        value_total[week] += int(total)
        values[week] += counted
        by_pair[pair].append((due, outcome))
    at_risk = [0] * weeks
    for pair, _started, ended, program in pairs:
        streak_needed = int((program or {}).get("at_risk_streak", DEFAULT_STREAK))
        for week in range(weeks):
            week_end = first + timedelta(days=7 * (week + 1))
            if ended is not None and ended.date() < week_end:
                break
            closed = [o for due, o in by_pair[pair] if due < week_end and o is not None]
            streak = 0
            for outcome in reversed(closed):
                if outcome not in UNMET:
                    break
                streak += 1
            at_risk[week] += streak >= streak_needed
    return Engagement(
        cohort=cohort,
        weeks=[
            Week(
                number=w + 1,
                starts=first + timedelta(days=7 * w),
                sent=sent[w],
                answered=got[w],
                held=held[w],
                mean_value=round(value_total[w] / values[w], 2) if values[w] else None,
                at_risk=at_risk[w],
            )
            for w in range(weeks)
        ],
    )
