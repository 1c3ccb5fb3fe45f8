"""A manager's approval that arrives after the cohort's matching started: the
application ends (waitlisted here, held, already approved, for the program's
next cohort) and the applicant is told, instead of waiting forever for a match
in a cohort that has moved on. Also when the manager never answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from mentorflow.applications.models import (
    ApplicationSnapshot,
    ManagerDecision,
    application_workflow_id,
)
from mentorflow.applications.start import application_input, submit_application
from mentorflow.cohorts.models import CloseRequest, CohortInput
from mentorflow.cohorts.states import ApplicationStatus, CohortStatus
from mentorflow.directory import import_directory
from mentorflow.models import Role
from mentorflow.program import ManagerApproval, ProgramConfig
from mentorflow.store import cohorts, pending
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import PendingApplication
from tests.conftest import SmtpServer
from tests.support.pairs import settings_for, worker_for
from tests.test_application_lifecycle import DIRECTORY, MENTEE
from workflows.application import ApplicationWorkflow
from workflows.cohort import CohortWorkflow

COHORT = "2027-spring"
#: Words of the subject of the email that tells the applicant how it ended.
SUBJECTS = {
    ApplicationStatus.REJECTED: "About your application",
    ApplicationStatus.WAITLISTED: "waitlist",
}


def program(on_timeout: str = "reject") -> ProgramConfig:
    return ProgramConfig(
        name="Engineering Mentoring",
        program_manager_email="programs@example.com",
        manager_approval=ManagerApproval(
            required=True, timeout=timedelta(days=5), on_timeout=on_timeout
        ),
    )


@dataclass
class Cohort:
    env: WorkflowEnvironment
    smtp: SmtpServer
    db_url: str
    task_queue: str
    handle: WorkflowHandle[Any, Any]

    async def apply(self, program: ProgramConfig) -> WorkflowHandle[Any, Any]:
        await submit_application(
            self.env.client, self.task_queue, application_input(COHORT, program, "A1"), MENTEE
        )
        handle = self.env.client.get_workflow_handle(application_workflow_id(COHORT, "A1"))
        await self.smtp.recorder.wait_for(lambda m: "mona.manager" in str(m["To"]))
        assert (await handle.query(ApplicationWorkflow.status)).status is (
            ApplicationStatus.AWAITING_MANAGER
        )
        return handle

    async def close(self) -> None:
        await self.handle.execute_update(CohortWorkflow.close_applications, CloseRequest())
        for _ in range(400):
            if (await self.handle.query(CohortWorkflow.status)).status is CohortStatus.REVIEW:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the cohort never reached review")

    def held(self) -> list[PendingApplication]:
        engine = make_engine(self.db_url)
        try:
            with make_sessionmaker(engine)() as session:
                return list(session.scalars(select(PendingApplication)))
        finally:
            engine.dispose()

    def stored_status(self) -> str | None:
        engine = make_engine(self.db_url)
        try:
            with make_sessionmaker(engine)() as session:
                row = cohorts.get_application(session, COHORT, "A1", Role.MENTEE)
                return row.status if row else None
        finally:
            engine.dispose()


async def launch(
    env: WorkflowEnvironment, smtp: SmtpServer, db_url: str, task_queue: str, prog: ProgramConfig
) -> Cohort:
    now = await env.get_current_time()
    launch = CohortInput(
        cohort=COHORT, program=prog, opens_at=now, closes_at=now + timedelta(days=14)
    )
    # As `cohort launch` does: the row exists before anyone applies.
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        cohorts.create_cohort(
            session, COHORT, prog, opens_at=launch.opens_at, closes_at=launch.closes_at
        )
    engine.dispose()
    handle = await env.client.start_workflow(
        CohortWorkflow.run, launch, id=launch.workflow_id, task_queue=task_queue
    )
    return Cohort(env, smtp, db_url, task_queue, handle)


@pytest.fixture
async def worker(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[tuple[WorkflowEnvironment, SmtpServer, str, str]]:
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, DIRECTORY).errors
    engine.dispose()
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(time_skipping_env.client, settings, task_queue):
        yield time_skipping_env, smtp_server, sqlite_url, task_queue


async def finished(handle: WorkflowHandle[Any, Any]) -> ApplicationSnapshot:
    # Before the fix the application waited for a match forever: bounded here.
    result = await asyncio.wait_for(handle.result(), timeout=30)
    return ApplicationSnapshot.model_validate(result)


async def test_an_approval_after_matching_waitlists_and_holds_for_the_next_cohort(
    worker: tuple[WorkflowEnvironment, SmtpServer, str, str],
) -> None:
    prog = program()
    cohort = await launch(*worker, prog)
    application = await cohort.apply(prog)
    await cohort.close()

    receipt = await application.execute_update(
        ApplicationWorkflow.manager_decision, ManagerDecision(by="M1", approve=True)
    )
    # What the manager's page shows: recorded, and what happens now.
    assert "approval is recorded" in receipt.message
    assert "Ana Applicant will be put forward" in receipt.message
    assert "next cohort" in receipt.message

    result = await finished(application)
    assert result.status is ApplicationStatus.WAITLISTED
    assert "Your manager's approval came after matching" in result.reason
    assert cohort.stored_status() == ApplicationStatus.WAITLISTED
    mail = await cohort.smtp.recorder.wait_for(
        lambda m: "ana.applicant" in str(m["To"]) and "waitlist" in str(m["Subject"])
    )
    body = mail.get_body(("plain",)).get_content()
    assert "came after matching" in body and "next cohort" in body
    assert not [m for m in cohort.smtp.recorder.messages if "matching pool" in str(m["Subject"])]

    [held] = cohort.held()
    assert (held.employee_id, held.role, held.program_name) == ("A1", "mentee", prog.program_name)
    assert held.details["goals"] == MENTEE.goals and held.admitted_cohort is None
    # The cohort's proposal did not change: nobody was added after matching.
    snap = await cohort.handle.query(CohortWorkflow.status)
    assert snap.proposal is not None and snap.proposal.mentees == 0


@pytest.mark.parametrize(
    ("on_timeout", "status", "held"),
    [("reject", ApplicationStatus.REJECTED, 0), ("approve", ApplicationStatus.WAITLISTED, 1)],
)
async def test_a_manager_who_never_answers_after_matching_ends_the_application(
    worker: tuple[WorkflowEnvironment, SmtpServer, str, str],
    on_timeout: str,
    status: ApplicationStatus,
    held: int,
) -> None:
    prog = program(on_timeout)
    cohort = await launch(*worker, prog)
    application = await cohort.apply(prog)
    await cohort.close()

    await cohort.env.sleep(timedelta(days=6))  # past the manager's five days
    result = await finished(application)
    assert result.status is status
    assert cohort.stored_status() == status
    told = SUBJECTS[status]
    await cohort.smtp.recorder.wait_for(
        lambda m: "ana.applicant" in str(m["To"]) and told in str(m["Subject"])
    )
    assert len(cohort.held()) == held
    # The reminder went after matching had run, and said where a yes leads.
    [reminder] = [
        m for m in cohort.smtp.recorder.to("mona.manager") if "Reminder" in str(m["Subject"])
    ]
    text = reminder.get_body(("plain",)).get_content()
    assert "Matching for this cohort has already run: if you approve" in text
    if status is ApplicationStatus.WAITLISTED:
        assert result.reason.startswith("Your application was approved after matching")


async def test_the_store_refuses_the_pool_when_matching_started_without_the_signal(
    worker: tuple[WorkflowEnvironment, SmtpServer, str, str],
) -> None:
    """A race: the approval is recorded after matching started but before the
    cohort's ``pool_closed`` reached the application. The store says no."""
    env, smtp, db_url, task_queue = worker
    prog = program()
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    now = await env.get_current_time()
    with sessions.begin() as session:
        cohorts.create_cohort(session, COHORT, prog, opens_at=now, closes_at=now + timedelta(1))
    cohort = Cohort(env, smtp, db_url, task_queue, handle=None)  # type: ignore[arg-type]
    application = await cohort.apply(prog)
    with sessions.begin() as session:
        cohorts.set_cohort_status(session, COHORT, CohortStatus.MATCHING)
    await application.execute_update(
        ApplicationWorkflow.manager_decision, ManagerDecision(by="M1", approve=True)
    )
    result = await finished(application)
    assert result.status is ApplicationStatus.WAITLISTED
    assert cohort.stored_status() == ApplicationStatus.WAITLISTED
    with sessions() as session:
        assert [row.employee_id for row in pending.waiting_for(session, prog.program_name)] == [
            "A1"
        ]
    engine.dispose()
