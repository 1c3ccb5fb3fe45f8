"""Per-cohort figures (participants, match rate, response rate, mean value,
graduates, early ends) from five grouped queries over any number of cohorts,
and their sums per program and across programs. The cohort report reads its
rates from here too, so the console and the report never disagree."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from pydantic import BaseModel, computed_field
from sqlalchemy import case, func, select, union
from sqlalchemy.orm import Session

from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.models import Outcome, Role
from mentorflow.store.schema import Application, CheckIn, CheckInResponse, Mentorship

#: Mentees who were eligible for matching (the match rate's denominator).
IN_POOL = (ApplicationStatus.APPROVED, ApplicationStatus.MATCHED, ApplicationStatus.WAITLISTED)
#: Every way a pair ends before graduating.
EARLY = (Outcome.ENDED_EARLY, Outcome.PARTICIPANT_LEFT, Outcome.DECLINED, Outcome.NOT_STARTED)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class Figures(BaseModel):
    """Counts that add up across cohorts; the rates are computed from them."""

    #: People in the cohort's pairs (someone in two cohorts counts in each).
    participants: int = 0
    eligible_mentees: int = 0
    #: Of the eligible mentees, those in a pair: the match rate's numerator.
    eligible_matched: int = 0
    #: Mentees in the cohort's pairs.
    matched_mentees: int = 0
    pairs: int = 0
    checkins_sent: int = 0
    checkins_held: int = 0
    answers: int = 0
    value_total: int = 0
    values: int = 0
    graduates: int = 0
    early_ends: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def match_rate(self) -> float | None:
        return ratio(self.eligible_matched, self.eligible_mentees)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def response_rate(self) -> float | None:
        # Each check-in asks both people.
        return ratio(self.answers, 2 * self.checkins_sent)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mean_value(self) -> float | None:
        return round(self.value_total / self.values, 2) if self.values else None

    def __add__(self, other: Figures) -> Figures:
        fields = type(self).model_fields
        return Figures(**{f: getattr(self, f) + getattr(other, f) for f in fields})


def total(figures: Iterable[Figures]) -> Figures:
    return sum(figures, Figures())


def cohort_figures(session: Session, cohorts: Collection[str]) -> dict[str, Figures]:
    """Figures of each cohort named (a cohort with nothing yet has zeros)."""
    names = list(cohorts)
    found = {name: Figures() for name in names}
    if not names:
        return found
    paired = (
        select(Mentorship.id)
        .where(
            Mentorship.cohort == Application.cohort,
            Mentorship.mentee_id == Application.employee_id,
        )
        .exists()
    )
    for cohort, count, matched in session.execute(
        select(
            Application.cohort,
            func.count(func.distinct(Application.employee_id)),
            func.count(func.distinct(case((paired, Application.employee_id)))),
        )
        .where(
            Application.cohort.in_(names),
            Application.role == Role.MENTEE.value,
            Application.status.in_([s.value for s in IN_POOL]),
        )
        .group_by(Application.cohort)
    ):
        found[cohort].eligible_mentees, found[cohort].eligible_matched = count, matched
    early = [o.value for o in EARLY]
    for cohort, pairs, mentees, graduates, early_ends in session.execute(
        select(
            Mentorship.cohort,
            func.count(Mentorship.id),
            func.count(func.distinct(Mentorship.mentee_id)),
            func.coalesce(func.sum(case((Mentorship.outcome == Outcome.GRADUATED.value, 1))), 0),
            func.coalesce(func.sum(case((Mentorship.outcome.in_(early), 1))), 0),
        )
        .where(Mentorship.cohort.in_(names))
        .group_by(Mentorship.cohort)
    ):
        figures = found[cohort]
        figures.pairs, figures.matched_mentees = pairs, mentees
        figures.graduates, figures.early_ends = int(graduates), int(early_ends)
    people = union(
        select(Mentorship.cohort, Mentorship.mentor_id.label("person")).where(
            Mentorship.cohort.in_(names)
        ),
        select(Mentorship.cohort, Mentorship.mentee_id.label("person")).where(
            Mentorship.cohort.in_(names)
        ),
    ).subquery()
    for cohort, count in session.execute(
        select(people.c.cohort, func.count()).group_by(people.c.cohort)
    ):
        found[cohort].participants = count
    for cohort, sent, held in session.execute(
        select(
            Mentorship.cohort,
            func.count(CheckIn.id),
            func.coalesce(func.sum(case((CheckIn.outcome == "held", 1))), 0),
        )
        .join(Mentorship, CheckIn.mentorship_id == Mentorship.id)
        .where(Mentorship.cohort.in_(names))
        .group_by(Mentorship.cohort)
    ):
        found[cohort].checkins_sent, found[cohort].checkins_held = sent, int(held)
    for cohort, answers, value_total, values in session.execute(
        select(
            Mentorship.cohort,
            func.count(CheckInResponse.id),
            func.coalesce(func.sum(CheckInResponse.value), 0),
            func.count(CheckInResponse.value),
        )
        .join(CheckIn, CheckInResponse.checkin_id == CheckIn.id)
        .join(Mentorship, CheckIn.mentorship_id == Mentorship.id)
        .where(Mentorship.cohort.in_(names))
        .group_by(Mentorship.cohort)
    ):
        figures = found[cohort]
        figures.answers, figures.value_total, figures.values = answers, int(value_total), values
    return found
