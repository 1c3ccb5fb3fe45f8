"""``/hr/people``: find anyone in the directory, and what they took part in
across cohorts and programs ("several mentors over a career")."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from mentorflow.store.schema import Application, Cohort, Mentorship, Person

SEARCH_LIMIT = 50


class PersonFound(BaseModel):
    employee_id: str
    name: str
    email: str
    title: str
    department: str


class ApplicationLine(BaseModel):
    cohort: str
    program: str
    role: str
    status: str
    applied_at: datetime


class MentorshipLine(BaseModel):
    id: str
    cohort: str
    program: str
    #: This person's side of the pair.
    role: str
    partner_id: str
    partner_name: str
    phase: str
    outcome: str | None
    started_at: datetime
    ended_at: datetime | None


class PersonHistory(BaseModel):
    person: PersonFound
    manager: PersonFound | None
    active: bool
    #: Newest first, only of the programs in the asker's scope.
    applications: list[ApplicationLine]
    mentorships: list[MentorshipLine]


def _found(person: Person) -> PersonFound:
    return PersonFound(
        employee_id=person.employee_id,
        name=person.name,
        email=person.email,
        title=person.title,
        department=person.department,
    )


def _escaped(text: str) -> str:
    # The words are searched for as written: % and _ are not wildcards.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_people(session: Session, query: str, limit: int = SEARCH_LIMIT) -> list[PersonFound]:
    """Everyone whose name, email or employee id contains ``query``, any case."""
    words = query.strip()
    if not words:
        return []
    like = f"%{_escaped(words.lower())}%"
    people = session.scalars(
        select(Person)
        .where(
            or_(
                *(
                    func.lower(column).like(like, escape="\\")
                    for column in (Person.name, Person.email, Person.employee_id)
                )
            )
        )
        .order_by(Person.name, Person.employee_id)
        .limit(limit)
    )
    return [_found(p) for p in people]


def person_history(
    session: Session, employee_id: str, programs: Collection[str] | None
) -> PersonHistory | None:
    """The person and their applications and mentorships of ``programs``
    (None: every program); None when the directory has no such person."""
    person = session.get(Person, employee_id)
    if person is None:
        return None
    manager = session.get(Person, person.manager_id) if person.manager_id else None
    applied = (
        select(Application, Cohort.program_name)
        .join(Cohort, Application.cohort == Cohort.name)
        .where(Application.employee_id == employee_id)
    )
    if programs is not None:
        applied = applied.where(Cohort.program_name.in_(list(programs)))
    applications = [
        ApplicationLine(
            cohort=a.cohort, program=program, role=a.role, status=a.status, applied_at=a.created_at
        )
        for a, program in session.execute(
            applied.order_by(Application.created_at.desc(), Application.id.desc())
        )
    ]
    partner = aliased(Person)
    paired = (
        select(Mentorship, Cohort.program_name, partner)
        .join(Cohort, Mentorship.cohort == Cohort.name)
        .join(
            partner,
            partner.employee_id
            == func.coalesce(
                # The other side of the pair.
                func.nullif(Mentorship.mentor_id, employee_id),
                Mentorship.mentee_id,
            ),
        )
        .where(or_(Mentorship.mentor_id == employee_id, Mentorship.mentee_id == employee_id))
    )
    if programs is not None:
        paired = paired.where(Cohort.program_name.in_(list(programs)))
    mentorships = [
        MentorshipLine(
            id=m.id,
            cohort=m.cohort,
            program=program,
            role="mentor" if m.mentor_id == employee_id else "mentee",
            partner_id=other.employee_id,
            partner_name=other.name,
            phase=m.phase,
            outcome=m.outcome,
            started_at=m.started_at,
            ended_at=m.ended_at,
        )
        for m, program, other in session.execute(
            paired.order_by(Mentorship.started_at.desc(), Mentorship.id)
        )
    ]
    return PersonHistory(
        person=_found(person),
        manager=_found(manager) if manager else None,
        active=person.active,
        applications=applications,
        mentorships=mentorships,
    )
