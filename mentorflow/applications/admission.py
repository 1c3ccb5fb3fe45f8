"""Submitting held applications to a cohort: each becomes a pre-approved
ApplicationWorkflow through the same update-with-start as the CSV import and
the web form, then is marked admitted. Idempotent: a retry finds the workflow
(a duplicate) and marks the row admitted all the same."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from mentorflow.applications.models import ApplicationDetails
from mentorflow.applications.start import (
    SubmitOutcome,
    SubmitResult,
    application_input,
    submit_application,
)
from mentorflow.program import ProgramConfig
from mentorflow.store import pending
from mentorflow.store.schema import PendingApplication, Person


async def admit(
    client: Client,
    task_queue: str,
    sessions: sessionmaker[Session],
    cohort: str,
    program: ProgramConfig,
    held: PendingApplication,
) -> SubmitResult:
    """Submits one held application to ``cohort``; someone who has left since
    is not submitted (the row is closed so they are not tried again)."""
    with sessions() as session:
        person = session.get(Person, held.employee_id)
        active = person is not None and person.active
    if not active:
        result = SubmitResult(SubmitOutcome.REFUSED, "no longer in the directory")
    else:
        application = application_input(cohort, program, held.employee_id).model_copy(
            update={"pre_approved": True, "pre_approved_reason": held.note}
        )
        details = ApplicationDetails.model_validate(held.details)
        result = await submit_application(client, task_queue, application, details)
    with sessions.begin() as session:
        pending.mark_admitted(session, held.key, cohort, datetime.now(UTC))
    return result


async def admit_waiting(
    client: Client,
    task_queue: str,
    sessions: sessionmaker[Session],
    cohort: str,
    program: ProgramConfig,
) -> list[SubmitResult]:
    """Admits every application held for ``program`` into ``cohort``."""
    with sessions() as session:
        waiting = pending.waiting_for(session, program.program_name)
        session.expunge_all()
    return [await admit(client, task_queue, sessions, cohort, program, row) for row in waiting]
