"""Who an evergreen round matches: everyone waiting in the program's intake.

- a mentee in the pool who has not had their mentors yet: a new applicant,
  one whose introduction was declined or timed out, whose mentor left, or
  who ended early asking for a new mentor (those mentorships do not count),
  up to the program's ``mentors_per_mentee``, one new mentor a round;
- a mentor with room left after their running pairs.

The store is the truth: a round reads it when it runs, so a pair that
closed a minute ago is counted as closed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.models import Outcome, Phase, Role
from mentorflow.program import ProgramConfig
from mentorflow.store.schema import Application, Mentorship, Person

#: A mentorship that ended so is no mentor had: the mentee is matched again.
REMATCH_OUTCOMES = frozenset({Outcome.DECLINED, Outcome.NOT_STARTED, Outcome.PARTICIPANT_LEFT})
#: Applications that stay in an evergreen pool: approved, or matched before
#: (a matched mentor may have room, a matched mentee may be matched again).
IN_POOL = (ApplicationStatus.APPROVED.value, ApplicationStatus.MATCHED.value)


@dataclass(frozen=True)
class WaitingPool:
    mentees: list[Application]
    #: Each mentor's application with the room left after their running pairs.
    mentors: list[tuple[Application, int]]


def frees_the_mentee(outcome: Outcome | None, wants_new_mentor: bool) -> bool:
    return outcome in REMATCH_OUTCOMES or (outcome is Outcome.ENDED_EARLY and wants_new_mentor)


def waiting_pool(session: Session, cohort: str, program: ProgramConfig) -> WaitingPool:
    applications = list(
        session.scalars(
            select(Application)
            .join(Person, Person.employee_id == Application.employee_id)
            .where(
                Application.cohort == cohort,
                Application.status.in_(IN_POOL),
                Person.active.is_(True),
            )
            .order_by(Application.employee_id, Application.role)
        )
    )
    mentoring: Counter[str] = Counter()
    mentored: Counter[str] = Counter()
    for mentor_id, mentee_id, phase, outcome, wants_new_mentor in session.execute(
        select(
            Mentorship.mentor_id,
            Mentorship.mentee_id,
            Mentorship.phase,
            Mentorship.outcome,
            Mentorship.wants_new_mentor,
        ).where(Mentorship.cohort == cohort)
    ):
        if phase != Phase.CLOSED.value:
            mentoring[mentor_id] += 1
            mentored[mentee_id] += 1
        elif not frees_the_mentee(Outcome(outcome) if outcome else None, wants_new_mentor):
            mentored[mentee_id] += 1
    mentees = [
        a
        for a in applications
        if a.role == Role.MENTEE.value and mentored[a.employee_id] < program.mentors_per_mentee
    ]
    mentors = []
    for a in applications:
        if a.role != Role.MENTOR.value:
            continue
        room = (a.capacity or program.default_mentor_capacity) - mentoring[a.employee_id]
        if room > 0:
            mentors.append((a, room))
    return WaitingPool(mentees=mentees, mentors=mentors)
