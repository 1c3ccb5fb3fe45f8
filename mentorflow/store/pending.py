"""Applications held for a program's next cohort: an alumnus who accepted the
invitation to mentor, a mentee whose mentor left. They are submitted, already
approved, when a cohort of the program opens (``mentorflow.applications.admission``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorflow.cohorts.states import CohortStatus, PendingReason
from mentorflow.models import Role
from mentorflow.store.inserts import insert_for, inserted
from mentorflow.store.schema import Cohort, PendingApplication


def hold_application(
    session: Session,
    *,
    key: str,
    program_name: str,
    employee_id: str,
    role: Role,
    reason: PendingReason,
    details: dict,
    note: str,
    now: datetime,
) -> bool:
    """Holds one application; False when ``key`` was held already (a retry)."""
    statement = (
        insert_for(session, PendingApplication)
        .values(
            key=key,
            program_name=program_name,
            employee_id=employee_id,
            role=role.value,
            reason=reason.value,
            details=details,
            note=note,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return inserted(session, statement)


def waiting_for(session: Session, program_name: str) -> list[PendingApplication]:
    """Held applications of a program not yet admitted to a cohort, oldest first."""
    return list(
        session.scalars(
            select(PendingApplication)
            .where(
                PendingApplication.program_name == program_name,
                PendingApplication.admitted_cohort.is_(None),
            )
            .order_by(PendingApplication.created_at, PendingApplication.key)
        )
    )


def mark_admitted(session: Session, key: str, cohort: str, now: datetime) -> None:
    row = session.get(PendingApplication, key)
    if row is not None and row.admitted_cohort is None:
        row.admitted_cohort = cohort
        row.admitted_at = now


def open_cohort_of(session: Session, program_name: str) -> Cohort | None:
    """The program's cohort taking applications now (the newest, if several)."""
    return session.scalars(
        select(Cohort)
        .where(Cohort.program_name == program_name, Cohort.status == CohortStatus.OPEN.value)
        .order_by(Cohort.opens_at.desc(), Cohort.name.desc())
        .limit(1)
    ).first()
