"""What the console's cohort pages and the API read from the store: a
cohort's dates and counts (answered while Temporal is busy), and its
applications filtered by status and role and searched by name, email or
employee id."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.cohorts.review import STATE_LABELS, application_counts
from mentorflow.cohorts.states import ApplicationStatus, CohortStatus
from mentorflow.hr.errors import NotFound
from mentorflow.models import Role
from mentorflow.store import cohorts
from mentorflow.store.schema import Application, Cohort, Mentorship, Person

#: Rows a page shows at most; the search narrows a bigger cohort.
PAGE_LIMIT = 500


class CohortDates(BaseModel):
    launched_at: datetime
    opens_at: datetime
    closes_at: datetime
    #: The latest matching run, and when HR approved it.
    matched_at: datetime | None = None
    approved_at: datetime | None = None


class CohortDetails(BaseModel):
    name: str
    program: str
    status: CohortStatus
    dates: CohortDates
    #: People (someone applying as both counts once) by application state.
    applications: dict[ApplicationStatus, int]
    pairs: int
    #: An evergreen program's intake, matched in rounds.
    evergreen: bool = False


class ApplicationRow(BaseModel):
    employee_id: str
    name: str
    email: str
    role: Role
    status: ApplicationStatus
    status_label: str
    source: str
    submitted_at: datetime


class ApplicationListing(BaseModel):
    cohort: str
    #: Application rows (not people) by state, over the whole cohort.
    counts: dict[ApplicationStatus, int]
    rows: list[ApplicationRow]
    #: More rows matched than are listed.
    truncated: bool = False


def cohort_program_name(sessions: sessionmaker[Session], name: str) -> str | None:
    """The program of cohort ``name``; None when there is no such cohort."""
    with sessions() as session:
        return session.scalar(select(Cohort.program_name).where(Cohort.name == name))


def cohort_details(sessions: sessionmaker[Session], name: str) -> CohortDetails:
    with sessions() as session:
        cohort = cohorts.get_cohort(session, name)
        if cohort is None:
            raise NotFound(f"no cohort {name!r}")
        run = cohorts.latest_matching_run(session, name)
        pairs = session.scalar(select(func.count(Mentorship.id)).where(Mentorship.cohort == name))
        return CohortDetails(
            name=name,
            program=cohort.program_name,
            status=CohortStatus(cohort.status),
            dates=CohortDates(
                launched_at=cohort.created_at,
                opens_at=cohort.opens_at,
                closes_at=cohort.closes_at,
                matched_at=run.created_at if run else None,
                approved_at=run.approved_at if run else None,
            ),
            applications=application_counts(session, name),
            pairs=pairs or 0,
            evergreen=cohorts.cohort_program(cohort).evergreen,
        )


def list_applications(
    sessions: sessionmaker[Session],
    cohort: str,
    *,
    status: ApplicationStatus | None = None,
    role: Role | None = None,
    search: str = "",
    limit: int = PAGE_LIMIT,
) -> ApplicationListing:
    """The cohort's applications, newest first, narrowed by ``status``,
    ``role`` and ``search`` (part of a name or email, or an employee id)."""
    with sessions() as session:
        counted = session.execute(
            select(Application.status, func.count(Application.id))
            .where(Application.cohort == cohort)
            .group_by(Application.status)
        ).all()
        query = (
            select(Application, Person)
            .join(Person, Person.employee_id == Application.employee_id)
            .where(Application.cohort == cohort)
        )
        if status is not None:
            query = query.where(Application.status == status.value)
        if role is not None:
            query = query.where(Application.role == role.value)
        needle = search.strip().lower()
        if needle:
            like = f"%{_escaped(needle)}%"
            query = query.where(
                or_(
                    func.lower(Person.name).like(like, escape="\\"),
                    func.lower(Person.email).like(like, escape="\\"),
                    func.lower(Application.employee_id) == needle,
                )
            )
        found = session.execute(
            query.order_by(Application.created_at.desc(), Application.id.desc()).limit(limit + 1)
        ).all()
    found_counts = {ApplicationStatus(s): n for s, n in counted}
    rows = [
        ApplicationRow(
            employee_id=application.employee_id,
            name=person.name,
            email=person.email,
            role=Role(application.role),
            status=ApplicationStatus(application.status),
            status_label=STATE_LABELS[ApplicationStatus(application.status)],
            source=application.source,
            submitted_at=application.created_at,
        )
        for application, person in found[:limit]
    ]
    return ApplicationListing(
        cohort=cohort,
        counts={s: found_counts.get(s, 0) for s in STATE_LABELS},
        rows=rows,
        truncated=len(found) > limit,
    )


def _escaped(text: str) -> str:
    # A search for "100%" looks for the characters, not a pattern.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
