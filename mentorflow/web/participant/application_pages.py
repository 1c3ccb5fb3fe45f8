"""What the application pages show: the workflow's ``status`` (where the
application is) together with the store's record of the person and what they
wrote (the system of record for answers), and the words for each status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorflow.applications.models import FINAL_STATUSES, ApplicationSnapshot
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.models import Participant
from mentorflow.store import cohorts
from mentorflow.store.schema import Application, Person
from mentorflow.web.deps import TemporalConnector
from mentorflow.web.errors import PageError
from mentorflow.web.participant.workflow_calls import query

STATUS_TEXT = {
    ApplicationStatus.SUBMITTED: "Received: we are checking the program's criteria.",
    ApplicationStatus.ELIGIBLE: "Eligible: a moment while we take the next step.",
    ApplicationStatus.INELIGIBLE: "Not eligible for this cohort.",
    ApplicationStatus.AWAITING_MANAGER: "Waiting for your manager's approval.",
    ApplicationStatus.APPROVED: "In the matching pool: you will hear from us after matching.",
    ApplicationStatus.REJECTED: "Not approved this time.",
    ApplicationStatus.WITHDRAWN: "Withdrawn.",
    ApplicationStatus.MATCHED: "Matched: look out for your introduction email.",
    ApplicationStatus.WAITLISTED: "On the waitlist for a later cohort.",
}


def application_gone() -> PageError:
    return PageError(
        410,
        "This application is no longer running",
        "There is nothing left to do with this link.",
    )


def is_open(snapshot: ApplicationSnapshot) -> bool:
    """Withdrawing is still possible: not final, not matched."""
    return snapshot.status not in FINAL_STATUSES and not snapshot.mentorship_ids


async def application_status(
    temporal: TemporalConnector,
    workflow_id: str,
    missing: Callable[[], PageError] = application_gone,
) -> ApplicationSnapshot:
    """The application's status; ``missing()`` is raised when there is no such
    workflow (not applied yet, or a link naming one that never existed)."""
    return await query(temporal, workflow_id, "status", ApplicationSnapshot, missing)


def participant(session: Session, employee_id: str) -> Participant:
    """The person as the directory knows them (a bare id if it does not)."""
    person = session.get(Person, employee_id)
    if person is None:
        return Participant(employee_id=employee_id, email="", name="")
    return Participant(
        employee_id=person.employee_id,
        email=person.email,
        name=person.name,
        timezone=person.timezone or "UTC",
    )


def active_person_by_email(session: Session, email: str) -> Person | None:
    """Case-insensitive: people type their address as they like."""
    return session.scalar(
        select(Person).where(func.lower(Person.email) == email.strip().lower(), Person.active)
    )


def program_name(session: Session, cohort: str) -> str:
    found = cohorts.get_cohort(session, cohort)
    return found.program_name if found is not None else cohort


@dataclass
class ApplicationView:
    """One application as its pages show it."""

    snapshot: ApplicationSnapshot
    applicant: Participant
    person: Person | None
    answers: list[Application]
    program_name: str

    def context(self) -> dict[str, Any]:
        return {
            "snapshot": self.snapshot,
            "applicant": self.applicant,
            "person": self.person,
            "answers": self.answers,
            "program_name": self.program_name,
            "status_text": STATUS_TEXT[self.snapshot.status],
            "is_open": is_open(self.snapshot),
            "roles": " and ".join(role.value for role in self.snapshot.roles),
            "tz": self.applicant.timezone,
        }


def application_view(session: Session, snapshot: ApplicationSnapshot) -> ApplicationView:
    answers = session.scalars(
        select(Application)
        .where(
            Application.cohort == snapshot.cohort,
            Application.employee_id == snapshot.employee_id,
        )
        .order_by(Application.role)
    ).all()
    return ApplicationView(
        snapshot=snapshot,
        applicant=participant(session, snapshot.employee_id),
        person=session.get(Person, snapshot.employee_id),
        answers=list(answers),
        program_name=program_name(session, snapshot.cohort),
    )
